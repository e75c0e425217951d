//! The health watcher: alerts (with their buttons) and recoveries.

use crate::blocks::{self, Style};
use crate::julia::*;
use crate::{Locale, Msg};

/// `services`: one rollback button each (the handlers choose which, at most a few).
pub fn watch_alert(l: Locale, problem: &str, lines: &[String], services: &[String]) -> Msg {
    let text = tr(
        l,
        format!(":rotating_light: *Julia alert:* {problem}"),
        format!(":rotating_light: *Alerta da Julia:* {problem}"),
    );
    let mut buttons = vec![
        blocks::button(
            ACTION_DECLARE_P1,
            l.t("Declare P1", "Declarar P1"),
            "julia",
            Style::Danger,
        ),
        blocks::button(
            ACTION_PAUSE_PROMPT,
            l.t("Pause Julia", "Pausar a Julia"),
            "watcher",
            Style::Default,
        ),
    ];
    for s in services {
        buttons.push(blocks::button(
            ACTION_ROLLBACK_PROMPT,
            &format!("Rollback {s}"),
            s,
            Style::Default,
        ));
    }
    let mut b = vec![blocks::section(text.clone())];
    if !lines.is_empty() {
        b.push(blocks::section(lines.join("\n")));
    }
    b.push(blocks::actions("julia_alert", buttons));
    Msg::with_blocks(text, b)
}

pub fn health_problem(l: Locale) -> String {
    l.t(
        "/health/deep failed twice in a row",
        "/health/deep falhou duas vezes seguidas",
    )
    .to_string()
}

pub fn evolution_problem(l: Locale, state: &str) -> String {
    tr(
        l,
        format!("Evolution state `{state}` (not open) twice in a row"),
        format!("Evolution no estado `{state}` (não open) duas vezes seguidas"),
    )
}

pub fn watch_recovered(l: Locale, what: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(":white_check_mark: *Julia recovered:* {what}"),
        format!(":white_check_mark: *Julia recuperada:* {what}"),
    ))
}

pub fn health_recovered(l: Locale) -> String {
    l.t(
        "/health/deep is healthy again",
        "/health/deep está saudável de novo",
    )
    .to_string()
}

pub fn evolution_recovered(l: Locale) -> String {
    l.t("Evolution is open again", "Evolution está open de novo")
        .to_string()
}

/// The reason of a pause requested from a watcher alert button.
pub fn alert_pause_reason(l: Locale) -> String {
    l.t("health alert", "alerta de saúde").to_string()
}

/// The Evolution state the watcher records when Evolution does not answer.
pub const EVOLUTION_UNREACHABLE: &str = "unreachable";
