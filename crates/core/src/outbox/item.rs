//! A message the bot owes a channel, and how it is written (in the caller's transaction).

use serde_json::Value;
use sqlx::{AnyConnection, Row};

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

/// The first key of the PostgreSQL advisory locks that guard a channel's row order (the
/// second is `hashtext(channel)`).
pub(super) const CHANNEL_LOCK: i32 = 7_351_100;

/// Writes a row in the caller's transaction; returns its id.
///
/// On PostgreSQL a row's id is taken at its insert, but the row becomes visible when its
/// transaction commits: a transaction that took id 11 may commit after the one that took id
/// 12, and a worker would deliver 12 first. So a writer holds a shared lock on its channel
/// ([`CHANNEL_LOCK`]) from before it takes the id until it commits (writers never wait for
/// each other), and a worker claims or combines a channel's rows only after taking that lock
/// exclusively, without waiting: while any writer of the channel is still open, the channel
/// waits (the writer wakes the worker when it commits).
pub async fn enqueue(
    conn: &mut AnyConnection,
    item: &OutboxItem,
    now_ms: i64,
) -> Result<i64, sqlx::Error> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock_shared($1, hashtext($2))) AS l")
            .bind(CHANNEL_LOCK)
            .bind(&item.channel)
            .execute(&mut *conn)
            .await?;
    }
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
