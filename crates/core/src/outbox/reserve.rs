//! A place kept in a channel's order for a row that is written later.
//!
//! A channel's rows go out in id order, and a row's id is taken when it is written. Some posts
//! are owed in an order decided before they can be written: the announcements of incidents
//! declared at the same moment are written by their declaration jobs, which run concurrently
//! and (after a crash) commit in any order, while people read the channel in incident-number
//! order. So the declaration reserves the announcement's place ([`reserve`], in the
//! transaction that numbers the incident), and the job fills it ([`fill`]): the row keeps the
//! reserved id. Later rows of the channel wait for a live reservation as for a pending row,
//! for at most [`RESERVED_WAIT_MS`] after it was made (a job that takes longer, or never
//! comes, holds the channel no longer); a job that fails for good gives its place up
//! ([`release`]) at once.

use sqlx::AnyConnection;

use super::item::{enqueue, OutboxItem, CHANNEL_LOCK};

/// How long a reservation holds the rows behind it (a declaration job's run after a restart
/// and its lease included).
pub const RESERVED_WAIT_MS: i64 = 120_000;

/// The SQL condition "row `p` holds the rows behind it at `$now`": pending, or reserved
/// within [`RESERVED_WAIT_MS`].
pub(super) fn holds(p: &str, now: &str) -> String {
    format!(
        "({p}.status = 'pending' OR ({p}.status = 'reserved' AND {p}.created_at > {now} - {RESERVED_WAIT_MS}))"
    )
}

/// PostgreSQL: a writer of the channel holds its shared lock until it commits (see
/// [`super::enqueue`]).
async fn lock_shared(conn: &mut AnyConnection, channel: &str) -> Result<(), sqlx::Error> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock_shared($1, hashtext($2))) AS l")
            .bind(CHANNEL_LOCK)
            .bind(channel)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Keeps a place in `channel`'s order for the row `tag` written later; returns its id.
pub async fn reserve(
    conn: &mut AnyConnection,
    channel: &str,
    tag: &str,
    now_ms: i64,
) -> Result<i64, sqlx::Error> {
    lock_shared(conn, channel).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (method, channel, body, status, attempts, next_attempt_at, tag, created_at)
         VALUES ('chat.postMessage', $1, '{}', 'reserved', 0, $2, $3, $2) RETURNING id",
    )
    .bind(channel)
    .bind(now_ms)
    .bind(tag)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Writes `item` (tagged) in the place reserved for its channel and tag, or as a new row when
/// none is (never reserved, or given up); `digest`: its line in a combined announcement
/// (as [`super::enqueue_digest`] writes it). Returns the row's id.
pub async fn fill(
    conn: &mut AnyConnection,
    item: &OutboxItem,
    digest: Option<&str>,
    now_ms: i64,
) -> Result<i64, sqlx::Error> {
    lock_shared(conn, &item.channel).await?;
    let reserved: Option<i64> = match &item.tag {
        Some(tag) => sqlx::query_scalar(
            "UPDATE outbox SET method = $1, body = $2, depends_on = $3, depends_field = $4, digest = $5,
               status = 'pending', next_attempt_at = $6
             WHERE id = (SELECT MIN(id) FROM outbox WHERE channel = $7 AND tag = $8 AND status = 'reserved')
               AND status = 'reserved'
             RETURNING id",
        )
        .bind(&item.method)
        .bind(item.body.to_string())
        .bind(item.depends_on)
        .bind(item.depends_field.as_deref())
        .bind(digest)
        .bind(now_ms)
        .bind(&item.channel)
        .bind(tag)
        .fetch_optional(&mut *conn)
        .await?,
        None => None,
    };
    if let Some(id) = reserved {
        return Ok(id);
    }
    // As `enqueue_digest` does (not called: that module reads this one's wait).
    let id = enqueue(conn, item, now_ms).await?;
    if digest.is_some() {
        sqlx::query("UPDATE outbox SET digest = $1 WHERE id = $2")
            .bind(digest)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

/// Gives up the place reserved for `tag` in `channel` (its row will never come).
pub async fn release(
    conn: &mut AnyConnection,
    channel: &str,
    tag: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM outbox WHERE channel = $1 AND tag = $2 AND status = 'reserved'")
        .bind(channel)
        .bind(tag)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
