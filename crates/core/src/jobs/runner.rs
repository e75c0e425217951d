//! One job's run: written due now, claimed under a lease, its handler found by kind, its
//! outcome recorded (done, retried with backoff, or failed for good with its notice).

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::error::{JobError, JobResult};
use super::lease::Lease;
use super::registry;
use crate::Ctx;

/// Writes a job due now in the caller's transaction; returns its id.
pub async fn enqueue<P: Serialize>(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    kind: &str,
    job: &P,
    now_ms: i64,
) -> Result<i64, sqlx::Error> {
    let payload = registry::payload(kind, job);
    let row = sqlx::query(
        "INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, progress, created_at)
         VALUES ($1, $2, 'pending', $3, 0, $4, '{}', $5) RETURNING id",
    )
    .bind(kind)
    .bind(payload)
    .bind(now_ms)
    .bind(ctx.config.jobs_max_attempts.max(1) as i64)
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    row.try_get::<i64, _>(0)
}

/// A claimed row before it runs.
pub(super) struct Claimed {
    pub(super) lease: Lease,
    kind: String,
    payload: String,
}

/// How many jobs one claim takes at most.
pub(super) const BATCH: i64 = 8;
/// Jobs one worker runs at once.
pub(super) const CONCURRENCY: usize = 16;

fn lease_ms(ctx: &Ctx) -> i64 {
    ctx.config.jobs_lease.as_millis().max(300) as i64
}

/// Claims up to `limit` due jobs (or only job `only`) under a fresh lease.
pub(super) async fn claim(
    ctx: &Ctx,
    limit: i64,
    only: Option<i64>,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let token = uuid::Uuid::new_v4().to_string();
    let sql = format!(
        "UPDATE jobs SET lease_token = $1, lease_until = $2, attempts = attempts + 1 WHERE id IN (
           SELECT id FROM jobs
           WHERE state = 'pending' AND run_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
             AND ($5 < 0 OR id = $5)
           ORDER BY run_at, id LIMIT $4{})
         RETURNING id, kind, payload, attempts, max_attempts, progress",
        ctx.store.skip_locked()
    );
    let rows = sqlx::query(&sql)
        .bind(&token)
        .bind(now + lease_ms(ctx))
        .bind(now)
        .bind(limit)
        .bind(only.unwrap_or(-1))
        .fetch_all(&ctx.store.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let progress: String = r.get(5);
            Claimed {
                lease: Lease {
                    id: r.get(0),
                    token: token.clone(),
                    attempt: r.get(3),
                    max_attempts: r.get(4),
                    progress: std::sync::Mutex::new(
                        serde_json::from_str(&progress).unwrap_or_else(|_| serde_json::json!({})),
                    ),
                },
                kind: r.get(1),
                payload: r.get(2),
            }
        })
        .collect())
}

/// Renews the lease every third of its length; returns when the lease is lost.
async fn keep_leased(ctx: &Ctx, id: i64, token: &str) {
    let every = Duration::from_millis((lease_ms(ctx) / 3).max(100) as u64);
    loop {
        tokio::time::sleep(every).await;
        let r = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_token = $3 AND state = 'pending'",
        )
        .bind(ctx.clock.now_ms() + lease_ms(ctx))
        .bind(id)
        .bind(token)
        .execute(&ctx.store.pool)
        .await;
        match r {
            Ok(r) if r.rows_affected() == 0 => return,
            Ok(_) => {}
            // The store is briefly away: keep trying while the lease may still hold.
            Err(e) => {
                tracing::warn!(job = id, error = %crate::config::redact_url(&e.to_string()), "jobs: lease renewal failed")
            }
        }
    }
}

/// Backoff before attempt `attempt + 1`: 1 s, 2 s, 4 s … at most 60 s.
pub fn backoff(attempt: i64) -> Duration {
    Duration::from_millis((1000u64 << (attempt - 1).clamp(0, 6) as u32).min(60_000))
}

/// What happened to one job in one run (what [`run_once`] returns, for tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub id: i64,
    pub kind: String,
    /// `done`, `retry`, `failed` or `lease_lost`.
    pub outcome: &'static str,
}

pub(super) async fn run_claimed(ctx: &Arc<Ctx>, c: Claimed) -> Ran {
    let Claimed {
        lease,
        kind,
        payload,
    } = c;
    let result = match ctx.jobs.runner(&kind) {
        // A row of a kind this release does not know (written by a newer one): failed for
        // good would lose it; it waits for a process that knows it.
        None => Err(JobError::Retry(format!(
            "no handler registered for job kind `{kind}`"
        ))),
        Some(run) => {
            let work = run(ctx, &payload, &lease);
            let renew = keep_leased(ctx, lease.id, &lease.token);
            tokio::select! {
                r = work => r,
                _ = renew => Err(JobError::LeaseLost),
            }
        }
    };
    let outcome = record(ctx, &lease, &kind, &payload, result).await;
    Ran {
        id: lease.id,
        kind,
        outcome,
    }
}

