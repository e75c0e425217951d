//! The stakeholders' side of the incident flow: they subscribe to what incidents announce
//! (`incident::hooks`), registered by the composition root. Incidents never import this crate.

use futures::future::BoxFuture;
use sqlx::AnyConnection;

use crate::{matrix, settings, state, updates};
use chatops_core::Ctx;
use incident::hooks::{Event, Subscriber};
use incident::store::{self, Incident};
use messages::stakeholders::UpdateKind;

/// Notifies the escalation matrix and writes management updates as incidents change.
pub struct Stakeholders;

impl Subscriber for Stakeholders {
    fn on<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        ctx: &'a Ctx,
        event: Event<'a>,
        now: i64,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            match event {
                Event::Announced { incident } => announced(conn, ctx, incident, now).await,
                Event::SeverityChanged { id, severity } => {
                    if state::raise(conn, id, severity).await? {
                        matrix::schedule(conn, ctx, id, severity.as_str(), now, now).await?;
                        if let Some(i) = store::get(conn, id).await? {
                            // Raised into the late level's severities after its time: it is
                            // due now (a level already notified notifies nobody twice).
                            if let Some(after) = settings::of(ctx).late_after {
                                let at = i.started_at + after.as_millis() as i64;
                                if at <= now {
                                    matrix::schedule(conn, ctx, id, matrix::LATE, now, now).await?;
                                }
                            }
                            updates::write(conn, ctx, &i, UpdateKind::Update, now).await?;
                        }
                    }
                    Ok(())
                }
                // A public text at the resolution (the status page publishes it while the
                // resolution is announced, before `Resolved` reaches this subscriber) becomes
                // the impact of the resolution's own update: one mail, not two.
                Event::Published { incident, text, .. } if !incident.status.is_open() => {
                    state::ensure(conn, incident.id, incident.severity).await?;
                    state::set_impact(conn, incident.id, text.trim(), now).await
                }
                Event::Published { incident, text, .. } => {
                    updates::with_text(conn, ctx, incident, text, now)
                        .await
                        .map(|_| ())
                }
                Event::Resolved { incident, .. } => {
                    updates::write(conn, ctx, incident, UpdateKind::Resolved, now)
                        .await
                        .map(|_| ())
                }
                Event::Reopened { incident, .. } => {
                    updates::write(conn, ctx, incident, UpdateKind::Update, now)
                        .await
                        .map(|_| ())
                }
                _ => Ok(()),
            }
        })
    }
}

/// The declared message is out (the war room exists): the severity's people, the `late` level
/// when it is due, and management's first update.
async fn announced(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    now: i64,
) -> Result<(), sqlx::Error> {
    if !state::ensure(conn, i.id, i.severity).await? {
        // Announced already (a declaration finished twice is announced once; be sure).
        return Ok(());
    }
    matrix::schedule(conn, ctx, i.id, i.severity.as_str(), now, now).await?;
    if let Some(after) = settings::of(ctx).late_after {
        let at = i.started_at + after.as_millis() as i64;
        matrix::schedule(conn, ctx, i.id, matrix::LATE, at, now).await?;
    }
    updates::write(conn, ctx, i, UpdateKind::Declared, now).await?;
    Ok(())
}
