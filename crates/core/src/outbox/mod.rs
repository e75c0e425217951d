//! The outbox: every message the bot owes a channel is a row, written in the same transaction
//! as the change that caused it, then delivered by [`run_worker`].
//!
//! Delivery: per channel in order (a row waits for the older pending rows of its channel),
//! about one post per second per channel, 429 `Retry-After` honoured per method, backoff on
//! 5xx/timeouts, and a row that still fails after the last try is kept with its error.
//! Rows are claimed with a short lease (`OUTBOX_LEASE`, 5 s) renewed while the delivery is in
//! flight, so several replicas never deliver a row twice while the lease holds, and a replica
//! that dies blocks its channels for at most one lease (at-least-once).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::{AnyConnection, Row};
use tokio::sync::Mutex;

use crate::slack::SlackError;
use crate::Ctx;

mod deliver;
mod digest;
mod recheck;
pub use digest::{enqueue_digest, DIGEST_MAX, DIGEST_MIN};
pub use recheck::EVENT_TYPE;

/// One Web API call the bot owes Slack.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub method: String,
    pub channel: String,
    pub body: Value,
    /// Deliver only after this row, and copy its `ts` into `depends_field` (`thread_ts`, `timestamp`).
    pub depends_on: Option<i64>,
    pub depends_field: Option<String>,
    pub tag: Option<String>,
}

impl OutboxItem {
    /// A `chat.postMessage`.
    pub fn post(channel: &str, msg: &messages::Msg) -> Self {
        OutboxItem {
            method: "chat.postMessage".into(),
            channel: channel.to_string(),
            body: msg.post(channel),
            depends_on: None,
            depends_field: None,
            tag: None,
        }
    }
    /// A reply in the thread of the message another outbox row posts.
    pub fn reply_to(mut self, parent: i64) -> Self {
        self.depends_on = Some(parent);
        self.depends_field = Some("thread_ts".into());
        self
    }
    /// A reply in the thread of a message already posted.
    pub fn in_thread(mut self, ts: &str) -> Self {
        self.body["thread_ts"] = ts.into();
        self
    }
    /// `pins.add` of the message another outbox row posts.
    pub fn pin(channel: &str, parent: i64) -> Self {
        OutboxItem {
            method: "pins.add".into(),
            channel: channel.to_string(),
            body: serde_json::json!({"channel": channel}),
            depends_on: Some(parent),
            depends_field: Some("timestamp".into()),
            tag: None,
        }
    }
    pub fn topic(channel: &str, topic: &str) -> Self {
        OutboxItem {
            method: "conversations.setTopic".into(),
            channel: channel.to_string(),
            body: serde_json::json!({"channel": channel, "topic": messages::limits::topic(topic)}),
            depends_on: None,
            depends_field: None,
            tag: None,
        }
    }
    pub fn tagged(mut self, tag: impl Into<String>) -> Self {
        self.tag = Some(tag.into());
        self
    }
}

/// Writes a row in the caller's transaction; returns its id.
pub async fn enqueue(
    conn: &mut AnyConnection,
    item: &OutboxItem,
    now_ms: i64,
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO outbox (method, channel, body, depends_on, depends_field, status, attempts, next_attempt_at, tag, created_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $8) RETURNING id",
    )
    .bind(&item.method)
    .bind(&item.channel)
    .bind(item.body.to_string())
    .bind(item.depends_on)
    .bind(item.depends_field.as_deref())
    .bind(now_ms)
    .bind(item.tag.as_deref())
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    row.try_get::<i64, _>(0)
}

#[derive(Debug)]
struct Claimed {
    id: i64,
    method: String,
    channel: String,
    body: String,
    depends_on: Option<i64>,
    depends_field: Option<String>,
    attempts: i64,
    digest: Option<String>,
    created_at: i64,
    /// An earlier attempt whose outcome is unknown started then: it may have been posted.
    unknown_since: Option<i64>,
    /// Rows delivered by this row's message (a combined announcement), leased with it.
    merged: Vec<i64>,
}

