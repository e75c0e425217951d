//! What every part of paging uses: the claim SQL and posting to an incident's room.

use chatops_core::store::Backend;
use chatops_core::Ctx;
use sqlx::Row;

/// What one [`run_once`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ran {
    pub handoffs: usize,
    pub steps: usize,
    pub pages: usize,
}

/// The earliest due time of anything the worker does.
pub async fn earliest_due(ctx: &Ctx) -> Result<Option<i64>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT (SELECT MIN(due_at) FROM pager_ladders WHERE due_at IS NOT NULL),
                (SELECT MIN(next_attempt_at) FROM pages WHERE state = 'pending'),
                (SELECT MIN(next_handoff_at) FROM oncall_rotation),
                (SELECT MIN(ends_at) FROM oncall_overrides WHERE notified = 1)",
    )
    .fetch_one(&ctx.store.pool)
    .await?;
    Ok((0..4).filter_map(|i| r.get::<Option<i64>, _>(i)).min())
}

/// `UPDATE … WHERE <key> IN (SELECT …)` for a claim: `= ANY(ARRAY(… FOR UPDATE SKIP LOCKED))`
/// on PostgreSQL, `IN (…)` on SQLite (one writer).
pub(crate) fn claim_sql(
    ctx: &Ctx,
    table: &str,
    key: &str,
    due: &str,
    filter: &str,
    returning: &str,
) -> String {
    let inner = format!(
        "SELECT {key} FROM {table} WHERE {filter} AND {due} <= $3 AND (lease_until IS NULL OR lease_until < $3) ORDER BY {due} LIMIT 100"
    );
    match ctx.store.backend {
        Backend::Postgres => format!(
            "UPDATE {table} SET lease_token = $1, lease_until = $2 WHERE {key} = ANY(ARRAY({inner} FOR UPDATE SKIP LOCKED)) RETURNING {returning}"
        ),
        Backend::Sqlite => format!(
            "UPDATE {table} SET lease_token = $1, lease_until = $2 WHERE {key} IN ({inner}) RETURNING {returning}"
        ),
    }
}

/// Where an incident's ladder lines go: its war room, else where it lives.
pub(crate) async fn post_to_room(
    conn: &mut sqlx::AnyConnection,
    ctx: &Ctx,
    i: &incident::store::Incident,
    msg: &messages::Msg,
    now: i64,
) -> Result<(), sqlx::Error> {
    match &i.channel_id {
        Some(w) => {
            let msg = &incident::shared::as_said(ctx, i, msg);
            chatops_core::outbox::enqueue(
                conn,
                &chatops_core::outbox::OutboxItem::post(w, msg),
                now,
            )
            .await?;
            Ok(())
        }
        None => incident::shared::post_to_incident(conn, ctx, i, msg, false, now).await,
    }
}
