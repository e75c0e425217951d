//! `chatops check-config`: the effective configuration (secrets redacted) and each feature,
//! on or off, with what it still needs.

use std::fmt;

use super::read::Settings;
use chatops_core::config::{redact_url, Secret};
use clients::julia_config::railway_notes;

/// A secret as `check-config` shows it (never its value).
fn shown(s: &Secret) -> String {
    format!("{s:?}")
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "(unset)".into())
}

fn opt_secret(s: &Option<Secret>) -> String {
    s.as_ref().map(shown).unwrap_or_else(|| "(unset)".into())
}

/// A URL that may hold a password, redacted.
fn opt_url(s: &Option<Secret>, unset: &str) -> String {
    s.as_ref()
        .map(|u| redact_url(u.expose()))
        .unwrap_or_else(|| unset.into())
}

type Lines = Vec<(&'static str, String)>;

impl Settings {
    /// The effective configuration, secrets redacted, as `KEY = value` lines, and for
    /// each feature what is missing. The bool is false when the server cannot start.
    pub fn report(&self) -> (String, bool) {
        let mut out = String::new();
        let lines = self
            .server_lines()
            .into_iter()
            .chain(self.incident_lines())
            .chain(self.julia_lines())
            .chain(self.paging.report_lines())
            .chain(self.followup.report_lines())
            .chain(self.recovery.report_lines())
            .chain(self.stakeholders.report_lines())
            .chain(self.customers.report_lines())
            .chain(self.ops.report_lines())
            .chain(self.alerts.report_lines())
            .chain(self.statuspage.report_lines())
            .chain(self.statuspage_web.report_lines());
        for (k, v) in lines {
            out.push_str(&format!("{k:<26} = {v}\n"));
        }
        out.push_str("\nFeatures:\n");
        for f in self.features() {
            out.push_str(&format!("  {f}\n"));
        }
        out.push_str(&railway_notes(&self.julia));
        (out, self.serve_problems().is_empty())
    }

    fn server_lines(&self) -> Lines {
        vec![
            ("SLACK_SIGNING_SECRET", shown(&self.slack_signing_secret)),
            ("SLACK_BOT_TOKEN", shown(&self.slack_bot_token)),
            ("SLACK_APP_TOKEN", shown(&self.slack_app_token)),
            ("SLACK_API_URL", self.slack_api_url.clone()),
            ("BIND_ADDR", self.bind_addr.clone()),
            ("PORT", self.port.to_string()),
            ("DATABASE_URL", redact_url(&self.database_url)),
            (
                "REDIS_URL",
                opt_url(&self.redis_url, "(unset: in-process only)"),
            ),
            ("METRICS_TOKEN", opt_secret(&self.metrics_token)),
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
        ]
    }

    fn incident_lines(&self) -> Lines {
        let severities: Vec<&str> = self
            .war_room_severities
            .iter()
            .map(|s| s.as_str())
            .collect();
        let cadences: Vec<String> = self
            .cadence
            .iter()
            .map(|c| {
                c.map(|d| humantime::format_duration(d).to_string())
                    .unwrap_or("off".into())
            })
            .collect();
        vec![
            ("WAR_ROOM_SEVERITIES", severities.join(",")),
            ("INCIDENT_CADENCE_P0..P3", cadences.join(" / ")),
            ("CHATOPS_ADMINS", self.admins.join(",")),
            ("CHATOPS_ADMIN_GROUP", opt(&self.admin_group)),
            (
                "TEMPLATES_DIR",
                match &self.templates_dir {
                    Some(d) => format!("{d} ({:?})", self.templates),
                    None => "(unset: built-in templates)".into(),
                },
            ),
        ]
    }

    fn julia_lines(&self) -> Lines {
        let j = &self.julia;
        vec![
            ("JULIA_DATABASE_URL", opt_url(&j.database_url, "(unset)")),
            ("JULIA_BASE_URL", opt(&j.base_url)),
            ("APP_ENV", opt(&j.app_env)),
            ("SUPABASE_PROJECT_REF", opt(&j.supabase_project_ref)),
            ("RAILWAY_API_URL", j.railway_api_url.clone()),
            ("RAILWAY_API_TOKEN", opt_secret(&j.railway_api_token)),
            ("RAILWAY_TOKEN", opt_secret(&j.railway_token)),
            (
                "JULIA_RAILWAY_PROJECT_ID",
                self.railway_id_line(&j.railway_project_id, "RAILWAY_PROJECT_ID"),
            ),
            (
                "JULIA_RAILWAY_ENVIRONMENT_ID",
                self.railway_id_line(&j.railway_environment_id, "RAILWAY_ENVIRONMENT_ID"),
            ),
            ("JULIA_RAILWAY_SERVICES", j.railway_services.join(",")),
            ("EVOLUTION_API_URL", opt(&j.evolution_api_url)),
            ("EVOLUTION_API_KEY", opt_secret(&j.evolution_api_key)),
            ("EVOLUTION_INSTANCE", opt(&j.evolution_instance)),
            ("EVOLUTION_WEBHOOK_URL", opt(&j.evolution_webhook_url)),
            (
                "EVOLUTION_WEBHOOK_EVENTS",
                j.evolution_webhook_events.join(","),
            ),
            (
                "EVOLUTION_ACTION_TIMEOUT",
                humantime::format_duration(j.evolution_action_timeout).to_string(),
            ),
            ("JULIA_REDIS_URL", opt_url(&j.redis_url, "(unset)")),
        ]
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

    /// Each part of the bot, on or off, with the variables that turn it on: for
    /// `check-config` and the start-up log.
    pub fn features(&self) -> Vec<Feature> {
        let mut all = self.core_features();
        all.extend(self.julia_features());
        all.extend(self.alert_features());
        all.push(feature(
            "customer notice",
            &[
                (self.julia.database_url.is_some(), "JULIA_DATABASE_URL"),
                (self.julia.evolution_api_url.is_some(), "EVOLUTION_API_URL"),
            ],
            "P0/P1 on customer-facing components prompt a guarded WhatsApp notice to the doctors",
            "no customer notice (nothing to read the recipients or their opt-outs from, or to send with)",
        ));
        all
    }

    fn core_features(&self) -> Vec<Feature> {
        vec![
            feature(
                "server",
                &[(
                    !self.slack_signing_secret.is_empty(),
                    "SLACK_SIGNING_SECRET",
                )],
                "verifies every Slack request",
                "every Slack request would be refused: the server does not start",
            ),
            feature(
                "posting to Slack",
                &[(!self.slack_bot_token.is_empty(), "SLACK_BOT_TOKEN")],
                "Web API calls with the bot token",
                "messages stay in the outbox",
            ),
            feature(
                "socket mode",
                &[(!self.slack_app_token.is_empty(), "SLACK_APP_TOKEN")],
                "Slack events over a WebSocket (the HTTP endpoints keep working)",
                "Slack reaches the HTTP endpoints /slack/*",
            ),
            feature(
                "incident announcements",
                &[(self.incidents_channel.is_some(), "INCIDENTS_CHANNEL")],
                "announced in the incidents channel",
                "no announcements, no escalations to the channel",
            ),
            feature(
                "redis",
                &[(self.redis_url.is_some(), "REDIS_URL")],
                "cross-replica event dedupe and the per-user rate limit",
                "dedupe in the store, no rate limit",
            ),
        ]
    }

    fn julia_features(&self) -> Vec<Feature> {
        let j = &self.julia;
        vec![
            feature(
                "julia database",
                &[(j.database_url.is_some(), "JULIA_DATABASE_URL")],
                "pause/resume, queue, jobs, status",
                "pause, resume, queue and jobs unavailable",
            ),
            feature(
                "julia hard guards",
                &[
                    (j.app_env.is_some(), "APP_ENV"),
                    (j.supabase_project_ref.is_some(), "SUPABASE_PROJECT_REF"),
                ],
                "pause/resume check the environment and project",
                "pause and resume refused",
            ),
            feature(
                "julia health",
                &[(j.base_url.is_some(), "JULIA_BASE_URL")],
                "/health/deep and the health watcher",
                "no health checks, no watcher alerts",
            ),
            feature(
                "julia railway",
                &[
                    (
                        j.railway_api_token.is_some() || j.railway_token.is_some(),
                        "RAILWAY_API_TOKEN or RAILWAY_TOKEN",
                    ),
                    (j.railway_project_id.is_some(), "JULIA_RAILWAY_PROJECT_ID"),
                    (
                        j.railway_environment_id.is_some(),
                        "JULIA_RAILWAY_ENVIRONMENT_ID",
                    ),
                ],
                "deploys, restart, redeploy, rollback",
                "deploys, restart, redeploy and rollback unavailable",
            ),
            feature(
                "julia evolution",
                &[
                    (j.evolution_api_url.is_some(), "EVOLUTION_API_URL"),
                    (j.evolution_api_key.is_some(), "EVOLUTION_API_KEY"),
                    (j.evolution_instance.is_some(), "EVOLUTION_INSTANCE"),
                ],
                "WhatsApp connection, QR, restart, webhook",
                "WhatsApp commands unavailable",
            ),
            feature(
                "runbook catalog",
                &[(self.ops.catalog.is_some(), "RUNBOOKS_FILE")],
                "/ops runs the actions of RUNBOOKS_FILE",
                "/ops says there is no catalog",
            ),
            feature(
                "paging",
                &[(
                    !self.paging.rotation.is_empty() || !self.commander_users.is_empty(),
                    "ONCALL_ROTATION or COMMANDER_USERS",
                )],
                "unacknowledged incidents page the on-call by Slack DM and WhatsApp",
                "nobody to page: unacknowledged incidents wait for someone in Slack",
            ),
            feature(
                "status page links",
                &[(self.statuspage.url.is_some(), "STATUSPAGE_URL")],
                "the war room's echo of every public update links to its page",
                "public updates are published and echoed without a link to the page",
            ),
            feature(
                "julia flag cache",
                &[(j.redis_url.is_some(), "JULIA_REDIS_URL")],
                "pause/resume apply at once",
                "pause/resume apply within 30 s",
            ),
        ]
    }
}

/// A feature: on when every `(set, variable)` is set; else off, naming the unset ones.
fn feature(name: &'static str, vars: &[(bool, &'static str)], on: &str, off: &str) -> Feature {
    let needs: Vec<&'static str> = vars
        .iter()
        .filter(|(set, _)| !set)
        .map(|(_, v)| *v)
        .collect();
    Feature {
        name,
        on: needs.is_empty(),
        detail: if needs.is_empty() { on } else { off }.to_string(),
        needs,
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

impl Settings {
    fn alert_features(&self) -> Vec<Feature> {
        vec![
            feature(
                "alert intake",
                &[
                    (self.alerts.token.is_some(), "ALERTS_TOKEN"),
                    (
                        self.alerts.channel.is_some(),
                        "ALERTS_CHANNEL or INCIDENTS_CHANNEL",
                    ),
                ],
                "/alerts/alertmanager and /alerts/generic post to the alerts channel",
                "/alerts/* answer 404 (no token) or store alerts without posting (no channel)",
            ),
            feature(
                "alertmanager silences",
                &[(self.alerts.alertmanager_url.is_some(), "ALERTMANAGER_URL")],
                "Silence 1h/4h also creates an Alertmanager silence",
                "Silence 1h/4h mutes the bot only",
            ),
        ]
    }
}
