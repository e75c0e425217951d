//! What every part of the Julia controls shares: the button ids, the systems named in
//! failures, and the words for failures, hints and what was done.

use crate::{escape, human_duration, Locale, Msg};

pub const ACTION_CONFIRM: &str = "julia_confirm";

pub const ACTION_CANCEL: &str = "julia_cancel";

/// The second choice of a confirmation with two ways to go (e.g. "Resume only").
pub const ACTION_CONFIRM_ALT: &str = "julia_confirm_alt";

pub const ACTION_PAUSE_PROMPT: &str = "julia_pause_prompt";

pub const ACTION_ROLLBACK_PROMPT: &str = "julia_rollback_prompt";

pub const ACTION_DECLARE_P1: &str = "incident_declare_p1";

/// The systems named in answers and failures.
pub const SYS_DB: &str = "Julia's database (Supabase)";
pub const SYS_SUPABASE: &str = "Supabase";
pub const SYS_HEALTH: &str = "Julia's health endpoints";
pub const SYS_DEEP: &str = "Julia /health/deep";
pub const SYS_CIRCUITS: &str = "Julia /health/circuits";
pub const SYS_EVOLUTION: &str = "Evolution";
pub const SYS_EVOLUTION_WEBHOOK: &str = "Evolution webhook";
pub const SYS_RAILWAY: &str = "Railway";

/// A read-back that does not show the change: `what` and the value found.
pub fn read_back(what: &str, value: &str) -> String {
    format!("read back {what} = {value}")
}

pub(crate) fn ago(l: Locale, secs: i64) -> String {
    l.t(
        format!("{} ago", human_duration(secs, l)),
        format!("há {}", human_duration(secs, l)),
    )
}

/// `alterado_por` / `updated_by`: a Slack user id becomes a mention, anything else is text.
pub fn who(by: &str) -> String {
    let is_user = by.len() > 1
        && (by.starts_with('U') || by.starts_with('W'))
        && by
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if is_user {
        format!("<@{by}>")
    } else {
        escape(by)
    }
}

pub fn no_answer(l: Locale, system: &str, secs: u64) -> String {
    l.t(
        format!("{system}: no answer in {secs} s"),
        format!("{system}: sem resposta em {secs} s"),
    )
}

/// A source that failed: what failed and what to try.
pub fn source_failed(l: Locale, system: &str, error: &str) -> String {
    l.t(
        format!(":x: {system}: {}", escape(error)),
        format!(":x: {system}: {}", escape(error)),
    )
}

/// Julia's database is not configured (`JULIA_DATABASE_URL`).
pub fn db_not_configured(l: Locale) -> String {
    not_configured(l, "Julia's database", "JULIA_DATABASE_URL")
}

pub fn not_configured(l: Locale, system: &str, vars: &str) -> String {
    l.t(
        format!(":grey_question: {system} is not configured: set {vars}."),
        format!(":grey_question: {system} não está configurado: defina {vars}."),
    )
}

/// A failure naming the system, what was and was not done, and what to try.
pub fn failure(l: Locale, system: &str, error: &str, done: &str, try_: &str) -> Msg {
    Msg::text(l.t(
        format!(
            ":x: *{system}* failed: {}\nDone: {done}\nTry: {try_}",
            escape(error)
        ),
        format!(
            ":x: *{system}* falhou: {}\nFeito: {done}\nTente: {try_}",
            escape(error)
        ),
    ))
}

pub fn nothing_done(l: Locale) -> String {
    l.t("nothing was changed.", "nada foi alterado.")
        .to_string()
}

/// What to try after most failures (`cmd`: the configured `JULIA_COMMAND`).
pub fn retry_hint(l: Locale, cmd: &str) -> String {
    l.t(
        format!("check the status with `{cmd} status` and try again in a minute."),
        format!("confira com `{cmd} status` e tente de novo em um minuto."),
    )
}

/// What to try after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    RailwayCredentials,
    RailwayServiceNames,
    EvolutionKey,
    EvolutionInstance,
    EvolutionUseQr,
}

/// `cmd`: the configured `JULIA_COMMAND`.
pub fn hint(l: Locale, h: Hint, cmd: &str) -> String {
    let (en, pt) = match h {
        Hint::RailwayCredentials => (
            "check RAILWAY_API_TOKEN / RAILWAY_TOKEN and its permissions.",
            "confira RAILWAY_API_TOKEN / RAILWAY_TOKEN e as permissões.",
        ),
        Hint::RailwayServiceNames => (
            "set JULIA_RAILWAY_SERVICES to the service names shown in Railway.",
            "defina JULIA_RAILWAY_SERVICES com os nomes de serviço do Railway.",
        ),
        Hint::EvolutionKey => ("check EVOLUTION_API_KEY.", "confira EVOLUTION_API_KEY."),
        Hint::EvolutionInstance => ("check EVOLUTION_INSTANCE.", "confira EVOLUTION_INSTANCE."),
        Hint::EvolutionUseQr => {
            return l.t(
                format!("if the instance is closed, use `{cmd} evolution qr` to reconnect."),
                format!(
                    "se a instância estiver fechada, use `{cmd} evolution qr` para reconectar."
                ),
            )
        }
    };
    l.t(en, pt).to_string()
}

/// "Done:" of a mutation that timed out: it may have applied.
pub fn maybe_applied(l: Locale, cmd: &str) -> String {
    l.t(
        format!("unknown: Railway may have applied it; check `{cmd} deploys` before retrying."),
        format!(
            "desconhecido: o Railway pode ter aplicado; confira `{cmd} deploys` antes de repetir."
        ),
    )
}

pub fn readback_mismatch(l: Locale) -> String {
    l.t(
        "the request was sent, but the read-back does not match.",
        "o pedido foi enviado, mas a conferência não bate.",
    )
    .to_string()
}
