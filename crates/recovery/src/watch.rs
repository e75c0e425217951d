//! The stability watch: when an incident moves to Monitoring, each affected component with a
//! health check is checked every `RECOVERY_WATCH_INTERVAL` for `RECOVERY_WATCH` (15 minutes by
//! default). Each check is one durable job (`stability_watch`) that writes its outcome and
//! the next check (or the end) in the transaction that completes it: a restart continues the
//! watch, and never posts twice. It holds: said in the war room with a Resolve button, and to
//! the commander. It fails: what failed and when, in the war room and to the commander; a
//! failure never resolves or reopens anything. Moving out of Monitoring stops it.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::probe;
use crate::where_to::{commander, post_in_room};
use chatops_core::jobs::{enqueue, JobResult, Lease};
use chatops_core::outbox::{self, OutboxItem};
use chatops_core::Ctx;
use incident::shared::key;
use incident::store::{self, Incident};
use incident::IncidentStatus;
use messages::recovery::NotWatched;

pub const WATCH: &str = "stability_watch";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    pub watch: i64,
}

#[derive(Debug, Clone)]
pub struct Watch {
    pub id: i64,
    pub incident_id: i64,
    pub component: String,
    pub started_at: i64,
    pub until_at: i64,
    pub every_ms: i64,
    pub state: String,
    pub checks: i64,
}

async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Watch>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT id, incident_id, component, started_at, until_at, every_ms, state, checks
         FROM stability_watches WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| Watch {
        id: r.get(0),
        incident_id: r.get(1),
        component: r.get(2),
        started_at: r.get(3),
        until_at: r.get(4),
        every_ms: r.get(5),
        state: r.get(6),
        checks: r.get(7),
    }))
}

/// Stops an incident's running watches (it left Monitoring, or was resolved).
pub async fn stop_all(
    conn: &mut AnyConnection,
    incident: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE stability_watches SET state = 'stopped', ended_at = $1 WHERE incident_id = $2 AND state = 'running'",
    )
    .bind(now)
    .bind(incident)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What the move to Monitoring started: each watch (name, what is checked) and the
/// components with a check that cannot run here.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Started {
    pub watching: Vec<(String, String)>,
    pub not_watched: Vec<(String, String)>,
}

/// Starts a watch for each affected component that has a health check (in the transaction of
/// the move to Monitoring); the first check runs at once. None when nothing has a check or
/// the watch is off.
pub async fn start_all(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    now: i64,
) -> Result<Option<Started>, sqlx::Error> {
    stop_all(conn, i.id, now).await?;
    let cfg = crate::settings::of(ctx);
    let Some(length) = cfg.watch else {
        return Ok(None);
    };
    let l = ctx.locale();
    let mut out = Started::default();
    for a in incident::components::of_incident(conn, i.id).await? {
        let Some(c) = ctx.config.components.get(&a.component) else {
            continue;
        };
        let Some(check) = &c.check else {
            continue;
        };
        let name = c.name.get(l).to_string();
        if let Err(why) = probe::ready(ctx, check) {
            out.not_watched.push((name, why));
            continue;
        }
        let row = sqlx::query(
            "INSERT INTO stability_watches (incident_id, component, started_at, until_at, every_ms, state)
             VALUES ($1, $2, $3, $4, $5, 'running') RETURNING id",
        )
        .bind(i.id)
        .bind(&a.component)
        .bind(now)
        .bind(now + length.as_millis() as i64)
        .bind(cfg.interval.as_millis() as i64)
        .fetch_one(&mut *conn)
        .await?;
        let id: i64 = row.try_get(0)?;
        // The first check at once (just after the post that says the watch started).
        let job = enqueue(conn, ctx, WATCH, &Step { watch: id }, now).await?;
        due_at(conn, job, now + 1).await?;
        out.watching.push((name, probe::describe(check)));
    }
    Ok((!out.watching.is_empty() || !out.not_watched.is_empty()).then_some(out))
}

impl Started {
    pub fn not_watched(&self) -> Vec<NotWatched> {
        self.not_watched
            .iter()
            .map(|(name, why)| NotWatched {
                name: name.clone(),
                why: why.clone(),
            })
            .collect()
    }
}

pub(crate) fn run<'a>(ctx: &'a Arc<Ctx>, job: Step, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let mut conn = ctx.store.pool.acquire().await?;
        let w = get(&mut conn, job.watch).await?;
        let i = match &w {
            Some(w) => store::get(&mut conn, w.incident_id).await?,
            None => None,
        };
        drop(conn);
        let check = w
            .as_ref()
            .and_then(|w| ctx.config.components.get(&w.component))
            .and_then(|c| c.check.clone());
        let live = match (&w, &i, &check) {
            (Some(w), Some(i), Some(_)) => {
                w.state == "running" && i.status == IncidentStatus::Monitoring
            }
            _ => false,
        };
        let outcome = match (&check, live) {
            (Some(c), true) => Some(probe::run(ctx, c).await),
            _ => None,
        };
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        match (w, i, check, outcome) {
            (Some(w), Some(i), Some(check), Some(outcome)) => {
                step(&mut tx, ctx, &w, &i, &check, outcome, now).await?;
            }
            (Some(w), _, _, _) if w.state == "running" => {
                stop_all(&mut tx, w.incident_id, now).await?;
            }
            _ => {}
        }
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        ctx.jobs_wake.notify_one();
        Ok(())
    })
}

/// Records one check's outcome: the next check, or the end (held, failed) with its posts.
async fn step(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    w: &Watch,
    i: &Incident,
    check: &chatops_core::components::HealthCheck,
    outcome: Result<(), String>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let l = ctx.locale();
    let name = ctx
        .config
        .components
        .get(&w.component)
        .map(|c| c.name.get(l).to_string())
        .unwrap_or_else(|| w.component.clone());
    let what = probe::describe(check);
    let length = (w.until_at - w.started_at) / 1000;
    let (state, failure, msg) = match outcome {
        Err(failure) => {
            let into = (now - w.started_at) / 1000;
            let msg = messages::recovery::watch_failed(
                &key(i),
                &name,
                &what,
                &failure,
                now / 1000,
                into,
                length,
                i.is_drill,
                l,
            );
            ("failed", Some(failure), Some(msg))
        }
        Ok(()) if now >= w.until_at => {
            let msg = messages::recovery::watch_held(
                &key(i),
                i.id,
                &name,
                &what,
                length,
                w.checks + 1,
                i.is_drill,
                l,
            );
            ("held", None, Some(msg))
        }
        Ok(()) => ("running", None, None),
    };
    // Only a watch still running moves (a concurrent stop wins).
    let moved = sqlx::query(
        "UPDATE stability_watches SET checks = checks + 1, state = $1, failure = $2, ended_at = $3
         WHERE id = $4 AND state = 'running'",
    )
    .bind(state)
    .bind(&failure)
    .bind((state != "running").then_some(now))
    .bind(w.id)
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() != 1 {
        return Ok(());
    }
    match msg {
        Some(msg) => {
            post_in_room(conn, ctx, i, &msg, now).await?;
            if let Some(to) = commander(i) {
                outbox::enqueue(conn, &OutboxItem::post(&to, &msg), now).await?;
            }
        }
        None => {
            let next = enqueue(conn, ctx, WATCH, &Step { watch: w.id }, now).await?;
            // The last check falls on the watch's end.
            due_at(conn, next, (now + w.every_ms).min(w.until_at.max(now + 1))).await?;
        }
    }
    Ok(())
}

async fn due_at(conn: &mut AnyConnection, job: i64, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2")
        .bind(at)
        .bind(job)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
