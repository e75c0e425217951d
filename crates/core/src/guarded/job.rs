//! Carrying out a confirmed action's job ([`crate::jobs::confirmed`]: its payload and the rule
//! that never repeats it blindly after a crash), for any kind of control.

use std::sync::Arc;

use serde_json::json;
use sqlx::AnyConnection;

use super::control::{Control, Outcome};
use super::finish::record;
use super::reply::Reply;
use super::stored;
use crate::jobs::confirmed::{ConfirmedAction, Fate};
use crate::jobs::{JobError, JobResult, Lease, Registry};
use crate::outbox::{enqueue, OutboxItem};
use crate::Ctx;

/// Registers the job that carries out `A`'s confirmed actions (its [`Control::JOB_KIND`]),
/// with the notice when one is given up.
pub fn register<A: Control>(jobs: &mut Registry) {
    let Some(kind) = A::JOB_KIND else {
        return;
    };
    jobs.register_with_failure(kind, run::<A>, failed::<A>);
}

fn run<'a, A: Control>(
    ctx: &'a Arc<Ctx>,
    c: ConfirmedAction<A>,
    lease: &'a Lease,
) -> futures::future::BoxFuture<'a, JobResult> {
    Box::pin(async move { run_job(ctx, &c, lease).await })
}

fn failed<'a, A: Control>(
    ctx: &'a Ctx,
    conn: &'a mut AnyConnection,
    c: ConfirmedAction<A>,
    _lease: &'a Lease,
    now: i64,
) -> futures::future::BoxFuture<'a, Result<(), sqlx::Error>> {
    Box::pin(async move { given_up(ctx, conn, &c, now).await })
}

/// One run of a confirmed action's job: carried out once, or (after a crash, or too late)
/// not repeated and said so. The secret values its confirmation holds are blanked after.
pub async fn run_job<A: Control>(
    ctx: &Arc<Ctx>,
    a: &ConfirmedAction<A>,
    lease: &Lease,
) -> JobResult {
    let now = ctx.clock.now_ms();
    let started = lease.step("started").is_some();
    let fate = a.fate(started, now);
    if fate != Fate::CarryOut {
        return not_repeated(ctx, a, lease, fate, now).await;
    }
    // The action with its secret values, read before the start is recorded.
    let action = match &a.token {
        None => a.action.clone(),
        Some(token) => {
            let mut conn = ctx.store.pool.acquire().await?;
            match stored::stored_action::<A>(&mut conn, token).await? {
                Some((action, _)) => action,
                None => return Err(JobError::Fail("the confirmation row is gone".into())),
            }
        }
    };
    lease.record_step(&ctx.store, "started", json!(now)).await?;
    let reply = Reply {
        user: a.user.clone(),
        channel: a.channel.clone(),
        response_url: a.response_url.clone(),
    };
    action.execute(ctx, &reply).await;
    if let Some(token) = &a.token {
        let mut conn = ctx.store.pool.acquire().await?;
        if let Err(e) = stored::redact(&mut conn, token, &a.action, &a.channel).await {
            tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "guarded: could not blank a confirmation");
        }
    }
    Ok(())
}

/// The notice when the action was not carried out (too late after the click, or given up).
pub fn not_carried_out<A: Control>(ctx: &Ctx, a: &ConfirmedAction<A>) -> messages::Msg {
    let command = a.action.command_line(ctx);
    messages::jobs::action_not_carried_out(&command, &a.user, ctx.locale())
}

/// A confirmed action's job failed for good: whoever asked is told it was not carried out,
/// and the secret values its confirmation holds are blanked.
pub async fn given_up<A: Control>(
    ctx: &Ctx,
    conn: &mut AnyConnection,
    a: &ConfirmedAction<A>,
    now: i64,
) -> Result<(), sqlx::Error> {
    if let Some(token) = &a.token {
        stored::redact(conn, token, &a.action, &a.channel).await?;
    }
    if a.channel.is_empty() {
        return Ok(());
    }
    let msg = not_carried_out(ctx, a);
    enqueue(conn, &OutboxItem::post(&a.channel, &msg), now).await?;
    Ok(())
}

/// The action is not carried out (again): one notice where it was asked for, and the audit.
async fn not_repeated<A: Control>(
    ctx: &Arc<Ctx>,
    a: &ConfirmedAction<A>,
    lease: &Lease,
    fate: Fate,
    now: i64,
) -> JobResult {
    let (msg, outcome) = if fate == Fate::Interrupted {
        (a.action.interrupted(ctx, &a.user), "interrupted")
    } else {
        (not_carried_out(ctx, a), "not_carried_out")
    };
    tracing::warn!(
        job = lease.id,
        action = %a.action.name(),
        outcome,
        "jobs: a confirmed action was cut short by a restart; not repeating it"
    );
    let mut tx = ctx.store.begin().await?;
    if !a.channel.is_empty() {
        enqueue(&mut tx, &OutboxItem::post(&a.channel, &msg), now).await?;
    }
    if let Some(token) = &a.token {
        stored::redact(&mut tx, token, &a.action, &a.channel).await?;
    }
    lease.complete_in(&mut tx, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    record(ctx, &a.user, &a.action, Outcome::new(outcome)).await;
    Ok(())
}
