//! Reminders: "no update for N min" (with escalation) and the post-mortem's due dates.

use super::ids::action;
use crate::blocks::{self, Style};
use crate::{datetime_token, escape, Locale, Msg};

/// What a reminder shows.
#[derive(Debug, Clone)]
pub struct ReminderView {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub minutes_silent: i64,
    pub commander: Option<String>,
    /// 0 = plain, 1 = escalation engineers, 2 = incident commanders too.
    pub level: u8,
    pub escalate_to: Vec<String>,
    pub war_room: Option<String>,
}

pub fn reminder(r: &ReminderView, l: Locale) -> Msg {
    let ic = r
        .commander
        .as_ref()
        .map(|u| format!("<@{u}>"))
        .unwrap_or_else(|| l.t("the commander", "o comandante").into());
    let mut line = l.t(
        format!(
            ":alarm_clock: *INC-{} ({})* has had no update for {} min. {ic}, please post an update.",
            r.id, r.severity, r.minutes_silent
        ),
        format!(
            ":alarm_clock: *INC-{} ({})* está há {} min sem atualização. {ic}, poste uma atualização.",
            r.id, r.severity, r.minutes_silent
        ),
    );
    if r.level > 0 {
        let who = if r.escalate_to.is_empty() {
            l.t(
                "(no escalation contacts configured)",
                "(nenhum contato de escalonamento configurado)",
            )
            .to_string()
        } else {
            r.escalate_to
                .iter()
                .map(|u| format!("<@{u}>"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let step = if r.level >= 2 {
            l.t(
                "Escalating to incident commanders",
                "Escalonando para comandantes de incidente",
            )
        } else {
            l.t(
                "Escalating to the escalation engineers",
                "Escalonando para os engenheiros de escalonamento",
            )
        };
        line.push_str(&format!("\n:rotating_light: {step}: {who}"));
        if let Some(w) = &r.war_room {
            line.push_str(&format!(" — <#{w}>"));
        }
    }
    let text = format!(
        "INC-{} {} {} min",
        r.id,
        l.t("no update for", "sem atualização há"),
        r.minutes_silent
    );
    let id = r.id.to_string();
    Msg::with_blocks(
        format!("{text} — {}", escape(&r.title)),
        vec![
            blocks::section(line),
            blocks::actions(
                &format!("reminder_{}", r.id),
                vec![
                    blocks::button(
                        action::POST_UPDATE,
                        l.t("Post update", "Postar atualização"),
                        &id,
                        Style::Primary,
                    ),
                    blocks::button(
                        action::SNOOZE,
                        l.t("Snooze 15m", "Adiar 15m"),
                        &format!("{id}:900"),
                        Style::Default,
                    ),
                ],
            ),
        ],
    )
}

pub fn postmortem_reminder(id: i64, title: &str, stage: u8, due: i64, cmd: &str, l: Locale) -> Msg {
    let what = if stage == 0 {
        l.t(
            "The post-mortem draft is due",
            "O rascunho do post-mortem vence",
        )
    } else {
        l.t(
            "The post-mortem review is due",
            "A revisão do post-mortem vence",
        )
    };
    let say = l.t(
        format!("Say `{cmd} postmortem done` when it is."),
        format!("Diga `{cmd} postmortem done` quando estiver pronto."),
    );
    Msg::text(format!(
        ":memo: INC-{id} ({}): {what} {}. {say}",
        escape(title),
        datetime_token(due),
    ))
}
