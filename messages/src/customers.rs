//! Customers by WhatsApp (#27): the notice's default words (pt-BR first: the doctors read it),
//! the war-room prompt with its preview, the confirmation naming the count, the live progress
//! with its Stop button, and every refusal. Phone numbers never reach these texts.

use crate::blocks::{self, Style};
use crate::{escape, human_duration, Locale, Msg};

pub const ACTION_SEND: &str = "customers_send";
pub const ACTION_EDIT: &str = "customers_edit";
pub const ACTION_DISMISS: &str = "customers_dismiss";
pub const ACTION_CONFIRM: &str = "customers_confirm";
pub const ACTION_CONFIRM_ALL: &str = "customers_confirm_all";
pub const ACTION_CANCEL: &str = "customers_cancel";
pub const ACTION_STOP: &str = "customers_stop";
/// The Edit form (`view_submission`), its block and input.
pub const EDIT_CALLBACK: &str = "customers_edit_form";
pub const EDIT_BLOCK: &str = "customers_text";
pub const EDIT_INPUT: &str = "text";

/// The message the doctors receive, as built in (a `customers_outage.j2` or
/// `customers_recovery.j2` in `TEMPLATES_DIR` replaces it). Under-promise, over-deliver: no
/// time is promised.
pub fn default_text(recovery: bool, l: Locale) -> String {
    match (recovery, l) {
        (false, Locale::PtBr) => "Olá! Aqui é a Julia. Estamos com uma instabilidade e posso demorar mais do que o normal para responder. Nossa equipe já está cuidando disso e eu aviso assim que tudo estiver normal. Obrigada pela paciência!".into(),
        (false, Locale::En) => "Hello! This is Julia. We are having a technical problem and I may take longer than usual to answer. Our team is already on it and I will let you know as soon as everything is back to normal. Thank you for your patience!".into(),
        (true, Locale::PtBr) => "Olá! Aqui é a Julia de novo. Tudo voltou ao normal e já estou respondendo como sempre. Obrigada pela paciência!".into(),
        (true, Locale::En) => "Hello again, this is Julia. Everything is back to normal and I am answering as usual. Thank you for your patience!".into(),
    }
}

/// Why a doctor is left out, in the preview.
pub fn reason(code: &str, l: Locale) -> String {
    match code {
        "opted_out" => l.t(
            "opted out (any of Julia's marks)",
            "opt-out (qualquer marca da Julia)",
        ),
        "deleted" => l.t("deleted", "excluídos"),
        "invalid_number" => l.t("invalid number", "número inválido"),
        "duplicate" => l.t("duplicate number", "número repetido"),
        "not_allowlisted" => l.t(
            "not on the dev allowlist (not production)",
            "fora da allowlist de dev (não é produção)",
        ),
        "blocked" => l.t("blocked in Julia", "bloqueados na Julia"),
        "cooling_off" => l.t("cooling-off", "cooling-off"),
        "next_allowed" => l.t(
            "next contact not allowed yet",
            "próximo contato ainda não permitido",
        ),
        "contact_cap" => l.t("weekly contact cap reached", "limite semanal de contatos"),
        "quiet_hours" => l.t(
            "quiet hours (outside Mon–Fri 08:00–20:00 São Paulo)",
            "horário de silêncio (fora de seg–sex 08:00–20:00 São Paulo)",
        ),
        other => other,
    }
    .to_string()
}

/// What the war-room prompt shows.
#[derive(Debug, Clone, Default)]
pub struct PreviewView {
    pub incident: i64,
    pub recovery: bool,
    /// The exact text the doctors will receive.
    pub text: String,
    /// Who would receive it when the held doctors are left out.
    pub recipients: usize,
    /// Always left out: (reason code, count).
    pub excluded: Vec<(String, usize)>,
    /// Held by a rule a human may override: (reason code, count).
    pub held: Vec<(String, usize)>,
    /// Estimated time to send to everyone (seconds), at the configured pace.
    pub estimate_secs: i64,
    pub estimate_all_secs: i64,
    /// `the doctors who wrote in the last 30 days` or `the configured list`.
    pub source: String,
    pub language: String,
    /// Julia is paused (`safe_mode`): the notice is an exception to its own rule.
    pub julia_paused: bool,
    /// Why it cannot be sent now (the query failed, WhatsApp is down…): no Send button.
    pub problem: Option<String>,
}

