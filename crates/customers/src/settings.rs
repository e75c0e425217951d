//! The customer notice's variables (`CUSTOMERS_*`): when the war room is prompted, who the
//! recipients are, the dev allowlist, Julia's business hours, the pace. Numbers are masked in
//! `check-config`.

use std::time::Duration;

use chatops_core::config::Reader;
use chrono::{Datelike, NaiveTime, Timelike};

use crate::phone::{mask, normalise};

/// Julia's business hours (rule R0.5): outside them the doctors are "held by quiet hours".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessHours {
    /// Monday to Friday only (`mon-fri`), else every day (`daily`).
    pub weekdays_only: bool,
    pub from: NaiveTime,
    /// Exclusive.
    pub to: NaiveTime,
    /// `always`: no quiet hours.
    pub always: bool,
}

impl BusinessHours {
    /// `mon-fri/08:00-20:00` (Julia's; a space also separates), `daily/09:00-18:00`,
    /// `08:00-20:00` (Mon–Fri), or `always`.
    pub fn parse(v: &str) -> Result<BusinessHours, String> {
        let v = v.trim().to_ascii_lowercase().replace('/', " ");
        let bad = || format!("`{v}` is not `mon-fri/08:00-20:00`, `daily/08:00-20:00` or `always`");
        if v == "always" {
            return Ok(BusinessHours {
                weekdays_only: false,
                from: NaiveTime::MIN,
                to: NaiveTime::MIN,
                always: true,
            });
        }
        let (days, range) = match v.split_once(' ') {
            Some((d, r)) => (d.trim(), r.trim()),
            None => ("mon-fri", v.as_str()),
        };
        let weekdays_only = match days {
            "mon-fri" => true,
            "daily" => false,
            _ => return Err(bad()),
        };
        let (a, b) = range.split_once('-').ok_or_else(bad)?;
        let t = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| bad());
        let (from, to) = (t(a)?, t(b)?);
        if from >= to {
            return Err(bad());
        }
        Ok(BusinessHours {
            weekdays_only,
            from,
            to,
            always: false,
        })
    }

    /// Whether `now_ms` is inside the hours, in America/Sao_Paulo.
    pub fn open_at(&self, now_ms: i64) -> bool {
        if self.always {
            return true;
        }
        let Some(utc) = chrono::DateTime::from_timestamp_millis(now_ms) else {
            return false;
        };
        let local = utc.with_timezone(&chrono_tz::America::Sao_Paulo);
        if self.weekdays_only && local.weekday().number_from_monday() > 5 {
            return false;
        }
        let t = NaiveTime::from_hms_opt(local.hour(), local.minute(), local.second())
            .unwrap_or(NaiveTime::MIN);
        t >= self.from && t < self.to
    }

    pub fn describe(&self) -> String {
        if self.always {
            return "always".into();
        }
        format!(
            "{}/{}-{} America/Sao_Paulo",
            if self.weekdays_only {
                "mon-fri"
            } else {
                "daily"
            },
            self.from.format("%H:%M"),
            self.to.format("%H:%M")
        )
    }
}

#[derive(Clone)]
pub struct CustomersConfig {
    /// `CUSTOMERS_NOTICE_AFTER`: how long a customer-facing incident is open before the war
    /// room is prompted (`off`: only `/incident notify-customers`).
    pub after: Option<Duration>,
    /// `CUSTOMERS_SEVERITIES`: the severities that prompt (P0, P1).
    pub severities: Vec<String>,
    /// `CUSTOMERS_ACTIVE_DAYS`: the doctors who wrote within these days.
    pub active_days: i64,
    /// `CUSTOMERS_PHONES`: a configured list instead (digits, normalised, deduplicated).
    pub phones: Vec<String>,
    /// `CUSTOMERS_DEV_ALLOWLIST`: outside production, only these numbers.
    pub allowlist: Vec<String>,
    pub query_timeout: Duration,
    pub pace: Duration,
    pub jitter: Duration,
    pub send_timeout: Duration,
    /// `CUSTOMERS_LANGUAGE`: the doctors' language (pt-BR).
    pub locale: messages::Locale,
    pub hours: BusinessHours,
    /// `APP_ENV` (Julia's environment as the bot is told it).
    pub app_env: Option<String>,
}

impl std::fmt::Debug for CustomersConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomersConfig")
            .field("after", &self.after)
            .field("phones", &self.phones.len())
            .field("allowlist", &self.allowlist.len())
            .field("pace", &self.pace)
            .finish_non_exhaustive()
    }
}

