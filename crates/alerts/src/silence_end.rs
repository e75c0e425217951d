//! The end of a Silence 1h/4h left to run out: a job due when it ends re-checks the group
//! against Alertmanager ([`crate::recheck`]), as Expire silence does, and re-renders its message
//! (Alertmanager never sends the resolution of an alert a silence covered,
//! prometheus/alertmanager#226). Registered by the composition root with [`register`].

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use chatops_core::jobs::{enqueue, JobResult, Lease, Registry};
use chatops_core::Ctx;

pub const SILENCE_END: &str = "alert_silence_end";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SilenceEnd {
    pub group: i64,
    /// The silence's end (ms): a group silenced again, or expired by hand, since is left alone.
    pub until: i64,
}

/// The alert jobs: a silence's end and a quiet group's repeat check
/// ([`crate::repeat_check`]).
pub fn register(jobs: &mut Registry) {
    jobs.register(SILENCE_END, run);
    jobs.register(crate::repeat_check::REPEAT_CHECK, crate::repeat_check::run);
}

/// Schedules the re-check for when the silence ends (in the silence's transaction).
pub async fn schedule(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    group: i64,
    until: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let id = enqueue(conn, ctx, SILENCE_END, &SilenceEnd { group, until }, now).await?;
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2")
        .bind(until)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn run<'a>(ctx: &'a Arc<Ctx>, job: SilenceEnd, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let current = crate::get(&ctx.store.pool, job.group).await?;
        let still = match &current {
            Some(g) if g.silenced_until == Some(job.until) => {
                crate::recheck::still_firing(g, crate::settings::of(ctx).alertmanager().as_ref())
                    .await
            }
            _ => None,
        };
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        if let (Some(still), Some(_)) = (&still, &current) {
            crate::recheck::apply(&mut tx, job.group, still, now).await?;
        }
        if current.is_some_and(|g| g.silenced_until == Some(job.until)) {
            // The message drops "Silenced by" and shows what is true now.
            if let Some(g) = crate::lock(&mut tx, ctx.store.backend, job.group).await? {
                crate::refresh(&mut tx, ctx, &g).await?;
            }
        }
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        Ok(())
    })
}
