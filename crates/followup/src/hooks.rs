//! The follow-up's side of the incident flow (registered by the composition root): at a
//! resolution, items still without a due date get the default one (`ACTION_ITEMS_DUE` after it)
//! and their reminders, a P0/P1's commander gets the review reminder, and a drill gets its
//! report. Also what the post-mortem draft shows of the action items ([`Draft`]).

use futures::future::BoxFuture;
use messages::Msg;
use sqlx::AnyConnection;

use crate::items::{self, Item};
use chatops_core::Ctx;
use incident::draft_parts::ActionItems;
use incident::hooks::{Event, Subscriber};
use incident::store::Incident;
use incident::Severity;

/// Reacts to resolutions.
pub struct FollowUp;

impl Subscriber for FollowUp {
    fn on<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        ctx: &'a Ctx,
        event: Event<'a>,
        now: i64,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            match event {
                Event::Resolved { incident, .. } => on_resolved(conn, ctx, incident, now).await,
                _ => Ok(()),
            }
        })
    }
}

async fn on_resolved(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    now: i64,
) -> Result<(), sqlx::Error> {
    let resolved = i.resolved_at.unwrap_or(now);
    let due = resolved + crate::settings::of(ctx).due_after_ms();
    for id in items::undated(conn, i.id).await? {
        items::set_due(conn, id, due).await?;
        crate::reminders::schedule(conn, ctx, id, due, now).await?;
    }
    if matches!(i.severity, Severity::P0 | Severity::P1) && !i.pm_done {
        crate::reminders::schedule_review(conn, ctx, i.id, resolved, now).await?;
    }
    if i.is_drill {
        crate::drill::report(conn, ctx, i, now).await?;
    }
    Ok(())
}

/// The action items in the post-mortem draft, and the message with its "Add action item"
/// button.
pub struct Draft;

impl ActionItems for Draft {
    fn rows<'a>(
        &'a self,
        ctx: &'a Ctx,
        i: &'a Incident,
    ) -> BoxFuture<'a, Result<Vec<[String; 4]>, sqlx::Error>> {
        Box::pin(async move {
            let l = ctx.locale();
            let now = ctx.clock.now_secs();
            let list = items::of_incident(&ctx.store.pool, i.id).await?;
            Ok(list
                .iter()
                .map(|it| messages::followup::draft_row(&it.view(), &it.owner, now, l))
                .collect())
        })
    }

    fn message<'a>(
        &'a self,
        ctx: &'a Ctx,
        i: &'a Incident,
    ) -> BoxFuture<'a, Result<Option<Msg>, sqlx::Error>> {
        Box::pin(async move {
            let list = items::of_incident(&ctx.store.pool, i.id).await?;
            let views: Vec<_> = list.iter().map(Item::view).collect();
            let now = ctx.clock.now_secs();
            Ok(Some(messages::followup::postmortem_actions(
                i.id,
                &views,
                now,
                ctx.locale(),
            )))
        })
    }
}
