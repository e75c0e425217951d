//! A confirmed `/julia` action (restart, rollback, pause…) is a job, written with the click that
//! confirms it and run at once by the process that took the click.
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

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{JobResult, Lease};
use crate::control::{access, Action, Reply};
use crate::outbox::{enqueue, OutboxItem};
use crate::Ctx;

/// How long after the click an action not yet started is still carried out.
pub const STILL_WANTED: Duration = Duration::from_secs(120);

/// The payload of a `confirmed_action` job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfirmedAction {
    pub user: String,
    pub channel: String,
    pub response_url: String,
    pub action: Action,
    /// When the button was clicked, epoch ms.
    pub confirmed_at: i64,
}

pub async fn run_job(ctx: &Arc<Ctx>, a: &ConfirmedAction, lease: &Lease) -> JobResult {
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
    access::carry_out(ctx, &reply, &a.action).await;
    Ok(())
}

/// The action is not carried out (again): one notice where it was asked for, and the audit.
async fn not_repeated(
    ctx: &Arc<Ctx>,
    a: &ConfirmedAction,
    lease: &Lease,
    started: bool,
    now: i64,
) -> JobResult {
    let l = ctx.locale();
    let command = format!("{} {}", ctx.config.julia_command, a.action.command());
    let (msg, outcome) = if started {
        let m = messages::jobs::action_interrupted(&command, &a.user, &ctx.config.julia_command, l);
        (m, "interrupted")
    } else {
        let m = messages::jobs::action_not_carried_out(&command, &a.user, l);
        (m, "not_carried_out")
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
    access::record(ctx, &a.user, &a.action, outcome, None, None, None).await;
    Ok(())
}
