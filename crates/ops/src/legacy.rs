//! What the release before the guarded path left in the store, handed to it (a rolling deploy:
//! such rows may be there when this release starts). To delete once none can be left.
//!
//! - A job of kind [`OPS_CONFIRMED`] points at its confirmation row (the request, secret
//!   values included). The row is read and the job run as a confirmed action of the guarded
//!   path ([`guarded::run_job`]): carried out once, or not repeated after a crash, and the
//!   row's secret values blanked after, as before.
//! - A confirmation row of that release (the runbook action's fields beside the channel)
//!   reads as a [`RunbookAction`], so a prompt shown before the deploy and clicked after it
//!   works; one never clicked is blanked once expired ([`blank_expired`]), as the guarded path
//!   does for its own.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::runbook::RunbookAction;
use chatops_core::guarded;
use chatops_core::jobs::{ConfirmedAction, JobError, JobResult, Lease, Registry};
use chatops_core::store::confirmations;
use chatops_core::Ctx;
use futures::future::BoxFuture;

/// The job kind of a confirmed runbook action, as that release wrote it.
pub const OPS_CONFIRMED: &str = "ops_confirmed";

/// How that release's confirmation rows start (the action's fields, `system` first).
const ROW_PREFIX: &str = r#"{"system":"#;

/// That release's job: the click, and the confirmation row that holds the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpsConfirmed {
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
    Box::pin(async move { run_job(ctx, c, lease).await })
}

async fn run_job(ctx: &Arc<Ctx>, c: OpsConfirmed, lease: &Lease) -> JobResult {
    let mut conn = ctx.store.pool.acquire().await?;
    let stored = guarded::stored_action::<RunbookAction>(&mut conn, &c.token).await?;
    drop(conn);
    let Some((action, _)) = stored else {
        return Err(JobError::Fail("the confirmation row is gone".into()));
    };
    let a = ConfirmedAction {
        user: c.user,
        channel: c.channel,
        response_url: c.response_url,
        action: action.without_secrets(),
        confirmed_at: c.confirmed_at,
        token: Some(c.token),
    };
    guarded::run_job(ctx, &a, lease).await
}

/// Blanks that release's prompts never clicked and now expired (they may hold secret values).
pub async fn blank_expired(ctx: &Ctx) {
    let now = ctx.clock.now_ms();
    if let Err(e) = confirmations::blank_expired(&ctx.store.pool, ROW_PREFIX, now).await {
        let e = chatops_core::config::redact_url(&e.to_string());
        tracing::warn!(error = %e, "ops: could not blank expired confirmations");
    }
}
