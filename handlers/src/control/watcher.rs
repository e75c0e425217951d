//! The health watcher: polls `/health/deep` (and Evolution's state) every
//! `JULIA_WATCH_INTERVAL`; two consecutive failures alert `ALERTS_CHANNEL` once, recovery
//! posts once, both through the alert intake (one message per check, updated in place, with the
//! alert buttons plus Pause and Rollback). One replica watches at a time (a lease in `leases`);
//! the alert state is kept in `kv_state` so restarts and other replicas do not repeat alerts.

use std::sync::Arc;

use messages::alerts as m_alerts;
use messages::julia as m;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::alerts::payload::{Incoming, IncomingAlert, Labels};
use crate::Ctx;

const LEASE: &str = "julia_watcher";
const STATE: &str = "julia_watch";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchState {
    pub health_fails: u32,
    pub health_alerted: bool,
    pub evo_fails: u32,
    pub evo_alerted: bool,
}

/// Runs until `shutdown` turns true. Returns at once when neither `JULIA_BASE_URL` nor
/// Evolution is configured.
pub async fn run_watcher(ctx: Arc<Ctx>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let watch_health = ctx.julia.health.configured();
    let watch_evo = ctx.julia.evolution.missing().is_empty();
    if !watch_health && !watch_evo {
        return;
    }
    let holder = uuid::Uuid::new_v4().simple().to_string();
    let interval = ctx.config.julia.watch_interval;
    loop {
        if *shutdown.borrow() {
            return;
        }
        match acquire(&ctx, &holder).await {
            Ok(true) => {
                if let Err(e) = tick(&ctx, watch_health, watch_evo).await {
                    tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "julia watcher tick failed");
                }
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "julia watcher lease failed")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}

async fn acquire(ctx: &Ctx, holder: &str) -> Result<bool, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let until = now + (ctx.config.julia.watch_interval.as_millis() as i64) * 3 + 1000;
    let r = sqlx::query(
        "INSERT INTO leases (name, holder, lease_until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
         WHERE leases.holder = excluded.holder OR leases.lease_until < $4",
    )
    .bind(LEASE)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(&ctx.store.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

async fn load(ctx: &Ctx) -> Result<WatchState, sqlx::Error> {
    let row = sqlx::query("SELECT value FROM kv_state WHERE name = $1")
        .bind(STATE)
        .fetch_optional(&ctx.store.pool)
        .await?;
    Ok(row
        .and_then(|r| serde_json::from_str(&r.get::<String, _>(0)).ok())
        .unwrap_or_default())
}

/// A watcher finding as an alert of the intake pipeline (same grouping, message, buttons).
fn alert(ctx: &Ctx, check: &str, firing: bool, title: String, summary: String) -> Incoming {
    let now = ctx.clock.now_ms();
    let mut labels = Labels::new();
    labels.insert("check".into(), check.into());
    let mut annotations = Labels::new();
    annotations.insert("summary".into(), summary.clone());
    Incoming {
        source: "julia".into(),
        group_key: format!("julia:{check}"),
        title,
        severity: Some("critical".into()),
        summary: Some(summary),
        match_labels: Labels::new(),
        source_url: None,
        external_url: None,
        all_resolved: !firing,
        alerts: vec![IncomingAlert {
            fingerprint: format!("julia-{check}"),
            firing,
            labels,
            annotations,
            starts_at: now,
            ends_at: (!firing).then_some(now),
            generator_url: None,
        }],
        extra_actions: m_alerts::julia_actions(ctx.locale(), &ctx.julia.railway.services),
        declare: None,
    }
}

/// Evolution's connection state: an alert after two checks not `open`, a recovery after.
async fn check_evolution(ctx: &Ctx, st: &mut WatchState) -> Option<Incoming> {
    let l = ctx.locale();
    let mut found = None;
    let state = ctx
        .julia
        .evolution
        .state()
        .await
        .unwrap_or_else(|_| "unreachable".into());
    let title = m_alerts::julia_evolution_title(l);
    if state == "open" {
        st.evo_fails = 0;
        if st.evo_alerted {
            st.evo_alerted = false;
            found = Some(alert(
                ctx,
                "evolution",
                false,
                title,
                m::evolution_recovered(l),
            ));
        }
    } else {
        st.evo_fails += 1;
        if st.evo_fails >= 2 && !st.evo_alerted {
            st.evo_alerted = true;
            found = Some(alert(
                ctx,
                "evolution",
                true,
                title,
                m::evolution_problem(l, &state),
            ));
        }
    }
    found
}

/// One check of every watched source. An alert or a recovery goes through the alert intake
/// (one message per check, updated in place: [`crate::alerts`]) before the new state is
/// written, so a crash in between repeats the update of the same message, never loses it.
pub async fn tick(
    ctx: &Ctx,
    watch_health: bool,
    watch_evo: bool,
) -> Result<WatchState, sqlx::Error> {
    let l = ctx.locale();
    let mut st = load(ctx).await?;
    let before = st.clone();
    let mut found: Vec<Incoming> = Vec::new();
    if watch_health {
        let (ok, lines) = match ctx.julia.health.deep().await {
            Ok(d) => (d.healthy(), super::status::health_lines(l, &d, false)),
            Err(e) => (
                false,
                vec![m::source_failed(l, "Julia /health/deep", &e.to_string())],
            ),
        };
        let title = m_alerts::julia_health_title(l);
        if ok {
            st.health_fails = 0;
            if st.health_alerted {
                st.health_alerted = false;
                found.push(alert(ctx, "health", false, title, m::health_recovered(l)));
            }
        } else {
            st.health_fails += 1;
            if st.health_fails >= 2 && !st.health_alerted {
                st.health_alerted = true;
                let mut text = vec![m::health_problem(l)];
                text.extend(lines);
                found.push(alert(ctx, "health", true, title, text.join("\n")));
            }
        }
    }
    if watch_evo {
        found.extend(check_evolution(ctx, &mut st).await);
    }
    if st == before {
        return Ok(st);
    }
    for a in &found {
        crate::alerts::intake::receive(ctx, a).await?;
    }
    sqlx::query("INSERT INTO kv_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        .bind(STATE)
        .bind(serde_json::to_string(&st).unwrap_or_default())
        .execute(&ctx.store.pool)
        .await?;
    Ok(st)
}
