//! Incident rows, roles and the timeline (SQL). Every write takes the caller's connection so
//! flows put the change, its timeline event and its outbox rows in one transaction.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::{IncidentStatus, Severity};
use crate::event_kind::EventKind;

#[derive(Debug, Clone)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub impact: Option<String>,
    pub commander: Option<String>,
    pub declared_by: String,
    pub is_private: bool,
    pub channel_id: Option<String>,
    pub channel_name: Option<String>,
    pub war_room_error: Option<String>,
    pub announce_outbox_id: Option<i64>,
    pub declared_outbox_id: Option<i64>,
    pub origin_channel: Option<String>,
    pub started_at: i64,
    pub last_update_at: i64,
    pub resolved_at: Option<i64>,
    pub latest_findings: Option<String>,
    pub actions: Option<String>,
    pub eta: Option<String>,
    pub root_cause: Option<String>,
    pub resolution: Option<String>,
    pub preventive: Option<String>,
    pub next_reminder_at: Option<i64>,
    pub reminder_count: i64,
    pub escalation_level: i64,
    pub pm_stage: i64,
    pub pm_due_at: Option<i64>,
    pub pm_done: bool,
    /// A drill: the whole flow, but never customers, the status page or real statistics.
    pub is_drill: bool,
}

pub(crate) const COLS: &str = "id, title, severity, status, impact, commander, declared_by, is_private, channel_id, channel_name, \
    war_room_error, announce_outbox_id, declared_outbox_id, origin_channel, started_at, last_update_at, resolved_at, \
    latest_findings, actions, eta, root_cause, resolution, preventive, next_reminder_at, reminder_count, \
    escalation_level, pm_stage, pm_due_at, pm_done, is_drill";

pub(crate) fn from_row(r: &AnyRow) -> Incident {
    Incident {
        id: r.get(0),
        title: r.get(1),
        severity: Severity::parse(&r.get::<String, _>(2)).unwrap_or(Severity::P3),
        status: IncidentStatus::parse(&r.get::<String, _>(3))
            .unwrap_or(IncidentStatus::Investigating),
        impact: r.get(4),
        commander: r.get(5),
        declared_by: r.get(6),
        is_private: r.get::<i64, _>(7) != 0,
        channel_id: r.get(8),
        channel_name: r.get(9),
        war_room_error: r.get(10),
        announce_outbox_id: r.get(11),
        declared_outbox_id: r.get(12),
        origin_channel: r.get(13),
        started_at: r.get(14),
        last_update_at: r.get(15),
        resolved_at: r.get(16),
        latest_findings: r.get(17),
        actions: r.get(18),
        eta: r.get(19),
        root_cause: r.get(20),
        resolution: r.get(21),
        preventive: r.get(22),
        next_reminder_at: r.get(23),
        reminder_count: r.get(24),
        escalation_level: r.get(25),
        pm_stage: r.get(26),
        pm_due_at: r.get(27),
        pm_done: r.get::<i64, _>(28) != 0,
        is_drill: r.get::<i64, _>(29) != 0,
    }
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Incident>, sqlx::Error> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM incidents WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(r.as_ref().map(from_row))
}

/// [`get`] for a change: `lock` is [`chatops_core::Store::for_update`], so on PostgreSQL the row stays
/// locked until the caller's transaction ends.
pub async fn get_for_update(
    conn: &mut AnyConnection,
    id: i64,
    lock: &str,
) -> Result<Option<Incident>, sqlx::Error> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM incidents WHERE id = $1{lock}"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(r.as_ref().map(from_row))
}

pub async fn get_pool(pool: &AnyPool, id: i64) -> Result<Option<Incident>, sqlx::Error> {
    let mut c = pool.acquire().await?;
    get(&mut c, id).await
}

/// The incident whose war room is `channel` (newest first).
pub async fn by_channel(pool: &AnyPool, channel: &str) -> Result<Option<Incident>, sqlx::Error> {
    let r = sqlx::query(&format!(
        "SELECT {COLS} FROM incidents WHERE channel_id = $1 ORDER BY id DESC LIMIT 1"
    ))
    .bind(channel)
    .fetch_optional(pool)
    .await?;
    Ok(r.as_ref().map(from_row))
}

pub async fn open(pool: &AnyPool) -> Result<Vec<Incident>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM incidents WHERE status <> 'resolved' ORDER BY id"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// The next incident number: increasing, never reused (a counter row, bumped in the transaction).
pub async fn next_id(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE counters SET value = value + 1 WHERE name = 'incident' RETURNING value",
    )
    .fetch_one(conn)
    .await?;
    r.try_get(0)
}

pub struct NewIncident<'a> {
    pub id: i64,
    pub title: &'a str,
    pub severity: Severity,
    pub impact: Option<&'a str>,
    pub commander: &'a str,
    pub declared_by: &'a str,
    pub is_private: bool,
    pub is_drill: bool,
    /// A drill that pages phones (`--drill --page`).
    pub drill_pages: bool,
    pub origin_channel: &'a str,
    pub now: i64,
    pub next_reminder_at: Option<i64>,
}

