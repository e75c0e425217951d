//! The components an incident affects (SQL): the current state per incident and component, and
//! every change in order. Writes take the caller's connection (one transaction with the change).

use sqlx::{AnyConnection, AnyPool, Row};

use chatops_core::components::ComponentState;

/// One component an incident affects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    pub incident_id: i64,
    pub component: String,
    pub state: ComponentState,
    /// When this state was set.
    pub since: i64,
    /// When it was marked recovered (state operational), if it was.
    pub recovered_at: Option<i64>,
}

fn from_row(r: &sqlx::any::AnyRow) -> Affected {
    Affected {
        incident_id: r.get(0),
        component: r.get(1),
        state: ComponentState::parse(&r.get::<String, _>(2)).unwrap_or(ComponentState::MajorOutage),
        since: r.get(3),
        recovered_at: r.get(4),
    }
}

const COLS: &str = "incident_id, component, state, since, recovered_at";

/// Sets the state of `component` for an incident and records the change. Operational marks it
/// recovered (now); any other state clears a recovery. Returns false when nothing changed.
pub async fn set(
    conn: &mut AnyConnection,
    incident: i64,
    component: &str,
    state: ComponentState,
    actor: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let before = sqlx::query(
        "SELECT state FROM incident_components WHERE incident_id = $1 AND component = $2",
    )
    .bind(incident)
    .bind(component)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| r.get::<String, _>(0));
    if before.as_deref() == Some(state.as_str()) {
        return Ok(false);
    }
    let recovered = (state == ComponentState::Operational).then_some(now);
    if before.is_some() {
        sqlx::query(
            "UPDATE incident_components SET state = $3, since = $4, recovered_at = $5
             WHERE incident_id = $1 AND component = $2",
        )
        .bind(incident)
        .bind(component)
        .bind(state.as_str())
        .bind(now)
        .bind(recovered)
        .execute(&mut *conn)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO incident_components (incident_id, component, state, since, recovered_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(incident)
        .bind(component)
        .bind(state.as_str())
        .bind(now)
        .bind(recovered)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO component_changes (incident_id, component, state, at, actor) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(incident)
    .bind(component)
    .bind(state.as_str())
    .bind(now)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// The components an incident affects (or affected), in the order they were named.
pub async fn of_incident(
    conn: &mut AnyConnection,
    incident: i64,
) -> Result<Vec<Affected>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM incident_components WHERE incident_id = $1 ORDER BY since, component"
    ))
    .bind(incident)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

pub async fn of_incident_pool(pool: &AnyPool, incident: i64) -> Result<Vec<Affected>, sqlx::Error> {
    let mut c = pool.acquire().await?;
    of_incident(&mut c, incident).await
}

/// What the open incidents say of each component they affect (resolved incidents say nothing).
/// `public_only` leaves out private incidents and drills (what a status page may show).
pub async fn open_affected(
    pool: &AnyPool,
    public_only: bool,
) -> Result<Vec<Affected>, sqlx::Error> {
    let filter = if public_only {
        " AND i.is_private = 0 AND i.is_drill = 0"
    } else {
        ""
    };
    let rows = sqlx::query(&format!(
        "SELECT c.incident_id, c.component, c.state, c.since, c.recovered_at
         FROM incident_components c JOIN incidents i ON i.id = c.incident_id
         WHERE i.status <> 'resolved'{filter} ORDER BY c.incident_id, c.component"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// One recorded change of a component's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub incident_id: i64,
    pub component: String,
    pub state: ComponentState,
    pub at: i64,
    pub actor: String,
}

/// Every change at or after `since` (ms), oldest first.
pub async fn changes_since(pool: &AnyPool, since: i64) -> Result<Vec<Change>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT incident_id, component, state, at, actor FROM component_changes WHERE at >= $1 ORDER BY at, id",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Change {
            incident_id: r.get(0),
            component: r.get(1),
            state: ComponentState::parse(&r.get::<String, _>(2))
                .unwrap_or(ComponentState::MajorOutage),
            at: r.get(3),
            actor: r.get(4),
        })
        .collect())
}
