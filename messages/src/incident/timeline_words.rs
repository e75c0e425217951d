//! The post-mortem's timeline rows in the configured language: each stored kind (`declared`,
//! `status`, …) has its words, and the texts the bot itself wrote (`investigating ->
//! identified`, `on it`, `draft due`, `commander = U…`) are said again in that language. What
//! people typed (an update's findings, a note) is kept as they wrote it. People are shown by
//! name where the caller knows it ([`Names`]).

use std::collections::HashMap;

use super::common::status_label;
use crate::Locale;

/// Slack user id -> the person's name (as Slack shows it). Unknown ids stay as they are.
#[derive(Debug, Clone, Default)]
pub struct Names(pub HashMap<String, String>);

impl Names {
    /// The name of `id`, or `id` itself.
    pub fn of(&self, id: &str) -> String {
        self.0.get(id).cloned().unwrap_or_else(|| id.to_string())
    }
    /// `text` with every `<@U…>` mention (and bare id) of a known person replaced by the name.
    pub fn replace_in(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (id, name) in &self.0 {
            out = out.replace(&format!("<@{id}>"), name);
            if out.contains(id.as_str()) {
                out = out.replace(id.as_str(), name);
            }
        }
        out
    }
}

/// The words for a stored timeline kind.
pub fn kind_label(kind: &str, l: Locale) -> String {
    let s = match kind {
        "declared" => l.t("declared", "declarado"),
        "war_room_failed" => l.t("war room not created", "sala de guerra não criada"),
        "declaration_failed" => l.t("declaration failed", "declaração falhou"),
        "status" => l.t("status", "status"),
        "update" => l.t("update", "atualização"),
        "severity" => l.t("severity", "severidade"),
        "role" => l.t("role", "papel"),
        "responder" => l.t("responder", "responsável"),
        "note" => l.t("note", "nota"),
        "pinned_message" => l.t("pinned message", "mensagem fixada"),
        "snoozed" => l.t("reminders snoozed", "lembretes adiados"),
        "resolved" => l.t("resolved", "resolvido"),
        "reopened" => l.t("reopened", "reaberto"),
        "postmortem_done" => l.t("post-mortem done", "post-mortem concluído"),
        "reminder" => l.t("reminder", "lembrete"),
        "escalation" => l.t("escalation", "escalonamento"),
        "postmortem_reminder" => l.t("post-mortem reminder", "lembrete do post-mortem"),
        "acknowledged" => l.t("acknowledged", "reconhecido"),
        "paged" => l.t("paged", "acionado"),
        "paging_exhausted" => l.t(
            "nobody acknowledged the pages",
            "ninguém reconheceu os acionamentos",
        ),
        "alert" => l.t("alert", "alerta"),
        "components" => l.t("components", "componentes"),
        "action_item" => l.t("action item", "item de ação"),
        "drill" => l.t("drill", "simulado"),
        "public" => l.t("status page", "página de status"),
        other => return other.replace('_', " "),
    };
    s.to_string()
}

fn role_label(role: &str, l: Locale) -> &str {
    match role {
        "commander" => l.t("commander", "comandante"),
        "comms" => l.t("communications", "comunicação"),
        "scribe" => l.t("scribe", "escriba"),
        "responder" => l.t("responder", "responsável"),
        other => other,
    }
}

/// `a -> b` with each side passed through `f`.
fn arrow(text: &str, f: impl Fn(&str) -> String) -> Option<String> {
    let (a, b) = text.split_once(" -> ")?;
    Some(format!("{} → {}", f(a.trim()), f(b.trim())))
}

/// The text of a row as the bot wrote it, said in `l` (people by name).
pub fn row_text(kind: &str, text: &str, names: &Names, l: Locale) -> String {
    let said = match kind {
        "status" => arrow(text, |s| status_label(l, s).to_string()),
        "severity" => arrow(text, str::to_string),
        "role" => text.split_once(" = ").map(|(role, who)| {
            format!("{} = {}", role_label(role.trim(), l), names.of(who.trim()))
        }),
        "drill" => arrow(text, |s| match s {
            "real" => l.t("real incident", "incidente real").to_string(),
            "drill" => l.t("drill", "simulado").to_string(),
            other => other.to_string(),
        }),
        "responder" if text == "on it" => Some(l.t("on it", "estou nisso").to_string()),
        "postmortem_reminder" => match text {
            "draft due" => Some(l.t("draft due", "rascunho vencido").to_string()),
            "review due" => Some(l.t("review due", "revisão vencida").to_string()),
            _ => None,
        },
        "reminder" => text
            .strip_suffix(" min without update")
            .map(|n| format!("{n} {}", l.t("min without update", "min sem atualização"))),
        "escalation" => text.strip_prefix("level ").and_then(|rest| {
            let (n, who) = rest.split_once(": ")?;
            let who: Vec<String> = who.split(',').map(|w| names.of(w.trim())).collect();
            Some(format!("{} {n}: {}", l.t("level", "nível"), who.join(", ")))
        }),
        _ => None,
    };
    names.replace_in(&said.unwrap_or_else(|| text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bot_s_own_words_follow_the_locale_and_people_are_named() {
        let names = Names(HashMap::from([("UPLAIN01".to_string(), "ana".to_string())]));
        let l = Locale::PtBr;
        assert_eq!(kind_label("declared", l), "declarado");
        assert_eq!(
            row_text("status", "investigating -> identified", &names, l),
            "Investigando → Identificado"
        );
        assert_eq!(
            row_text("role", "commander = UPLAIN01", &names, l),
            "comandante = ana"
        );
        assert_eq!(row_text("responder", "on it", &names, l), "estou nisso");
        assert_eq!(
            row_text("drill", "real -> drill", &names, l),
            "incidente real → simulado"
        );
        assert_eq!(
            row_text("reminder", "30 min without update", &names, l),
            "30 min sem atualização"
        );
        assert_eq!(
            row_text("note", "asked <@UPLAIN01> to look", &names, l),
            "asked ana to look"
        );
    }
}
