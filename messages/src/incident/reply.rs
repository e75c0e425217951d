//! Short ephemeral answers to the person who acted.

use crate::escape;
use crate::{Locale, Msg};

pub fn declaring(key: &str, sev: &str, title: &str, l: Locale) -> Msg {
    Msg::text(format!(
        ":hourglass_flowing_sand: {key} {} {sev}: {}… {}",
        l.t("declared", "declarado"),
        escape(title),
        l.t("Setting up the war room.", "Preparando a sala de guerra.")
    ))
}
pub fn declared(key: &str, war_room: Option<&str>, war_room_error: Option<&str>, l: Locale) -> Msg {
    let mut s = format!(":white_check_mark: {key} {}.", l.t("declared", "declarado"));
    if let Some(w) = war_room {
        s.push_str(&format!(" {} <#{w}>.", l.t("War room:", "Sala de guerra:")));
    }
    if let Some(e) = war_room_error {
        s.push_str(&l.t(
            format!(" The war room could not be created (Slack said `{e}`), so everything posts to the incidents channel. Check the bot's scopes (`channels:manage`, `groups:write`)."),
            format!(" A sala de guerra não pôde ser criada (o Slack respondeu `{e}`), então tudo vai para o canal de incidentes. Verifique os escopos do bot (`channels:manage`, `groups:write`)."),
        ));
    }
    Msg::text(s)
}
pub fn done(key: &str, what: &str) -> Msg {
    Msg::text(format!(":white_check_mark: {key}: {what}"))
}
pub fn unknown_id(key: &str, cmd: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("{key} does not exist. `{cmd} list` shows the open ones."),
        format!("{key} não existe. `{cmd} list` mostra os abertos."),
    ))
}
pub fn which_incident(open: &[(i64, String, String)], l: Locale) -> Msg {
    let mut s = l
        .t(
            "Which incident? This channel is not a war room: start with the id, e.g. `update INC-12 …`.",
            "Qual incidente? Este canal não é uma sala de guerra: comece pelo id, ex. `update INC-12 …`.",
        )
        .to_string();
    if open.is_empty() {
        s.push_str(l.t("\nNo incident is open.", "\nNenhum incidente aberto."));
    } else {
        s.push_str(l.t("\nOpen:", "\nAbertos:"));
        for (id, sev, title) in open {
            s.push_str(&format!("\n• INC-{id} [{sev}] {}", escape(title)));
        }
    }
    Msg::text(s)
}
pub fn already_resolved(key: &str, cmd: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("{key} is resolved. `{cmd} reopen` it first to post updates."),
        format!("{key} está resolvido. Use `{cmd} reopen` antes de postar atualizações."),
    ))
}
pub fn not_resolved(key: &str, l: Locale) -> Msg {
    Msg::text(format!(
        "{key} {}",
        l.t(
            "is open; only a resolved incident can be reopened.",
            "está aberto; só um incidente resolvido pode ser reaberto."
        )
    ))
}
pub fn bad_transition(key: &str, from: &str, to: &str, allowed: &[&str], l: Locale) -> Msg {
    Msg::text(l.t(
        format!(
            "{key} cannot move from {from} to {to}. Allowed: {}.",
            allowed.join(", ")
        ),
        format!(
            "{key} não pode passar de {from} para {to}. Permitido: {}.",
            allowed.join(", ")
        ),
    ))
}
pub fn not_allowed(key: &str, commander: Option<&str>, l: Locale) -> Msg {
    let ic = commander
        .map(|c| format!("<@{c}>"))
        .unwrap_or_else(|| "—".into());
    Msg::text(l.t(
        format!("Only the incident commander ({ic}) or a chatops admin may change severity, roles or resolution of {key}."),
        format!("Só o comandante do incidente ({ic}) ou um admin do chatops pode mudar severidade, papéis ou resolução de {key}."),
    ))
}
pub fn no_open(l: Locale) -> Msg {
    Msg::text(l.t(
        "No incident is open. :tada:",
        "Nenhum incidente aberto. :tada:",
    ))
}
pub fn modal_failed(cmd: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("Slack would not open the form (the 3-second window may have passed). Use the one-line command instead, e.g. `{cmd} declare P1 <title>`."),
        format!("O Slack não abriu o formulário (a janela de 3 segundos pode ter passado). Use o comando de uma linha, ex. `{cmd} declare P1 <título>`."),
    ))
}
pub fn already_on_it(key: &str, l: Locale) -> Msg {
    Msg::text(format!(
        "{} {key}.",
        l.t("You are already a responder on", "Você já é respondente em")
    ))
}
pub fn note_added(key: &str, l: Locale) -> Msg {
    done(
        key,
        l.t(
            "note added to the timeline.",
            "nota adicionada à linha do tempo.",
        ),
    )
}
pub fn update_posted(key: &str, l: Locale) -> Msg {
    done(key, l.t("update posted.", "atualização postada."))
}
/// `severity` to the severity it already has.
pub fn same_severity(key: &str, sev: &str, l: Locale) -> Msg {
    done(key, &format!("{} {sev}", l.t("already", "já é")))
}
pub fn resolved(key: &str, l: Locale) -> Msg {
    done(key, l.t("resolved.", "resolvido."))
}
pub fn postmortem_done(key: &str, l: Locale) -> Msg {
    done(
        key,
        l.t(
            "post-mortem marked done; no more post-mortem reminders.",
            "post-mortem marcado como feito; sem mais lembretes.",
        ),
    )
}
pub fn postmortem_posted(key: &str, l: Locale) -> Msg {
    done(
        key,
        l.t(
            "post-mortem draft posted.",
            "rascunho do post-mortem postado.",
        ),
    )
}
/// `snooze` on a severity whose reminders are off.
pub fn reminders_off(key: &str, l: Locale) -> Msg {
    done(
        key,
        l.t(
            "reminders are off for this severity.",
            "os lembretes estão desligados para esta severidade.",
        ),
    )
}
/// Two changes to one incident at the same moment: this one was not applied.
pub fn changed_meanwhile(key: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("{key} was changed by someone else at the same moment; nothing was changed by you. Check `status` and try again."),
        format!("{key} foi alterado por outra pessoa no mesmo instante; nada foi alterado por você. Veja o `status` e tente de novo."),
    ))
}