pub async fn insert(conn: &mut AnyConnection, n: &NewIncident<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO incidents (id, title, severity, status, impact, commander, declared_by, is_private, origin_channel,
           started_at, last_update_at, next_reminder_at, is_drill, drill_pages)
         VALUES ($1, $2, $3, 'investigating', $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)",
    )
    .bind(n.id)
    .bind(n.title)
    .bind(n.severity.as_str())
    .bind(n.impact)
    .bind(n.commander)
    .bind(n.declared_by)
    .bind(n.is_private as i64)
    .bind(n.origin_channel)
    .bind(n.now)
    .bind(n.next_reminder_at)
    .bind(n.is_drill as i64)
    .bind((n.is_drill && n.drill_pages) as i64)
    .execute(&mut *conn)
    .await?;
    set_role(conn, n.id, "commander", n.commander, n.now).await
}

/// Writes back every mutable field of an incident.
/// Records the war room as soon as Slack created it (a declaration's first step), so a rerun of
/// the declaration after a crash reuses it instead of creating a second channel.
pub async fn set_war_room(
    pool: &AnyPool,
    id: i64,
    channel_id: &str,
    channel_name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE incidents SET channel_id = $1, channel_name = $2 WHERE id = $3 AND channel_id IS NULL",
    )
    .bind(channel_id)
    .bind(channel_name)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn save(conn: &mut AnyConnection, i: &Incident) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE incidents SET title = $1, severity = $2, status = $3, impact = $4, commander = $5, channel_id = $6,
           channel_name = $7, war_room_error = $8, announce_outbox_id = $9, declared_outbox_id = $10,
           last_update_at = $11, resolved_at = $12, latest_findings = $13, actions = $14, eta = $15,
           root_cause = $16, resolution = $17, preventive = $18, next_reminder_at = $19, reminder_count = $20,
           escalation_level = $21, pm_stage = $22, pm_due_at = $23, pm_done = $24, lease_token = NULL, lease_until = NULL
         WHERE id = $25",
    )
    .bind(&i.title)
    .bind(i.severity.as_str())
    .bind(i.status.as_str())
    .bind(i.impact.as_deref())
    .bind(i.commander.as_deref())
    .bind(i.channel_id.as_deref())
    .bind(i.channel_name.as_deref())
    .bind(i.war_room_error.as_deref())
    .bind(i.announce_outbox_id)
    .bind(i.declared_outbox_id)
    .bind(i.last_update_at)
    .bind(i.resolved_at)
    .bind(i.latest_findings.as_deref())
    .bind(i.actions.as_deref())
    .bind(i.eta.as_deref())
    .bind(i.root_cause.as_deref())
    .bind(i.resolution.as_deref())
    .bind(i.preventive.as_deref())
    .bind(i.next_reminder_at)
    .bind(i.reminder_count)
    .bind(i.escalation_level)
    .bind(i.pm_stage)
    .bind(i.pm_due_at)
    .bind(i.pm_done as i64)
    .bind(i.id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_role(
    conn: &mut AnyConnection,
    id: i64,
    role: &str,
    user: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    if role == "commander" || role == "comms" || role == "scribe" {
        sqlx::query("DELETE FROM incident_roles WHERE incident_id = $1 AND role = $2")
            .bind(id)
            .bind(role)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO incident_roles (incident_id, role, user_id, assigned_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (incident_id, role, user_id) DO NOTHING",
    )
    .bind(id)
    .bind(role)
    .bind(user)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn has_role(
    conn: &mut AnyConnection,
    id: i64,
    role: &str,
    user: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "SELECT COUNT(*) FROM incident_roles WHERE incident_id = $1 AND role = $2 AND user_id = $3",
    )
    .bind(id)
    .bind(role)
    .bind(user)
    .fetch_one(conn)
    .await?;
    Ok(r.get::<i64, _>(0) > 0)
}

/// Appends a timeline event (in the caller's transaction).
pub async fn add_event(
    conn: &mut AnyConnection,
    id: i64,
    at: i64,
    actor: &str,
    kind: EventKind,
    text: &str,
) -> Result<(), sqlx::Error> {
    let kind = kind.as_str();
    sqlx::query(
        "INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(at)
    .bind(actor)
    .bind(kind)
    .bind(text)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn timeline(
    pool: &AnyPool,
    id: i64,
) -> Result<Vec<messages::incident::TimelineRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT at, actor, kind, text FROM timeline WHERE incident_id = $1 ORDER BY at, id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| messages::incident::TimelineRow {
            at: r.get::<i64, _>(0) / 1000,
            actor: r.get(1),
            kind: r.get(2),
            text: r.get::<Option<String>, _>(3).unwrap_or_default(),
        })
        .collect())
}
