//! Paging's side of the incident flow: it subscribes to what incidents announce
//! (`incident::hooks`), registered by the composition root. Incidents never import paging.
//! A drill pages nobody (no ladder, no on-call notice) unless it opted in (`--drill --page`).

use futures::future::BoxFuture;
use sqlx::AnyConnection;

use chatops_core::Ctx;
use incident::hooks::{Event, Subscriber};

/// Starts, moves and stops the acknowledgment ladder as incidents change.
pub struct Ladder;

impl Subscriber for Ladder {
    fn on<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        ctx: &'a Ctx,
        event: Event<'a>,
        now: i64,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            match event {
                Event::Declared { id, severity } => {
                    if !crate::ladder::pages(conn, id).await? {
                        return Ok(());
                    }
                    crate::ladder::on_declared(conn, ctx, id, severity, now).await
                }
                Event::Announced { incident } => {
                    if !crate::ladder::pages(conn, incident.id).await? {
                        return Ok(());
                    }
                    crate::ladder::declared_notice(conn, ctx, incident, now).await
                }
                Event::SeverityChanged { id, severity } => {
                    if !crate::ladder::pages(conn, id).await? {
                        return Ok(());
                    }
                    crate::ladder::on_severity(conn, ctx, id, severity, now).await
                }
                // "I'm on it" acknowledges too (the first one stops the paging).
                Event::OnIt { incident, actor } => {
                    let via = messages::paging::Via::Slack;
                    crate::ack::ack_in(conn, ctx, incident, actor, via, now)
                        .await
                        .map(|_| ())
                }
                // A drill turned into a real incident pages from now on (as if just declared).
                Event::DrillChanged { incident, .. } if !incident.is_drill => {
                    let (id, sev) = (incident.id, incident.severity);
                    if incident.status.is_open() && !crate::ladder::is_acked(conn, id).await? {
                        crate::ladder::on_declared(conn, ctx, id, sev, now).await?;
                    }
                    Ok(())
                }
                _ => Ok(()),
            }
        })
    }
}
