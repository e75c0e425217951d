//! Configuration: environment variables are the contract (Railway sets them).
//!
//! `Config::from_env_checked()` for the process (every problem found, see [`ConfigProblem`]),
//! `Config::from_pairs()` for tests; the shape checks are in [`checks`]. Secrets are
//! wrapped in [`Secret`], whose `Debug`/`Display` never show the value.

pub mod alerts;
pub mod checks;
pub mod ops;
pub mod paging;

use std::cell::RefCell;
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
    // Jobs (background work as leased rows)
    pub jobs_poll: Duration,
    pub jobs_lease: Duration,
    pub jobs_max_attempts: u32,
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
    // Alert intake, statistics and the weekly digest
    pub alerts: alerts::AlertsConfig,
    // The runbook catalog (`/ops`)
    pub ops: ops::OpsConfig,
    /// Acknowledgment, on-call rotation, pages (`handlers::paging`).
    pub paging: paging::PagingConfig,
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

/// One thing wrong with the configuration. `chatops check-config` lists every one found in a
/// single run; an [`Level::Error`] stops the server, a [`Level::Warning`] is logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigProblem {
    /// The variable (or `.env`) the problem is about.
    pub var: String,
    /// What is wrong and what to do, never the value of a secret.
    pub problem: String,
    pub level: Level,
}

/// Kept for callers that take the first problem only (`Config::from_pairs`).
pub type ConfigError = ConfigProblem;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

impl ConfigProblem {
    pub fn error(var: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigProblem {
            var: var.into(),
            problem: problem.into(),
            level: Level::Error,
        }
    }
    pub fn warning(var: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigProblem {
            var: var.into(),
            problem: problem.into(),
            level: Level::Warning,
        }
    }
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

/// Variables read outside [`Config::read`] (logging, the test and fuzz scripts): known, so
/// never reported as a misspelling.
const OTHER_KNOWN: &[&str] = &[
    "RUST_LOG",
    "RUST_BACKTRACE",
    "TEST_DATABASE_URL",
    "CHATOPS_EXTENDED",
    "CHATOPS_FUZZ_SECS",
];

/// Reads variables from one snapshot of the environment. Each check pushes what it finds to
/// `problems` and the value falls back to its default, so one run finds every mistake; every
/// name read is remembered, so a misspelt name can be matched to the one meant.
struct Reader<'a> {
    env: &'a HashMap<String, String>,
    read: RefCell<Vec<&'static str>>,
    problems: RefCell<Vec<ConfigProblem>>,
}

