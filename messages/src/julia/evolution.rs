//! Evolution: QR code, restart, webhook reset.

use crate::{escape, Locale, Msg};

pub fn qr_already_open(l: Locale, instance: &str) -> Msg {
    Msg::text(l.t(
        format!("`{instance}` is already connected (open): no QR code needed."),
        format!("`{instance}` já está conectada (open): não precisa de QR code."),
    ))
}

pub fn qr_missing(l: Locale) -> Msg {
    Msg::text(
        l.t(
            "Evolution has no QR code yet. Try again in a few seconds.",
            "A Evolution ainda não tem QR code. Tente de novo em alguns segundos.",
        )
        .to_string(),
    )
}

/// The comment of the QR image in the requester's DM.
pub fn qr_dm_comment(l: Locale, instance: &str, pairing_code: Option<&str>, cmd: &str) -> String {
    let mut t = l.t(format!("WhatsApp QR code for the Evolution instance `{instance}`: scan it in WhatsApp → Linked devices → Link a device. It expires within a minute; ask again with `{cmd} evolution qr`."),
        format!("QR code do WhatsApp da instância Evolution `{instance}`: escaneie no WhatsApp → Aparelhos conectados → Conectar um aparelho. Expira em um minuto; peça de novo com `{cmd} evolution qr`."),
    );
    if let Some(c) = pairing_code {
        t.push('\n');
        t.push_str(&l.t(
            format!(
                "Or link with phone number using the pairing code `{}`.",
                escape(c)
            ),
            format!(
                "Ou conecte com número de telefone usando o código `{}`.",
                escape(c)
            ),
        ));
    }
    t
}

/// The ephemeral answer once the QR image is in the requester's DM.
pub fn qr_sent_by_dm(l: Locale, instance: &str) -> Msg {
    Msg::text(l.t(format!(":iphone: The QR code for `{instance}` is in your direct messages with the bot (only you can see it)."),
        format!(":iphone: O QR code de `{instance}` está nas suas mensagens diretas com o bot (só você vê)."),
    ))
}

/// No image delivered (`slack_error`: Slack refused it; `None`: Evolution gave no image): the
/// pairing code when there is one, else what to do.
pub fn qr_text_fallback(
    l: Locale,
    instance: &str,
    slack_error: Option<&str>,
    pairing_code: Option<&str>,
    cmd: &str,
) -> Msg {
    let head = match slack_error {
        Some(e) => l.t(format!(":warning: Could not send the QR image for `{instance}` to your direct messages (Slack: `{}`).", escape(e)),
            format!(":warning: Não foi possível enviar a imagem do QR de `{instance}` às suas mensagens diretas (Slack: `{}`).", escape(e)),
        ),
        None => l.t(format!(":warning: Evolution gave no QR image for `{instance}`."),
            format!(":warning: A Evolution não deu imagem de QR para `{instance}`."),
        ),
    };
    let rest = match pairing_code {
        Some(c) => l.t(format!("Pairing code (only you can see this): `{}` — in WhatsApp → Linked devices → Link with phone number.", escape(c)),
            format!("Código de pareamento (só você vê isto): `{}` — no WhatsApp → Aparelhos conectados → Conectar com número de telefone.", escape(c)),
        ),
        None => l.t(format!("Scan the code from Evolution's manager instead (`/manager` on the Evolution server, instance → Get QR code), or check that the app has the `im:write` and `files:write` scopes (manifest.yml) and try `{cmd} evolution qr` again."),
            format!("Escaneie o código pelo manager da Evolution (`/manager` no servidor da Evolution, instância → Get QR code), ou confira se o app tem os escopos `im:write` e `files:write` (manifest.yml) e tente `{cmd} evolution qr` de novo."),
        ),
    };
    Msg::text(format!("{head}\n{rest}"))
}

pub fn evolution_restarted(l: Locale, state: &str) -> Msg {
    Msg::text(l.t(
        format!(":arrows_counterclockwise: Evolution restarted; state now `{state}`."),
        format!(":arrows_counterclockwise: Evolution reiniciada; estado agora `{state}`."),
    ))
}

/// A restart whose answer did not arrive: it may have been applied.
pub fn restart_maybe_applied(l: Locale, cmd: &str) -> String {
    l.t(format!("unknown: Evolution may have applied the restart; check `{cmd} evolution` before retrying."),
        format!("desconhecido: a Evolution pode ter aplicado o restart; confira `{cmd} evolution` antes de repetir."),
    )
}

/// The state recorded after a restart when Evolution does not say.
pub const STATE_UNKNOWN: &str = "unknown";

/// The title and file name of the QR image uploaded to the requester's DM.
pub const QR_TITLE: &str = "WhatsApp QR";
pub const QR_FILE: &str = "whatsapp-qr.png";

/// What the webhook read-back found, when it does not match.
pub fn webhook_read_back(found: Option<(&str, bool, &[String])>) -> String {
    match found {
        Some((url, enabled, events)) => format!("read back {url} enabled={enabled} {events:?}"),
        None => "read back: no webhook".into(),
    }
}

pub fn webhook_reset_done(l: Locale, url: &str, events: &[String]) -> Msg {
    Msg::text(l.t(
        format!(
            ":white_check_mark: Webhook set and read back: `{}` enabled, events {}.",
            escape(url),
            events.join(", ")
        ),
        format!(
            ":white_check_mark: Webhook gravado e conferido: `{}` habilitado, eventos {}.",
            escape(url),
            events.join(", ")
        ),
    ))
}

/// `state`: `None` when Evolution did not say.
pub fn what_evolution_restart(l: Locale, instance: &str, state: Option<&str>) -> String {
    let state = state.unwrap_or("?");
    l.t(
        format!("restart the Evolution instance `{instance}` (state now `{state}`)"),
        format!("reiniciar a instância Evolution `{instance}` (estado agora `{state}`)"),
    )
}

pub fn what_webhook_reset(
    l: Locale,
    instance: &str,
    url: &str,
    events: &[String],
    now: Option<&str>,
) -> String {
    l.t(
        format!(
            "set the webhook of `{instance}` to `{}` with events {} (now: {})",
            escape(url),
            events.join(","),
            escape(now.unwrap_or("none"))
        ),
        format!(
            "gravar o webhook de `{instance}` como `{}` com eventos {} (agora: {})",
            escape(url),
            events.join(","),
            escape(now.unwrap_or("nenhum"))
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_gives_the_pairing_code_or_instructions() {
        let t = qr_text_fallback(
            Locale::En,
            "julia",
            Some("missing_scope"),
            Some("ABCD-1234"),
            "/julia",
        )
        .text;
        assert!(
            t.contains("`ABCD-1234`") && t.contains("missing_scope"),
            "{t}"
        );
        let t = qr_text_fallback(
            Locale::PtBr,
            "julia",
            Some("timeout"),
            None,
            "/julia-staging",
        )
        .text;
        assert!(t.contains("/manager") && t.contains("im:write"), "{t}");
        assert!(
            t.contains("`/julia-staging evolution qr`"),
            "the configured command: {t}"
        );
    }
}
