//! Alert intake and statistics settings (#16): `ALERTS_*`, `ALERT_SEVERITY_MAP`,
//! `ALERTMANAGER_*`, `STATS_DIGEST` (in `ONCALL_TZ`, read with the paging settings).

use std::time::Duration;

use chatops_core::config::{checks, Reader, Secret};
use incident::Severity;

/// When the weekly digest is posted: a weekday and a local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigestAt {
    pub weekday: chrono::Weekday,
    pub hour: u32,
    pub minute: u32,
}

#[derive(Clone, Debug)]
pub struct AlertsConfig {
    /// `Authorization: Bearer <ALERTS_TOKEN>` on `/alerts/*`; unset: the intake is off (404).
    pub token: Option<Secret>,
    /// Where alert groups are posted (`ALERTS_CHANNEL`, default `INCIDENTS_CHANNEL`).
    pub channel: Option<String>,
    /// Alert severity label (lowercase) -> incident severity, in order.
    pub severity_map: Vec<(String, Severity)>,
    pub auto_declare: bool,
    pub max_posts_per_minute: u32,
    /// Alertmanager's base URL; a `user:password@` in it is sent as basic auth and never shown.
    pub alertmanager_url: Option<Secret>,
    /// `Authorization: Bearer <ALERTMANAGER_TOKEN>` on every call to Alertmanager's API (for a
    /// proxy in front of it; Alertmanager's own `--web.config.file` knows only basic auth).
    pub alertmanager_token: Option<Secret>,
    pub alertmanager_timeout: Duration,
    /// Alertmanager's `repeat_interval` (`ALERT_REPEAT_INTERVAL`, default its own 4h): a firing
    /// group quiet for longer (plus a grace) is re-checked. `None`: `off`.
    pub repeat_interval: Option<Duration>,
    /// `None`: `STATS_DIGEST=off`. Local time in `ONCALL_TZ` (`config.paging.tz`).
    pub digest: Option<DigestAt>,
}

/// `critical:P1,error:P2,warning:P3`.
pub fn severity_map(raw: &str) -> Result<Vec<(String, Severity)>, String> {
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once(':').ok_or_else(|| {
            format!("`{part}` is not `label:severity`; e.g. `critical:P1,warning:P3`")
        })?;
        let sev = Severity::parse(v)
            .ok_or_else(|| format!("`{v}` in `{part}` is not a severity; use P0, P1, P2, P3"))?;
        let k = k.trim().to_ascii_lowercase();
        if k.is_empty() {
            return Err(format!("`{part}` has no alert severity before `:`"));
        }
        out.push((k, sev));
    }
    if out.is_empty() {
        return Err("empty; e.g. `critical:P1,error:P2,warning:P3`".into());
    }
    Ok(out)
}

/// `4h`, `30m` (at least a minute), or `off`.
pub fn repeat_interval(raw: &str) -> Result<Option<Duration>, String> {
    if matches!(raw.trim().to_ascii_lowercase().as_str(), "off" | "none") {
        return Ok(None);
    }
    let d = checks::duration(raw)?;
    if d < Duration::from_secs(60) {
        return Err(format!(
            "`{raw}` is shorter than a minute; use Alertmanager's route `repeat_interval` (e.g. `4h`), or `off`"
        ));
    }
    Ok(Some(d))
}

/// `mon 09:00`, `mon-09:00` or `mon@09:00` (any weekday name or its first three letters,
/// 24-hour time), or `off`.
pub fn digest_at(raw: &str) -> Result<Option<DigestAt>, String> {
    let t = raw.trim().to_ascii_lowercase();
    if matches!(t.as_str(), "off" | "none" | "false" | "0") {
        return Ok(None);
    }
    let bad = || {
        format!(
            "`{raw}` is not a weekday and a time; use e.g. `mon 09:00` (or `mon-09:00`), or `off`"
        )
    };
    let (day, time) = t.split_once([' ', '@', '-']).ok_or_else(bad)?;
    let weekday: chrono::Weekday = day.trim().parse().map_err(|_| bad())?;
    let (h, m) = time.trim().split_once(':').ok_or_else(bad)?;
    let hour: u32 = h.parse().map_err(|_| bad())?;
    let minute: u32 = m.parse().map_err(|_| bad())?;
    if hour > 23 || minute > 59 {
        return Err(bad());
    }
    Ok(Some(DigestAt {
        weekday,
        hour,
        minute,
    }))
}