fn key(id: i64) -> String {
    format!("INC-{id}")
}

/// The `value` of the prompt's buttons: `<incident>:<kind>`.
pub fn prompt_value(incident: i64, recovery: bool) -> String {
    format!(
        "{incident}:{}",
        if recovery { "recovery" } else { "outage" }
    )
}

fn counts(items: &[(String, usize)], l: Locale) -> String {
    items
        .iter()
        .map(|(c, n)| format!("{n} {}", reason(c, l)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn prompt_title(v: &PreviewView, l: Locale) -> String {
    let k = key(v.incident);
    if v.recovery {
        l.t(
            format!(":white_check_mark: *{k}: tell the customers it is back to normal?*"),
            format!(":white_check_mark: *{k}: avisar os clientes que voltou ao normal?*"),
        )
    } else {
        l.t(
            format!(":iphone: *{k}: tell the customers (doctors) by WhatsApp?*"),
            format!(":iphone: *{k}: avisar os clientes (médicos) por WhatsApp?*"),
        )
    }
}

/// The lines under the message: the count and time, who is left out, who is held.
fn prompt_counts(v: &PreviewView, l: Locale) -> Vec<String> {
    let mut lines = vec![format!(
        "{}: *{}* ({}) · {} ~{}",
        l.t("Recipients", "Destinatários"),
        v.recipients,
        v.source,
        l.t("estimated time", "tempo estimado"),
        human_duration(v.estimate_secs, l)
    )];
    if !v.excluded.is_empty() {
        lines.push(format!(
            "{}: {}",
            l.t("Always left out", "Sempre excluídos"),
            counts(&v.excluded, l)
        ));
    }
    if !v.held.is_empty() {
        lines.push(format!(
            "{}: {} — {}",
            l.t(
                "Held by Julia's contact rules",
                "Retidos pelas regras de contato da Julia"
            ),
            counts(&v.held, l),
            l.t(
                "the confirmation asks whether to include them",
                "a confirmação pergunta se devem ser incluídos"
            )
        ));
    }
    lines
}

/// The prompt in the war room: the exact message, the count, who is left out and why, how
/// long it takes, and Send / Edit / Not now.
pub fn prompt(v: &PreviewView, l: Locale) -> Msg {
    let quoted = v
        .text
        .lines()
        .map(|line| format!("> {}", escape(line)))
        .collect::<Vec<_>>()
        .join("\n");
    let mut lines = vec![
        prompt_title(v, l),
        format!("{} ({}):\n{quoted}", l.t("Message", "Mensagem"), v.language),
    ];
    if let Some(p) = &v.problem {
        lines.push(format!(":warning: {p}"));
        let text = lines.join("\n");
        return Msg::with_blocks(text.clone(), vec![blocks::section(text)]);
    }
    lines.extend(prompt_counts(v, l));
    if v.julia_paused {
        lines.push(julia_paused(l).trim().to_string());
    }
    let text = lines.join("\n");
    let value = prompt_value(v.incident, v.recovery);
    let buttons = vec![
        blocks::button(ACTION_SEND, l.t("Send", "Enviar"), &value, Style::Primary),
        blocks::button(ACTION_EDIT, l.t("Edit", "Editar"), &value, Style::Default),
        blocks::button(
            ACTION_DISMISS,
            l.t("Not now", "Agora não"),
            &value,
            Style::Default,
        ),
    ];
    Msg::with_blocks(
        text.clone(),
        vec![
            blocks::section(text),
            blocks::actions("customers_prompt", buttons),
        ],
    )
}

/// The guarded confirmation: a single-use button naming the count, and (when some doctors are
/// held by a contact rule) a second one that includes them.
pub fn confirm(l: Locale, what: &str, token: &str, count: usize, all: Option<usize>) -> Msg {
    let q = l.t(
        format!(":warning: *Confirm:* {what}\nThese buttons work once, for you only, for 5 minutes."),
        format!(":warning: *Confirme:* {what}\nEstes botões funcionam uma vez, só para você, por 5 minutos."),
    );
    let mut buttons = vec![blocks::button(
        ACTION_CONFIRM,
        &l.t(format!("Send to {count}"), format!("Enviar para {count}")),
        token,
        Style::Danger,
    )];
    if let Some(n) = all {
        buttons.push(blocks::button(
            ACTION_CONFIRM_ALL,
            &l.t(
                format!("Send to {n}, held included"),
                format!("Enviar para {n}, com os retidos"),
            ),
            token,
            Style::Danger,
        ));
    }
    buttons.push(blocks::button(
        ACTION_CANCEL,
        l.t("Cancel", "Cancelar"),
        token,
        Style::Default,
    ));
    Msg::with_blocks(
        q.clone(),
        vec![
            blocks::section(q),
            blocks::actions("customers_confirm", buttons),
        ],
    )
}

/// The sentence the confirmation asks about.
pub fn confirm_what(incident: i64, recovery: bool, count: usize, held: usize, l: Locale) -> String {
    let what = if recovery {
        l.t(
            "the back-to-normal WhatsApp message",
            "a mensagem de volta ao normal por WhatsApp",
        )
    } else {
        l.t(
            "the outage WhatsApp message",
            "a mensagem de instabilidade por WhatsApp",
        )
    };
    let mut s = l.t(
        format!("send {what} of {} to *{count}* doctors", key(incident)),
        format!("enviar {what} do {} para *{count}* médicos", key(incident)),
    );
    if held > 0 {
        s.push_str(&l.t(
            format!(" ({held} held by Julia's contact rules are left out unless you choose to include them)"),
            format!(" ({held} retidos pelas regras de contato da Julia ficam de fora, a menos que você os inclua)"),
        ));
    }
    s
}

/// What the progress message shows.
#[derive(Debug, Clone, Default)]
pub struct ProgressView {
    pub notice: i64,
    pub incident: i64,
    pub recovery: bool,
    pub total: i64,
    pub sent: i64,
    pub failed: i64,
    /// Cut short by a crash between the call and its record: maybe sent, never sent again.
    pub uncertain: i64,
    /// `sending`, `stopped` or `done`.
    pub state: String,
    pub confirmed_by: String,
    pub stopped_by: Option<String>,
    pub include_held: bool,
    /// Left out by the check just before their send (an opt-out since the confirmation…).
    pub excluded: i64,
    /// WhatsApp's state while the send waits for it to come back.
    pub waiting: Option<String>,
}

/// The one message updated in place: "sent 120 / 480, 2 failed", and Stop while it runs.
pub fn progress(v: &ProgressView, l: Locale) -> Msg {
    let what = if v.recovery {
        l.t("Back-to-normal notice", "Aviso de volta ao normal")
    } else {
        l.t("Customer notice", "Aviso aos clientes")
    };
    let mut line = l.t(
        format!(
            ":iphone: {what} {} (confirmed by <@{}>): sent {} / {}, {} failed",
            key(v.incident),
            v.confirmed_by,
            v.sent,
            v.total,
            v.failed
        ),
        format!(
            ":iphone: {what} {} (confirmado por <@{}>): enviadas {} / {}, {} falharam",
            key(v.incident),
            v.confirmed_by,
            v.sent,
            v.total,
            v.failed
        ),
    );
    line.push_str(&progress_tail(v, l));
    let mut b = vec![blocks::section(line.clone())];
    if v.state == "sending" {
        b.push(blocks::actions(
            "customers_progress",
            vec![blocks::button(
                ACTION_STOP,
                l.t("Stop", "Parar"),
                &v.notice.to_string(),
                Style::Danger,
            )],
        ));
    }
    Msg::with_blocks(line, b)
}

/// What follows the counts: the not confirmed, the left out, the choice, the end.
fn progress_tail(v: &ProgressView, l: Locale) -> String {
    let mut line = String::new();
    if let (Some(s), "sending") = (&v.waiting, v.state.as_str()) {
        line.push_str(&l.t(
            format!(" · :hourglass: WhatsApp is not connected (`{}`): waiting, it goes on by itself once it is back", escape(s)),
            format!(" · :hourglass: WhatsApp não está conectado (`{}`): aguardando, continua sozinho quando voltar", escape(s)),
        ));
    }
    if v.uncertain > 0 {
        line.push_str(&l.t(
            format!(
                ", {} not confirmed (a restart cut the call short; not sent again)",
                v.uncertain
            ),
            format!(
                ", {} sem confirmação (um reinício interrompeu o envio; não reenviadas)",
                v.uncertain
            ),
        ));
    }
    if v.excluded > 0 {
        line.push_str(&l.t(
            format!(
                ", {} left out since the confirmation (opted out, deleted…)",
                v.excluded
            ),
            format!(
                ", {} excluídos desde a confirmação (opt-out, excluídos…)",
                v.excluded
            ),
        ));
    }
    if v.include_held {
        line.push_str(l.t(" · held doctors included", " · retidos incluídos"));
    }
    match v.state.as_str() {
        "done" => line.push_str(l.t(
            " · :white_check_mark: finished",
            " · :white_check_mark: concluído",
        )),
        "stopped" => {
            let by = v
                .stopped_by
                .as_deref()
                .map(|u| format!(" <@{u}>"))
                .unwrap_or_default();
            line.push_str(&l.t(
                format!(" · :octagonal_sign: stopped by{by}"),
                format!(" · :octagonal_sign: parado por{by}"),
            ));
        }
        _ => {}
    }
    line
}

/// The answer in place of the confirmation once the send has started.
pub fn started(count: usize, l: Locale) -> Msg {
    Msg::text(l.t(
        format!(":iphone: Sending to {count} doctors; the progress is in the war room."),
        format!(":iphone: Enviando para {count} médicos; o progresso está na sala de guerra."),
    ))
}

pub fn refused_drill(l: Locale) -> Msg {
    Msg::text(l.t(
        ":no_entry: This incident is a drill: drills never reach customers. Nothing was sent.",
        ":no_entry: Este incidente é um simulado: simulados nunca chegam aos clientes. Nada foi enviado.",
    ))
}

pub fn refused_resolved(l: Locale) -> Msg {
    Msg::text(l.t(
        ":no_entry: This incident is resolved: the outage notice is no longer sent (the back-to-normal one is offered at resolution). Nothing was sent.",
        ":no_entry: Este incidente está resolvido: o aviso de instabilidade não é mais enviado (o de volta ao normal é oferecido na resolução). Nada foi enviado.",
    ))
}

pub fn refused_not_resolved(l: Locale) -> Msg {
    Msg::text(l.t(
        ":no_entry: The back-to-normal notice goes out once the incident is resolved. Nothing was sent.",
        ":no_entry: O aviso de volta ao normal só sai depois que o incidente for resolvido. Nada foi enviado.",
    ))
}

pub fn refused_no_outage_notice(l: Locale) -> Msg {
    Msg::text(l.t(
        ":no_entry: No outage notice was sent for this incident, so there is nobody to tell it is back to normal.",
        ":no_entry: Nenhum aviso de instabilidade foi enviado neste incidente, então não há a quem avisar da volta ao normal.",
    ))
}

pub fn already(state: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!(":information_source: This notice was already sent for this incident ({state}); it is never sent twice."),
        format!(":information_source: Este aviso já foi enviado neste incidente ({state}); ele nunca é enviado duas vezes."),
    ))
}

/// Evolution's instance is not `open`: WhatsApp itself is what is down.
pub fn whatsapp_down(state: &str, l: Locale) -> String {
    l.t(
        format!("WhatsApp is not connected (Evolution instance state `{}`): WhatsApp itself is what is down, so nothing was sent. Reconnect it (`/julia evolution qr`) and try again.", escape(state)),
        format!("O WhatsApp não está conectado (estado da instância Evolution `{}`): o próprio WhatsApp está fora, então nada foi enviado. Reconecte-o (`/julia evolution qr`) e tente de novo.", escape(state)),
    )
}

/// Evolution could not be asked.
pub fn whatsapp_unknown(why: &str, l: Locale) -> String {
    l.t(
        format!("Evolution did not say whether WhatsApp is connected ({}): nothing was sent. Check `/julia evolution` and try again.", escape(why)),
        format!("O Evolution não disse se o WhatsApp está conectado ({}): nada foi enviado. Veja `/julia evolution` e tente de novo.", escape(why)),
    )
}

/// The recipient query failed or timed out.
pub fn query_failed(why: &str, l: Locale) -> String {
    l.t(
        format!("The recipient query on Julia's database failed: {}. Nothing was sent; try again, or set CUSTOMERS_PHONES.", escape(why)),
        format!("A consulta de destinatários no banco da Julia falhou: {}. Nada foi enviado; tente de novo, ou configure CUSTOMERS_PHONES.", escape(why)),
    )
}

pub fn nobody(l: Locale) -> String {
    l.t(
        "Nobody to send to after the exclusions: nothing was sent.",
        "Ninguém para receber depois das exclusões: nada foi enviado.",
    )
    .to_string()
}

pub fn problem(text: &str) -> Msg {
    Msg::text(format!(":warning: {text}"))
}

pub fn dismissed(user: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!(":zipper_mouth_face: <@{user}> chose not to notify the customers now. `/incident notify-customers` brings the prompt back."),
        format!(":zipper_mouth_face: <@{user}> escolheu não avisar os clientes agora. `/incident notify-customers` traz a pergunta de volta."),
    ))
}

