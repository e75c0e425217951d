//! The follow-up of a runbook action (e.g. `/health` shows `delivery_disabled: true` within
//! 60 s): a job, so a restart of the bot does not lose it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::args::Args;
use super::check;
use super::runbook::RunbookAction;
use super::spec::Check;
use chatops_core::audit;
use chatops_core::guarded::Outcome;
use chatops_core::jobs::{JobResult, Lease, Registry};
use chatops_core::Ctx;
use futures::future::BoxFuture;

/// The job kind of a runbook action's follow-up.
pub const OPS_FOLLOW: &str = "ops_follow";

pub fn register(jobs: &mut Registry) {
    jobs.register(OPS_FOLLOW, run);
}

fn run<'a>(ctx: &'a Arc<Ctx>, f: OpsFollow, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move { run_follow_job(ctx, &f, lease).await })
}

/// A follow-up check, run as a job so a restart of the bot does not lose it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsFollow {
    pub user: String,
    pub channel: String,
    pub response_url: String,
    pub system: String,
    pub action: String,
    /// Secret values blanked.
    pub args: Args,
    pub check: Check,
    pub deadline_ms: i64,
    pub every_ms: i64,
    pub within_secs: u64,
}

/// Checks until the check holds or the time is up (at least once); then, in one transaction,
/// the audit row, the outcome post and the job's completion.
pub async fn run_follow_job(
    ctx: &Arc<Ctx>,
    f: &OpsFollow,
    lease: &chatops_core::jobs::Lease,
) -> chatops_core::jobs::JobResult {
    let every = std::time::Duration::from_millis(f.every_ms.max(100) as u64);
    let result = loop {
        let r = check::run(ctx, &f.check).await;
        if r.ok || ctx.clock.now_ms() + f.every_ms >= f.deadline_ms {
            break r;
        }
        tokio::time::sleep(every).await;
    };
    let command = format!("{} {}", f.system, f.action);
    let msg = messages::ops::follow_outcome(
        ctx.locale(),
        &command,
        result.ok,
        f.within_secs,
        &result.lines,
    );
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let outcome = if result.ok {
        "followed_ok"
    } else {
        "followed_failed"
    };
    let action = RunbookAction::new(&f.system, &f.action, f.args.clone());
    let entry = Outcome::new(outcome)
        .after(Some(result.summary.clone()))
        .entry(&f.user, &action);
    audit::record(&mut tx, &entry, now).await?;
    check::remember(
        &mut tx,
        &f.system,
        &format!("{} follow-up", f.action),
        &result,
        now,
    )
    .await?;
    if !f.channel.is_empty() {
        chatops_core::outbox::enqueue(
            &mut tx,
            &chatops_core::outbox::OutboxItem::post(&f.channel, &msg),
            now,
        )
        .await?;
    }
    lease.complete_in(&mut tx, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    if f.channel.is_empty() {
        chatops_core::guarded::Reply {
            user: f.user.clone(),
            channel: String::new(),
            response_url: f.response_url.clone(),
        }
        .send(ctx, &msg)
        .await;
    }
    Ok(())
}
