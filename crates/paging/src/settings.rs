//! Paging and on-call variables (#15): ack windows, the rotation, phones, the Evolution
//! instance pages go through, the webhook token.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::phone::Phone;
use crate::schedule::Handoff;
use chatops_core::config::reader::list;
use chatops_core::config::{checks, Reader, Secret};

/// `ONCALL_PHONES`: user id -> number. `Debug` shows masked numbers only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Phones(pub BTreeMap<String, Phone>);

impl fmt::Debug for Phones {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
    }
}

impl Phones {
    pub fn of(&self, user: &str) -> Option<&Phone> {
        self.0.get(user)
    }
    /// The person whose number sent `jid` (a WhatsApp id).
    pub fn user_of_jid(&self, jid: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, p)| p.matches_jid(jid))
            .map(|(u, _)| u.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct PagingConfig {
    /// `INCIDENT_ACK_P0..P3`: how long an incident may stay unacknowledged before a page.
    pub ack: [Option<Duration>; 4],
    pub rotation: Vec<String>,
    pub handoff: Handoff,
    pub tz: chrono_tz::Tz,
    pub phones: Phones,
    /// `PAGER_EVOLUTION_INSTANCE`, else `EVOLUTION_INSTANCE`.
    pub instance: Option<String>,
    pub webhook_token: Option<Secret>,
    /// `PAGER_SEND_TIMEOUT`: how long a WhatsApp `sendText` may take (Evolution checks the
    /// number on WhatsApp before it sends; the 3 s source timeout is too short). No answer in
    /// time is "may have been delivered", never "failed".
    pub send_timeout: Duration,
    pub poll: Duration,
    pub lease: Duration,
    pub max_attempts: u32,
}

/// Shortest `PAGER_WEBHOOK_TOKEN` accepted: it is the only thing guarding the route.
const MIN_TOKEN: usize = 24;

fn phones(raw: &str) -> Result<Phones, String> {
    let mut out = BTreeMap::new();
    for pair in list(Some(raw.to_string())) {
        let Some((user, number)) = pair.split_once(':') else {
            return Err(format!(
                "`{}` is not `USER_ID:+NUMBER` (e.g. `U012AB3CD:+5511912345678`)",
                crate::phone::scrub(&pair)
            ));
        };
        checks::user_ids(&[user.to_string()], false)?;
        let phone = Phone::parse(number).map_err(|e| format!("the number of {user} {e}"))?;
        out.insert(user.to_string(), phone);
    }
    Ok(Phones(out))
}

fn token(raw: &str) -> Result<Secret, String> {
    if raw.len() < MIN_TOKEN
        || !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
    {
        return Err(format!(
            "must be at least {MIN_TOKEN} characters of letters, digits, `-` or `_` (it is part of a URL and the only guard of the route); e.g. `openssl rand -hex 24`"
        ));
    }
    Ok(Secret::new(raw))
}

impl PagingConfig {
    pub fn read(r: &Reader) -> PagingConfig {
        let rotation = r.users("ONCALL_ROTATION", false);
        let phones = r.check("ONCALL_PHONES", phones).unwrap_or_default();
        let handoff = r
            .check("ONCALL_HANDOFF", Handoff::parse)
            .unwrap_or_else(|| Handoff::parse("mon 09:00").expect("default handoff"));
        let tz = r
            .check("ONCALL_TZ", |v| {
                v.parse::<chrono_tz::Tz>().map_err(|_| {
                    format!("`{v}` is not an IANA time zone (e.g. America/Sao_Paulo, Europe/Lisbon, UTC)")
                })
            })
            .unwrap_or(chrono_tz::America::Sao_Paulo);
        let without_phone: Vec<&String> =
            rotation.iter().filter(|u| phones.of(u).is_none()).collect();
        if rotation.is_empty() && !phones.0.is_empty() {
            r.warn(
                "ONCALL_ROTATION",
                "not set: pages go to COMMANDER_USERS only",
            );
        }
        if !phones.0.is_empty() && r.get("EVOLUTION_API_URL").is_none() {
            r.warn(
                "ONCALL_PHONES",
                "set, but EVOLUTION_API_URL is not: pages go by Slack DM only",
            );
        }
        let julia_instance = r.get("EVOLUTION_INSTANCE");
        let pager_instance = r.get("PAGER_EVOLUTION_INSTANCE");
        if !phones.0.is_empty()
            && r.get("EVOLUTION_API_URL").is_some()
            && julia_instance.is_some()
            && pager_instance
                .as_ref()
                .is_none_or(|p| Some(p) == julia_instance.as_ref())
        {
            r.warn(
                "PAGER_EVOLUTION_INSTANCE",
                "is Julia's own instance (EVOLUTION_INSTANCE): pages come from Julia's number and \
                 replies go to Julia's webhook, not to the bot, so a WhatsApp `ack` acknowledges \
                 nothing; connect a separate WhatsApp number as its own Evolution instance and \
                 name it here",
            );
        }
        if !without_phone.is_empty() && r.get("ONCALL_PHONES").is_some() {
            r.warn(
                "ONCALL_PHONES",
                format!(
                    "no number for {}: they are paged by Slack DM only",
                    without_phone
                        .iter()
                        .map(|u| u.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        PagingConfig {
            ack: [
                r.cadence("INCIDENT_ACK_P0", "5m"),
                r.cadence("INCIDENT_ACK_P1", "15m"),
                r.cadence("INCIDENT_ACK_P2", "1h"),
                r.cadence("INCIDENT_ACK_P3", "off"),
            ],
            rotation,
            handoff,
            tz,
            phones,
            instance: pager_instance.or(julia_instance),
            webhook_token: r.check("PAGER_WEBHOOK_TOKEN", token),
            send_timeout: r.duration("PAGER_SEND_TIMEOUT", "20s"),
            poll: r.duration("PAGER_POLL_INTERVAL", "5s"),
            lease: r.duration("PAGER_LEASE", "30s"),
            max_attempts: r.integer("PAGER_MAX_ATTEMPTS", 5, 1..=50),
        }
    }

    /// `check-config` lines (numbers masked, the token redacted).
    pub fn report_lines(&self) -> Vec<(&'static str, String)> {
        let off = |d: &Option<Duration>| {
            d.map(|d| humantime::format_duration(d).to_string())
                .unwrap_or_else(|| "off".into())
        };
        vec![
            (
                "INCIDENT_ACK_P0..P3",
                self.ack.iter().map(off).collect::<Vec<_>>().join(" / "),
            ),
            ("ONCALL_ROTATION", self.rotation.join(",")),
            ("ONCALL_HANDOFF", self.handoff.describe()),
            ("ONCALL_TZ", self.tz.name().to_string()),
            (
                "ONCALL_PHONES",
                self.phones
                    .0
                    .iter()
                    .map(|(u, p)| format!("{u}:{}", p.masked()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (
                "PAGER_EVOLUTION_INSTANCE",
                self.instance.clone().unwrap_or_else(|| "(unset)".into()),
            ),
            (
                "PAGER_SEND_TIMEOUT",
                humantime::format_duration(self.send_timeout).to_string(),
            ),
            (
                "PAGER_WEBHOOK_TOKEN",
                self.webhook_token
                    .as_ref()
                    .map(|s| format!("{s:?}"))
                    .unwrap_or_else(|| "(unset: no acknowledgment by WhatsApp reply)".into()),
            ),
        ]
    }
}

/// These settings, as the composition root handed them to the context.
pub fn of(ctx: &chatops_core::Ctx) -> &PagingConfig {
    ctx.ext()
}