/// Records an attempt's outcome (unless the job already completed itself).
async fn record(
    ctx: &Ctx,
    lease: &Lease,
    kind: &str,
    payload: &str,
    result: JobResult,
) -> &'static str {
    let now = ctx.clock.now_ms();
    let progress = lease.progress.lock().expect("progress lock").to_string();
    let outcome = match result {
        Ok(()) => {
            // Most jobs complete inside their last transaction; this is a no-op for them.
            let r = sqlx::query(
                "UPDATE jobs SET state = 'done', finished_at = $1, progress = $2, lease_token = NULL, lease_until = NULL, last_error = NULL
                 WHERE id = $3 AND lease_token = $4 AND state = 'pending'",
            )
            .bind(now)
            .bind(progress)
            .bind(lease.id)
            .bind(&lease.token)
            .execute(&ctx.store.pool)
            .await;
            if let Err(e) = r {
                tracing::error!(job = lease.id, error = %crate::config::redact_url(&e.to_string()), "jobs: could not record completion; the job will run again and skip its finished steps");
            }
            "done"
        }
        Err(JobError::LeaseLost) => {
            tracing::warn!(
                job = lease.id,
                kind,
                "jobs: lease lost; another worker has the job"
            );
            "lease_lost"
        }
        Err(JobError::Retry(error)) if !lease.is_last_attempt() => {
            let at = now + backoff(lease.attempt).as_millis() as i64;
            tracing::warn!(job = lease.id, kind, attempt = lease.attempt, error = %error, "jobs: attempt failed; retrying");
            let r = sqlx::query(
                "UPDATE jobs SET run_at = $1, last_error = $2, progress = $3, lease_token = NULL, lease_until = NULL
                 WHERE id = $4 AND lease_token = $5",
            )
            .bind(at)
            .bind(truncate(&error))
            .bind(progress)
            .bind(lease.id)
            .bind(&lease.token)
            .execute(&ctx.store.pool)
            .await;
            if let Err(e) = r {
                tracing::error!(job = lease.id, error = %crate::config::redact_url(&e.to_string()), "jobs: could not record a retry; the lease will expire");
            }
            "retry"
        }
        Err(JobError::Retry(error)) | Err(JobError::Fail(error)) => {
            tracing::error!(job = lease.id, kind, attempt = lease.attempt, error = %error, "jobs: failed for good");
            if let Err(e) = fail(ctx, lease, kind, payload, &error, &progress, now).await {
                tracing::error!(job = lease.id, error = %crate::config::redact_url(&e.to_string()), "jobs: could not record the failure; the lease will expire");
            }
            "failed"
        }
    };
    metrics::counter!("jobs_runs_total", "kind" => kind.to_string(), "outcome" => outcome)
        .increment(1);
    outcome
}

/// Terminal failure and, for a job whose loss people notice, the kind's notice in the same
/// transaction ([`Registry::register_with_failure`]).
async fn fail(
    ctx: &Ctx,
    lease: &Lease,
    kind: &str,
    payload: &str,
    error: &str,
    progress: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = ctx.store.begin().await?;
    let r = sqlx::query(
        "UPDATE jobs SET state = 'failed', finished_at = $1, last_error = $2, progress = $3, lease_token = NULL, lease_until = NULL
         WHERE id = $4 AND lease_token = $5 AND state = 'pending'",
    )
    .bind(now)
    .bind(truncate(error))
    .bind(progress)
    .bind(lease.id)
    .bind(&lease.token)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() == 1 {
        if let Some(failed) = ctx.jobs.on_failed(kind) {
            failed(ctx, &mut tx, payload, lease, now).await?;
        }
    }
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(500).collect()
}

/// Claims the due jobs (at most 8), runs them to the end, records each outcome. Tests call it
/// to drive the worker one step at a time; the loop in [`run_worker`] runs the same steps.
pub async fn run_once(ctx: &Arc<Ctx>) -> Result<Vec<Ran>, sqlx::Error> {
    let claimed = claim(ctx, BATCH, None).await?;
    Ok(futures::future::join_all(claimed.into_iter().map(|c| run_claimed(ctx, c))).await)
}

/// Runs one job now if it is due and free (e.g. in the simulator). `None` if it was not.
pub async fn run_job(ctx: &Arc<Ctx>, id: i64) -> Result<Option<Ran>, sqlx::Error> {
    match claim(ctx, 1, Some(id)).await?.into_iter().next() {
        Some(c) => Ok(Some(run_claimed(ctx, c).await)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(4), Duration::from_secs(8));
        assert_eq!(backoff(7), Duration::from_secs(60));
        assert_eq!(backoff(30), Duration::from_secs(60));
    }
}
