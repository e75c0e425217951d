//! The health watcher: polls `/health/deep` (and Evolution's state) every
//! `JULIA_WATCH_INTERVAL`; two consecutive failures alert `ALERTS_CHANNEL` once, recovery
//! posts once, both through the alert intake (one message per check, updated in place, with the
//! alert buttons plus Pause and Rollback). One replica watches at a time (a lease in `leases`);
//! the alert state is kept in `kv_state` so restarts and other replicas do not repeat alerts.

use std::sync::Arc;

use messages::alerts as m_alerts;
use messages::julia as m;
use serde::{Deserialize, Serialize};

use super::shared::health_lines;
use alerts::payload::{Incoming, IncomingAlert, Labels};
use chatops_core::store::named;
use chatops_core::Ctx;

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
    let watch_health = clients::julia(&ctx).health.configured();
    let watch_evo = clients::julia(&ctx).evolution.missing().is_empty();
    if !watch_health && !watch_evo {
        return;
    }
    let holder = uuid::Uuid::new_v4().simple().to_string();
    let interval = clients::julia_config::of(&ctx).watch_interval;
    loop {
        if *shutdown.borrow() {
            return;
        }
        match acquire(&ctx, &holder).await {
            Ok(true) => {
                if let Err(e) = tick(&ctx, watch_health, watch_evo).await {
                    tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "julia watcher tick failed");
                }
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "julia watcher lease failed")
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
    let until = now + (clients::julia_config::of(ctx).watch_interval.as_millis() as i64) * 3 + 1000;
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
        truncated: 0,
        alerts: vec![IncomingAlert {
            fingerprint: format!("julia-{check}"),
            firing,
            labels,
            annotations,
            starts_at: now,
            ends_at: (!firing).then_some(now),
            generator_url: None,
        }],
        extra_actions: m_alerts::julia_actions(ctx.locale(), &alert_services(ctx)),
        declare: None,
    }
}

/// At most three rollback buttons on an alert.
fn alert_services(ctx: &Ctx) -> Vec<String> {
    clients::julia(ctx)
        .railway
        .services
        .iter()
        .take(3)
        .cloned()
        .collect()
}

/// One check of every watched source. An alert or a recovery goes through the alert intake
/// (one message per check, updated in place: [`alerts`]) before the new state is
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
        let (ok, lines) = match clients::julia(ctx).health.deep().await {
            Ok(d) => (d.healthy(), health_lines(l, &d, false)),
            Err(e) => (
                false,
                vec![m::source_failed(l, m::SYS_DEEP, &e.to_string())],
            ),
        };
        let title = m_alerts::julia_health_title(l);
        match step(&mut st.health_fails, &mut st.health_alerted, ok) {
            Some(Change::Alert) => {
                let mut text = vec![m::health_problem(l)];
                text.extend(lines);
                found.push(alert(ctx, "health", true, title, text.join("\n")));
            }
            Some(Change::Recovered) => {
                found.push(alert(ctx, "health", false, title, m::health_recovered(l)))
            }
            None => {}
        }
    }
    if watch_evo {
        let evo = clients::julia(ctx).evolution.state().await;
        let state = evo.unwrap_or_else(|_| m::EVOLUTION_UNREACHABLE.into());
        let title = m_alerts::julia_evolution_title(l);
        match step(&mut st.evo_fails, &mut st.evo_alerted, state == "open") {
            Some(Change::Alert) => found.push(alert(
                ctx,
                "evolution",
                true,
                title,
                m::evolution_problem(l, &state),
            )),
            Some(Change::Recovered) => found.push(alert(
                ctx,
                "evolution",
                false,
                title,
                m::evolution_recovered(l),
            )),
            None => {}
        }
    }
    if st == before {
        return Ok(st);
    }
    for a in &found {
        alerts::intake::receive(ctx, a).await?;
    }
    let mut conn = ctx.store.pool.acquire().await?;
    let value = serde_json::to_string(&st).unwrap_or_default();
    named::put_state(&mut conn, STATE, &value).await?;
    Ok(st)
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
