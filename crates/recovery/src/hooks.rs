//! Recovery's side of the incident flow: it subscribes to what incidents announce
//! (`incident::hooks`), registered by the composition root. Incidents never import recovery.
//!
//! - components named or changed: clocks started or stopped ([`crate::sync`]); the objectives
//!   posted once the war room exists (`Announced`), the recovery times when components are back;
//! - the move to Monitoring: every component still down is marked recovered, and the stability
//!   watches start ([`crate::watch`]); a move away from Monitoring stops them;
//! - the resolution: clocks still running stop at it, watches stop, and the report follows the
//!   resolved message; a reopening starts new clocks for what is still down.

use futures::future::BoxFuture;
use sqlx::AnyConnection;

use crate::posts::{later, Post};
use crate::{clocks, sync, watch};
use chatops_core::components::ComponentState;
use chatops_core::Ctx;
use incident::affects::{apply, Affect};
use incident::hooks::{Event, Subscriber};
use incident::store::Incident;
use incident::IncidentStatus;

/// RTO clocks and stability watches as incidents change.
pub struct Recovery;

impl Subscriber for Recovery {
    fn on<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        ctx: &'a Ctx,
        event: Event<'a>,
        now: i64,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            match event {
                Event::ComponentsChanged { incident, actor } => {
                    components_changed(conn, ctx, incident, actor, now).await
                }
                Event::Announced { incident } => announced(conn, ctx, incident, now).await,
                Event::StatusChanged {
                    incident, actor, ..
                } => status_changed(conn, ctx, incident, actor, now).await,
                Event::Resolved { incident, .. } => resolved(conn, ctx, incident, now).await,
                // Reopened: what is still down (not marked recovered) gets a new clock.
                Event::Reopened { incident, actor } => {
                    components_changed(conn, ctx, incident, actor, now).await
                }
                _ => Ok(()),
            }
        })
    }
}

/// The war room exists once the declared message is out (or is being posted).
fn announced_already(i: &Incident) -> bool {
    i.channel_id.is_some() || i.announce_outbox_id.is_some() || i.declared_outbox_id.is_some()
}

async fn components_changed(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    actor: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let s = sync::sync(conn, ctx, i, actor, now).await?;
    if !s.started.is_empty() && announced_already(i) {
        let p = Post::Objectives {
            incident: i.id,
            clocks: s.started,
        };
        later(conn, ctx, &p, now).await?;
    }
    if !s.stopped.is_empty() {
        let p = Post::Recovered {
            incident: i.id,
            clocks: s.stopped,
            by: actor.to_string(),
        };
        later(conn, ctx, &p, now).await?;
    }
    Ok(())
}

async fn announced(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    now: i64,
) -> Result<(), sqlx::Error> {
    let running: Vec<i64> = clocks::of_incident(conn, i.id)
        .await?
        .into_iter()
        .filter(|c| c.recovered_at.is_none())
        .map(|c| c.id)
        .collect();
    if running.is_empty() {
        return Ok(());
    }
    let p = Post::Objectives {
        incident: i.id,
        clocks: running,
    };
    later(conn, ctx, &p, now).await
}

async fn status_changed(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    actor: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    if i.status != IncidentStatus::Monitoring {
        return watch::stop_all(conn, i.id, now).await;
    }
    // Monitoring: what is still down is back (each recovery time recorded, announced as
    // ComponentsChanged so the status page follows).
    let down: Vec<Affect> = incident::components::of_incident(conn, i.id)
        .await?
        .into_iter()
        .filter(|a| a.state != ComponentState::Operational)
        .map(|a| Affect {
            component: a.component,
            state: ComponentState::Operational,
        })
        .collect();
    if !down.is_empty() {
        apply(conn, ctx, i, &down, actor, now).await?;
    }
    if let Some(started) = watch::start_all(conn, ctx, i, now).await? {
        let p = Post::Watches {
            incident: i.id,
            started,
        };
        later(conn, ctx, &p, now).await?;
    }
    Ok(())
}

async fn resolved(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    now: i64,
) -> Result<(), sqlx::Error> {
    sync::stop_all(conn, i, "resolution", now).await?;
    watch::stop_all(conn, i.id, now).await?;
    // A drill's own report (the follow-up's drill report) carries the recovery times: one
    // report in its war room, not two.
    if i.is_drill || clocks::of_incident(conn, i.id).await?.is_empty() {
        return Ok(());
    }
    later(conn, ctx, &Post::Report { incident: i.id }, now).await
}
