//! The outbox worker: claims a batch under a lease, delivers it, renews the lease.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{AnyConnection, Row};

use super::claimed::{Claimed, SharedPacing, BATCH};
use super::{deliver, digest, item, reserve};
use crate::store::Backend;
use crate::Ctx;

/// Claims and delivers one batch (at most one row per channel). Returns how many rows it handled.
pub async fn deliver_batch(ctx: &Ctx, pacing: &SharedPacing) -> Result<usize, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let token = uuid::Uuid::new_v4().to_string();
    let lease_until = now + ctx.config.outbox_lease.as_millis() as i64;
    let postgres = ctx.store.backend == Backend::Postgres;
    let mut tx = ctx.store.begin().await?;
    let channels = if postgres {
        free_channels(&mut tx, now).await?
    } else {
        Vec::new()
    };
    if postgres && channels.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let only = if postgres {
        format!(
            " AND o.channel IN ({})",
            digest::placeholders(5, channels.len())
        )
    } else {
        String::new()
    };
    // `= ANY(ARRAY(...))` on PostgreSQL: with `IN (subquery)` the planner may hash-join the
    // claimed ids against a sequential scan of the whole outbox, sent rows included.
    let sql = format!(
        "UPDATE outbox SET lease_token = $1, lease_until = $2, attempt_started_at = COALESCE(attempt_started_at, $3) WHERE {} (
           SELECT o.id FROM outbox o
           WHERE o.status = 'pending' AND o.next_attempt_at <= $3{only}
             AND (o.lease_until IS NULL OR o.lease_until < $3)
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.channel = o.channel AND p.id < o.id AND {held})
             AND (o.depends_on IS NULL OR EXISTS (SELECT 1 FROM outbox d WHERE d.id = o.depends_on AND d.status NOT IN ('pending', 'reserved')))
           ORDER BY o.id LIMIT $4{}){}
         RETURNING id, method, channel, body, depends_on, depends_field, attempts, digest, created_at, attempt_started_at",
        ctx.store.claimed_ids(),
        ctx.store.skip_locked(),
        ctx.store.claimed_ids_end(),
        // A row waits for the older pending rows of its channel and its live reservations.
        held = reserve::holds("p", "$3"),
    );
    let mut q = sqlx::query(&sql)
        .bind(&token)
        .bind(lease_until)
        .bind(now)
        .bind(BATCH);
    for c in &channels {
        q = q.bind(c);
    }
    let rows = q.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let claimed: Vec<Claimed> = rows
        .iter()
        .map(|r| Claimed {
            id: r.get(0),
            method: r.get(1),
            channel: r.get(2),
            body: r.get(3),
            depends_on: r.get(4),
            depends_field: r.get(5),
            attempts: r.get(6),
            digest: r.get(7),
            created_at: r.get(8),
            // Set by this claim when no attempt was pending, earlier when one was.
            unknown_since: r.get::<Option<i64>, _>(9).filter(|at| *at < now),
            merged: Vec::new(),
        })
        .collect();
    let n = claimed.len();
    let futs = claimed
        .into_iter()
        .map(|c| deliver::deliver_one(ctx, pacing, c, &token));
    if n > 0 {
        // The lease is short (`OUTBOX_LEASE`, 5 s) and renewed while the batch is in flight, so a
        // process that dies holds its rows (and their channels) for at most one lease.
        tokio::select! {
            _ = futures::future::join_all(futs) => {}
            _ = renew_lease(ctx, &token) => {}
        }
    }
    Ok(n)
}

/// PostgreSQL: the channels with rows due that no writer still has open
/// (`item::CHANNEL_LOCK`), locked until `tx` commits. The claim's own snapshot is taken after
/// the locks, so every older row of a claimed channel is visible to it.
async fn free_channels(tx: &mut AnyConnection, now: i64) -> Result<Vec<String>, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT c.channel FROM (SELECT DISTINCT channel FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2) c
         WHERE pg_try_advisory_xact_lock($1, hashtext(c.channel)) LIMIT 1000",
    )
    .bind(item::CHANNEL_LOCK)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// Extends the lease of this batch's rows still in flight, every third of the lease; never returns.
async fn renew_lease(ctx: &Ctx, token: &str) {
    let lease = ctx.config.outbox_lease.as_millis().max(300) as i64;
    let every = Duration::from_millis((lease / 3).max(100) as u64);
    loop {
        tokio::time::sleep(every).await;
        let r = sqlx::query(
            "UPDATE outbox SET lease_until = $1 WHERE lease_token = $2 AND status = 'pending'",
        )
        .bind(ctx.clock.now_ms() + lease)
        .bind(token)
        .execute(&ctx.store.pool)
        .await;
        if let Err(e) = r {
            tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "outbox: lease renewal failed");
        }
    }
}

/// One step of the outbox worker with its own pacing: claims a batch, delivers it, records each
/// outcome. Tests call it instead of sleeping.
pub async fn run_once(ctx: &Ctx) -> Result<usize, sqlx::Error> {
    deliver_batch(ctx, &SharedPacing::default()).await
}

/// Pending rows and the age of the oldest, for `/metrics`.
pub async fn depth(ctx: &Ctx) -> Result<(i64, Option<i64>), sqlx::Error> {
    let r = sqlx::query("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending'")
        .fetch_one(&ctx.store.pool)
        .await?;
    let n: i64 = r.get(0);
    let oldest: Option<i64> = r.get(1);
    Ok((n, oldest.map(|t| ctx.clock.now_ms() - t)))
}

/// The delivery loop: runs until `shutdown` fires. Wakes on `ctx.outbox_wake` (a local write)
/// or every `OUTBOX_POLL_INTERVAL` (writes by other replicas, retries coming due).
pub async fn run_worker(ctx: Arc<Ctx>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let pacing: SharedPacing = Default::default();
    let mut last_gauge = Instant::now() - Duration::from_secs(10);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let handled = match deliver_batch(&ctx, &pacing).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "outbox: store unavailable, retrying");
                0
            }
        };
        if last_gauge.elapsed() > Duration::from_secs(5) {
            last_gauge = Instant::now();
            if let Ok((n, oldest)) = depth(&ctx).await {
                metrics::gauge!("outbox_depth").set(n as f64);
                metrics::gauge!("outbox_oldest_age_seconds")
                    .set(oldest.unwrap_or(0) as f64 / 1000.0);
            }
        }
        if handled == 0 {
            tokio::select! {
                _ = ctx.outbox_wake.notified() => {}
                _ = tokio::time::sleep(ctx.config.outbox_poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
