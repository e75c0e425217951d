//! Evolution words added for the real gateway: the QR code sent by direct message (and its text
//! fallback), a restart whose answer did not come in time, webhook event names Evolution refuses.

use crate::{escape, Locale, Msg};

fn tr(l: Locale, en: String, pt: String) -> String {
    match l {
        Locale::En => en,
        Locale::PtBr => pt,
    }
}

/// The comment of the QR image in the requester's DM.
pub fn qr_dm_comment(l: Locale, instance: &str, pairing_code: Option<&str>) -> String {
    let mut t = tr(
        l,
        format!("WhatsApp QR code for the Evolution instance `{instance}`: scan it in WhatsApp → Linked devices → Link a device. It expires within a minute; ask again with `/julia evolution qr`."),
        format!("QR code do WhatsApp da instância Evolution `{instance}`: escaneie no WhatsApp → Aparelhos conectados → Conectar um aparelho. Expira em um minuto; peça de novo com `/julia evolution qr`."),
    );
    if let Some(c) = pairing_code {
        t.push('\n');
        t.push_str(&tr(
            l,
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
    Msg::text(tr(
        l,
        format!(":iphone: The QR code for `{instance}` is in your direct messages with the bot (only you can see it)."),
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
) -> Msg {
    let head = match slack_error {
        Some(e) => tr(
            l,
            format!(":warning: Could not send the QR image for `{instance}` to your direct messages (Slack: `{}`).", escape(e)),
            format!(":warning: Não foi possível enviar a imagem do QR de `{instance}` às suas mensagens diretas (Slack: `{}`).", escape(e)),
        ),
        None => tr(
            l,
            format!(":warning: Evolution gave no QR image for `{instance}`."),
            format!(":warning: A Evolution não deu imagem de QR para `{instance}`."),
        ),
    };
    let rest = match pairing_code {
        Some(c) => tr(
            l,
            format!("Pairing code (only you can see this): `{}` — in WhatsApp → Linked devices → Link with phone number.", escape(c)),
            format!("Código de pareamento (só você vê isto): `{}` — no WhatsApp → Aparelhos conectados → Conectar com número de telefone.", escape(c)),
        ),
        None => tr(
            l,
            "Scan the code from Evolution's manager instead (`/manager` on the Evolution server, instance → Get QR code), or check that the app has the `im:write` and `files:write` scopes (manifest.yml) and try `/julia evolution qr` again.".into(),
            "Escaneie o código pelo manager da Evolution (`/manager` no servidor da Evolution, instância → Get QR code), ou confira se o app tem os escopos `im:write` e `files:write` (manifest.yml) e tente `/julia evolution qr` de novo.".into(),
        ),
    };
    Msg::text(format!("{head}\n{rest}"))
}

/// A restart whose answer did not arrive: it may have been applied.
pub fn restart_maybe_applied(l: Locale) -> String {
    l.t(
        "unknown: Evolution may have applied the restart; check `/julia evolution` before retrying.",
        "desconhecido: a Evolution pode ter aplicado o restart; confira `/julia evolution` antes de repetir.",
    )
    .to_string()
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
        )
        .text;
        assert!(
            t.contains("`ABCD-1234`") && t.contains("missing_scope"),
            "{t}"
        );
        let t = qr_text_fallback(Locale::PtBr, "julia", Some("timeout"), None).text;
        assert!(t.contains("/manager") && t.contains("im:write"), "{t}");
    }
}
