//! The job loop of a process, its shutdown hand-over, and the pruning of finished rows.

use std::sync::Arc;
use std::time::Duration;

use super::runner::{claim, run_claimed, BATCH, CONCURRENCY};
use crate::Ctx;

/// Finished jobs are kept this long (for `/health/ready`, metrics and looking back), then deleted.
/// Failed jobs are kept until someone deletes them.
pub const KEEP_DONE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Deletes jobs that finished well before `now_ms` (older than [`KEEP_DONE`]); returns how many.
pub async fn prune(ctx: &Ctx, now_ms: i64) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("DELETE FROM jobs WHERE state = 'done' AND finished_at < $1")
        .bind(now_ms - KEEP_DONE.as_millis() as i64)
        .execute(&ctx.store.pool)
        .await?;
    Ok(r.rows_affected())
}

/// How long a stopping worker (SIGTERM, e.g. a redeploy) lets running jobs finish before it
/// hands the rest over.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The job loop: claims due jobs while it has room (16 at once), each in its own task so a long
/// job (a deployment followed for minutes) never holds the others. Wakes on `ctx.jobs_wake`
/// (a local write) or every `JOBS_POLL_INTERVAL` (other replicas' writes, retries, expired leases).
/// On shutdown it gives running jobs [`SHUTDOWN_GRACE`] to finish, then releases the leases of
/// the others (that attempt not counted), so the next process takes them over at once instead
/// of after a lease.
pub async fn run_worker(ctx: Arc<Ctx>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let held: Arc<std::sync::Mutex<std::collections::HashSet<(i64, String)>>> = Default::default();
    let mut last_prune: Option<std::time::Instant> = None;
    loop {
        if *shutdown.borrow() {
            hand_over(&ctx, &slots, &held).await;
            return;
        }
        if last_prune.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
            last_prune = Some(std::time::Instant::now());
            if let Err(e) = prune(&ctx, ctx.clock.now_ms()).await {
                tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "jobs: pruning failed");
            }
        }
        let room = slots.available_permits().min(BATCH as usize) as i64;
        let mut claimed_any = false;
        if room > 0 {
            match claim(&ctx, room, None).await {
                Ok(claimed) => {
                    claimed_any = !claimed.is_empty();
                    for c in claimed {
                        let permit = slots.clone().acquire_owned().await.expect("semaphore");
                        let ctx = ctx.clone();
                        let key = (c.lease.id, c.lease.token.clone());
                        held.lock().expect("held").insert(key.clone());
                        let held = held.clone();
                        tokio::spawn(async move {
                            run_claimed(&ctx, c).await;
                            held.lock().expect("held").remove(&key);
                            drop(permit);
                        });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "jobs: store unavailable, retrying")
                }
            }
        }
        if !claimed_any {
            tokio::select! {
                _ = ctx.jobs_wake.notified() => {}
                _ = tokio::time::sleep(ctx.config.jobs_poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// Waits up to [`SHUTDOWN_GRACE`] for running jobs, then releases the leases still held.
async fn hand_over(
    ctx: &Ctx,
    slots: &tokio::sync::Semaphore,
    held: &std::sync::Mutex<std::collections::HashSet<(i64, String)>>,
) {
    let until = std::time::Instant::now() + SHUTDOWN_GRACE;
    while slots.available_permits() < CONCURRENCY && std::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left: Vec<(i64, String)> = held.lock().expect("held").iter().cloned().collect();
    for (id, token) in left {
        let r = sqlx::query(
            "UPDATE jobs SET lease_token = NULL, lease_until = NULL, attempts = attempts - 1
             WHERE id = $1 AND lease_token = $2 AND state = 'pending'",
        )
        .bind(id)
        .bind(&token)
        .execute(&ctx.store.pool)
        .await;
        match r {
            Ok(_) => tracing::info!(job = id, "jobs: shutting down; job handed over"),
            Err(e) => {
                tracing::warn!(job = id, error = %crate::config::redact_url(&e.to_string()), "jobs: could not hand a job over; its lease will run out")
            }
        }
    }
}
