//! Per incident (`stakeholder_incidents`): the worst severity whose people were notified, the
//! words management last read, when the next management update is due, and whether the war
//! room was told that mail keeps failing. SQL only; every write takes the caller's transaction.

use sqlx::{AnyConnection, Row};

use chatops_core::severity::Severity;

#[derive(Debug, Clone)]
pub struct State {
    pub top_severity: Severity,
    pub impact: Option<String>,
    pub next_update_at: Option<i64>,
    pub mail_failing: bool,
}

/// The row of `incident`, written with `severity` if it has none yet. Returns whether it was new.
pub async fn ensure(
    conn: &mut AnyConnection,
    incident: i64,
    severity: Severity,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO stakeholder_incidents (incident_id, top_severity, mail_failing) VALUES ($1, $2, 0)
         ON CONFLICT (incident_id) DO NOTHING",
    )
    .bind(incident)
    .bind(severity.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, incident: i64) -> Result<Option<State>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT top_severity, impact, next_update_at, mail_failing FROM stakeholder_incidents WHERE incident_id = $1",
    )
    .bind(incident)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.map(|r| State {
        top_severity: Severity::parse(&r.get::<String, _>(0)).unwrap_or(Severity::P3),
        impact: r.get(1),
        next_update_at: r.get(2),
        mail_failing: r.get::<i64, _>(3) != 0,
    }))
}

/// Records that `severity` was reached, when it is worse than any before; true when it is
/// (the new level's people are then notified). Of two concurrent raises one wins.
pub async fn raise(
    conn: &mut AnyConnection,
    incident: i64,
    severity: Severity,
) -> Result<bool, sqlx::Error> {
    // 'P0' < 'P1' < 'P2' < 'P3' as text too.
    let r = sqlx::query(
        "UPDATE stakeholder_incidents SET top_severity = $1 WHERE incident_id = $2 AND top_severity > $1",
    )
    .bind(severity.as_str())
    .bind(incident)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The words of the latest public or stakeholder update.
pub async fn set_impact(
    conn: &mut AnyConnection,
    incident: i64,
    text: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE stakeholder_incidents SET impact = $1, impact_at = $2 WHERE incident_id = $3",
    )
    .bind(text)
    .bind(now)
    .bind(incident)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_next(
    conn: &mut AnyConnection,
    incident: i64,
    next: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE stakeholder_incidents SET next_update_at = $1 WHERE incident_id = $2")
        .bind(next)
        .bind(incident)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes the due cadence update `due`: true for exactly one taker while it is still the one
/// planned (an update in between planned another).
pub async fn take_due(
    conn: &mut AnyConnection,
    incident: i64,
    due: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE stakeholder_incidents SET next_update_at = NULL WHERE incident_id = $1 AND next_update_at = $2",
    )
    .bind(incident)
    .bind(due)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Sets whether the war room was told that mail keeps failing; true when this changed it.
pub async fn set_mail_failing(
    conn: &mut AnyConnection,
    incident: i64,
    failing: bool,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE stakeholder_incidents SET mail_failing = $1 WHERE incident_id = $2 AND mail_failing <> $1",
    )
    .bind(failing as i64)
    .bind(incident)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Who was notified, by level, in the order they were (`/incident status`, the war room).
pub async fn notified(
    pool: &sqlx::AnyPool,
    incident: i64,
) -> Result<Vec<(String, Vec<String>)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT level, recipient FROM stakeholder_notices WHERE incident_id = $1 ORDER BY id",
    )
    .bind(incident)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for r in rows {
        let (level, who): (String, String) = (r.get(0), r.get(1));
        match out.iter_mut().find(|(l, _)| *l == level) {
            Some((_, v)) => v.push(who),
            None => out.push((level, vec![who])),
        }
    }
    Ok(out)
}
