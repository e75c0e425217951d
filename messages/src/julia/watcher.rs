//! The health watcher's words: what failed and what recovered (the alert message itself is
//! the alert intake's, `crate::alerts`).

use crate::Locale;

pub fn health_problem(l: Locale) -> String {
    l.t(
        "/health/deep failed twice in a row",
        "/health/deep falhou duas vezes seguidas",
    )
    .to_string()
}

pub fn evolution_problem(l: Locale, state: &str) -> String {
    l.t(
        format!("Evolution state `{state}` (not open) twice in a row"),
        format!("Evolution no estado `{state}` (não open) duas vezes seguidas"),
    )
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
