//! The audit log: who did what, with arguments, outcome and before/after values.

use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub args: String,
    pub outcome: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub at_ms: i64,
    pub entry: AuditEntry,
}

pub async fn record(
    conn: &mut AnyConnection,
    e: &AuditEntry,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, args, outcome, before_value, after_value, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now_ms)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.args)
    .bind(&e.outcome)
    .bind(e.before.as_deref())
    .bind(e.after.as_deref())
    .bind(e.detail.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn record_pool(
    pool: &sqlx::AnyPool,
    e: &AuditEntry,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    record(&mut conn, e, now_ms).await
}

pub async fn latest(pool: &sqlx::AnyPool, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT at, actor, action, args, outcome, before_value, after_value, detail FROM audit_log ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(audit_row).collect())
}

/// The latest rows whose action starts with `prefix` (a constant such as `julia.`: no `%` or
/// `_`, which `LIKE` would read as wildcards), newest first.
pub async fn latest_with_prefix(
    pool: &sqlx::AnyPool,
    prefix: &str,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT at, actor, action, args, outcome, before_value, after_value, detail FROM audit_log WHERE action LIKE $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(format!("{prefix}%"))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(audit_row).collect())
}

fn audit_row(r: &sqlx::any::AnyRow) -> AuditRow {
    AuditRow {
        at_ms: r.get(0),
        entry: AuditEntry {
            actor: r.get(1),
            action: r.get(2),
            args: r.get::<Option<String>, _>(3).unwrap_or_default(),
            outcome: r.get(4),
            before: r.get(5),
            after: r.get(6),
            detail: r.get(7),
        },
    }
}
