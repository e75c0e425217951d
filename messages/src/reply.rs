//! The short answers any command may get: an unexpected failure, the store down, too many
//! commands, "working on it".

use crate::{Locale, Msg};

/// An unexpected failure, shown with a reference the log also carries.
pub fn internal_error(locale: Locale, reference: &str) -> Msg {
    Msg::text(locale.t(
        format!(":warning: Something failed on our side, reference `{reference}`. Nothing was claimed done; try again, and give the reference to whoever runs the bot."),
        format!(":warning: Algo falhou do nosso lado, referência `{reference}`. Nada foi dado como feito; tente de novo e passe a referência a quem opera o bot."),
    ))
}

/// The bot's database did not answer (restart, failover): nothing was done, retry shortly.
pub fn store_unavailable(locale: Locale, reference: &str) -> Msg {
    Msg::text(locale.t(
        format!(":warning: The bot's database is unreachable right now (reference `{reference}`). Nothing was done; try again in a minute."),
        format!(":warning: O banco de dados do bot está inacessível agora (referência `{reference}`). Nada foi feito; tente de novo em um minuto."),
    ))
}

pub fn slow_down(locale: Locale, per_minute: u32) -> Msg {
    Msg::text(locale.t(
        format!(":hourglass: Slow down: at most {per_minute} commands a minute. Try again in a moment."),
        format!(":hourglass: Calma: no máximo {per_minute} comandos por minuto. Tente de novo em instantes."),
    ))
}

pub fn working_on_it(locale: Locale) -> Msg {
    Msg::text(locale.t(
        ":hourglass_flowing_sand: Working on it…",
        ":hourglass_flowing_sand: Trabalhando nisso…",
    ))
}
