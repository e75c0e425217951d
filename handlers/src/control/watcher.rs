//! The health watcher: polls `/health/deep` (and Evolution's state) every
//! `JULIA_WATCH_INTERVAL`; two consecutive failures alert `INCIDENTS_CHANNEL` once, recovery
//! posts once. One replica watches at a time (a lease in `leases`); the alert state is kept in
//! `kv_state` so restarts and other replicas do not repeat alerts.

use std::sync::Arc;

use messages::julia as m;
use serde::{Deserialize, Serialize};

use super::shared::health_lines;
use crate::outbox::{enqueue, OutboxItem};
use crate::store::named;
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
    named::acquire_lease(&ctx.store.pool, LEASE, holder, (now, until)).await
}

async fn load(ctx: &Ctx) -> Result<WatchState, sqlx::Error> {
    let v = named::get_state(&ctx.store.pool, STATE).await?;
    Ok(v.and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// What a check changes: two failures in a row alert once; the first success after an
/// alert recovers once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Alert,
    Recovered,
}

fn step(fails: &mut u32, alerted: &mut bool, ok: bool) -> Option<Change> {
    if ok {
        *fails = 0;
        std::mem::take(alerted).then_some(Change::Recovered)
    } else {
        *fails += 1;
        (*fails >= 2 && !std::mem::replace(alerted, true)).then_some(Change::Alert)
    }
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
            Ok(d) => (d.healthy(), health_lines(l, &d, false)),
            Err(e) => (
                false,
                vec![m::source_failed(l, m::SYS_DEEP, &e.to_string())],
            ),
        };
        match step(&mut st.health_fails, &mut st.health_alerted, ok) {
            Some(Change::Alert) => {
                posts.push(m::watch_alert(l, &m::health_problem(l), &lines, &services))
            }
            Some(Change::Recovered) => posts.push(m::watch_recovered(l, &m::health_recovered(l))),
            None => {}
        }
    }
    if watch_evo {
        let evo = ctx.julia.evolution.state().await;
        let state = evo.unwrap_or_else(|_| m::EVOLUTION_UNREACHABLE.into());
        match step(&mut st.evo_fails, &mut st.evo_alerted, state == "open") {
            Some(Change::Alert) => {
                let problem = m::evolution_problem(l, &state);
                posts.push(m::watch_alert(l, &problem, &[], &services))
            }
            Some(Change::Recovered) => {
                posts.push(m::watch_recovered(l, &m::evolution_recovered(l)))
            }
            None => {}
        }
    }
    if st != before {
        save(ctx, &st, &posts).await?;
    }
    Ok(st)
}

/// The new state and the posts it causes, in one transaction.
async fn save(ctx: &Ctx, st: &WatchState, posts: &[messages::Msg]) -> Result<(), sqlx::Error> {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.pool.begin().await?;
    let value = serde_json::to_string(st).unwrap_or_default();
    named::put_state(&mut tx, STATE, &value).await?;
    if let Some(ch) = &ctx.config.incidents_channel {
        for p in posts {
            enqueue(&mut tx, &OutboxItem::post(ch, p).tagged("julia_watch"), now).await?;
        }
    }
    tx.commit().await?;
    if !posts.is_empty() {
        ctx.outbox_wake.notify_one();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_failures_alert_once_and_one_success_recovers_once() {
        let (mut fails, mut alerted) = (0, false);
        let seen: Vec<_> = [false, false, false, true, true, false]
            .into_iter()
            .map(|ok| step(&mut fails, &mut alerted, ok))
            .collect();
        assert_eq!(
            seen,
            [
                None,
                Some(Change::Alert),
                None,
                Some(Change::Recovered),
                None,
                None
            ]
        );
        assert_eq!((fails, alerted), (1, false));
    }
}
