//! Configuration: environment variables are the contract (Railway sets them).
//!
//! `Config::from_env()` for the process, `Config::from_pairs()` for tests. Secrets are
//! wrapped in [`Secret`], whose `Debug`/`Display` never show the value.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// A secret value: printing it shows `[redacted]`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("(unset)")
        } else {
            f.write_str("[redacted]")
        }
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything the bot reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    // Slack
    pub slack_signing_secret: Secret,
    pub slack_bot_token: Secret,
    pub slack_app_token: Secret,
    pub slack_api_url: String,
    pub slack_timeout: Duration,
    // Server
    pub port: u16,
    pub bind_addr: String,
    pub database_url: String,
    pub redis_url: Option<Secret>,
    pub incidents_channel: Option<String>,
    pub locale: messages::Locale,
    pub log_format: LogFormat,
    pub incident_command: String,
    pub julia_command: String,
    pub rate_limit_per_minute: u32,
    // Outbox
    pub outbox_poll: Duration,
    pub outbox_max_attempts: u32,
    pub outbox_lease: Duration,
    pub outbox_channel_interval: Duration,
    // Incidents
    pub war_room_severities: Vec<crate::incident::Severity>,
    pub incident_responders: Vec<String>,
    pub incident_responder_group: Option<String>,
    pub restrict_changes: bool,
    pub admins: Vec<String>,
    pub admin_group: Option<String>,
    // Reminders
    pub cadence: [Option<Duration>; 4],
    pub escalation_users: Vec<String>,
    pub escalation_usergroup: Option<String>,
    pub commander_users: Vec<String>,
    pub commander_usergroup: Option<String>,
    pub reminder_poll: Duration,
    pub reminder_lease: Duration,
    pub postmortem_reminders: [Duration; 2],
    // Templates (`TEMPLATES_DIR`), validated at load.
    pub templates_dir: Option<String>,
    pub templates: messages::templates::Templates,
    // Julia controls
    pub julia: JuliaConfig,
}

/// The controlled system (`/julia …`): each part is optional and works on its own.
#[derive(Clone, Debug)]
pub struct JuliaConfig {
    pub database_url: Option<Secret>,
    pub base_url: Option<String>,
    pub app_env: Option<String>,
    pub supabase_project_ref: Option<String>,
    pub railway_api_url: String,
    pub railway_api_token: Option<Secret>,
    pub railway_token: Option<Secret>,
    pub railway_project_id: Option<String>,
    pub railway_environment_id: Option<String>,
    /// The plain Railway names the ids fell back to (see [`railway_ids`]); empty when both
    /// came from `JULIA_RAILWAY_*` (or are unset).
    pub railway_id_fallbacks: Vec<&'static str>,
    pub railway_services: Vec<String>,
    pub evolution_api_url: Option<String>,
    pub evolution_api_key: Option<Secret>,
    pub evolution_instance: Option<String>,
    pub evolution_webhook_url: Option<String>,
    pub evolution_webhook_events: Vec<String>,
    /// `connect` and `restart` (Evolution answers them after opening the socket, ~2 s).
    pub evolution_action_timeout: Duration,
    pub redis_url: Option<Secret>,
    /// Per-source timeout of `/julia status` and every call to Julia's systems.
    pub source_timeout: Duration,
    pub watch_interval: Duration,
    /// After a deploy action: how often and how long to follow the deployment and health.
    pub follow_interval: Duration,
    pub follow_limit: Duration,
}

/// A configuration value that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn list(v: Option<String>) -> Vec<String> {
    v.unwrap_or_default()
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn duration(var: &'static str, v: Option<String>, default: &str) -> Result<Duration, ConfigError> {
    let raw = v.unwrap_or_else(|| default.to_string());
    humantime::parse_duration(raw.trim()).map_err(|e| ConfigError {
        var,
        problem: format!("`{raw}` is not a duration ({e}); use e.g. `15m`, `30s`"),
    })
}

