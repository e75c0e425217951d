//! Coalescing a backlog of announcements into one message.
//!
//! Slack's `chat.postMessage` allows about one message per second per channel (short bursts
//! of more are allowed, with no guarantee they are posted). Bursting past that risks
//! `rate_limited` and 429s on the one channel people watch during an outage; pacing 30
//! announcements at one a second leaves the last one half a minute late. So when the head of
//! a channel's queue is a row with a digest line ([`enqueue_digest`]) and at least
//! [`DIGEST_MIN`] such rows are due in a row behind it, they go out as ONE message listing each
//! incident (at most [`DIGEST_MAX`]).
//!
//! Safety: the rows behind the head are leased with the head's lease (the per-channel order
//! means no other worker can take them while the head is pending), the combined message is
//! posted once, and every row's outcome is recorded in one statement: all `sent` with the same
//! `result_ts` (replies threaded under any of them land under the combined message) and
//! `delivered_with` = the head's id. A crash before that statement re-posts the combined
//! message (at-least-once, as for any row); nothing is lost.

use serde_json::Value;
use sqlx::{AnyConnection, Row};

use super::item::{enqueue, OutboxItem};
use crate::Ctx;

/// Fewest announcements due in a row in one channel that are combined (fewer go one by one).
pub const DIGEST_MIN: usize = 3;
/// Most announcements in one combined message (Slack's 4,000 characters of `text`).
pub const DIGEST_MAX: usize = 20;

/// Writes an announcement that may be combined with others queued behind it in its channel;
/// `line` is its line in a combined message (`messages::digest::announcement_line`).
pub async fn enqueue_digest(
    conn: &mut AnyConnection,
    item: &OutboxItem,
    line: &str,
    now_ms: i64,
) -> Result<i64, sqlx::Error> {
    let id = enqueue(conn, item, now_ms).await?;
    sqlx::query("UPDATE outbox SET digest = $1 WHERE id = $2")
        .bind(line)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// Whether a claimed row can head a combined message.
pub(super) fn can_head(
    method: &str,
    digest: Option<&str>,
    depends_on: Option<i64>,
    body: &Value,
) -> bool {
    method == "chat.postMessage"
        && digest.is_some()
        && depends_on.is_none()
        && body.get("thread_ts").is_none()
}

/// Leases the digest rows due in a row behind `head` in its channel, with the head's lease.
/// Returns their ids and lines (oldest first), or nothing when fewer than [`DIGEST_MIN`] rows
/// (the head included) would be combined.
pub(super) async fn gather(
    ctx: &Ctx,
    head: i64,
    channel: &str,
    token: &str,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    // PostgreSQL: a writer of the channel still open may hold an older row than those seen
    // (`item::CHANNEL_LOCK`): then the head goes out alone.
    if ctx.store.backend == crate::store::Backend::Postgres {
        let locked: bool = sqlx::query("SELECT pg_try_advisory_xact_lock($1, hashtext($2))")
            .bind(super::item::CHANNEL_LOCK)
            .bind(channel)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
        if !locked {
            return Ok(Vec::new());
        }
    }
    let rows = sqlx::query(
        "SELECT id, digest, depends_on, next_attempt_at, lease_until, body, method, status, created_at FROM outbox
         WHERE channel = $1 AND status IN ('pending', 'reserved') AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(channel)
    .bind(head)
    .bind(DIGEST_MAX as i64 - 1)
    .fetch_all(&mut *tx)
    .await?;
    // Read after the lock was taken: every row older than those read is among them. Rows
    // written from now on come after them, so the lock is not needed to lease them (and
    // leasing never waits on a writer holding a row it also updates).
    tx.commit().await?;
    let mut ids = Vec::new();
    for r in &rows {
        let digest: Option<String> = r.get(1);
        let depends_on: Option<i64> = r.get(2);
        let due = r.get::<i64, _>(3) <= now;
        let free = r.get::<Option<i64>, _>(4).is_none_or(|u| u < now);
        let body: Value = serde_json::from_str(&r.get::<String, _>(5)).unwrap_or(Value::Null);
        let method: String = r.get(6);
        if r.get::<String, _>(7) == "reserved" {
            // A place kept for a later row: the run stops there while it holds, else skips it.
            if r.get::<i64, _>(8) > now - super::reserve::RESERVED_WAIT_MS {
                break;
            }
            continue;
        }
        // Only an unbroken run: a row of another kind keeps its place in the channel's order.
        if !(due && free && can_head(&method, digest.as_deref(), depends_on, &body)) {
            break;
        }
        ids.push(r.get::<i64, _>(0));
    }
    if ids.len() + 1 < DIGEST_MIN {
        return Ok(Vec::new());
    }
    let taken = retake(ctx, head, &ids, token).await?;
    Ok(rows
        .iter()
        .filter(|r| taken.contains(&r.get::<i64, _>(0)))
        .map(|r| (r.get(0), r.get::<Option<String>, _>(1).unwrap_or_default()))
        .collect())
}

/// Leases `ids` (rows still pending, free or held by a dead lease) with `head`'s lease, as
/// delivered by its message. Returns those taken.
pub(super) async fn retake(
    ctx: &Ctx,
    head: i64,
    ids: &[i64],
    token: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let now = ctx.clock.now_ms();
    let sql = format!(
        "UPDATE outbox SET lease_token = $1, lease_until = $2, delivered_with = $3
         WHERE id IN ({}) AND status = 'pending' AND (lease_until IS NULL OR lease_until < $4)
         RETURNING id",
        placeholders(5, ids.len())
    );
    let mut q = sqlx::query(&sql)
        .bind(token)
        .bind(now + ctx.config.outbox_lease.as_millis() as i64)
        .bind(head)
        .bind(now);
    for id in ids {
        q = q.bind(*id);
    }
    let mut taken: Vec<i64> = q
        .fetch_all(&ctx.store.pool)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    taken.sort_unstable();
    Ok(taken)
}

/// `$from, $from+1, …` for `n` values.
pub(super) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