impl AlertsConfig {
    /// Reads the variables; `channel` is `ALERTS_CHANNEL` only (the caller defaults it to
    /// `INCIDENTS_CHANNEL`).
    pub fn read(r: &Reader) -> AlertsConfig {
        let token = r.checked("ALERTS_TOKEN", |v| {
            if v.len() < 16 {
                Err(
                    "too short: use at least 16 random characters (e.g. `openssl rand -hex 24`)"
                        .into(),
                )
            } else {
                Ok(())
            }
        });
        let am_token = r.get("ALERTMANAGER_TOKEN");
        let am_url = r.url("ALERTMANAGER_URL", &["https", "http"]);
        if am_token.is_some() && am_url.as_deref().is_some_and(|u| u.contains('@')) {
            // Both would be an `Authorization` header: Alertmanager's proxy would see two.
            r.problem(
                "ALERTMANAGER_TOKEN",
                "set, and ALERTMANAGER_URL carries a user:password too: use one of them",
            );
        }
        AlertsConfig {
            token: token.map(Secret::new),
            channel: r.checked("ALERTS_CHANNEL", checks::channel_id),
            severity_map: r
                .check("ALERT_SEVERITY_MAP", severity_map)
                .unwrap_or_else(|| {
                    severity_map("critical:P1,error:P2,warning:P3").expect("default map")
                }),
            auto_declare: r.boolean("ALERTS_AUTO_DECLARE", false),
            max_posts_per_minute: r.integer("ALERTS_MAX_POSTS_PER_MINUTE", 10, 1..=1000),
            alertmanager_url: am_url.map(Secret::new),
            alertmanager_token: am_token.map(Secret::new),
            alertmanager_timeout: r.duration("ALERTMANAGER_TIMEOUT", "5s"),
            repeat_interval: r
                .check("ALERT_REPEAT_INTERVAL", repeat_interval)
                .unwrap_or(Some(Duration::from_secs(4 * 3600))),
            digest: match r.get("STATS_DIGEST") {
                None => digest_at("mon 09:00").expect("default digest"),
                Some(raw) => digest_at(&raw).unwrap_or_else(|p| {
                    r.problem("STATS_DIGEST", p);
                    digest_at("mon 09:00").expect("default digest")
                }),
            },
        }
    }

    /// The Alertmanager API client, when `ALERTMANAGER_URL` is set.
    pub fn alertmanager(&self) -> Option<crate::silences::Alertmanager> {
        self.alertmanager_url.as_ref().map(|u| {
            crate::silences::Alertmanager::new(
                u.expose(),
                self.alertmanager_timeout,
                self.alertmanager_token
                    .as_ref()
                    .map(|t| t.expose().to_string()),
            )
        })
    }

    /// The severity an alert's `severity` label maps to.
    pub fn severity_for(&self, label: Option<&str>) -> Option<Severity> {
        let l = label?.trim().to_ascii_lowercase();
        self.severity_map
            .iter()
            .find(|(k, _)| *k == l)
            .map(|(_, s)| *s)
    }

