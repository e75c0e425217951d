//! Configuration: environment variables are the contract (Railway sets them).
//!
//! The core settings ([`Config`]) and the primitives every capability reads its own with:
//! [`Reader`] (one snapshot of the environment), [`checks`] (shapes), [`ConfigProblem`]. Secrets are
//! wrapped in [`Secret`], whose `Debug`/`Display` never show the value.
//!
//! The whole configuration (every capability's settings, `check-config`) is read by the
//! composition root, `bot::settings`.

pub mod checks;
mod incidents;
mod problem;
pub mod reader;
mod secret;

use std::time::Duration;

use incidents::{components, responders, templates, war_room_severities};
pub use problem::{render_problems, ConfigError, ConfigProblem, Level};
pub use reader::Reader;
pub use secret::{redact_url, Secret};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The core settings: Slack, the server, the store, the outbox and jobs, incidents and their
/// reminders. Each capability reads its own settings with the same [`Reader`]; the composition
/// root (`bot::settings`) reads them all in one pass, so every problem is reported at once.
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
    /// `METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret>,
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
    // Jobs (background work as leased rows)
    pub jobs_poll: Duration,
    pub jobs_lease: Duration,
    pub jobs_max_attempts: u32,
    // Incidents
    pub war_room_severities: Vec<crate::severity::Severity>,
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
    // Components (`COMPONENTS_FILE`): what the status page shows and incidents affect.
    pub components: std::sync::Arc<crate::components::Components>,
}

impl Config {
    /// Reads the core variables (a value that fails its check is reported on `r` and replaced
    /// by its default).
    pub fn read_with(r: &Reader) -> Self {
        let locale = locale(r);
        let log_format = log_format(r);
        let war_room_severities = war_room_severities(r);
        let (templates_dir, templates) = templates(r);
        let (incident_responders, incident_responder_group) = responders(r);
        Config {
            components: components(r),
            templates_dir,
            templates,
            slack_signing_secret: Secret::new(r.get("SLACK_SIGNING_SECRET").unwrap_or_default()),
            slack_bot_token: Secret::new(
                r.checked("SLACK_BOT_TOKEN", checks::bot_token)
                    .unwrap_or_default(),
            ),
            slack_app_token: Secret::new(
                r.checked("SLACK_APP_TOKEN", checks::app_token)
                    .unwrap_or_default(),
            ),
            slack_api_url: r
                .url("SLACK_API_URL", &["https", "http"])
                .unwrap_or_else(|| "https://slack.com/api".into()),
            slack_timeout: r.duration("SLACK_TIMEOUT", "10s"),
            port: r.integer("PORT", 3000, 0..=65535),
            bind_addr: r.string("BIND_ADDR", "0.0.0.0"),
            database_url: r
                .checked("DATABASE_URL", checks::store_url)
                .unwrap_or_else(|| "sqlite://./data/chatops.db".into()),
            redis_url: r.secret_url("REDIS_URL", &["redis", "rediss"]),
            metrics_token: r
                .get("METRICS_TOKEN")
                .filter(|t| !t.trim().is_empty())
                .map(|t| Secret::new(t.trim())),
            incidents_channel: r.checked("INCIDENTS_CHANNEL", checks::channel_id),
            locale,
            log_format,
            incident_command: command(r, "INCIDENT_COMMAND", "/incident"),
            julia_command: command(r, "JULIA_COMMAND", "/julia"),
            rate_limit_per_minute: r.integer("RATE_LIMIT_PER_MINUTE", 20, 0..=1_000_000),
            outbox_poll: r.duration("OUTBOX_POLL_INTERVAL", "1s"),
            outbox_max_attempts: r.integer("OUTBOX_MAX_ATTEMPTS", 8, 1..=1000),
            outbox_lease: r.duration("OUTBOX_LEASE", "5s"),
            outbox_channel_interval: r.duration("OUTBOX_CHANNEL_INTERVAL", "1s"),
            jobs_poll: r.duration("JOBS_POLL_INTERVAL", "1s"),
            jobs_lease: r.duration("JOBS_LEASE", "5s"),
            jobs_max_attempts: r.integer("JOBS_MAX_ATTEMPTS", 5, 1..=100),
            war_room_severities,
            incident_responders,
            incident_responder_group,
            restrict_changes: r.boolean("INCIDENT_RESTRICT_CHANGES", false),
            admins: r.users("CHATOPS_ADMINS", false),
            admin_group: r.checked("CHATOPS_ADMIN_GROUP", checks::usergroup_id),
            cadence: [
                r.cadence("INCIDENT_CADENCE_P0", "10m"),
                r.cadence("INCIDENT_CADENCE_P1", "15m"),
                r.cadence("INCIDENT_CADENCE_P2", "30m"),
                r.cadence("INCIDENT_CADENCE_P3", "off"),
            ],
            escalation_users: r.users("ESCALATION_USERS", false),
            escalation_usergroup: r.checked("ESCALATION_USERGROUP", checks::usergroup_id),
            commander_users: r.users("COMMANDER_USERS", false),
            commander_usergroup: r.checked("COMMANDER_USERGROUP", checks::usergroup_id),
            reminder_poll: r.duration("REMINDER_POLL_INTERVAL", "1s"),
            reminder_lease: r.duration("REMINDER_LEASE", "30s"),
            postmortem_reminders: [
                r.duration("POSTMORTEM_DRAFT_DUE", "24h"),
                r.duration("POSTMORTEM_REVIEW_DUE", "48h"),
            ],
        }
    }

    /// What `serve` needs beyond a readable configuration (simulate and migrate do not):
    /// the signing secret. `check-config` reports the same, so the two always agree.
    pub fn serve_problems(&self) -> Vec<ConfigProblem> {
        let mut p = Vec::new();
        if self.slack_signing_secret.is_empty() {
            p.push(ConfigProblem::error(
                "SLACK_SIGNING_SECRET",
                "not set: without it every request from Slack would be refused, so the server \
                 does not start. Copy the Signing Secret from the app's Basic Information page",
            ));
        }
        p
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }
}

fn locale(r: &Reader) -> messages::Locale {
    r.check("CHATOPS_LOCALE", |v| match v {
        "en" | "en-US" => Ok(messages::Locale::En),
        "pt-BR" | "pt" | "pt_BR" => Ok(messages::Locale::PtBr),
        other => Err(format!("`{other}` is not supported; use `en` or `pt-BR`")),
    })
    .unwrap_or(messages::Locale::En)
}

fn log_format(r: &Reader) -> LogFormat {
    r.check("LOG_FORMAT", |v| match v {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        other => Err(format!("`{other}` is not supported; use `text` or `json`")),
    })
    .unwrap_or(LogFormat::Text)
}

/// A slash command's name (`INCIDENT_COMMAND`, `JULIA_COMMAND`): `/` and 2 to 32 characters.
pub fn command(r: &Reader, var: &'static str, default: &str) -> String {
    r.check(var, |c| {
        if !c.starts_with('/') || c.len() < 2 || c.len() > 32 {
            return Err(format!(
                "`{c}` must start with `/` and be 2 to 32 characters"
            ));
        }
        Ok(c.to_string())
    })
    .unwrap_or_else(|| default.to_string())
}
