//! A confirmed runbook action is a job, written with the click that confirms it and run at
//! once by the process that took the click (as a confirmed `/julia` action is).
//!
//! If that process dies first, the next process (or another replica) takes the job over within
//! a lease, and never repeats a production action blindly: not started and the click recent
//! ([`chatops_core::jobs::confirmed::STILL_WANTED`]): carried out; not started and older: not carried
//! out, the person is told to ask again; started: not repeated, the channel is told it may or
//! may not have been applied. The job holds no argument values: they stay in the confirmation
//! row, whose secret values are blanked once the job is done.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::confirm::{carry_out, redact, stored};
use super::flow::audit_name;
use chatops_core::guarded::Reply;
use chatops_core::jobs::{JobResult, Lease, Registry};
use futures::future::BoxFuture;
use chatops_core::Ctx;

/// The job kind of a confirmed runbook action.
pub const OPS_CONFIRMED: &str = "ops_confirmed";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsConfirmed {
    /// The confirmation row holding the request.
    pub token: String,
    pub user: String,
    pub channel: String,
    pub response_url: String,
    /// When the button was clicked, epoch ms.
    pub confirmed_at: i64,
}

pub fn register(jobs: &mut Registry) {
    jobs.register(OPS_CONFIRMED, run);
}

fn run<'a>(ctx: &'a Arc<Ctx>, c: OpsConfirmed, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move { run_job(ctx, &c, lease).await })
}

pub async fn run_job(ctx: &Arc<Ctx>, c: &OpsConfirmed, lease: &Lease) -> JobResult {
    let now = ctx.clock.now_ms();
    let Some(st) = stored(ctx, &c.token).await? else {
        return Err(chatops_core::jobs::JobError::Fail(
            "the confirmation row is gone".into(),
        ));
    };
    let started = lease.step("started").is_some();
    let stale = now - c.confirmed_at > chatops_core::jobs::confirmed::STILL_WANTED.as_millis() as i64;
    if started || stale {
        return not_repeated(ctx, c, &st, lease, started).await;
    }
    lease.record_step(ctx, "started", json!(now)).await?;
    let reply = Reply {
        user: c.user.clone(),
        channel: c.channel.clone(),
        response_url: c.response_url.clone(),
    };
    carry_out(ctx, &reply, &st).await;
    let mut conn = ctx.store.pool.acquire().await?;
    redact(&mut conn, &c.token, &st).await;
    Ok(())
}

/// Not carried out (again): one notice in the channel, the audit, the secrets blanked.
async fn not_repeated(
    ctx: &Arc<Ctx>,
    c: &OpsConfirmed,
    st: &super::confirm::Stored,
    lease: &Lease,
    started: bool,
) -> JobResult {
    let l = ctx.locale();
    let command = format!("{} {} {}", crate::settings::of(ctx).command, st.system, st.action);
    let (msg, outcome) = if started {
        (
            messages::ops::interrupted(l, &command, &c.user),
            "interrupted",
        )
    } else {
        (
            messages::jobs::action_not_carried_out(&command, &c.user, l),
            "not_carried_out",
        )
    };
    tracing::warn!(
        job = lease.id,
        outcome,
        "ops: a confirmed action was cut short by a restart; not repeating it"
    );
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    if !c.channel.is_empty() {
        chatops_core::outbox::enqueue(
            &mut tx,
            &chatops_core::outbox::OutboxItem::post(&c.channel, &msg),
            now,
        )
        .await?;
    }
    let entry = chatops_core::audit::AuditEntry {
        actor: c.user.clone(),
        action: audit_name(&st.system, &st.action),
        args: st.args.shown(),
        outcome: outcome.into(),
        ..Default::default()
    };
    chatops_core::audit::record(&mut tx, &entry, now).await?;
    redact(&mut tx, &c.token, st).await;
    lease.complete_in(&mut tx, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}