    /// `check-config` lines.
    pub fn report_lines(&self) -> Vec<(&'static str, String)> {
        let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "(unset)".into());
        vec![
            (
                "ALERTS_TOKEN",
                self.token
                    .as_ref()
                    .map(|s| format!("{s:?}"))
                    .unwrap_or_else(|| "(unset: /alerts/* answer 404)".into()),
            ),
            ("ALERTS_CHANNEL", opt(&self.channel)),
            (
                "ALERT_SEVERITY_MAP",
                self.severity_map
                    .iter()
                    .map(|(k, s)| format!("{k}:{}", s.as_str()))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (
                "ALERTS_AUTO_DECLARE",
                if self.auto_declare { "on" } else { "off" }.into(),
            ),
            (
                "ALERTS_MAX_POSTS_PER_MINUTE",
                self.max_posts_per_minute.to_string(),
            ),
            (
                "ALERTMANAGER_URL",
                // The password a URL may carry is never printed.
                opt(&self
                    .alertmanager_url
                    .as_ref()
                    .map(|u| chatops_core::config::redact_url(u.expose()))),
            ),
            (
                "ALERTMANAGER_TOKEN",
                self.alertmanager_token
                    .as_ref()
                    .map(|s| format!("{s:?}"))
                    .unwrap_or_else(|| "(unset)".into()),
            ),
            (
                "ALERTMANAGER_TIMEOUT",
                humantime::format_duration(self.alertmanager_timeout).to_string(),
            ),
            (
                "ALERT_REPEAT_INTERVAL",
                self.repeat_interval
                    .map(|d| {
                        format!(
                            "{} (a firing group quiet for longer, plus 10m, is re-checked with Alertmanager)",
                            humantime::format_duration(d)
                        )
                    })
                    .unwrap_or_else(|| "off".into()),
            ),
            (
                "STATS_DIGEST",
                self.digest
                    .map(|d| format!("{} {:02}:{:02}", d.weekday, d.hour, d.minute))
                    .unwrap_or_else(|| "off".into()),
            ),
        ]
    }
}

/// These settings, as the composition root handed them to the context.
pub fn of(ctx: &chatops_core::Ctx) -> &AlertsConfig {
    ctx.ext()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_config_never_prints_the_alertmanager_password_or_token() {
        let env: std::collections::HashMap<String, String> = [
            ("ALERTMANAGER_URL", "https://ops:hunter2-pw@am.example.com/"),
            ("ALERTMANAGER_TOKEN", "am-bearer-0123456789"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let r = Reader::new(&env);
        let c = AlertsConfig::read(&r);
        let text = format!("{:?} {c:?} {:?}", c.report_lines(), r.problems.borrow());
        assert!(
            !text.contains("hunter2") && !text.contains("am-bearer-0123456789"),
            "{text}"
        );
        assert!(text.contains("https://ops:***@am.example.com"), "{text}");
        // Two kinds of credentials for one API: said.
        assert!(text.contains("use one of them"), "{text}");
    }

    #[test]
    fn repeat_interval_reads_a_duration_or_off() {
        assert_eq!(
            repeat_interval("4h").unwrap(),
            Some(Duration::from_secs(4 * 3600))
        );
        assert_eq!(repeat_interval("off").unwrap(), None);
        assert!(repeat_interval("10s").unwrap_err().contains("minute"));
        assert!(repeat_interval("soon").is_err());
    }

    #[test]
    fn severity_map_reads_pairs_and_names_mistakes() {
        let m = severity_map("critical:P1, Warning:p3").unwrap();
        assert_eq!(
            m,
            vec![
                ("critical".into(), Severity::P1),
                ("warning".into(), Severity::P3)
            ]
        );
        assert!(severity_map("critical=P1")
            .unwrap_err()
            .contains("label:severity"));
        assert!(severity_map("critical:P9")
            .unwrap_err()
            .contains("not a severity"));
    }

    #[test]
    fn digest_reads_weekday_and_time_or_off() {
        assert_eq!(
            digest_at("mon 09:00").unwrap(),
            Some(DigestAt {
                weekday: chrono::Weekday::Mon,
                hour: 9,
                minute: 0
            })
        );
        assert_eq!(
            digest_at("Friday 17:30").unwrap().unwrap().weekday,
            chrono::Weekday::Fri
        );
        assert_eq!(
            digest_at("mon@09:00").unwrap(),
            digest_at("mon 09:00").unwrap()
        );
        assert_eq!(digest_at("off").unwrap(), None);
        assert!(digest_at("mon 25:00").is_err());
        assert!(digest_at("monday").is_err());
    }
}
