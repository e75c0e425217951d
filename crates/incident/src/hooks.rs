//! What incidents announce, for capabilities that react to them without being imported here
//! (paging starts its acknowledgment ladder on `Declared`, stops it on `OnIt`…). The
//! composition root registers the subscribers ([`Hooks`], an extension of the context);
//! each one runs in the transaction of the change, so its rows commit or roll back with it.

use std::sync::Arc;

use futures::future::BoxFuture;
use sqlx::AnyConnection;

use crate::store::Incident;
use crate::{IncidentStatus, Severity};
use chatops_core::Ctx;

/// A change to an incident, announced in the transaction that makes it.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The incident row was written (the war room comes later, in the declaration job).
    Declared { id: i64, severity: Severity },
    /// The declaration job posted the declared message (war room and announcement).
    Announced { incident: &'a Incident },
    /// The severity changed.
    SeverityChanged { id: i64, severity: Severity },
    /// Someone said "I'm on it" in Slack.
    OnIt {
        incident: &'a Incident,
        actor: &'a str,
    },
    /// A war-room update was posted (`incident` is as it is after the update; its status may
    /// have moved: see [`Event::StatusChanged`]).
    Updated {
        incident: &'a Incident,
        actor: &'a str,
    },
    /// The status moved (Investigating -> Identified -> Monitoring), announced before
    /// [`Event::Updated`] of the same update.
    StatusChanged {
        incident: &'a Incident,
        from: IncidentStatus,
        actor: &'a str,
    },
    /// The components the incident affects changed (`crate::components::of_incident`).
    ComponentsChanged {
        incident: &'a Incident,
        actor: &'a str,
    },
    /// A public text about the incident went out (the status page announces it; other
    /// capabilities, like stakeholder updates, may follow it). `status` is the public status
    /// word (`investigating`, `identified`, `monitoring`, `resolved`).
    Published {
        incident: &'a Incident,
        text: &'a str,
        status: &'a str,
        actor: &'a str,
    },
    /// The incident was resolved.
    Resolved {
        incident: &'a Incident,
        actor: &'a str,
    },
    /// `drill on` / `drill off` (#28): `incident.is_drill` is the new state.
    DrillChanged {
        incident: &'a Incident,
        actor: &'a str,
    },
    /// A resolved incident was reopened.
    Reopened {
        incident: &'a Incident,
        actor: &'a str,
    },
}

/// Reacts to incident events.
pub trait Subscriber: Send + Sync + 'static {
    fn on<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        ctx: &'a Ctx,
        event: Event<'a>,
        now: i64,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>>;
}

/// The subscribers, in the order they were registered.
#[derive(Default, Clone)]
pub struct Hooks(Vec<Arc<dyn Subscriber>>);

impl Hooks {
    pub fn subscribe(mut self, s: impl Subscriber) -> Self {
        self.0.push(Arc::new(s));
        self
    }
}

/// Announces `event` to every subscriber, in the caller's transaction.
pub async fn announce(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    event: Event<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(hooks) = ctx.ext.get::<Hooks>() else {
        return Ok(());
    };
    for s in &hooks.0 {
        s.on(conn, ctx, event, now).await?;
    }
    Ok(())
}
