//! The incident flow's background work: finishing a declaration, rendering the post-mortem.
//! Registered by the composition root with [`register`].

use std::sync::Arc;

use futures::future::BoxFuture;
use sqlx::AnyConnection;

use chatops_core::ids::IncidentId;
use chatops_core::jobs::{JobResult, Lease, Registry};
use chatops_core::Ctx;

pub use crate::payloads::{Declaration, DeclaredReply, Postmortem, DECLARATION, POSTMORTEM};

pub fn register(jobs: &mut Registry) {
    jobs.register_with_failure(DECLARATION, run_declaration, declaration_failed);
    jobs.register(POSTMORTEM, run_postmortem);
}

fn run_declaration<'a>(
    ctx: &'a Arc<Ctx>,
    d: Declaration,
    lease: &'a Lease,
) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        crate::declare::run_declaration_job(ctx, IncidentId(d.incident), d.reply.as_ref(), lease)
            .await
    })
}

fn declaration_failed<'a>(
    ctx: &'a Ctx,
    conn: &'a mut AnyConnection,
    d: Declaration,
    lease: &'a Lease,
    now: i64,
) -> BoxFuture<'a, Result<(), sqlx::Error>> {
    Box::pin(async move {
        crate::declare::declaration_failed(ctx, conn, IncidentId(d.incident), lease.attempt, now)
            .await
    })
}

fn run_postmortem<'a>(
    ctx: &'a Arc<Ctx>,
    p: Postmortem,
    lease: &'a Lease,
) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        crate::postmortem::run_postmortem_job(ctx, IncidentId(p.incident), lease).await
    })
}