/// In-memory pacing of one worker: last post per channel, methods paused by a 429.
#[derive(Default)]
pub struct Pacing {
    last_post: HashMap<String, Instant>,
    paused_until: HashMap<String, Instant>,
}

pub type SharedPacing = Arc<Mutex<Pacing>>;

const BATCH: i64 = 64;

/// Pseudo-method for a file upload (files v2: getUploadURLExternal, POST, completeUploadExternal).
/// Body: `channel_id`, `filename`, `title`, `content` (text) or `content_base64` (bytes: the
/// stats chart), optional `initial_comment`, `thread_ts`. If Slack refuses a text upload for
/// good, the content is posted as a message instead (bytes cannot be).
pub const UPLOAD_METHOD: &str = "chatops.uploadFile";

async fn upload(ctx: &Ctx, body: &Value) -> Result<Value, SlackError> {
    let s = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (channel, content) = (s("channel_id"), s("content"));
    let thread = body.get("thread_ts").and_then(Value::as_str);
    let comment = body.get("initial_comment").and_then(Value::as_str);
    let binary = body.get("content_base64").and_then(Value::as_str).map(|b| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_default()
    });
    let bytes = binary.as_deref().unwrap_or(content.as_bytes());
    match ctx
        .slack
        .upload_file(
            &channel,
            &s("filename"),
            &s("title"),
            bytes,
            comment,
            thread,
        )
        .await
    {
        Ok(file_id) => Ok(serde_json::json!({"ok": true, "file_id": file_id})),
        Err(e) if !e.retryable() && binary.is_none() => {
            tracing::warn!(error = %e, "file upload refused; posting the content as messages");
            // Whole lines, a few messages each within Slack's limits; the rest is counted.
            let parts = messages::delivery::postmortem_parts(
                comment.unwrap_or_default(),
                &content,
                &s("retry_hint"),
                ctx.locale(),
            );
            let mut first: Option<Value> = None;
            for text in parts {
                let mut msg = serde_json::json!({"channel": channel, "text": text});
                if let Some(t) = thread {
                    msg["thread_ts"] = t.into();
                }
                let v = ctx.slack.call("chat.postMessage", &msg).await?;
                first.get_or_insert(v);
            }
            Ok(first.unwrap_or_else(|| serde_json::json!({"ok": true})))
        }
        Err(e) => Err(e),
    }
}

/// Claims and delivers one batch (at most one row per channel). Returns how many rows it handled.
pub async fn deliver_batch(ctx: &Ctx, pacing: &SharedPacing) -> Result<usize, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let token = uuid::Uuid::new_v4().to_string();
    let lease_until = now + ctx.config.outbox_lease.as_millis() as i64;
    // `= ANY(ARRAY(...))` on PostgreSQL: with `IN (subquery)` the planner may hash-join the
    // claimed ids against a sequential scan of the whole outbox, sent rows included.
    let sql = format!(
        "UPDATE outbox SET lease_token = $1, lease_until = $2, attempt_started_at = COALESCE(attempt_started_at, $3) WHERE {} (
           SELECT o.id FROM outbox o
           WHERE o.status = 'pending' AND o.next_attempt_at <= $3
             AND (o.lease_until IS NULL OR o.lease_until < $3)
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.channel = o.channel AND p.status = 'pending' AND p.id < o.id)
             AND (o.depends_on IS NULL OR EXISTS (SELECT 1 FROM outbox d WHERE d.id = o.depends_on AND d.status <> 'pending'))
           ORDER BY o.id LIMIT $4{}){}
         RETURNING id, method, channel, body, depends_on, depends_field, attempts, digest, created_at, attempt_started_at",
        ctx.store.claimed_ids(),
        ctx.store.skip_locked(),
        ctx.store.claimed_ids_end(),
    );
    let rows = sqlx::query(&sql)
        .bind(&token)
        .bind(lease_until)
        .bind(now)
        .bind(BATCH)
        .fetch_all(&ctx.store.pool)
        .await?;
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
