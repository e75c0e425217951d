//! The controlled system's variables (`/julia …`): [`JuliaConfig`], read by
//! [`JuliaConfig::read`], and the Railway notes `check-config` prints.

use std::time::Duration;

use chatops_core::config::reader::{list, Reader};
use chatops_core::config::{checks, Secret};

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

impl JuliaConfig {
    pub fn read(r: &Reader) -> Self {
        let railway_ids = railway_ids(&|v| r.get(v));
        JuliaConfig {
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
        }
    }
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
    let bad = crate::evolution_events::unknown_events(&l);
    if bad.is_empty() {
        return Ok(l);
    }
    Err(format!(
        "Evolution does not know the event {} (it would refuse the webhook with HTTP 400); known events: {}",
        bad.iter()
            .map(|b| format!("`{b}`"))
            .collect::<Vec<_>>()
            .join(", "),
        crate::evolution_events::WEBHOOK_EVENTS.join(", ")
    ))
}

/// `check-config` notes on Railway: where the ids came from, which token is used.
pub fn railway_notes(j: &JuliaConfig) -> String {
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

/// Julia's settings, as the composition root handed them to the context.
pub fn of(ctx: &chatops_core::Ctx) -> &JuliaConfig {
    ctx.ext()
}
