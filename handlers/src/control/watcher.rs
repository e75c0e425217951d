//! The health watcher: polls `/health/deep` (and Evolution's state) every
//! `JULIA_WATCH_INTERVAL`; two consecutive failures alert `INCIDENTS_CHANNEL` once, recovery
//! posts once. One replica watches at a time (a lease in `leases`); the alert state is kept in
//! `kv_state` so restarts and other replicas do not repeat alerts.

use std::sync::Arc;

use messages::julia as m;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::outbox::{enqueue, OutboxItem};
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

/// One check of every watched source; writes the new state (and any post) in one transaction.
pub async fn tick(
    ctx: &Ctx,
    watch_health: bool,
    watch_evo: bool,
) -> Result<WatchState, sqlx::Error> {
    let l = ctx.locale();
    let mut st = load(ctx).await?;
    let before = st.clone();
    let mut posts: Vec<messages::Msg> = Vec::new();
    // At most three rollback buttons on an alert.
    let services: Vec<String> = ctx.julia.railway.services.iter().take(3).cloned().collect();
    if watch_health {
        let (ok, lines) = match ctx.julia.health.deep().await {
            Ok(d) => (d.healthy(), super::shared::health_lines(l, &d, false)),
            Err(e) => (
                false,
                vec![m::source_failed(l, m::SYS_DEEP, &e.to_string())],
            ),
        };
        if ok {
            st.health_fails = 0;
            if st.health_alerted {
                st.health_alerted = false;
                posts.push(m::watch_recovered(l, &m::health_recovered(l)));
            }
        } else {
            st.health_fails += 1;
            if st.health_fails >= 2 && !st.health_alerted {
                st.health_alerted = true;
                posts.push(m::watch_alert(l, &m::health_problem(l), &lines, &services));
            }
        }
    }
    if watch_evo {
        let state = ctx
            .julia
            .evolution
            .state()
            .await
            .unwrap_or_else(|_| "unreachable".into());
        if state == "open" {
            st.evo_fails = 0;
            if st.evo_alerted {
                st.evo_alerted = false;
                posts.push(m::watch_recovered(l, &m::evolution_recovered(l)));
            }
        } else {
            st.evo_fails += 1;
            if st.evo_fails >= 2 && !st.evo_alerted {
                st.evo_alerted = true;
                posts.push(m::watch_alert(
                    l,
                    &m::evolution_problem(l, &state),
                    &[],
                    &services,
                ));
            }
        }
    }
    if st == before {
        return Ok(st);
    }
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.pool.begin().await?;
    sqlx::query("INSERT INTO kv_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        .bind(STATE)
        .bind(serde_json::to_string(&st).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    if let Some(ch) = &ctx.config.incidents_channel {
        for p in &posts {
            enqueue(&mut tx, &OutboxItem::post(ch, p).tagged("julia_watch"), now).await?;
        }
    }
    tx.commit().await?;
    if !posts.is_empty() {
        ctx.outbox_wake.notify_one();
    }
    Ok(st)
}