impl Reader<'_> {
    /// The trimmed value; empty means unset.
    fn get(&self, var: &'static str) -> Option<String> {
        self.read.borrow_mut().push(var);
        non_empty(self.env.get(var).cloned())
    }

    fn problem(&self, var: &str, problem: impl Into<String>) {
        self.problems
            .borrow_mut()
            .push(ConfigProblem::error(var, problem));
    }

    /// Something that works but probably not as meant: reported, never stops the server.
    fn warn(&self, var: &str, problem: impl Into<String>) {
        self.problems
            .borrow_mut()
            .push(ConfigProblem::warning(var, problem));
    }

    /// The value checked by `check`; a failed check is a problem and gives `None`.
    fn check<T>(
        &self,
        var: &'static str,
        check: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let raw = self.get(var)?;
        match check(&raw) {
            Ok(v) => Some(v),
            Err(p) => {
                self.problem(var, p);
                None
            }
        }
    }

    /// A value whose check returns nothing: kept as is when it passes.
    fn checked(
        &self,
        var: &'static str,
        check: impl FnOnce(&str) -> Result<(), String>,
    ) -> Option<String> {
        let raw = self.get(var)?;
        match check(&raw) {
            Ok(()) => Some(raw),
            Err(p) => {
                self.problem(var, p);
                None
            }
        }
    }

    fn string(&self, var: &'static str, default: &str) -> String {
        self.get(var).unwrap_or_else(|| default.to_string())
    }

    fn duration(&self, var: &'static str, default: &str) -> Duration {
        self.check(var, checks::duration)
            .unwrap_or_else(|| checks::duration(default).expect("default duration"))
    }

    fn cadence(&self, var: &'static str, default: &str) -> Option<Duration> {
        match self.get(var) {
            None => checks::cadence(default).expect("default cadence"),
            Some(raw) => checks::cadence(&raw).unwrap_or_else(|p| {
                self.problem(var, p);
                checks::cadence(default).expect("default cadence")
            }),
        }
    }

    fn integer<T: TryFrom<i64>>(
        &self,
        var: &'static str,
        default: T,
        range: std::ops::RangeInclusive<i64>,
    ) -> T {
        self.check(var, |v| checks::integer(v, range))
            .and_then(|n| T::try_from(n).ok())
            .unwrap_or(default)
    }

    fn boolean(&self, var: &'static str, default: bool) -> bool {
        self.check(var, checks::boolean).unwrap_or(default)
    }

    fn users(&self, var: &'static str, groups: bool) -> Vec<String> {
        let l = list(self.get(var));
        if let Err(p) = checks::user_ids(&l, groups) {
            self.problem(var, p);
        }
        l
    }

    fn url(&self, var: &'static str, schemes: &[&str]) -> Option<String> {
        self.checked(var, |v| checks::url_with(v, schemes))
            .map(|u| u.trim_end_matches('/').to_string())
    }

    fn secret_url(&self, var: &'static str, schemes: &[&str]) -> Option<Secret> {
        self.checked(var, |v| checks::url_with(v, schemes))
            .map(Secret::new)
    }

    /// Every variable in the snapshot that the bot does not read but that is close to one it
    /// does: a warning naming the one probably meant.
    fn near_misses(&self) {
        let known: Vec<&str> = self
            .read
            .borrow()
            .iter()
            .chain(OTHER_KNOWN)
            .copied()
            .collect();
        let mut names: Vec<&String> = self.env.keys().collect();
        names.sort();
        for name in names {
            if known.contains(&name.as_str()) {
                continue;
            }
            if let Some(meant) = checks::near_miss(name, known.iter().copied()) {
                self.problems.borrow_mut().push(ConfigProblem::warning(
                    name.as_str(),
                    format!("not a variable the bot reads; did you mean `{meant}`?"),
                ));
            }
        }
    }
}