/// Numbers separated by commas (or new lines), each normalised; the error masks the number.
fn numbers(raw: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for n in raw
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let Some(d) = normalise(n) else {
            return Err(format!(
                "`{}` is not a Brazilian WhatsApp number (55, area code, 8 or 9 digits)",
                crate::phone::scrub(n)
            ));
        };
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

fn severities(raw: &str) -> Result<Vec<String>, String> {
    let l: Vec<String> = raw
        .split([',', ' '])
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    match l
        .iter()
        .find(|s| !["P0", "P1", "P2", "P3"].contains(&s.as_str()))
    {
        Some(s) => Err(format!("`{s}` is not a severity (P0, P1, P2, P3)")),
        None => Ok(l),
    }
}

impl CustomersConfig {
    pub fn read(r: &Reader) -> CustomersConfig {
        let locale = r
            .check("CUSTOMERS_LANGUAGE", |v| {
                match v.to_ascii_lowercase().as_str() {
                    "pt-br" | "pt" | "pt_br" => Ok(messages::Locale::PtBr),
                    "en" => Ok(messages::Locale::En),
                    _ => Err(format!("`{v}` is not `pt-BR` or `en`")),
                }
            })
            .unwrap_or(messages::Locale::PtBr);
        let pace = r.duration("CUSTOMERS_PACE", "4s");
        if pace < Duration::from_secs(1) && r.get("CUSTOMERS_PACE").is_some() {
            r.warn(
                "CUSTOMERS_PACE",
                "under 1 s between messages: WhatsApp may flag the number as spam",
            );
        }
        CustomersConfig {
            after: r.cadence("CUSTOMERS_NOTICE_AFTER", "1h"),
            severities: r
                .check("CUSTOMERS_SEVERITIES", severities)
                .unwrap_or_else(|| vec!["P0".into(), "P1".into()]),
            active_days: r.integer("CUSTOMERS_ACTIVE_DAYS", 30, 1..=365),
            phones: r.check("CUSTOMERS_PHONES", numbers).unwrap_or_default(),
            allowlist: r
                .check("CUSTOMERS_DEV_ALLOWLIST", numbers)
                .unwrap_or_default(),
            query_timeout: r.duration("CUSTOMERS_QUERY_TIMEOUT", "5s"),
            pace,
            jitter: r.duration("CUSTOMERS_JITTER", "2s"),
            send_timeout: r.duration("CUSTOMERS_SEND_TIMEOUT", "20s"),
            locale,
            hours: r
                .check("CUSTOMERS_BUSINESS_HOURS", BusinessHours::parse)
                .unwrap_or_else(|| BusinessHours::parse("mon-fri/08:00-20:00").expect("default")),
            app_env: r.get("APP_ENV"),
        }
    }

    /// `check-config` lines (numbers masked).
    pub fn report_lines(&self) -> Vec<(&'static str, String)> {
        let d = |d: Duration| humantime::format_duration(d).to_string();
        let masked = |l: &[String]| l.iter().map(|n| mask(n)).collect::<Vec<_>>().join(", ");
        vec![
            (
                "CUSTOMERS_NOTICE_AFTER",
                self.after.map(d).unwrap_or_else(|| "off".into()),
            ),
            ("CUSTOMERS_SEVERITIES", self.severities.join(",")),
            (
                "CUSTOMERS_ACTIVE_DAYS",
                format!(
                    "{} (doctors who wrote to Julia, from its database)",
                    self.active_days
                ),
            ),
            (
                "CUSTOMERS_PHONES",
                if self.phones.is_empty() {
                    "(unset: the active doctors)".into()
                } else {
                    format!("{} (used instead)", masked(&self.phones))
                },
            ),
            ("CUSTOMERS_DEV_ALLOWLIST", masked(&self.allowlist)),
            ("CUSTOMERS_QUERY_TIMEOUT", d(self.query_timeout)),
            (
                "CUSTOMERS_PACE",
                format!("{} + up to {} jitter", d(self.pace), d(self.jitter)),
            ),
            ("CUSTOMERS_SEND_TIMEOUT", d(self.send_timeout)),
            ("CUSTOMERS_LANGUAGE", self.locale.code().to_string()),
            ("CUSTOMERS_BUSINESS_HOURS", self.hours.describe()),
        ]
    }

    /// The seconds a send to `n` doctors takes at this pace (the mean jitter included).
    pub fn estimate_secs(&self, n: usize) -> i64 {
        let each = self.pace.as_millis() as i64 + self.jitter.as_millis() as i64 / 2;
        (n.saturating_sub(1) as i64 * each) / 1000
    }
}

/// These settings, as the composition root handed them to the context.
pub fn of(ctx: &chatops_core::Ctx) -> &CustomersConfig {
    ctx.ext()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_hours_follow_sao_paulo() {
        let h = BusinessHours::parse("mon-fri/08:00-20:00").unwrap();
        assert_eq!(BusinessHours::parse("mon-fri 08:00-20:00").unwrap(), h);
        // 2026-12-07 is a Monday; 12:00 UTC is 09:00 in São Paulo.
        let monday_noon_utc = 1_796_644_800_000;
        assert!(h.open_at(monday_noon_utc));
        // 23:30 UTC is 20:30 in São Paulo: closed.
        assert!(!h.open_at(monday_noon_utc + 11 * 3_600_000 + 1_800_000));
        // Saturday.
        assert!(!h.open_at(monday_noon_utc + 5 * 86_400_000));
        assert!(BusinessHours::parse("always").unwrap().open_at(0));
        assert!(BusinessHours::parse("weekends 1-2").is_err());
        assert!(BusinessHours::parse("mon-fri 20:00-08:00").is_err());
    }

    #[test]
    fn numbers_are_checked_and_deduplicated() {
        let n = numbers("+55 11 99999-1234, 11999991234,5521988887777").unwrap();
        assert_eq!(n, vec!["5511999991234", "5521988887777"]);
        let e = numbers("5511999991234,+351912345678").unwrap_err();
        assert!(!e.contains("912345678"), "{e}");
    }
}
