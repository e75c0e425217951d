//! Keeps the clocks in line with what an incident says of its components, in the change's
//! transaction: a component down without a running clock starts one (from the incident's start
//! the first time; from now when it goes down again after a recovery), with its 80 % warning
//! and its breach notice written as durable jobs; a component back (operational) stops its
//! clock and cancels the jobs not yet claimed (a claimed one sees the clock stopped and says
//! nothing).

use sqlx::AnyConnection;

use crate::alarm::{Alarm, RTO_CLOCK};
use crate::clocks::{self, Stage};
use chatops_core::components::ComponentState;
use chatops_core::jobs::enqueue;
use chatops_core::Ctx;
use incident::store::Incident;

/// The clocks a change started and stopped.
#[derive(Debug, Default)]
pub struct Synced {
    pub started: Vec<i64>,
    pub stopped: Vec<i64>,
}

pub async fn sync(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    actor: &str,
    now: i64,
) -> Result<Synced, sqlx::Error> {
    let affected = incident::components::of_incident(conn, i.id).await?;
    let all = clocks::of_incident(conn, i.id).await?;
    let mut out = Synced::default();
    for a in affected {
        let mine: Vec<&clocks::Clock> = all.iter().filter(|c| c.component == a.component).collect();
        let running = mine.iter().find(|c| c.recovered_at.is_none());
        if a.state == ComponentState::Operational {
            if let Some(c) = running {
                let at = a.recovered_at.unwrap_or(now);
                if clocks::stop(conn, c.id, at, actor).await? {
                    cancel(conn, c.id).await?;
                    out.stopped.push(c.id);
                }
            }
        } else if running.is_none() {
            let start = if mine.is_empty() { i.started_at } else { now };
            let rto = ctx
                .config
                .components
                .get(&a.component)
                .and_then(|c| c.rto)
                .map(|d| d.as_millis() as i64);
            let id = clocks::start(conn, i.id, &a.component, start, rto).await?;
            schedule(conn, ctx, id, start, rto, now).await?;
            out.started.push(id);
        }
    }
    Ok(out)
}

/// Stops every running clock of an incident (the resolution); returns the ids stopped.
pub async fn stop_all(
    conn: &mut AnyConnection,
    i: &Incident,
    by: &str,
    now: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut stopped = Vec::new();
    for c in clocks::of_incident(conn, i.id).await? {
        if c.recovered_at.is_none() && clocks::stop(conn, c.id, now, by).await? {
            cancel(conn, c.id).await?;
            stopped.push(c.id);
        }
    }
    Ok(stopped)
}

/// The warning at 80 % and the breach at 100 % of the RTO. A moment already past is due now;
/// when the breach is, the warning is skipped (the breach says more).
async fn schedule(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    clock: i64,
    start: i64,
    rto: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(rto) = rto else {
        return Ok(());
    };
    let breach_at = start + rto;
    let warn_at = start + rto * 8 / 10;
    if breach_at > now {
        alarm(conn, ctx, clock, Stage::Warn, warn_at.max(now), now).await?;
    }
    alarm(conn, ctx, clock, Stage::Breach, breach_at.max(now), now).await
}

async fn alarm(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    clock: i64,
    stage: Stage,
    at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let id = enqueue(conn, ctx, RTO_CLOCK, &Alarm { clock, stage }, now).await?;
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes a clock's jobs no worker has claimed.
async fn cancel(conn: &mut AnyConnection, clock: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM jobs WHERE kind = $1 AND state = 'pending' AND lease_token IS NULL
           AND (payload LIKE $2 OR payload LIKE $3)",
    )
    .bind(RTO_CLOCK)
    .bind(format!("%\"clock\":{clock},%"))
    .bind(format!("%\"clock\":{clock}}}%"))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
