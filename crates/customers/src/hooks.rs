//! The customer notice's side of the incident flow, registered by the composition root:
//! a customer-facing P0/P1 gets its prompt scheduled once (at the announcement, or when a
//! component or the severity changes), and a resolution offers the back-to-normal notice to
//! those the outage notice reached (an outage notice still going out stops there).

use futures::future::BoxFuture;
use sqlx::AnyConnection;

use chatops_core::Ctx;
use incident::hooks::{Event, Subscriber};
use incident::store::Incident;

use crate::prompt::{qualifies, schedule, Prompt};
use crate::{settings, store};

/// Schedules the prompts as incidents change.
pub struct Prompter;

impl Subscriber for Prompter {
    fn on<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        ctx: &'a Ctx,
        event: Event<'a>,
        now: i64,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            match event {
                Event::Announced { incident } | Event::ComponentsChanged { incident, .. } => {
                    outage(conn, ctx, incident, now).await
                }
                // Announced before the row is saved: the new severity is the event's.
                Event::SeverityChanged { id, severity } => {
                    match incident::store::get(conn, id).await? {
                        Some(mut i) => {
                            i.severity = severity;
                            outage(conn, ctx, &i, now).await
                        }
                        None => Ok(()),
                    }
                }
                Event::Resolved { incident, .. } => resolved(conn, ctx, incident, now).await,
                _ => Ok(()),
            }
        })
    }
}

/// The outage prompt, once per incident, due `CUSTOMERS_NOTICE_AFTER` after the start.
async fn outage(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    now: i64,
) -> Result<(), sqlx::Error> {
    if !qualifies(conn, ctx, i).await? {
        return Ok(());
    }
    let Some(after) = settings::of(ctx).after else {
        return Ok(());
    };
    if !store::claim_prompt(conn, i.id, false, now).await? {
        return Ok(());
    }
    let at = (i.started_at + after.as_millis() as i64).max(now);
    let p = Prompt {
        incident: i.id,
        recovery: false,
        forced: false,
    };
    schedule(conn, ctx, &p, at, now).await
}

/// At resolution: an outage notice still going out stops; one that went out is followed by
/// the back-to-normal prompt.
async fn resolved(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    now: i64,
) -> Result<(), sqlx::Error> {
    if i.is_drill {
        return Ok(());
    }
    let notice = sqlx::query_as::<_, (i64, String)>(
        "SELECT id, state FROM customer_notices WHERE incident_id = $1 AND kind = 'outage'",
    )
    .bind(i.id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, state)) = notice else {
        return Ok(());
    };
    if state == "sending" {
        store::finish(conn, id, "stopped", Some(chatops_core::BOT_ACTOR), now).await?;
        crate::send::render_progress(conn, ctx, id, now).await?;
    }
    if !store::claim_prompt(conn, i.id, true, now).await? {
        return Ok(());
    }
    let p = Prompt {
        incident: i.id,
        recovery: true,
        forced: false,
    };
    schedule(conn, ctx, &p, now, now).await
}
