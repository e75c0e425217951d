//! The follow-up of a Railway action: poll the deployment until it settles, then
//! `/health/deep` until healthy, within `JULIA_FOLLOW_LIMIT`; post the outcome in the channel
//! (with a rollback button when it went wrong). It is a job (a row), so a redeploy of the bot
//! itself does not lose it: the next process (or another replica) picks it up within a lease
//! and posts the outcome once.

use std::sync::Arc;

use messages::julia as m;

use super::action::Action;
use super::shared::health_lines;
use chatops_core::guarded::Reply;
use chatops_core::jobs::{JobResult, Lease, Registry};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::Ctx;
use clients::railway::{ServiceState, TRANSITIONAL};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

/// The job kind of a deployment follow-up.
pub const DEPLOY_FOLLOW: &str = "deploy_follow";

/// The deployment a restart / redeploy / rollback started, followed until it settles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployFollow {
    pub user: String,
    pub channel: String,
    pub response_url: String,
    pub action: Action,
    pub verb: String,
    pub service_id: String,
    pub service_name: String,
    pub deployment: String,
    /// Follow the deployment by id (redeploy) rather than the service's latest.
    pub by_id: bool,
    /// When following stops (`JULIA_FOLLOW_LIMIT` after the action), epoch ms.
    pub deadline_ms: i64,
}

pub fn register(jobs: &mut Registry) {
    jobs.register_with_failure(DEPLOY_FOLLOW, run, lost);
}

fn run<'a>(ctx: &'a Arc<Ctx>, f: DeployFollow, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move { run_follow_job(ctx, &f, lease).await })
}

/// Given up: whoever asked for the deploy would otherwise never hear how it went.
fn lost<'a>(
    ctx: &'a Ctx,
    conn: &'a mut AnyConnection,
    f: DeployFollow,
    _lease: &'a Lease,
    now: i64,
) -> BoxFuture<'a, Result<(), sqlx::Error>> {
    Box::pin(async move {
        if f.channel.is_empty() {
            return Ok(());
        }
        let msg = messages::jobs::follow_up_lost(
            &f.verb,
            &f.service_name,
            &f.deployment,
            &ctx.config.julia_command,
            ctx.locale(),
        );
        enqueue(conn, &OutboxItem::post(&f.channel, &msg), now).await?;
        Ok(())
    })
}

/// Schedules the follow-up of `action` (`verb` on `svc`), following deployment `followed`
/// (`by_id`) or the service's latest one.
pub async fn schedule(
    ctx: &Ctx,
    reply: &Reply,
    action: &Action,
    (verb, svc): (&str, &ServiceState),
    followed: &str,
    by_id: bool,
) {
    let now = ctx.clock.now_ms();
    let job = DeployFollow {
        user: reply.user.clone(),
        channel: reply.channel.clone(),
        response_url: reply.response_url.clone(),
        action: action.clone(),
        verb: verb.to_string(),
        service_id: svc.id.clone(),
        service_name: svc.name.clone(),
        deployment: followed.to_string(),
        by_id,
        deadline_ms: now + clients::julia_config::of(ctx).follow_limit.as_millis() as i64,
    };
    let r = async {
        let mut conn = ctx.store.pool.acquire().await?;
        chatops_core::jobs::enqueue(&mut conn, ctx, DEPLOY_FOLLOW, &job, now).await
    }
    .await;
    match r {
        Ok(_) => ctx.jobs_wake.notify_one(),
        Err(e) => {
            tracing::error!(error = %chatops_core::config::redact_url(&e.to_string()), "the deploy follow-up could not be scheduled")
        }
    }
}

/// Runs a follow-up job. After a restart of the bot it resumes with the time left
/// (`deadline_ms`), and polls at least once. The audit row, the outcome post and the job's
/// completion are one transaction.
pub async fn run_follow_job(ctx: &Arc<Ctx>, f: &DeployFollow, lease: &Lease) -> JobResult {
    let l = ctx.locale();
    let (status, settled) = settle(ctx, f).await;
    let status = status.unwrap_or_else(|| "UNKNOWN".into());
    let (healthy, lines) = if settled {
        check_health(ctx, f, status == "SUCCESS").await
    } else {
        (None, Vec::new())
    };
    // The rule: a rollback is offered when the deployment settled and health or the
    // deployment failed.
    let offer_rollback = healthy == Some(false) || (status != "SUCCESS" && healthy.is_some());
    let msg = m::deploy_outcome(
        l,
        &m::OutcomeView {
            action: &f.verb,
            service: &f.service_name,
            status: &status,
            healthy,
            health_lines: &lines,
            offer_rollback,
        },
    );
    let outcome = match healthy {
        Some(true) => "healthy",
        Some(false) => "unhealthy",
        None => "unsettled",
    };
    post_outcome(ctx, f, lease, (outcome, &status), &msg).await
}

/// Polls the deployment until it leaves the transitional states or the deadline comes: the
/// last status seen, and whether it settled.
async fn settle(ctx: &Ctx, f: &DeployFollow) -> (Option<String>, bool) {
    let j = &clients::julia_config::of(ctx);
    let mut status = None;
    loop {
        tokio::time::sleep(j.follow_interval).await;
        let d = if f.by_id {
            clients::julia(ctx)
                .railway
                .deployment(&f.deployment)
                .await
                .map(Some)
        } else {
            clients::julia(ctx).railway.latest(&f.service_id).await
        };
        if let Ok(Some(d)) = d {
            let settled = !TRANSITIONAL.contains(&d.status.as_str());
            status = Some(d.status);
            if settled {
                return (status, true);
            }
        }
        if ctx.clock.now_ms() >= f.deadline_ms {
            return (status, false);
        }
    }
}

/// `/health/deep` once, or until healthy while the deployment succeeded and time is left.
async fn check_health(ctx: &Ctx, f: &DeployFollow, success: bool) -> (Option<bool>, Vec<String>) {
    let l = ctx.locale();
    let j = &clients::julia_config::of(ctx);
    let interval_ms = j.follow_interval.as_millis() as i64;
    loop {
        let (healthy, lines) = match clients::julia(ctx).health.deep().await {
            Ok(d) => (d.healthy(), health_lines(l, &d, false)),
            Err(e) => (
                false,
                vec![m::source_failed(l, m::SYS_DEEP, &e.to_string())],
            ),
        };
        if healthy || !success || ctx.clock.now_ms() + interval_ms >= f.deadline_ms {
            return (Some(healthy), lines);
        }
        tokio::time::sleep(j.follow_interval).await;
    }
}

async fn post_outcome(
    ctx: &Ctx,
    f: &DeployFollow,
    lease: &Lease,
    (outcome, status): (&str, &str),
    msg: &messages::Msg,
) -> JobResult {
    if f.channel.is_empty() {
        // No channel to post in: the answer goes through response_url (again after a crash
        // right here; it is ephemeral).
        chatops_core::request::reply_later(ctx, &f.response_url, msg).await;
    }
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let entry = chatops_core::audit::AuditEntry {
        actor: f.user.clone(),
        action: f.action.name().into(),
        args: chatops_core::guarded::Control::args(&f.action),
        outcome: format!("followed_{outcome}"),
        before: None,
        after: Some(status.to_string()),
        detail: None,
    };
    chatops_core::audit::record(&mut tx, &entry, now).await?;
    if !f.channel.is_empty() {
        let post = chatops_core::outbox::OutboxItem::post(&f.channel, msg);
        chatops_core::outbox::enqueue(&mut tx, &post, now).await?;
    }
    lease.complete_in(&mut tx, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}