fn list(v: Option<String>) -> Vec<String> {
    v.unwrap_or_default()
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn first_error((config, problems): (Config, Vec<ConfigProblem>)) -> Result<Config, ConfigError> {
    match problems.into_iter().find(ConfigProblem::is_error) {
        Some(e) => Err(e),
        None => Ok(config),
    }
}

impl Config {
    /// The process environment; the first error, if any (see [`Config::from_env_checked`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        first_error(Self::from_env_checked())
    }

    /// The process environment, with every problem found (errors and warnings).
    pub fn from_env_checked() -> (Self, Vec<ConfigProblem>) {
        Self::read(&std::env::vars().collect())
    }

    /// Builds a configuration from explicit pairs (tests); unset keys take their defaults.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Result<Self, ConfigError> {
        first_error(Self::read_pairs(pairs))
    }

    /// Like [`Config::from_pairs`], with every problem found.
    pub fn read_pairs(pairs: &[(&str, &str)]) -> (Self, Vec<ConfigProblem>) {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::read(&map)
    }

    /// Reads every variable from `env`. A value that fails its check is reported and replaced
    /// by its default, so the configuration is always complete and the list has every problem.
    pub fn read(env: &HashMap<String, String>) -> (Self, Vec<ConfigProblem>) {
        let r = Reader {
            env,
            read: RefCell::new(Vec::new()),
            problems: RefCell::new(Vec::new()),
        };
        let config = Self::read_with(&r);
        r.near_misses();
        (config, r.problems.into_inner())
    }

    /// Every variable the configuration reads (for docs checks and "did you mean").
    pub fn variables() -> Vec<&'static str> {
        let env = HashMap::new();
        let r = Reader {
            env: &env,
            read: RefCell::new(Vec::new()),
            problems: RefCell::new(Vec::new()),
        };
        Self::read_with(&r);
        let mut v = r.read.into_inner();
        v.sort_unstable();
        v.dedup();
        v
    }

    fn read_with(r: &Reader) -> Self {
        let locale = r
            .check("CHATOPS_LOCALE", |v| match v {
                "en" | "en-US" => Ok(messages::Locale::En),
                "pt-BR" | "pt" | "pt_BR" => Ok(messages::Locale::PtBr),
                other => Err(format!("`{other}` is not supported; use `en` or `pt-BR`")),
            })
            .unwrap_or(messages::Locale::En);
        let log_format = r
            .check("LOG_FORMAT", |v| match v {
                "text" => Ok(LogFormat::Text),
                "json" => Ok(LogFormat::Json),
                other => Err(format!("`{other}` is not supported; use `text` or `json`")),
            })
            .unwrap_or(LogFormat::Text);
        let war_room_severities = r
            .check("WAR_ROOM_SEVERITIES", |v| {
                list(Some(v.to_string()))
                    .iter()
                    .map(|s| {
                        crate::incident::Severity::parse(s)
                            .ok_or_else(|| format!("`{s}` is not a severity; use P0, P1, P2, P3"))
                    })
                    .collect()
            })
            .unwrap_or_else(|| vec![crate::incident::Severity::P0, crate::incident::Severity::P1]);
        let command = |var: &'static str, default: &str| -> String {
            r.check(var, |c| {
                if !c.starts_with('/') || c.len() < 2 || c.len() > 32 {
                    return Err(format!(
                        "`{c}` must start with `/` and be 2 to 32 characters"
                    ));
                }
                Ok(c.to_string())
            })
            .unwrap_or_else(|| default.to_string())
        };
        let templates_dir = r.get("TEMPLATES_DIR");
        let templates = match &templates_dir {
            None => messages::templates::Templates::builtin(),
            Some(d) => messages::templates::Templates::load(std::path::Path::new(d))
                .unwrap_or_else(|problem| {
                    r.problem("TEMPLATES_DIR", problem);
                    messages::templates::Templates::builtin()
                }),
        };
        let responders = r.users("INCIDENT_RESPONDERS", true);
        let responder_groups: Vec<&String> =
            responders.iter().filter(|u| u.starts_with('S')).collect();
        let responder_group_var = r.checked("INCIDENT_RESPONDER_GROUP", checks::usergroup_id);
        if responder_groups.len() > 1
            || !responder_groups.is_empty() && responder_group_var.is_some()
        {
            r.warn(
                "INCIDENT_RESPONDERS",
                format!(
                    "one user group is invited to war rooms; {} ignored (list its members as user ids instead)",
                    responder_groups
                        .iter()
                        .skip(1)
                        .map(|g| format!("`{g}`"))
                        .chain(responder_group_var.iter().map(|g| format!("INCIDENT_RESPONDER_GROUP `{g}`")))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        let railway_ids = railway_ids(&|v| r.get(v));
        let ops = ops::read(r, command("OPS_COMMAND", "/ops"));
        let mut config = Config {
            ops,
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
            incidents_channel: r.checked("INCIDENTS_CHANNEL", checks::channel_id),
            locale,
            log_format,
            incident_command: command("INCIDENT_COMMAND", "/incident"),
            julia_command: command("JULIA_COMMAND", "/julia"),
            rate_limit_per_minute: r.integer("RATE_LIMIT_PER_MINUTE", 20, 0..=1_000_000),
            outbox_poll: r.duration("OUTBOX_POLL_INTERVAL", "1s"),
            outbox_max_attempts: r.integer("OUTBOX_MAX_ATTEMPTS", 8, 1..=1000),
            outbox_lease: r.duration("OUTBOX_LEASE", "5s"),
            outbox_channel_interval: r.duration("OUTBOX_CHANNEL_INTERVAL", "1s"),
            jobs_poll: r.duration("JOBS_POLL_INTERVAL", "1s"),
            jobs_lease: r.duration("JOBS_LEASE", "5s"),
            jobs_max_attempts: r.integer("JOBS_MAX_ATTEMPTS", 5, 1..=100),
            war_room_severities,
            incident_responders: responders
                .iter()
                .filter(|u| !u.starts_with('S'))
                .cloned()
                .collect(),
            incident_responder_group: responder_groups
                .first()
                .map(|g| g.to_string())
                .or(responder_group_var),
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
            paging: paging::PagingConfig::read(r),
            julia: JuliaConfig {
                database_url: r.secret_url("JULIA_DATABASE_URL", &["postgres", "postgresql"]),
                base_url: r.url("JULIA_BASE_URL", &["https", "http"]),
                app_env: r.get("APP_ENV"),
                supabase_project_ref: r.get("SUPABASE_PROJECT_REF"),
                railway_api_url: r
                    .url("RAILWAY_API_URL", &["https", "http"])
                    .unwrap_or_else(|| "https://backboard.railway.com/graphql/v2".into()),
                railway_api_token: r.get("RAILWAY_API_TOKEN").map(Secret::new),
                railway_token: r.get("RAILWAY_TOKEN").map(Secret::new),
                railway_project_id: railway_ids.0,
                railway_environment_id: railway_ids.1,
                railway_id_fallbacks: railway_ids.2,
                railway_services: {
                    let l = list(r.get("JULIA_RAILWAY_SERVICES"));
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
                evolution_api_url: r.url("EVOLUTION_API_URL", &["https", "http"]),
                evolution_api_key: r.get("EVOLUTION_API_KEY").map(Secret::new),
                evolution_instance: r.get("EVOLUTION_INSTANCE"),
                evolution_webhook_url: r.checked("EVOLUTION_WEBHOOK_URL", |v| {
                    checks::url_with(v, &["https", "http"])
                }),
                evolution_webhook_events: webhook_events(r.get("EVOLUTION_WEBHOOK_EVENTS"))
                    .unwrap_or_else(|p| {
                        r.problem("EVOLUTION_WEBHOOK_EVENTS", p);
                        vec!["MESSAGES_UPSERT".into()]
                    }),
                evolution_action_timeout: r.duration("EVOLUTION_ACTION_TIMEOUT", "15s"),
                redis_url: r.secret_url("JULIA_REDIS_URL", &["redis", "rediss"]),
                source_timeout: r.duration("JULIA_SOURCE_TIMEOUT", "3s"),
                watch_interval: r.duration("JULIA_WATCH_INTERVAL", "60s"),
                follow_interval: r.duration("JULIA_FOLLOW_INTERVAL", "10s"),
                follow_limit: r.duration("JULIA_FOLLOW_LIMIT", "10m"),
            },
            alerts: alerts::AlertsConfig::read(r),
        };
        // Alerts go to the incidents channel unless ALERTS_CHANNEL says otherwise.
        if config.alerts.channel.is_none() {
            config.alerts.channel = config.incidents_channel.clone();
        }
        config
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
        let extra = self
            .paging
            .report_lines()
            .into_iter()
            .chain(self.ops.report_lines())
            .chain(self.alerts.report_lines());
        for (k, v) in lines.into_iter().chain(extra) {
            out.push_str(&format!("{k:<26} = {v}\n"));
        }
        out.push_str("\nFeatures:\n");
        for f in self.features() {
            out.push_str(&format!("  {f}\n"));
        }
        out.push_str(&railway_notes(&self.julia));
        let ok = self.serve_problems().is_empty();
        (out, ok)
    }

    /// Each part of the bot, on or off, with the variables that turn it on: for
    /// `check-config` and the start-up log.
    pub fn features(&self) -> Vec<Feature> {
        let j = &self.julia;
        let missing = |vars: &[(bool, &'static str)]| -> Vec<&'static str> {
            vars.iter()
                .filter(|(set, _)| !set)
                .map(|(_, v)| *v)
                .collect()
        };
        let f = |name: &'static str, needs: Vec<&'static str>, on: &str, off: &str| Feature {
            name,
            on: needs.is_empty(),
            detail: if needs.is_empty() { on } else { off }.to_string(),
            needs,
        };
        vec![
            f(
                "server",
                missing(&[(
                    !self.slack_signing_secret.is_empty(),
                    "SLACK_SIGNING_SECRET",
                )]),
                "verifies every Slack request",
                "every Slack request would be refused: the server does not start",
            ),
            f(
                "posting to Slack",
                missing(&[(!self.slack_bot_token.is_empty(), "SLACK_BOT_TOKEN")]),
                "Web API calls with the bot token",
                "messages stay in the outbox",
            ),
            f(
                "socket mode",
                missing(&[(!self.slack_app_token.is_empty(), "SLACK_APP_TOKEN")]),
                "Slack events over a WebSocket (the HTTP endpoints keep working)",
                "Slack reaches the HTTP endpoints /slack/*",
            ),
            f(
                "incident announcements",
                missing(&[(self.incidents_channel.is_some(), "INCIDENTS_CHANNEL")]),
                "announced in the incidents channel",
                "no announcements, no escalations to the channel",
            ),
            f(
                "redis",
                missing(&[(self.redis_url.is_some(), "REDIS_URL")]),
                "cross-replica event dedupe and the per-user rate limit",
                "dedupe in the store, no rate limit",
            ),
            f(
                "julia database",
                missing(&[(j.database_url.is_some(), "JULIA_DATABASE_URL")]),
                "pause/resume, queue, jobs, status",
                "pause, resume, queue and jobs unavailable",
            ),
            f(
                "julia hard guards",
                missing(&[
                    (j.app_env.is_some(), "APP_ENV"),
                    (j.supabase_project_ref.is_some(), "SUPABASE_PROJECT_REF"),
                ]),
                "pause/resume check the environment and project",
                "pause and resume refused",
            ),
            f(
                "julia health",
                missing(&[(j.base_url.is_some(), "JULIA_BASE_URL")]),
                "/health/deep and the health watcher",
                "no health checks, no watcher alerts",
            ),
            f(
                "julia railway",
                missing(&[
                    (
                        j.railway_api_token.is_some() || j.railway_token.is_some(),
                        "RAILWAY_API_TOKEN or RAILWAY_TOKEN",
                    ),
                    (j.railway_project_id.is_some(), "JULIA_RAILWAY_PROJECT_ID"),
                    (
                        j.railway_environment_id.is_some(),
                        "JULIA_RAILWAY_ENVIRONMENT_ID",
                    ),
                ]),
                "deploys, restart, redeploy, rollback",
                "deploys, restart, redeploy and rollback unavailable",
            ),
            f(
                "julia evolution",
                missing(&[
                    (j.evolution_api_url.is_some(), "EVOLUTION_API_URL"),
                    (j.evolution_api_key.is_some(), "EVOLUTION_API_KEY"),
                    (j.evolution_instance.is_some(), "EVOLUTION_INSTANCE"),
                ]),
                "WhatsApp connection, QR, restart, webhook",
                "WhatsApp commands unavailable",
            ),
            f(
                "runbook catalog",
                missing(&[(self.ops.catalog.is_some(), "RUNBOOKS_FILE")]),
                "/ops runs the actions of RUNBOOKS_FILE",
                "/ops says there is no catalog",
            ),
            f(
                "paging",
                missing(&[(
                    !self.paging.rotation.is_empty() || !self.commander_users.is_empty(),
                    "ONCALL_ROTATION or COMMANDER_USERS",
                )]),
                "unacknowledged incidents page the on-call by Slack DM and WhatsApp",
                "nobody to page: unacknowledged incidents wait for someone in Slack",
            ),
            f(
                "julia flag cache",
                missing(&[(j.redis_url.is_some(), "JULIA_REDIS_URL")]),
                "pause/resume apply at once",
                "pause/resume apply within 30 s",
            ),
            f(
                "alert intake",
                missing(&[
                    (self.alerts.token.is_some(), "ALERTS_TOKEN"),
                    (
                        self.alerts.channel.is_some(),
                        "ALERTS_CHANNEL or INCIDENTS_CHANNEL",
                    ),
                ]),
                "/alerts/alertmanager and /alerts/generic post to the alerts channel",
                "/alerts/* answer 404 (no token) or store alerts without posting (no channel)",
            ),
            f(
                "alertmanager silences",
                missing(&[(self.alerts.alertmanager_url.is_some(), "ALERTMANAGER_URL")]),
                "Silence 1h/4h also creates an Alertmanager silence",
                "Silence 1h/4h mutes the bot only",
            ),
        ]
    }
}

/// One part of the bot and whether it runs (see [`Config::features`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub name: &'static str,
    pub on: bool,
    /// The variables still unset when off.
    pub needs: Vec<&'static str>,
    /// What it does when on, or what happens without it.
    pub detail: String,
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.on {
            write!(f, "{}: on ({})", self.name, self.detail)
        } else {
            write!(
                f,
                "{}: off, set {} ({})",
                self.name,
                self.needs.join(", "),
                self.detail
            )
        }
    }
}

/// The problems as `check-config` prints them: errors first, each on its line.
pub fn render_problems(problems: &[ConfigProblem]) -> String {
    let mut out = String::new();
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    if problems.is_empty() {
        out.push_str("No problems found.\n");
        return out;
    }
    out.push_str(&format!(
        "{errors} error{}, {warnings} warning{}:\n",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    ));
    for p in problems.iter().filter(|p| p.is_error()) {
        out.push_str(&format!("  error: {}: {}\n", p.var, p.problem));
    }
    for p in problems.iter().filter(|p| !p.is_error()) {
        out.push_str(&format!("  warning: {}: {}\n", p.var, p.problem));
    }
    out
}

/// The project and environment of Julia's services: `JULIA_RAILWAY_PROJECT_ID` and
/// `JULIA_RAILWAY_ENVIRONMENT_ID`, each falling back to the plain `RAILWAY_PROJECT_ID` /
/// `RAILWAY_ENVIRONMENT_ID`. Railway injects those into every service it runs, this bot
/// included: deployed on Railway they name the bot's own project, so `check-config` notes each
/// fallback (the third value lists them).
pub fn railway_ids(
    get: &impl Fn(&'static str) -> Option<String>,
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
fn webhook_events(v: Option<String>) -> Result<Vec<String>, String> {
    let l = list(v);
    if l.is_empty() {
        return Ok(vec!["MESSAGES_UPSERT".into()]);
    }
    let bad = crate::integrations::evolution::unknown_events(&l);
    if bad.is_empty() {
        return Ok(l);
    }
    Err(format!(
        "Evolution does not know the event {} (it would refuse the webhook with HTTP 400); known events: {}",
        bad.iter()
            .map(|b| format!("`{b}`"))
            .collect::<Vec<_>>()
            .join(", "),
        crate::integrations::evolution::WEBHOOK_EVENTS.join(", ")
    ))
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
                "julia railway: off, set JULIA_RAILWAY_PROJECT_ID, JULIA_RAILWAY_ENVIRONMENT_ID ("
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
        assert!(r.contains("server: off, set SLACK_SIGNING_SECRET"), "{r}");
    }

    fn problems(pairs: &[(&str, &str)]) -> Vec<ConfigProblem> {
        Config::read_pairs(pairs).1
    }

    #[test]
    fn every_problem_is_reported_in_one_run() {
        let p = problems(&[
            ("PORT", "abc"),
            ("INCIDENT_CADENCE_P1", "banana"),
            ("SLACK_BOT_TOKEN", "xapp-1-A0-s3cr3t"),
            ("SLACK_APP_TOKEN", "xoxb-1-2-s3cr3t"),
            ("INCIDENTS_CHANNEL", "#incidents"),
            ("CHATOPS_ADMINS", "ana, @bob"),
            ("INCIDENT_CADENSE_P1", "20m"),
            ("DATABASE_URL", "mysql://u:dbpw@h/db"),
            ("INCIDENT_RESTRICT_CHANGES", "ture"),
        ]);
        let vars: Vec<&str> = p.iter().map(|p| p.var.as_str()).collect();
        assert_eq!(
            vars,
            [
                "SLACK_BOT_TOKEN",
                "SLACK_APP_TOKEN",
                "PORT",
                "DATABASE_URL",
                "INCIDENTS_CHANNEL",
                "INCIDENT_RESTRICT_CHANGES",
                "CHATOPS_ADMINS",
                "INCIDENT_CADENCE_P1",
                "INCIDENT_CADENSE_P1",
            ]
        );
        let of = |v: &str| p.iter().find(|p| p.var == v).unwrap();
        assert_eq!(of("PORT").problem, "`abc` is not a whole number");
        assert!(of("INCIDENT_CADENCE_P1").problem.contains("`off`"));
        assert!(of("INCIDENTS_CHANNEL")
            .problem
            .contains("channel name, not a channel id"));
        assert!(of("CHATOPS_ADMINS")
            .problem
            .starts_with("`ana`, `@bob` are not user ids"));
        assert_eq!(
            of("INCIDENT_CADENSE_P1").problem,
            "not a variable the bot reads; did you mean `INCIDENT_CADENCE_P1`?"
        );
        assert_eq!(of("INCIDENT_CADENSE_P1").level, Level::Warning);
        assert!(of("DATABASE_URL")
            .problem
            .starts_with("unsupported database URL scheme `mysql`"));
        let all = render_problems(&p);
        assert!(all.starts_with("8 errors, 1 warning:"), "{all}");
        for secret in ["s3cr3t", "dbpw"] {
            assert!(!all.contains(secret), "{all}");
        }
    }

    #[test]
    fn platform_variables_are_not_taken_for_misspellings() {
        // What Railway, Docker and a shell set beside the bot's own variables.
        let platform = [
            "RAILWAY_ENVIRONMENT",
            "RAILWAY_ENVIRONMENT_NAME",
            "RAILWAY_PROJECT_NAME",
            "RAILWAY_SERVICE_ID",
            "RAILWAY_SERVICE_NAME",
            "RAILWAY_REPLICA_ID",
            "RAILWAY_DEPLOYMENT_ID",
            "RAILWAY_SNAPSHOT_ID",
            "RAILWAY_PUBLIC_DOMAIN",
            "RAILWAY_PRIVATE_DOMAIN",
            "RAILWAY_STATIC_URL",
            "RAILWAY_GIT_COMMIT_SHA",
            "DATABASE_PUBLIC_URL",
            "REDIS_PUBLIC_URL",
            "REDISHOST",
            "PGHOST",
            "HOSTNAME",
            "HOME",
            "PATH",
            "RUST_LOG",
            "RUST_BACKTRACE",
        ];
        let pairs: Vec<(&str, &str)> = platform.iter().map(|k| (*k, "x")).collect();
        assert_eq!(problems(&pairs), []);
    }

    #[test]
    fn extra_responder_groups_are_a_warning_not_silence() {
        let (c, p) = Config::read_pairs(&[("INCIDENT_RESPONDERS", "U0ANA,S0ONE,S0TWO")]);
        assert_eq!(c.incident_responder_group.as_deref(), Some("S0ONE"));
        assert_eq!(c.incident_responders, ["U0ANA"]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].level, Level::Warning);
        assert!(p[0].problem.contains("`S0TWO` ignored"), "{}", p[0].problem);
        assert!(problems(&[("INCIDENT_RESPONDERS", "U0ANA,S0ONE")]).is_empty());
    }

    #[test]
    fn the_variable_list_is_what_read_reads() {
        let v = Config::variables();
        for name in [
            "SLACK_SIGNING_SECRET",
            "INCIDENT_CADENCE_P3",
            "INCIDENT_RESPONDER_GROUP",
            "EVOLUTION_WEBHOOK_EVENTS",
            "JULIA_FOLLOW_LIMIT",
        ] {
            assert!(v.contains(&name), "{name}: {v:?}");
        }
    }

    #[test]
    fn port_out_of_range_is_not_not_a_number() {
        let e = Config::from_pairs(&[("PORT", "99999")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "PORT: `99999` is out of range: use 0 to 65535"
        );
    }

    #[test]
    fn a_wrong_value_falls_back_to_its_default_and_a_warning_does_not_stop() {
        let (c, p) =
            Config::read_pairs(&[("INCIDENT_CADENCE_P0", "soon"), ("LOG_FORMATT", "json")]);
        assert_eq!(c.cadence[0], Some(Duration::from_secs(600)));
        assert_eq!(p.len(), 2);
        assert!(Config::from_pairs(&[("LOG_FORMATT", "json")]).is_ok());
    }

    #[test]
    fn serve_and_check_config_agree_on_the_signing_secret() {
        let c = Config::from_pairs(&[]).unwrap();
        let p = c.serve_problems();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].var, "SLACK_SIGNING_SECRET");
        assert!(!c.report().1);
        let c = Config::from_pairs(&[("SLACK_SIGNING_SECRET", "x")]).unwrap();
        assert!(c.serve_problems().is_empty() && c.report().1);
    }
}