fn cadence(
    var: &'static str,
    v: Option<String>,
    default: &str,
) -> Result<Option<Duration>, ConfigError> {
    let raw = v.unwrap_or_else(|| default.to_string());
    if matches!(
        raw.trim().to_ascii_lowercase().as_str(),
        "off" | "none" | "0" | ""
    ) {
        return Ok(None);
    }
    duration(var, Some(raw), default).map(Some)
}

fn number<T: std::str::FromStr>(
    var: &'static str,
    v: Option<String>,
    default: T,
) -> Result<T, ConfigError> {
    match v {
        None => Ok(default),
        Some(s) if s.trim().is_empty() => Ok(default),
        Some(s) => s.trim().parse().map_err(|_| ConfigError {
            var,
            problem: format!("`{s}` is not a number"),
        }),
    }
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::load(|k| std::env::var(k).ok())
    }

    /// Builds a configuration from explicit pairs (tests); unset keys take their defaults.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Result<Self, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::load(|k| map.get(k).cloned())
    }

    pub fn load(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| non_empty(get(k));
        let locale = match get("CHATOPS_LOCALE").as_deref() {
            None | Some("en") | Some("en-US") => messages::Locale::En,
            Some("pt-BR") | Some("pt") | Some("pt_BR") => messages::Locale::PtBr,
            Some(other) => {
                return Err(ConfigError {
                    var: "CHATOPS_LOCALE",
                    problem: format!("`{other}` is not supported; use `en` or `pt-BR`"),
                })
            }
        };
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    var: "LOG_FORMAT",
                    problem: format!("`{other}` is not supported; use `text` or `json`"),
                })
            }
        };
        let mut war_room_severities = Vec::new();
        for s in list(get("WAR_ROOM_SEVERITIES").or(Some("P0,P1".into()))) {
            war_room_severities.push(crate::incident::Severity::parse(&s).ok_or_else(|| {
                ConfigError {
                    var: "WAR_ROOM_SEVERITIES",
                    problem: format!("`{s}` is not a severity (P0..P3)"),
                }
            })?);
        }
        let command = |var: &'static str, default: &str| -> Result<String, ConfigError> {
            let c = get(var).unwrap_or_else(|| default.to_string());
            if !c.starts_with('/') || c.len() < 2 || c.len() > 32 {
                return Err(ConfigError {
                    var,
                    problem: format!("`{c}` must start with `/` and be 2 to 32 characters"),
                });
            }
            Ok(c)
        };
        let templates_dir = get("TEMPLATES_DIR");
        let templates = match &templates_dir {
            None => messages::templates::Templates::builtin(),
            Some(d) => messages::templates::Templates::load(std::path::Path::new(d)).map_err(
                |problem| ConfigError {
                    var: "TEMPLATES_DIR",
                    problem,
                },
            )?,
        };
        let railway_ids = railway_ids(&get);
        Ok(Config {
            templates_dir,
            templates,
            slack_signing_secret: Secret::new(get("SLACK_SIGNING_SECRET").unwrap_or_default()),
            slack_bot_token: Secret::new(get("SLACK_BOT_TOKEN").unwrap_or_default()),
            slack_app_token: Secret::new(get("SLACK_APP_TOKEN").unwrap_or_default()),
            slack_api_url: get("SLACK_API_URL")
                .unwrap_or_else(|| "https://slack.com/api".into())
                .trim_end_matches('/')
                .to_string(),
            slack_timeout: duration("SLACK_TIMEOUT", get("SLACK_TIMEOUT"), "10s")?,
            port: number("PORT", get("PORT"), 3000)?,
            bind_addr: get("BIND_ADDR").unwrap_or_else(|| "0.0.0.0".into()),
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://./data/chatops.db".into()),
            redis_url: get("REDIS_URL").map(Secret::new),
            incidents_channel: get("INCIDENTS_CHANNEL"),
            locale,
            log_format,
            incident_command: command("INCIDENT_COMMAND", "/incident")?,
            julia_command: command("JULIA_COMMAND", "/julia")?,
            rate_limit_per_minute: number(
                "RATE_LIMIT_PER_MINUTE",
                get("RATE_LIMIT_PER_MINUTE"),
                20,
            )?,
            outbox_poll: duration("OUTBOX_POLL_INTERVAL", get("OUTBOX_POLL_INTERVAL"), "1s")?,
            outbox_max_attempts: number("OUTBOX_MAX_ATTEMPTS", get("OUTBOX_MAX_ATTEMPTS"), 8)?,
            outbox_lease: duration("OUTBOX_LEASE", get("OUTBOX_LEASE"), "30s")?,
            outbox_channel_interval: duration(
                "OUTBOX_CHANNEL_INTERVAL",
                get("OUTBOX_CHANNEL_INTERVAL"),
                "1s",
            )?,
            war_room_severities,
            incident_responders: list(get("INCIDENT_RESPONDERS"))
                .into_iter()
                .filter(|u| !u.starts_with('S'))
                .collect(),
            incident_responder_group: list(get("INCIDENT_RESPONDERS"))
                .into_iter()
                .find(|u| u.starts_with('S'))
                .or(get("INCIDENT_RESPONDER_GROUP")),
            restrict_changes: matches!(
                get("INCIDENT_RESTRICT_CHANGES").as_deref(),
                Some("true") | Some("1") | Some("yes")
            ),
            admins: list(get("CHATOPS_ADMINS")),
            admin_group: get("CHATOPS_ADMIN_GROUP"),
            cadence: [
                cadence("INCIDENT_CADENCE_P0", get("INCIDENT_CADENCE_P0"), "10m")?,
                cadence("INCIDENT_CADENCE_P1", get("INCIDENT_CADENCE_P1"), "15m")?,
                cadence("INCIDENT_CADENCE_P2", get("INCIDENT_CADENCE_P2"), "30m")?,
                cadence("INCIDENT_CADENCE_P3", get("INCIDENT_CADENCE_P3"), "off")?,
            ],
            escalation_users: list(get("ESCALATION_USERS")),
            escalation_usergroup: get("ESCALATION_USERGROUP"),
            commander_users: list(get("COMMANDER_USERS")),
            commander_usergroup: get("COMMANDER_USERGROUP"),
            reminder_poll: duration(
                "REMINDER_POLL_INTERVAL",
                get("REMINDER_POLL_INTERVAL"),
                "1s",
            )?,
            reminder_lease: duration("REMINDER_LEASE", get("REMINDER_LEASE"), "30s")?,
            postmortem_reminders: [
                duration("POSTMORTEM_DRAFT_DUE", get("POSTMORTEM_DRAFT_DUE"), "24h")?,
                duration("POSTMORTEM_REVIEW_DUE", get("POSTMORTEM_REVIEW_DUE"), "48h")?,
            ],
            julia: JuliaConfig {
                database_url: get("JULIA_DATABASE_URL").map(Secret::new),
                base_url: get("JULIA_BASE_URL").map(|u| u.trim_end_matches('/').to_string()),
                app_env: get("APP_ENV"),
                supabase_project_ref: get("SUPABASE_PROJECT_REF"),
                railway_api_url: get("RAILWAY_API_URL")
                    .unwrap_or_else(|| "https://backboard.railway.com/graphql/v2".into()),
                railway_api_token: get("RAILWAY_API_TOKEN").map(Secret::new),
                railway_token: get("RAILWAY_TOKEN").map(Secret::new),
                railway_project_id: railway_ids.0,
                railway_environment_id: railway_ids.1,
                railway_id_fallbacks: railway_ids.2,
                railway_services: {
                    let l = list(get("JULIA_RAILWAY_SERVICES"));
                    if l.is_empty() {
                        vec![
                            "julia-api".into(),
                            "julia-worker".into(),
                            "julia-scheduler".into(),
                        ]
                    } else {
                        l
                    }
                },
                evolution_api_url: get("EVOLUTION_API_URL")
                    .map(|u| u.trim_end_matches('/').to_string()),
                evolution_api_key: get("EVOLUTION_API_KEY").map(Secret::new),
                evolution_instance: get("EVOLUTION_INSTANCE"),
                evolution_webhook_url: get("EVOLUTION_WEBHOOK_URL"),
                evolution_webhook_events: webhook_events(get("EVOLUTION_WEBHOOK_EVENTS"))?,
                evolution_action_timeout: duration(
                    "EVOLUTION_ACTION_TIMEOUT",
                    get("EVOLUTION_ACTION_TIMEOUT"),
                    "15s",
                )?,
                redis_url: get("JULIA_REDIS_URL").map(Secret::new),
                source_timeout: duration(
                    "JULIA_SOURCE_TIMEOUT",
                    get("JULIA_SOURCE_TIMEOUT"),
                    "3s",
                )?,
                watch_interval: duration(
                    "JULIA_WATCH_INTERVAL",
                    get("JULIA_WATCH_INTERVAL"),
                    "60s",
                )?,
                follow_interval: duration(
                    "JULIA_FOLLOW_INTERVAL",
                    get("JULIA_FOLLOW_INTERVAL"),
                    "10s",
                )?,
                follow_limit: duration("JULIA_FOLLOW_LIMIT", get("JULIA_FOLLOW_LIMIT"), "10m")?,
            },
        })
    }

    /// A Railway id for `check-config`, with the variable it came from when it fell back.
    fn railway_id_line(&self, v: &Option<String>, plain: &str) -> String {
        match v {
            None => "(unset)".into(),
            Some(v) if self.julia.railway_id_fallbacks.contains(&plain) => {
                format!("{v} (from {plain})")
            }
            Some(v) => v.clone(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    /// The effective configuration, secrets redacted, as `KEY = value` lines, and for
    /// each feature what is missing. The bool is false when the server cannot start.
    pub fn report(&self) -> (String, bool) {
        let mut out = String::new();
        let mut ok = true;
        let show = |s: &Secret| format!("{s:?}");
        let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "(unset)".into());
        let db = redact_url(&self.database_url);
        let lines = [
            ("SLACK_SIGNING_SECRET", show(&self.slack_signing_secret)),
            ("SLACK_BOT_TOKEN", show(&self.slack_bot_token)),
            ("SLACK_APP_TOKEN", show(&self.slack_app_token)),
            ("SLACK_API_URL", self.slack_api_url.clone()),
            ("BIND_ADDR", self.bind_addr.clone()),
            ("PORT", self.port.to_string()),
            ("DATABASE_URL", db),
            (
                "REDIS_URL",
                self.redis_url
                    .as_ref()
                    .map(|u| redact_url(u.expose()))
                    .unwrap_or_else(|| "(unset: in-process only)".into()),
            ),
            ("INCIDENTS_CHANNEL", opt(&self.incidents_channel)),
            ("CHATOPS_LOCALE", self.locale.code().into()),
            (
                "LOG_FORMAT",
                format!("{:?}", self.log_format).to_lowercase(),
            ),
            ("INCIDENT_COMMAND", self.incident_command.clone()),
            ("JULIA_COMMAND", self.julia_command.clone()),
            (
                "RATE_LIMIT_PER_MINUTE",
                self.rate_limit_per_minute.to_string(),
            ),
            (
                "WAR_ROOM_SEVERITIES",
                self.war_room_severities
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (
                "INCIDENT_CADENCE_P0..P3",
                self.cadence
                    .iter()
                    .map(|c| {
                        c.map(|d| humantime::format_duration(d).to_string())
                            .unwrap_or("off".into())
                    })
                    .collect::<Vec<_>>()
                    .join(" / "),
            ),
            ("CHATOPS_ADMINS", self.admins.join(",")),
            ("CHATOPS_ADMIN_GROUP", opt(&self.admin_group)),
            (
                "TEMPLATES_DIR",
                match &self.templates_dir {
                    Some(d) => format!("{d} ({:?})", self.templates),
                    None => "(unset: built-in templates)".into(),
                },
            ),
            (
                "JULIA_DATABASE_URL",
                self.julia
                    .database_url
                    .as_ref()
                    .map(|u| redact_url(u.expose()))
                    .unwrap_or_else(|| "(unset)".into()),
            ),
            ("JULIA_BASE_URL", opt(&self.julia.base_url)),
            ("APP_ENV", opt(&self.julia.app_env)),
            (
                "SUPABASE_PROJECT_REF",
                opt(&self.julia.supabase_project_ref),
            ),
            ("RAILWAY_API_URL", self.julia.railway_api_url.clone()),
            (
                "RAILWAY_API_TOKEN",
                self.julia
                    .railway_api_token
                    .as_ref()
                    .map(show)
                    .unwrap_or_else(|| "(unset)".into()),
            ),
            (
                "RAILWAY_TOKEN",
                self.julia
                    .railway_token
                    .as_ref()
                    .map(show)
                    .unwrap_or_else(|| "(unset)".into()),
            ),
            (
                "JULIA_RAILWAY_PROJECT_ID",
                self.railway_id_line(&self.julia.railway_project_id, "RAILWAY_PROJECT_ID"),
            ),
            (
                "JULIA_RAILWAY_ENVIRONMENT_ID",
                self.railway_id_line(&self.julia.railway_environment_id, "RAILWAY_ENVIRONMENT_ID"),
            ),
            (
                "JULIA_RAILWAY_SERVICES",
                self.julia.railway_services.join(","),
            ),
            ("EVOLUTION_API_URL", opt(&self.julia.evolution_api_url)),
            (
                "EVOLUTION_API_KEY",
                self.julia
                    .evolution_api_key
                    .as_ref()
                    .map(show)
                    .unwrap_or_else(|| "(unset)".into()),
            ),
            ("EVOLUTION_INSTANCE", opt(&self.julia.evolution_instance)),
            (
                "EVOLUTION_WEBHOOK_URL",
                opt(&self.julia.evolution_webhook_url),
            ),
            (
                "EVOLUTION_WEBHOOK_EVENTS",
                self.julia.evolution_webhook_events.join(","),
            ),
            (
                "EVOLUTION_ACTION_TIMEOUT",
                humantime::format_duration(self.julia.evolution_action_timeout).to_string(),
            ),
            (
                "JULIA_REDIS_URL",
                self.julia
                    .redis_url
                    .as_ref()
                    .map(|u| redact_url(u.expose()))
                    .unwrap_or_else(|| "(unset)".into()),
            ),
        ];
        for (k, v) in lines {
            out.push_str(&format!("{k:<26} = {v}\n"));
        }
        out.push_str("\nFeatures:\n");
        if self.slack_signing_secret.is_empty() {
            ok = false;
            out.push_str(
                "  server: MISSING SLACK_SIGNING_SECRET (every Slack request would be refused)\n",
            );
        } else {
            out.push_str("  server: ok\n");
        }
        if self.slack_bot_token.is_empty() {
            out.push_str(
                "  posting to Slack: missing SLACK_BOT_TOKEN (messages stay in the outbox)\n",
            );
        } else {
            out.push_str("  posting to Slack: ok\n");
        }
        if self.incidents_channel.is_none() {
            out.push_str("  incident announcements: missing INCIDENTS_CHANNEL\n");
        } else {
            out.push_str("  incident announcements: ok\n");
        }
        out.push_str(if self.redis_url.is_some() {
            "  redis (cross-replica dedupe, rate limit): configured\n"
        } else {
            "  redis: not configured (dedupe in the store, no rate limit)\n"
        });
        if self.slack_app_token.is_empty() {
            out.push_str(
                "  socket mode: off (SLACK_APP_TOKEN unset; HTTP endpoints serve Slack)\n",
            );
        }
        let j = &self.julia;
        let part = |name: &str, missing: Vec<&str>| {
            if missing.is_empty() {
                format!("  julia {name}: configured\n")
            } else {
                format!("  julia {name}: missing {}\n", missing.join(", "))
            }
        };
        let some = |o: bool, v: &'static str| (!o).then_some(v);
        out.push_str(&part(
            "database",
            [some(j.database_url.is_some(), "JULIA_DATABASE_URL")]
                .into_iter()
                .flatten()
                .collect(),
        ));
        out.push_str(&part(
            "hard guards",
            [
                some(j.app_env.is_some(), "APP_ENV"),
                some(j.supabase_project_ref.is_some(), "SUPABASE_PROJECT_REF"),
            ]
            .into_iter()
            .flatten()
            .collect(),
        ));
        out.push_str(&part(
            "health",
            [some(j.base_url.is_some(), "JULIA_BASE_URL")]
                .into_iter()
                .flatten()
                .collect(),
        ));
        out.push_str(&part(
            "railway",
            [
                some(
                    j.railway_api_token.is_some() || j.railway_token.is_some(),
                    "RAILWAY_API_TOKEN or RAILWAY_TOKEN",
                ),
                some(j.railway_project_id.is_some(), "JULIA_RAILWAY_PROJECT_ID"),
                some(
                    j.railway_environment_id.is_some(),
                    "JULIA_RAILWAY_ENVIRONMENT_ID",
                ),
            ]
            .into_iter()
            .flatten()
            .collect(),
        ));
        out.push_str(&part(
            "evolution",
            [
                some(j.evolution_api_url.is_some(), "EVOLUTION_API_URL"),
                some(j.evolution_api_key.is_some(), "EVOLUTION_API_KEY"),
                some(j.evolution_instance.is_some(), "EVOLUTION_INSTANCE"),
            ]
            .into_iter()
            .flatten()
            .collect(),
        ));
        if j.redis_url.is_none() {
            out.push_str(
                "  julia flag cache: JULIA_REDIS_URL unset (pause/resume apply within 30 s)\n",
            );
        }
        out.push_str(&railway_notes(j));
        (out, ok)
    }
}

/// The project and environment of Julia's services: `JULIA_RAILWAY_PROJECT_ID` and
/// `JULIA_RAILWAY_ENVIRONMENT_ID`, each falling back to the plain `RAILWAY_PROJECT_ID` /
/// `RAILWAY_ENVIRONMENT_ID`. Railway injects those into every service it runs, this bot
/// included: deployed on Railway they name the bot's own project, so `check-config` notes each
/// fallback (the third value lists them).
pub fn railway_ids(
    get: &impl Fn(&str) -> Option<String>,
) -> (Option<String>, Option<String>, Vec<&'static str>) {
    let mut fallbacks = Vec::new();
    let mut pick = |julia: Option<String>, plain: Option<String>, name: &'static str| {
        if julia.is_none() && plain.is_some() {
            fallbacks.push(name);
        }
        julia.or(plain)
    };
    let project = pick(
        get("JULIA_RAILWAY_PROJECT_ID"),
        get("RAILWAY_PROJECT_ID"),
        "RAILWAY_PROJECT_ID",
    );
    let environment = pick(
        get("JULIA_RAILWAY_ENVIRONMENT_ID"),
        get("RAILWAY_ENVIRONMENT_ID"),
        "RAILWAY_ENVIRONMENT_ID",
    );
    (project, environment, fallbacks)
}

/// `EVOLUTION_WEBHOOK_EVENTS`: every name must be one Evolution v2 accepts (it answers 400 to
/// the whole `webhook/set` otherwise). Default `MESSAGES_UPSERT`.
fn webhook_events(v: Option<String>) -> Result<Vec<String>, ConfigError> {
    let l = list(v);
    if l.is_empty() {
        return Ok(vec!["MESSAGES_UPSERT".into()]);
    }
    let bad = crate::integrations::evolution::unknown_events(&l);
    if bad.is_empty() {
        return Ok(l);
    }
    Err(ConfigError {
        var: "EVOLUTION_WEBHOOK_EVENTS",
        problem: format!(
            "Evolution does not know the event {} (it would refuse the webhook with HTTP 400); known events: {}",
            bad.iter()
                .map(|b| format!("`{b}`"))
                .collect::<Vec<_>>()
                .join(", "),
            crate::integrations::evolution::WEBHOOK_EVENTS.join(", ")
        ),
    })
}

/// `check-config` notes on Railway: where the ids came from, which token is used.
fn railway_notes(j: &JuliaConfig) -> String {
    let mut out = String::new();
    for plain in &j.railway_id_fallbacks {
        out.push_str(&format!(
            "  julia railway ids: NOTE {plain} used because JULIA_{plain} is unset; Railway sets \
             {plain} in every service it runs, so on Railway it names the bot's own project. \
             Set JULIA_{plain} to Julia's.\n"
        ));
    }
    if j.railway_token.is_some() && j.railway_api_token.is_some() {
        out.push_str(
            "  julia railway token: both set; RAILWAY_TOKEN (project token, Project-Access-Token \
             header) is used and RAILWAY_API_TOKEN ignored, as Railway's CLI does\n",
        );
    }
    out
}

/// `postgres://user:pass@host/db` -> `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((creds, host)) = rest.rsplit_once('@') {
            let user = creds.split(':').next().unwrap_or("");
            return format!("{scheme}://{user}:***@{host}");
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let c = Config::from_pairs(&[
            ("SLACK_SIGNING_SECRET", "s3cr3t"),
            ("SLACK_BOT_TOKEN", "xoxb-123"),
        ])
        .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("s3cr3t") && !dbg.contains("xoxb-123"));
        let (report, ok) = c.report();
        assert!(ok);
        assert!(!report.contains("s3cr3t") && !report.contains("xoxb-123"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = Config::from_pairs(&[("INCIDENT_CADENCE_P1", "soon")]).unwrap_err();
        assert_eq!(e.var, "INCIDENT_CADENCE_P1");
        let e = Config::from_pairs(&[("JULIA_COMMAND", "julia")]).unwrap_err();
        assert_eq!(e.var, "JULIA_COMMAND");
    }

    #[test]
    fn julia_secrets_never_print_and_missing_parts_are_named() {
        let c = Config::from_pairs(&[
            ("RAILWAY_API_TOKEN", "rw-s3cr3t"),
            ("EVOLUTION_API_KEY", "evo-s3cr3t"),
            ("JULIA_DATABASE_URL", "postgres://u:dbpw@h/db"),
        ])
        .unwrap();
        let (report, _) = c.report();
        let dbg = format!("{c:?}");
        for s in ["rw-s3cr3t", "evo-s3cr3t", "dbpw"] {
            assert!(!report.contains(s) && !dbg.contains(s), "{s}");
        }
        assert!(
            report.contains(
                "julia railway: missing JULIA_RAILWAY_PROJECT_ID, JULIA_RAILWAY_ENVIRONMENT_ID"
            ),
            "{report}"
        );
        assert_eq!(
            c.julia.railway_services,
            ["julia-api", "julia-worker", "julia-scheduler"]
        );
        assert_eq!(c.julia.evolution_webhook_events, ["MESSAGES_UPSERT"]);
        assert_eq!(
            c.julia.railway_api_url,
            "https://backboard.railway.com/graphql/v2"
        );
    }

    #[test]
    fn julia_railway_ids_win_and_the_plain_fallback_is_noted() {
        let c = Config::from_pairs(&[
            ("JULIA_RAILWAY_PROJECT_ID", "p-julia"),
            ("JULIA_RAILWAY_ENVIRONMENT_ID", "e-julia"),
            ("RAILWAY_PROJECT_ID", "p-bot"),
            ("RAILWAY_ENVIRONMENT_ID", "e-bot"),
        ])
        .unwrap();
        assert_eq!(c.julia.railway_project_id.as_deref(), Some("p-julia"));
        assert_eq!(c.julia.railway_environment_id.as_deref(), Some("e-julia"));
        assert!(!c.report().0.contains("NOTE"));
        // Only Railway's injected names: used, with a note saying so.
        let c = Config::from_pairs(&[
            ("RAILWAY_PROJECT_ID", "p-bot"),
            ("RAILWAY_ENVIRONMENT_ID", "e-bot"),
        ])
        .unwrap();
        assert_eq!(c.julia.railway_project_id.as_deref(), Some("p-bot"));
        let (report, _) = c.report();
        assert!(
            report
                .contains("NOTE RAILWAY_PROJECT_ID used because JULIA_RAILWAY_PROJECT_ID is unset")
                && report.contains("NOTE RAILWAY_ENVIRONMENT_ID used")
                && report.contains("p-bot (from RAILWAY_PROJECT_ID)"),
            "{report}"
        );
        // One of each: still noted.
        let c = Config::from_pairs(&[
            ("JULIA_RAILWAY_PROJECT_ID", "p-julia"),
            ("RAILWAY_ENVIRONMENT_ID", "e-bot"),
        ])
        .unwrap();
        assert_eq!(c.julia.railway_id_fallbacks, ["RAILWAY_ENVIRONMENT_ID"]);
        let (report, _) = c.report();
        assert!(
            report.contains("= p-julia\n")
                && report.contains("= e-bot (from RAILWAY_ENVIRONMENT_ID)"),
            "{report}"
        );
    }

    #[test]
    fn both_railway_tokens_the_project_token_wins_and_is_noted() {
        let c = Config::from_pairs(&[
            ("RAILWAY_API_TOKEN", "acct-s3cr3t"),
            ("RAILWAY_TOKEN", "proj-s3cr3t"),
        ])
        .unwrap();
        let (report, _) = c.report();
        assert!(
            report.contains(
                "both set; RAILWAY_TOKEN (project token, Project-Access-Token header) is used"
            ),
            "{report}"
        );
        assert!(!report.contains("s3cr3t"));
    }

    #[test]
    fn unknown_evolution_events_are_named() {
        let e = Config::from_pairs(&[(
            "EVOLUTION_WEBHOOK_EVENTS",
            "MESSAGES_UPSERT,MESSAGE_UPSERT,CONNECTION_UPDATE",
        )])
        .unwrap_err();
        assert_eq!(e.var, "EVOLUTION_WEBHOOK_EVENTS");
        assert!(
            e.problem
                .contains("does not know the event `MESSAGE_UPSERT`"),
            "{}",
            e.problem
        );
        let c = Config::from_pairs(&[(
            "EVOLUTION_WEBHOOK_EVENTS",
            "MESSAGES_UPSERT,CONNECTION_UPDATE,QRCODE_UPDATED",
        )])
        .unwrap();
        assert_eq!(c.julia.evolution_webhook_events.len(), 3);
        assert_eq!(c.julia.evolution_action_timeout, Duration::from_secs(15));
    }

    #[test]
    fn redacts_database_passwords() {
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        let (r, ok) = Config::from_pairs(&[]).unwrap().report();
        assert!(!ok, "no signing secret: cannot start");
        assert!(r.contains("MISSING SLACK_SIGNING_SECRET"));
    }
}
