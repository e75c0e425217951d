//! The opt-in automatic degrade: a component with `auto_degrade: true` in `COMPONENTS_FILE`
//! and a `julia` or `http <url>` check is marked "degraded performance" on the page after two
//! failed checks in a row, and cleared by the first success. Off unless a component opts in: a
//! public statement is a human decision otherwise. Each change moves the page's version and is
//! said in the incidents channel. One replica checks at a time (a lease).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chatops_core::components::{Component, ComponentState, HealthCheck};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::store::named;
use chatops_core::Ctx;

const LEASE: &str = "statuspage_auto";
const STATE: &str = "statuspage_auto_fails";
/// Failed checks in a row before a component is marked degraded.
const FAILS: u32 = 2;
/// How long an `http` check may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// The components that opted in and have a check this can run.
pub fn opted_in(ctx: &Ctx) -> Vec<&Component> {
    ctx.config
        .components
        .all()
        .filter(|c| {
            c.auto_degrade
                && matches!(
                    c.check,
                    Some(HealthCheck::JuliaDeep) | Some(HealthCheck::Http { .. })
                )
        })
        .collect()
}

/// Whether a component's check passes.
async fn passes(ctx: &Ctx, check: &HealthCheck) -> bool {
    match check {
        HealthCheck::JuliaDeep => match ctx.ext.get::<clients::JuliaClients>() {
            Some(c) => c.health.deep().await.is_ok_and(|d| d.healthy()),
            None => true,
        },
        HealthCheck::Http { url } => {
            let client = reqwest::Client::builder()
                .timeout(HTTP_TIMEOUT)
                .build()
                .expect("http client");
            client
                .get(url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
        HealthCheck::Runbook { .. } => true,
    }
}

/// One round of checks. Returns the components whose automatic state changed (id, degraded).
pub async fn run_once(ctx: &Ctx) -> Result<Vec<(String, bool)>, sqlx::Error> {
    let comps = opted_in(ctx);
    if comps.is_empty() {
        return Ok(Vec::new());
    }
    let mut fails: BTreeMap<String, u32> = named::get_state(&ctx.store.pool, STATE)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default();
    let marked = crate::store::auto_states(&ctx.store.pool).await?;
    let mut changed = Vec::new();
    for c in comps {
        let Some(check) = &c.check else { continue };
        let ok = passes(ctx, check).await;
        let n = fails.entry(c.id.clone()).or_insert(0);
        *n = if ok { 0 } else { *n + 1 };
        let is_marked = marked.contains_key(&c.id);
        if ok && is_marked {
            changed.push((c.id.clone(), false));
        } else if !ok && *n >= FAILS && !is_marked {
            changed.push((c.id.clone(), true));
        }
    }
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    for (id, degraded) in &changed {
        if *degraded {
            sqlx::query(
                "INSERT INTO component_auto_states (component, state, since) VALUES ($1, $2, $3)
                 ON CONFLICT (component) DO NOTHING",
            )
            .bind(id)
            .bind(ComponentState::DegradedPerformance.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query("DELETE FROM component_auto_states WHERE component = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(ch) = &ctx.config.incidents_channel {
            let name = ctx
                .config
                .components
                .get(id)
                .map(|c| c.name.get(ctx.locale()).to_string())
                .unwrap_or_else(|| id.clone());
            let text = messages::statuspage::auto_changed(&name, *degraded, ctx.locale());
            enqueue(
                &mut tx,
                &OutboxItem::post(ch, &messages::Msg::text(text)),
                now,
            )
            .await?;
        }
    }
    if !changed.is_empty() {
        crate::store::bump(&mut tx).await?;
    }
    let v = serde_json::to_string(&fails).unwrap_or_default();
    named::put_state(&mut tx, STATE, &v).await?;
    tx.commit().await?;
    if !changed.is_empty() {
        ctx.outbox_wake.notify_one();
    }
    Ok(changed)
}

/// Checks every `STATUSPAGE_AUTO_INTERVAL` while this replica holds the lease; returns at once
/// when no component opted in.
pub async fn run_worker(ctx: Arc<Ctx>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    if opted_in(&ctx).is_empty() {
        return;
    }
    let every = crate::settings::of(&ctx).auto_interval;
    let holder = uuid::Uuid::new_v4().to_string();
    // The first round one interval after start (a restart loop never floods the checks).
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        let now = ctx.clock.now_ms();
        let until = now + every.as_millis() as i64 * 3 + 1000;
        match named::acquire_lease(&ctx.store.pool, LEASE, &holder, (now, until)).await {
            Ok(true) => {
                if let Err(e) = run_once(&ctx).await {
                    tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "status page auto-degrade: store unavailable");
                }
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "status page auto-degrade lease failed")
            }
        }
    }
}
