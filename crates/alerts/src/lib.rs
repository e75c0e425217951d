//! Alert intake (#16): Alertmanager's webhook and a small generic body (`/alerts/*`), Julia's
//! health watcher, all through one pipeline:
//!
//! - [`payload`]: the bodies, parsed into one group update ([`payload::Incoming`]);
//! - [`intake`]: the update stored in one transaction with the post it causes: one message per
//!   group, updated in place (`chat.update`), at most `ALERTS_MAX_POSTS_PER_MINUTE` new
//!   messages a minute per channel, then one summary message listing the rest;
//! - [`actions`]: the buttons (Declare, Acknowledge, Silence 1h/4h, Expire silence);
//! - [`silences`]: Alertmanager's silences API (`ALERTMANAGER_URL`);
//! - [`declare`]: the link between a group and its incident, and auto-declaration.

pub mod settings;
pub mod actions;
pub mod declare;
pub mod intake;
pub mod payload;
pub mod silences;

use messages::alerts::{AlertLine, GroupView};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::store::Backend;
use chatops_core::Ctx;

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
}

pub(crate) const COLS: &str = "id, source, group_key, channel, title, severity, summary, labels, source_url, \
    external_url, status, firing, resolved, firing_since, resolved_at, notifications, post_outbox_id, summary_id, \
    acked_by, silenced_until, silenced_by, silence_id, incident_id, extra";

fn from_row(r: &AnyRow) -> Group {
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

/// What the group's message shows: the row and its alerts (firing first, then by name).
pub async fn view(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    g: &Group,
) -> Result<GroupView, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT status, labels, annotations FROM alerts WHERE group_id = $1
         ORDER BY CASE WHEN status = 'firing' THEN 0 ELSE 1 END, fingerprint LIMIT $2",
    )
    .bind(g.id)
    .bind(messages::alerts::LISTED_ALERTS as i64)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = g.firing + g.resolved;
    let alerts = if total > 1 {
        rows.iter()
            .map(|r| {
                let labels: payload::Labels =
                    serde_json::from_str(&r.get::<String, _>(1)).unwrap_or_default();
                let ann: payload::Labels =
                    serde_json::from_str(&r.get::<String, _>(2)).unwrap_or_default();
                AlertLine {
                    name: alert_name(&labels, &g.title),
                    summary: ann.get("summary").or(ann.get("description")).cloned(),
                    firing: r.get::<String, _>(0) == "firing",
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(GroupView {
        id: g.id,
        source: g.source.clone(),
        title: g.title.clone(),
        severity: g.severity.clone(),
        summary: g.summary.clone(),
        firing: g.firing,
        total,
        since: g.firing_since.map(|t| t / 1000),
        resolved_at: g.resolved_at.map(|t| t / 1000),
        source_url: g.source_url.clone(),
        alertmanager_url: g.external_url.clone(),
        notifications: g.notifications,
        acked_by: g.acked_by.clone(),
        silenced_until: g
            .silenced_until
            .filter(|u| *u > ctx.clock.now_ms())
            .map(|t| t / 1000),
        silenced_by: g.silenced_by.clone(),
        silence_id: g.silence_id.clone(),
        incident: g.incident_id,
        alerts,
        extra_actions: g
            .extra
            .as_deref()
            .and_then(|e| serde_json::from_str::<Vec<Value>>(e).ok())
            .unwrap_or_default(),
    })
}

/// How one alert of a group is named: the label that tells it apart (instance, job…).
fn alert_name(labels: &payload::Labels, title: &str) -> String {
    for k in ["instance", "pod", "service", "job", "dedup_key"] {
        if let Some(v) = labels.get(k) {
            return v.clone();
        }
    }
    labels
        .iter()
        .filter(|(k, _)| k.as_str() != "alertname")
        .map(|(k, v)| format!("{k}={v}"))
        .next()
        .unwrap_or_else(|| title.to_string())
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

/// Re-renders the group's message (after a button or a link changed it).
pub async fn refresh(conn: &mut AnyConnection, ctx: &Ctx, g: &Group) -> Result<(), sqlx::Error> {
    let now = ctx.clock.now_ms();
    if let Some(post) = g.post_outbox_id {
        let v = view(conn, ctx, g).await?;
        let msg = messages::alerts::group_message(&v, ctx.locale());
        enqueue_render(
            conn,
            &g.channel,
            post,
            &format!("alert:{}:update", g.id),
            &msg,
            now,
        )
        .await?;
    } else if let Some(s) = g.summary_id {
        intake::render_summary(conn, ctx, s, now).await?;
    }
    Ok(())
}
