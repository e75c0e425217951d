//! A confirmed privileged action (a `/julia` restart, rollback, pause…) is a job, written with
//! the click that confirms it ([`crate::guarded::answer`]) and run at once by the process that
//! took the click. Generic over the kind of control ([`Control`]).
//!
//! If that process dies before the action is carried out, the next process (or another
//! replica) takes the job over within a lease. It never repeats a production action blindly:
//! - not started yet and the click is recent ([`STILL_WANTED`]): carried out;
//! - not started and the click is older: not carried out; the person is told to ask again;
//! - started (Railway, Julia or Evolution may have been called): not repeated; the channel is
//!   told it may or may not have been applied and how to check.
//!
//! Either notice is posted once (outbox, in the transaction that completes the job) and audited.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{JobResult, Lease};
use crate::guarded::{self, Control, Outcome, Reply};
use crate::outbox::{enqueue, OutboxItem};
use crate::Ctx;

/// How long after the click an action not yet started is still carried out.
pub const STILL_WANTED: Duration = Duration::from_secs(120);

/// The payload of a confirmed action's job (`A`: the kind of control).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "A: DeserializeOwned"))]
pub struct ConfirmedAction<A> {
    pub user: String,
    pub channel: String,
    pub response_url: String,
    pub action: A,
    /// When the button was clicked, epoch ms.
    pub confirmed_at: i64,
}

pub async fn run_job<A: Control>(
    ctx: &Arc<Ctx>,
    a: &ConfirmedAction<A>,
    lease: &Lease,
) -> JobResult {
    let now = ctx.clock.now_ms();
    let started = lease.step("started").is_some();
    let stale = now - a.confirmed_at > STILL_WANTED.as_millis() as i64;
    if started || stale {
        return not_repeated(ctx, a, lease, started, now).await;
    }
    lease.record_step(ctx, "started", json!(now)).await?;
    let reply = Reply {
        user: a.user.clone(),
        channel: a.channel.clone(),
        response_url: a.response_url.clone(),
    };
    a.action.execute(ctx, &reply).await;
    Ok(())
}

/// The notice when the action was not carried out (too late after the click, or given up).
pub fn not_carried_out<A: Control>(ctx: &Ctx, a: &ConfirmedAction<A>) -> messages::Msg {
    let command = a.action.command_line(ctx);
    messages::jobs::action_not_carried_out(&command, &a.user, ctx.locale())
}

/// A confirmed action's job failed for good: whoever asked is told it was not carried out.
pub async fn given_up<A: Control>(
    ctx: &Ctx,
    conn: &mut sqlx::AnyConnection,
    a: &ConfirmedAction<A>,
    now: i64,
) -> Result<(), sqlx::Error> {
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
    started: bool,
    now: i64,
) -> JobResult {
    let (msg, outcome) = if started {
        (a.action.interrupted(ctx, &a.user), "interrupted")
    } else {
        (not_carried_out(ctx, a), "not_carried_out")
    };
    tracing::warn!(
        job = lease.id,
        action = a.action.name(),
        outcome,
        "jobs: a confirmed action was cut short by a restart; not repeating it"
    );
    let mut tx = ctx.store.begin().await?;
    if !a.channel.is_empty() {
        enqueue(&mut tx, &OutboxItem::post(&a.channel, &msg), now).await?;
    }
    lease.complete_in(&mut tx, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    guarded::record(ctx, &a.user, &a.action, Outcome::new(outcome)).await;
    Ok(())
}
