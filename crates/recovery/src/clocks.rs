//! The RTO clocks (SQL, `recovery_clocks`): one row per outage of a component an incident
//! affects. Writes take the caller's connection (one transaction with the change).

use sqlx::{AnyConnection, Row};

use chatops_core::Ctx;
use messages::recovery::ClockView;

/// One clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub id: i64,
    pub incident_id: i64,
    pub component: String,
    /// ms.
    pub started_at: i64,
    pub rto_ms: Option<i64>,
    pub recovered_at: Option<i64>,
    pub warned_at: Option<i64>,
    pub breached_at: Option<i64>,
}

const COLS: &str =
    "id, incident_id, component, started_at, rto_ms, recovered_at, warned_at, breached_at";

fn from_row(r: &sqlx::any::AnyRow) -> Clock {
    Clock {
        id: r.get(0),
        incident_id: r.get(1),
        component: r.get(2),
        started_at: r.get(3),
        rto_ms: r.get(4),
        recovered_at: r.get(5),
        warned_at: r.get(6),
        breached_at: r.get(7),
    }
}

impl Clock {
    /// The view messages take, with the component's public name.
    pub fn view(&self, ctx: &Ctx) -> ClockView {
        let component = ctx.config.components.get(&self.component);
        let name = component
            .map(|c| c.name.get(ctx.locale()).to_string())
            .unwrap_or_else(|| self.component.clone());
        ClockView {
            component: self.component.clone(),
            name,
            rto_secs: self.rto_ms.map(|r| r / 1000),
            rpo_secs: component.and_then(|c| c.rpo).map(|d| d.as_secs() as i64),
            started_at: self.started_at / 1000,
            recovered_at: self.recovered_at.map(|r| r / 1000),
        }
    }
}

/// Starts a clock; returns its id.
pub async fn start(
    conn: &mut AnyConnection,
    incident: i64,
    component: &str,
    started_at: i64,
    rto_ms: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO recovery_clocks (incident_id, component, started_at, rto_ms) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(incident)
    .bind(component)
    .bind(started_at)
    .bind(rto_ms)
    .fetch_one(&mut *conn)
    .await?;
    row.try_get(0)
}

/// Stops a running clock; false when it was stopped already.
pub async fn stop(
    conn: &mut AnyConnection,
    id: i64,
    at: i64,
    by: &str,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE recovery_clocks SET recovered_at = $1, recovered_by = $2 WHERE id = $3 AND recovered_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Records that the warning (`warned_at`) or the breach notice (`breached_at`) went out.
pub async fn mark(
    conn: &mut AnyConnection,
    id: i64,
    column: Stage,
    at: i64,
) -> Result<(), sqlx::Error> {
    let col = match column {
        Stage::Warn => "warned_at",
        Stage::Breach => "breached_at",
    };
    sqlx::query(&format!(
        "UPDATE recovery_clocks SET {col} = $1 WHERE id = $2"
    ))
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The two moments of a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// 80 % of the RTO: a warning to the commander.
    Warn,
    /// 100 %: a breach notice to the war room and the escalation list.
    Breach,
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Clock>, sqlx::Error> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM recovery_clocks WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(r.as_ref().map(from_row))
}

/// Every clock of an incident, oldest first.
pub async fn of_incident(
    conn: &mut AnyConnection,
    incident: i64,
) -> Result<Vec<Clock>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM recovery_clocks WHERE incident_id = $1 ORDER BY started_at, id"
    ))
    .bind(incident)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// The clocks with these ids, in the order given.
pub async fn with_ids(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Clock>, sqlx::Error> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = get(conn, *id).await? {
            out.push(c);
        }
    }
    Ok(out)
}
