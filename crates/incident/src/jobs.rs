//! The incident flow's background work: finishing a declaration, rendering the post-mortem.
//! Registered by the composition root with [`register`].

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use chatops_core::ids::IncidentId;
use chatops_core::jobs::{JobResult, Lease, Registry};
use chatops_core::Ctx;

pub const DECLARATION: &str = "declaration";
pub const POSTMORTEM: &str = "postmortem";

/// How a declaration's outcome reaches the person who declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum DeclaredReply {
    /// The slash command's `response_url` (valid 30 minutes).
    ResponseUrl { url: String },
    /// A direct message (the declare form has no `response_url`).
    Dm { user: String },
}

/// Finish a declaration: war room, invites, posts, pin, topic, the declarer's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    pub incident: i64,
    #[serde(default)]
    pub reply: Option<DeclaredReply>,
}

/// Render the post-mortem draft and queue its upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Postmortem {
    pub incident: i64,
}

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