pub fn stop_asked(l: Locale) -> Msg {
    Msg::text(l.t(
        ":octagonal_sign: Stopping: no message goes out after the one in flight.",
        ":octagonal_sign: Parando: nenhuma mensagem sai depois da que está em andamento.",
    ))
}

pub fn preparing(l: Locale) -> Msg {
    Msg::text(l.t(
        ":hourglass_flowing_sand: Preparing the customer notice preview in the war room…",
        ":hourglass_flowing_sand: Preparando a prévia do aviso aos clientes na sala de guerra…",
    ))
}

pub fn usage(l: Locale) -> Msg {
    Msg::text(l.t(
        "Usage: `/incident notify-customers [INC-n] [back]` — shows the customer WhatsApp notice (or, with `back`, the back-to-normal one) with Send / Edit / Not now.",
        "Uso: `/incident notify-customers [INC-n] [back]` — mostra o aviso aos clientes por WhatsApp (ou, com `back`, o de volta ao normal) com Enviar / Editar / Agora não.",
    ))
}

pub fn interrupted(command: &str, user: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!(":warning: <@{user}>, a restart cut `{command}` short before the send started; nothing was sent. Ask again."),
        format!(":warning: <@{user}>, um reinício interrompeu `{command}` antes do envio começar; nada foi enviado. Peça de novo."),
    ))
}

