//! An alert group's row: read, locked, refreshed and rendered.

use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::store::Backend;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// One alert group as stored.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: i64,
    pub source: String,
    pub group_key: String,
    pub channel: String,
    pub title: String,
    pub severity: Option<String>,
    pub summary: Option<String>,
    pub labels: String,
    pub source_url: Option<String>,
    pub external_url: Option<String>,
    pub status: String,
    pub firing: i64,
    pub resolved: i64,
    pub firing_since: Option<i64>,
    pub resolved_at: Option<i64>,
    pub notifications: i64,
    pub post_outbox_id: Option<i64>,
    pub summary_id: Option<i64>,
    pub acked_by: Option<String>,
    pub silenced_until: Option<i64>,
    pub silenced_by: Option<String>,
    pub silence_id: Option<String>,
    pub incident_id: Option<i64>,
    pub extra: Option<String>,
    /// Alerts the last notification left out (`truncatedAlerts`).
    pub truncated: i64,
}

pub(crate) const COLS: &str = "id, source, group_key, channel, title, severity, summary, labels, source_url, \
    external_url, status, firing, resolved, firing_since, resolved_at, notifications, post_outbox_id, summary_id, \
    acked_by, silenced_until, silenced_by, silence_id, incident_id, extra, truncated";

pub(crate) fn from_row(r: &AnyRow) -> Group {
    Group {
        id: r.get(0),
        source: r.get(1),
        group_key: r.get(2),
        channel: r.get(3),
        title: r.get(4),
        severity: r.get(5),
        summary: r.get(6),
        labels: r.get(7),
        source_url: r.get(8),
        external_url: r.get(9),
        status: r.get(10),
        firing: r.get(11),
        resolved: r.get(12),
        firing_since: r.get(13),
        resolved_at: r.get(14),
        notifications: r.get(15),
        post_outbox_id: r.get(16),
        summary_id: r.get(17),
        acked_by: r.get(18),
        silenced_until: r.get(19),
        silenced_by: r.get(20),
        silence_id: r.get(21),
        incident_id: r.get(22),
        extra: r.get(23),
        truncated: r.get(24),
    }
}

impl Group {
    /// Whether the bot is not posting this group right now (Silence 1h/4h).
    pub fn silenced(&self, now_ms: i64) -> bool {
        self.silenced_until.is_some_and(|u| u > now_ms)
    }
}

/// ` FOR UPDATE` on PostgreSQL (SQLite's writer lock already serialises the transaction).
pub(crate) fn for_update(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    }
}

/// The group, locked for this transaction on PostgreSQL.
pub async fn lock(
    conn: &mut AnyConnection,
    backend: Backend,
    id: i64,
) -> Result<Option<Group>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLS} FROM alert_groups WHERE id = $1{}",
        for_update(backend)
    );
    let r = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    Ok(r.as_ref().map(from_row))
}

pub async fn get(pool: &sqlx::AnyPool, id: i64) -> Result<Option<Group>, sqlx::Error> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM alert_groups WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(r.as_ref().map(from_row))
}

/// The alert groups linked to incident `incident`, in the order they first fired (a drill's
/// report says which alerts fired).
pub async fn of_incident(
    conn: &mut AnyConnection,
    incident: i64,
) -> Result<Vec<Group>, sqlx::Error> {
    let r = sqlx::query(&format!(
        "SELECT {COLS} FROM alert_groups WHERE incident_id = $1 ORDER BY COALESCE(firing_since, created_at), id"
    ))
    .bind(incident)
    .fetch_all(conn)
    .await?;
    Ok(r.iter().map(from_row).collect())
}

/// Writes (or rewrites) a pending Slack call for `tag`: a `chat.update` of the group's message
/// that has not gone out yet is replaced by the newer one, so a flapping group costs one call
/// per delivery, not one per notification. A message whose post has not gone out yet is
/// rewritten in place instead of updated.
pub(crate) async fn enqueue_render(
    conn: &mut AnyConnection,
    channel: &str,
    post_id: i64,
    tag: &str,
    msg: &messages::Msg,
    now: i64,
) -> Result<(), sqlx::Error> {
    let post_body = msg.post(channel);
    let rewritten = sqlx::query(
        "UPDATE outbox SET body = $1 WHERE id = $2 AND status = 'pending' AND lease_token IS NULL",
    )
    .bind(post_body.to_string())
    .bind(post_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if rewritten == 1 {
        // Any update queued after the post would now repeat it: drop it.
        sqlx::query(
            "DELETE FROM outbox WHERE tag = $1 AND status = 'pending' AND lease_token IS NULL",
        )
        .bind(tag)
        .execute(&mut *conn)
        .await?;
        return Ok(());
    }
    let mut body = post_body;
    if let Some(o) = body.as_object_mut() {
        o.remove("unfurl_links");
    }
    let replaced = sqlx::query(
        "UPDATE outbox SET body = $1 WHERE tag = $2 AND status = 'pending' AND lease_token IS NULL",
    )
    .bind(body.to_string())
    .bind(tag)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if replaced == 0 {
        let item = OutboxItem {
            method: "chat.update".into(),
            channel: channel.to_string(),
            body,
            depends_on: Some(post_id),
            depends_field: Some("ts".into()),
            tag: Some(tag.to_string()),
        };
        enqueue(conn, &item, now).await?;
    }
    Ok(())
}
