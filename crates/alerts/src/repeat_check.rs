//! A firing Alertmanager group that has gone quiet for longer than its repeat interval is
//! re-checked against Alertmanager, as a silence's end is ([`crate::recheck`]).
//!
//! Alertmanager re-sends a firing group every `repeat_interval` (4h by default), and sends its
//! resolution once; a resolution it could not deliver, or one dropped while a silence matched
//! (prometheus/alertmanager#226), leaves the group reading FIRING. The webhook does not carry
//! the repeat interval, so the bot is told it (`ALERT_REPEAT_INTERVAL`). Each notification of a
//! firing group schedules one job (`alert_repeat_check`) due a repeat interval and a grace later;
//! a newer notification supersedes it (the job carries the group's notification count and does
//! nothing when the group heard of Alertmanager since). When it runs it asks
//! `GET /api/v2/alerts` for the group's labels, resolves what Alertmanager no longer holds and
//! re-renders the message. Registered by the composition root through [`crate::register`].

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use chatops_core::jobs::{enqueue, JobResult, Lease};
use chatops_core::Ctx;

use crate::Group;

pub const REPEAT_CHECK: &str = "alert_repeat_check";

/// Alertmanager sends a repeat on its next `group_interval` tick (5m by default) after the
/// repeat interval, and retries a failed send until the tick after: two ticks of grace.
pub const GRACE_MS: i64 = 10 * 60_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepeatCheck {
    /// First field: a superseded row is found by its payload's `{"group":N,` prefix.
    pub group: i64,
    /// The group's notification count when it was scheduled: any later notification wins.
    pub notifications: i64,
}

/// Schedules the check of a firing Alertmanager group after this notification (in the
/// notification's transaction), replacing the one the previous notification scheduled.
pub async fn schedule(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    g: &Group,
    now: i64,
) -> Result<(), sqlx::Error> {
    if g.source != "alertmanager" {
        return Ok(());
    }
    // Not claimed yet: a claimed one sees the newer count when it runs and does nothing.
    sqlx::query(
        "DELETE FROM jobs WHERE kind = $1 AND state = 'pending' AND lease_token IS NULL AND payload LIKE $2",
    )
    .bind(REPEAT_CHECK)
    .bind(format!("{{\"group\":{},%", g.id))
    .execute(&mut *conn)
    .await?;
    let cfg = crate::settings::of(ctx);
    // Nothing to ask without Alertmanager's API.
    let (Some(every), Some(_)) = (cfg.repeat_interval, &cfg.alertmanager_url) else {
        return Ok(());
    };
    if g.status != "firing" {
        return Ok(());
    }
    let job = RepeatCheck {
        group: g.id,
        notifications: g.notifications,
    };
    let id = enqueue(conn, ctx, REPEAT_CHECK, &job, now).await?;
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2")
        .bind(now + every.as_millis() as i64 + GRACE_MS)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Still the group this job was scheduled for: no notification since, firing, not silenced
/// (a silence's end has its own check).
fn due(g: &Group, job: &RepeatCheck, now: i64) -> bool {
    g.notifications == job.notifications && g.status == "firing" && !g.silenced(now)
}

pub(crate) fn run<'a>(
    ctx: &'a Arc<Ctx>,
    job: RepeatCheck,
    lease: &'a Lease,
) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let now = ctx.clock.now_ms();
        let still = match crate::get(&ctx.store.pool, job.group).await? {
            Some(g) if due(&g, &job, now) => {
                crate::recheck::still_firing(&g, crate::settings::of(ctx).alertmanager().as_ref())
                    .await
            }
            _ => None,
        };
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        if let Some(still) = still {
            // A notification that came while Alertmanager was asked is newer than the answer.
            if let Some(g) = crate::lock(&mut tx, ctx.store.backend, job.group).await? {
                if due(&g, &job, now) && crate::recheck::apply(&mut tx, g.id, &still, now).await? {
                    tracing::info!(
                        group = g.id,
                        "alert group quiet past its repeat interval: resolved what Alertmanager no longer holds"
                    );
                    if let Some(g) = crate::lock(&mut tx, ctx.store.backend, job.group).await? {
                        crate::refresh(&mut tx, ctx, &g).await?;
                    }
                }
            }
        }
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        Ok(())
    })
}