/// The Edit form: the text as it would go out.
pub fn edit_modal(value: &str, text: &str, l: Locale) -> serde_json::Value {
    blocks::modal(
        EDIT_CALLBACK,
        l.t("Customer message", "Mensagem aos clientes"),
        l.t("Save", "Salvar"),
        value,
        vec![blocks::text_input(
            EDIT_BLOCK,
            EDIT_INPUT,
            l.t(
                "The WhatsApp text the doctors receive",
                "O texto que os médicos recebem no WhatsApp",
            ),
            true,
            false,
            Some(text),
        )],
    )
}

pub fn edited(user: &str, l: Locale) -> String {
    l.t(
        format!("Edited by <@{user}>."),
        format!("Editado por <@{user}>."),
    )
}

/// Julia is paused: its rule R4b would block every proactive message, this one included.
pub fn julia_paused(l: Locale) -> String {
    l.t(
        " :pause_button: Julia is paused (safe_mode): its own guardrails would hold this message; sending it is an exception recorded with your name.",
        " :pause_button: A Julia está pausada (safe_mode): as travas dela segurariam esta mensagem; enviá-la é uma exceção registrada com o seu nome.",
    )
    .to_string()
}

/// Besides the admins, who may send the notice.
pub fn commander_may(l: Locale) -> String {
    l.t(
        "The incident's commander may send it too.",
        "O comandante do incidente também pode enviá-lo.",
    )
    .to_string()
}
