//! Every user-facing word of the bot: Block Kit builders, templates, modals, action ids.
//! No I/O. Functions take small parameter structs, not domain types.

pub mod alerts;
pub mod blocks;
pub mod delivery;
pub mod digest;
pub mod fold;
pub mod guarded;
pub mod home;
pub mod incident;
pub mod invites;
pub mod jobs;
pub mod julia;
pub mod limits;
pub mod list;
pub mod ops;
pub mod ops_args;
pub mod paging;
pub mod stats;
pub mod templates;
pub mod usage;

use serde::Serialize;
use serde_json::Value;

/// The language of every message (`CHATOPS_LOCALE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    PtBr,
}

impl Locale {
    pub fn code(self) -> &'static str {
        self.t("en", "pt-BR")
    }
    /// Picks the words for this locale: the one translation helper, for fixed strings
    /// (`l.t("Resolve", "Resolver")`) and formatted ones (`l.t(format!(…), format!(…))`).
    pub fn t<T>(self, en: T, pt: T) -> T {
        match self {
            Locale::En => en,
            Locale::PtBr => pt,
        }
    }
}

/// A message: plain-text fallback (also the notification text) and optional Block Kit blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Msg {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Value>,
}

impl Msg {
    pub fn text(text: impl Into<String>) -> Self {
        Msg {
            text: text.into(),
            blocks: None,
        }
    }
    pub fn with_blocks(text: impl Into<String>, blocks: Vec<blocks::Block>) -> Self {
        Msg {
            text: text.into(),
            blocks: Some(serde_json::to_value(blocks).expect("blocks serialize")),
        }
    }
    /// The body of a slash-command reply or `response_url` post, shown only to the user.
    /// Fitted to Slack's limits ([`limits::fit_message`]).
    pub fn ephemeral(&self) -> Value {
        let mut v = serde_json::to_value(self).expect("msg serializes");
        limits::fit_message(&mut v);
        v["response_type"] = "ephemeral".into();
        v
    }
    /// The body of a `chat.postMessage` call.
    /// Fitted to Slack's limits ([`limits::fit_message`]).
    pub fn post(&self, channel: &str) -> Value {
        let mut v = serde_json::to_value(self).expect("msg serializes");
        limits::fit_message(&mut v);
        v["channel"] = channel.into();
        v["unfurl_links"] = false.into();
        v
    }
}

/// Escapes user-typed text for mrkdwn: `&`, `<`, `>` become entities, so `<!channel>`,
/// `<!here>` or a fake link typed into a title is shown as text and pings nobody. User and
/// channel mentions (`<@U…>`, `<#C…|name>`) are kept: they are how people are named.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find('<') {
        out.push_str(&escape_plain(&rest[..start]));
        let tail = &rest[start..];
        match tail.find('>') {
            Some(end) if is_mention(&tail[1..end]) => {
                out.push_str(&tail[..=end]);
                rest = &tail[end + 1..];
            }
            _ => {
                out.push_str("&lt;");
                rest = &tail[1..];
            }
        }
    }
    out.push_str(&escape_plain(rest));
    out
}

fn is_mention(inner: &str) -> bool {
    let id = inner.split('|').next().unwrap_or("");
    let (prefix, rest) = match id.get(..2) {
        Some("@U") | Some("@W") | Some("#C") | Some("#G") => (true, &id[2..]),
        _ => (false, ""),
    };
    prefix
        && !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && !inner.contains(['<', '!'])
}

fn escape_plain(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Slack date token: each reader sees the time in their own timezone.
/// `fmt` is one of Slack's tokens, e.g. `{date_short_pretty} {time}`.
pub fn date_token(epoch_secs: i64, fmt: &str, fallback: &str) -> String {
    format!("<!date^{epoch_secs}^{fmt}|{fallback}>")
}

/// `<!date^…>` with the time only ("14:35" in the reader's timezone).
pub fn time_token(epoch_secs: i64) -> String {
    let fallback = utc_hm(epoch_secs);
    date_token(epoch_secs, "{time}", &fallback)
}

/// `<!date^…>` with date and time.
pub fn datetime_token(epoch_secs: i64) -> String {
    date_token(
        epoch_secs,
        "{date_short_pretty} {time}",
        &format!("{} UTC", utc_ymd_hm(epoch_secs)),
    )
}

pub fn utc_hm(epoch_secs: i64) -> String {
    let s = epoch_secs.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", s / 3600, (s % 3600) / 60)
}

pub fn utc_ymd_hm(epoch_secs: i64) -> String {
    let days = epoch_secs.div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let s = epoch_secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        s / 3600,
        (s % 3600) / 60
    )
}

/// Days since 1970-01-01 -> (year, month, day) (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// "1h 05m", "12m", "40s".
pub fn human_duration(secs: i64, locale: Locale) -> String {
    let secs = secs.max(0);
    let (d, h, m) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    let day = locale.t("d", "d");
    if d > 0 {
        format!("{d}{day} {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m")
    } else {
        format!("{secs}s")
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_broadcasts_and_keeps_mentions() {
        assert_eq!(escape("<!channel> db down"), "&lt;!channel&gt; db down");
        assert_eq!(escape("<!here|here>"), "&lt;!here|here&gt;");
        assert_eq!(
            escape("ask <@U0ANA> in <#C123|ops>"),
            "ask <@U0ANA> in <#C123|ops>"
        );
        assert_eq!(escape("a < b && c > d"), "a &lt; b &amp;&amp; c &gt; d");
        assert_eq!(escape("<https://evil|click>"), "&lt;https://evil|click&gt;");
        assert_eq!(escape("<!subteam^S123>"), "&lt;!subteam^S123&gt;");
    }

    #[test]
    fn dates() {
        assert_eq!(utc_ymd_hm(1_531_420_618), "2018-07-12 18:36");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert!(time_token(0).starts_with("<!date^0^{time}|00:00"));
    }
}
