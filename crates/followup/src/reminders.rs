//! The durable reminders of the follow-up: an action item's owner is reminded when it is due and
//! once more when it is overdue, and a P0/P1's commander when the post-mortem review is due.
//! Each is a job written in the transaction of the change that causes it, due at its time; its
//! DM is queued in the transaction that completes it, so it is sent once whatever crashes.
//! Registered by the composition root with [`register`].

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use chatops_core::jobs::{enqueue, JobResult, Lease, Registry};
use chatops_core::outbox::{self, OutboxItem};
use chatops_core::Ctx;

pub const ITEM_REMINDER: &str = "action_item_reminder";
pub const REVIEW_REMINDER: &str = "postmortem_review_dm";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemReminder {
    pub item: i64,
    /// The due date it was written for: a due date changed since makes it do nothing.
    pub due_at: i64,
    /// The second reminder (late), not the first (due).
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewReminder {
    pub incident: i64,
    /// The resolution it was written for: a reopened and resolved-again incident has its own.
    pub resolved_at: i64,
}

pub fn register(jobs: &mut Registry) {
    jobs.register(ITEM_REMINDER, run_item);
    jobs.register(REVIEW_REMINDER, run_review);
}

/// Writes a job of `kind` due at `at`.
async fn enqueue_at<P: Serialize>(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    kind: &str,
    payload: &P,
    at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let id = enqueue(conn, ctx, kind, payload, now).await?;
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The two reminders of item `item` due at `due` (in the caller's transaction).
pub async fn schedule(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    item: i64,
    due: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let late = due + crate::settings::of(ctx).overdue_after_ms();
    for (overdue, at) in [(false, due), (true, late)] {
        let job = ItemReminder {
            item,
            due_at: due,
            overdue,
        };
        enqueue_at(conn, ctx, ITEM_REMINDER, &job, at, now).await?;
    }
    Ok(())
}

/// The commander's review reminder of incident `incident` resolved at `resolved_at`.
pub async fn schedule_review(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    incident: i64,
    resolved_at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let at = resolved_at + ctx.config.postmortem_reminders[1].as_millis() as i64;
    let job = ReviewReminder {
        incident,
        resolved_at,
    };
    enqueue_at(conn, ctx, REVIEW_REMINDER, &job, at, now).await
}

fn run_item<'a>(
    ctx: &'a Arc<Ctx>,
    job: ItemReminder,
    lease: &'a Lease,
) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let l = ctx.locale();
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        let item = crate::items::get(&mut tx, job.item).await?;
        // Done, or given another due date since: nothing to say.
        if let Some(item) = item.filter(|i| i.done_at.is_none() && i.due_at == Some(job.due_at)) {
            let cmd = &ctx.config.incident_command;
            let dm = messages::followup::reminder_dm(&item.view(), job.overdue, cmd, l);
            let dm = crate::drill::marked(&dm, item.drill, l);
            outbox::enqueue(&mut tx, &OutboxItem::post(&item.owner, &dm), now).await?;
        }
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        Ok(())
    })
}

fn run_review<'a>(
    ctx: &'a Arc<Ctx>,
    job: ReviewReminder,
    lease: &'a Lease,
) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let l = ctx.locale();
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        let i = incident::store::get(&mut tx, job.incident).await?;
        let due = i.filter(|i| {
            !i.pm_done && !i.status.is_open() && i.resolved_at == Some(job.resolved_at)
        });
        if let Some(i) = due {
            let to = i.commander.clone().unwrap_or_else(|| i.declared_by.clone());
            let cmd = &ctx.config.incident_command;
            let dm = messages::followup::review_dm(i.id, &i.title, cmd, l);
            let dm = crate::drill::marked(&dm, i.is_drill, l);
            outbox::enqueue(&mut tx, &OutboxItem::post(&to, &dm), now).await?;
        }
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        Ok(())
    })
}
