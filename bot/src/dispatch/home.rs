//! The App Home tab: on `app_home_opened` (tab `home`) publish a view with the open incidents,
//! Julia's pause state and health, and buttons to declare an incident and to get Julia's
//! status. At most one publish per user every [`THROTTLE`]; every source has a short timeout
//! so the tab never waits on a slow system.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use messages::home::{HomeIncident, HomeView, JuliaPart};
use serde_json::{json, Value};

use chatops_core::Ctx;
use incident::store;

/// A user's Home tab is rebuilt at most this often (the event fires on every visit).
pub const THROTTLE: Duration = Duration::from_secs(5);
/// Upper bound for each source read by the Home tab (Julia's own timeout may be longer).
const SOURCE_LIMIT: Duration = Duration::from_secs(2);
/// Budget for `views.publish` including retries.
const PUBLISH_BUDGET: Duration = Duration::from_secs(5);

/// Per-user time of the last publish (in memory: per process, which is enough for a throttle).
#[derive(Default)]
pub struct Throttle(Mutex<HashMap<String, i64>>);

impl Throttle {
    /// True when `user` may get a new view at `now_ms` (and records it).
    pub fn admit(&self, user: &str, now_ms: i64) -> bool {
        let window = THROTTLE.as_millis() as i64;
        let mut m = self.0.lock().expect("throttle lock");
        if m.len() > 10_000 {
            m.retain(|_, at| now_ms - *at < window);
        }
        match m.get(user) {
            Some(at) if now_ms - *at < window => false,
            _ => {
                m.insert(user.to_string(), now_ms);
                true
            }
        }
    }
}

/// `app_home_opened`: publishes the Home tab for the user (throttled).
pub async fn on_home_opened(ctx: Arc<Ctx>, event: &Value) {
    let tab = event.get("tab").and_then(Value::as_str).unwrap_or("home");
    let user = event.get("user").and_then(Value::as_str).unwrap_or("");
    if tab != "home" || user.is_empty() {
        return;
    }
    if !ctx.ext::<Throttle>().admit(user, ctx.clock.now_ms()) {
        tracing::debug!(user, "home tab refreshed recently; not republished");
        return;
    }
    let view = build(&ctx, user).await;
    let body = json!({"user_id": user, "view": view});
    match ctx
        .slack
        .call_retrying("views.publish", &body, PUBLISH_BUDGET)
        .await
    {
        Ok(_) => tracing::info!(user, "home tab published"),
        Err(e) => tracing::warn!(user, error = %e, "home tab not published"),
    }
}

/// The Home view for the current state.
pub async fn build(ctx: &Ctx, user: &str) -> Value {
    let t = clients::julia_config::of(ctx)
        .source_timeout
        .min(SOURCE_LIMIT);
    let now = ctx.clock.now_secs();
    let (incidents, (pause, health)) = tokio::join!(
        tokio::time::timeout(t * 2, store::open(&ctx.store.pool)),
        julia(ctx, t)
    );
    let (incidents, incidents_unavailable) = match incidents {
        Ok(Ok(list)) => (list, false),
        Ok(Err(e)) => {
            tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "home tab: incidents unavailable");
            (Vec::new(), true)
        }
        Err(_) => {
            tracing::warn!("home tab: incidents query timed out");
            (Vec::new(), true)
        }
    };
    let mut incidents: Vec<_> = incidents
        .into_iter()
        .map(|i| HomeIncident {
            id: i.id,
            title: i.title,
            severity: i.severity.as_str().to_string(),
            status: i.status.as_str().to_string(),
            started_at: i.started_at,
            last_update_at: i.last_update_at,
            war_room: i.channel_id,
            drill: i.is_drill,
        })
        .collect();
    // Most urgent first, as `/incident list`: worst severity, then open longest.
    incidents.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.started_at.cmp(&b.started_at))
            .then(a.id.cmp(&b.id))
    });
    messages::home::view(
        ctx.locale(),
        &HomeView {
            now,
            incidents,
            incidents_unavailable,
            pause,
            health,
            incident_command: ctx.config.incident_command.clone(),
            julia_command: ctx.config.julia_command.clone(),
            overdue_actions: overdue_actions(ctx, user).await,
        },
    )
}

/// The visitor's overdue action items (#28); nothing when the store does not answer in time.
async fn overdue_actions(ctx: &Ctx, user: &str) -> Option<String> {
    let read =
        followup::report::home_section(&ctx.store.pool, user, ctx.clock.now_ms(), ctx.locale());
    match tokio::time::timeout(SOURCE_LIMIT, read).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "home tab: action items unavailable");
            None
        }
        Err(_) => None,
    }
}

/// Julia's pause state and health summary, each `None` when no Julia control is configured.
async fn julia(ctx: &Ctx, t: Duration) -> (Option<JuliaPart>, Option<JuliaPart>) {
    let (db, health) = (&clients::julia(ctx).db, &clients::julia(ctx).health);
    if !db.configured() && !health.configured() {
        return (None, None);
    }
    let pause = async {
        if !db.configured() {
            return JuliaPart::NotConfigured("JULIA_DATABASE_URL");
        }
        // Row-level security would show a hidden role no flag at all: "Running" would be false.
        let read = async {
            db.ensure_visible().await?;
            db.pause_state().await
        };
        match tokio::time::timeout(t, read).await {
            Ok(Ok(s)) if s.safe_mode.enabled => JuliaPart::Paused(s.safe_mode.mode),
            Ok(Ok(_)) => JuliaPart::Running,
            Ok(Err(e)) => JuliaPart::Unavailable(e.to_string()),
            Err(_) => JuliaPart::Unavailable(format!("no answer in {} s", t.as_secs().max(1))),
        }
    };
    let health = async {
        if !health.configured() {
            return JuliaPart::NotConfigured("JULIA_BASE_URL");
        }
        match tokio::time::timeout(t, health.deep()).await {
            Ok(Ok(d)) if d.healthy() => JuliaPart::Healthy,
            Ok(Ok(d)) => JuliaPart::Unhealthy {
                status: d.status.clone(),
                failing: d.failing().iter().map(|c| c.name.clone()).collect(),
            },
            Ok(Err(e)) => JuliaPart::Unavailable(e.to_string()),
            Err(_) => JuliaPart::Unavailable(format!("no answer in {} s", t.as_secs().max(1))),
        }
    };
    let (p, h) = tokio::join!(pause, health);
    (Some(p), Some(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_admits_once_per_window_per_user() {
        let t = Throttle::default();
        assert!(t.admit("U1", 1_000));
        assert!(!t.admit("U1", 5_999));
        assert!(t.admit("U2", 5_999));
        assert!(t.admit("U1", 6_000));
    }
}
