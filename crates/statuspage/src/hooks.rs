//! The status page's side of the incident flow (registered by the composition root): the
//! resolution of a published incident publishes its Resolved text, and any change a visitor
//! could see (components, severity, status, reopen, a drill mark) moves the version the page caches on.

use futures::future::BoxFuture;
use sqlx::AnyConnection;

use chatops_core::Ctx;
use incident::hooks::{Event, Subscriber};

/// Keeps the page in step with the incidents.
pub struct Page;

impl Subscriber for Page {
    fn on<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        ctx: &'a Ctx,
        event: Event<'a>,
        now: i64,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            let id = match event {
                Event::Resolved { incident, actor } => {
                    return crate::publish::on_resolved(conn, ctx, incident, actor, now).await;
                }
                Event::ComponentsChanged { incident, .. }
                | Event::StatusChanged { incident, .. }
                | Event::Reopened { incident, .. }
                | Event::DrillChanged { incident, .. } => incident.id,
                Event::SeverityChanged { id, .. } => id,
                _ => return Ok(()),
            };
            if crate::publish::public_title(conn, id).await?.is_some() {
                crate::store::bump(conn).await?;
            }
            Ok(())
        })
    }
}
