//! What the jobs table says: the newest id, what is pending, the summary for `/health/ready`
//! and the `jobs` gauges of `/metrics`.

use sqlx::Row;

use crate::Ctx;

/// The newest job's id (0 without jobs).
pub async fn last_id(ctx: &Ctx) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COALESCE(MAX(id), 0) FROM jobs")
        .fetch_one(&ctx.store.pool)
        .await?
        .try_get::<i64, _>(0)
}

/// Pending jobs newer than `after`, oldest first (the simulator runs only its own).
pub async fn pending_after(ctx: &Ctx, after: i64) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query("SELECT id FROM jobs WHERE id > $1 AND state = 'pending' ORDER BY id")
        .bind(after)
        .fetch_all(&ctx.store.pool)
        .await?;
    Ok(rows.iter().map(|r| r.get::<i64, _>(0)).collect())
}

/// Jobs by kind and state, the failures of the last 24 hours and the age of the oldest due job.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub by_kind_state: Vec<(String, String, i64)>,
    pub failed_last_24h: i64,
    pub oldest_due_age_ms: i64,
}

pub async fn summary(ctx: &Ctx) -> Result<Summary, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let rows = sqlx::query("SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state")
        .fetch_all(&ctx.store.pool)
        .await?;
    let by_kind_state = rows
        .iter()
        .map(|r| {
            (
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<i64, _>(2),
            )
        })
        .collect();
    let r = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM jobs WHERE state = 'failed' AND finished_at >= $1),
                (SELECT MIN(run_at) FROM jobs WHERE state = 'pending' AND run_at <= $2)",
    )
    .bind(now - 24 * 3600 * 1000)
    .bind(now)
    .fetch_one(&ctx.store.pool)
    .await?;
    let oldest: Option<i64> = r.get(1);
    Ok(Summary {
        by_kind_state,
        failed_last_24h: r.get(0),
        oldest_due_age_ms: oldest.map(|t| (now - t).max(0)).unwrap_or(0),
    })
}

/// Sets the `jobs` gauges for `/metrics` (every kind and state, zeros included).
pub async fn export_metrics(ctx: &Ctx) {
    let Ok(s) = summary(ctx).await else {
        return;
    };
    for kind in ctx.jobs.kinds() {
        for state in ["pending", "done", "failed"] {
            let n = s
                .by_kind_state
                .iter()
                .find(|(k, st, _)| k == kind && st == state)
                .map(|t| t.2)
                .unwrap_or(0);
            metrics::gauge!("jobs", "kind" => kind, "state" => state).set(n as f64);
        }
    }
    metrics::gauge!("jobs_failed_last_24h").set(s.failed_last_24h as f64);
    metrics::gauge!("jobs_oldest_due_age_seconds").set(s.oldest_due_age_ms as f64 / 1000.0);
}
