//! The guarded-action path, the same for every privileged control (`/julia pause`, a Railway
//! rollback, an `/ops` runbook…): permission, preconditions, a single-use confirmation button,
//! then the action (guard, change, read-back, announcement), every step audited.
//!
//! This module knows no action: each kind implements [`Control`], and [`request`] and
//! [`answer`] only authorize, confirm and audit. The confirmation and audit rows live in the
//! store modules ([`crate::store::confirmations`], [`crate::audit`]). A confirmed action is a
//! job written with the click ([`crate::jobs::confirmed`]): a crash never loses it, and never
//! repeats it blindly.

mod flow;
mod reply;

use std::future::Future;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::audit::{self, AuditEntry};
use crate::jobs::{ConfirmedAction, Registry};
use crate::Ctx;

pub use flow::{answer, request, Choice, CONFIRM_TTL};
pub use reply::Reply;

/// Registers the job that carries out `A`'s confirmed actions (its [`Control::JOB_KIND`]),
/// with the notice when one is given up.
pub fn register<A: Control>(jobs: &mut Registry) {
    let Some(kind) = A::JOB_KIND else {
        return;
    };
    jobs.register_with_failure(kind, run_confirmed::<A>, given_up::<A>);
}

fn run_confirmed<'a, A: Control>(
    ctx: &'a Arc<Ctx>,
    c: ConfirmedAction<A>,
    lease: &'a crate::jobs::Lease,
) -> futures::future::BoxFuture<'a, crate::jobs::JobResult> {
    Box::pin(async move { crate::jobs::confirmed::run_job(ctx, &c, lease).await })
}

fn given_up<'a, A: Control>(
    ctx: &'a Ctx,
    conn: &'a mut sqlx::AnyConnection,
    c: ConfirmedAction<A>,
    _lease: &'a crate::jobs::Lease,
    now: i64,
) -> futures::future::BoxFuture<'a, Result<(), sqlx::Error>> {
    Box::pin(async move { crate::jobs::confirmed::given_up(ctx, conn, &c, now).await })
}

/// One kind of privileged action. Stored as JSON between the prompt and the click, so the
/// value carries everything `execute` needs.
pub trait Control: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The audit name, e.g. `julia.pause`.
    fn name(&self) -> &'static str;
    /// The command as the user typed it (without the slash command), for messages.
    fn describe(&self) -> String;
    /// The preconditions (read only): what would be done, for the prompt, or why not.
    fn prepare(&self, ctx: &Ctx) -> impl Future<Output = Result<Prepared<Self>, Refusal>> + Send;
    /// The confirmation prompt for `p`, its buttons carrying `token`.
    fn prompt(ctx: &Ctx, p: &Prepared<Self>, token: &str) -> messages::Msg;
    /// After the click: check again, act, read back, announce, audit, and answer in place of
    /// the prompt ([`Reply::replace`]).
    fn execute(&self, ctx: &Arc<Ctx>, reply: &Reply) -> impl Future<Output = ()> + Send;
    /// The command with its slash command, as the user would type it again (for notices).
    fn command_line(&self, ctx: &Ctx) -> String;
    /// The notice when a restart cut this action short after it started: it may or may not
    /// have been applied, and how to check.
    fn interrupted(&self, ctx: &Ctx, user: &str) -> messages::Msg;
    /// The job kind that carries out a confirmed action, written with the click
    /// ([`crate::jobs::confirmed`]: a crash never loses it, never repeats it blindly), and
    /// registered with [`register`]. `None` only for a control without a job kind (a test's):
    /// it then runs in the process that took the click, and a crash in between loses it.
    const JOB_KIND: Option<&'static str>;
    /// The arguments as audited.
    fn args(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What the preconditions found: the sentence to confirm, the action (maybe with values
/// resolved at the prompt), the current value, and an optional second choice.
#[derive(Debug, Clone)]
pub struct Prepared<A> {
    pub what: String,
    pub action: A,
    pub before: Option<String>,
    /// The second button of a two-way prompt ([`Choice::Alternative`]).
    pub alt: Option<A>,
}

impl<A> Prepared<A> {
    pub fn new(what: String, action: A, before: Option<String>) -> Self {
        Prepared {
            what,
            action,
            before,
            alt: None,
        }
    }
}

/// Why an action stops: the audit outcome, the value seen, and the answer to the user (its
/// text is the audit detail).
#[derive(Debug, Clone)]
pub struct Refusal {
    pub outcome: &'static str,
    pub before: Option<String>,
    pub msg: messages::Msg,
}

impl Refusal {
    pub fn new(outcome: &'static str, msg: messages::Msg) -> Self {
        Refusal {
            outcome,
            before: None,
            msg,
        }
    }
    pub fn before(mut self, before: Option<String>) -> Self {
        self.before = before;
        self
    }
    /// The audit row of this refusal.
    pub fn outcome(&self) -> Outcome {
        Outcome::new(self.outcome)
            .before(self.before.clone())
            .detail(Some(self.msg.text.clone()))
    }
}

/// The audit row of one step: outcome, before and after values, detail.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub outcome: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub detail: Option<String>,
}

impl Outcome {
    pub fn new(outcome: impl Into<String>) -> Self {
        Outcome {
            outcome: outcome.into(),
            ..Default::default()
        }
    }
    pub fn before(mut self, v: Option<String>) -> Self {
        self.before = v;
        self
    }
    pub fn after(mut self, v: Option<String>) -> Self {
        self.after = v;
        self
    }
    pub fn detail(mut self, v: Option<String>) -> Self {
        self.detail = v;
        self
    }
    fn entry<A: Control>(self, user: &str, action: &A) -> AuditEntry {
        AuditEntry {
            actor: user.to_string(),
            action: action.name().into(),
            args: action.args(),
            outcome: self.outcome,
            before: self.before,
            after: self.after,
            detail: self.detail,
        }
    }
}

/// One home for the question (below incidents and controls): [`crate::admins`].
pub use crate::admins::is_admin;

/// One audit row for `action` by `user` (a failure to write it is logged, never shown).
pub async fn record<A: Control>(ctx: &Ctx, user: &str, action: &A, o: Outcome) {
    let e = o.entry(user, action);
    if let Err(err) = audit::record_pool(&ctx.store.pool, &e, ctx.clock.now_ms()).await {
        tracing::error!(error = %err, action = action.name(), "audit write failed");
    }
}

/// Ends an action: its audit row, then `msg` in place of the prompt.
pub async fn finish<A: Control>(
    ctx: &Ctx,
    reply: &Reply,
    action: &A,
    o: Outcome,
    msg: &messages::Msg,
) {
    record(ctx, &reply.user, action, o).await;
    reply.replace(ctx, msg).await;
}

/// Ends an action that stopped on `r` (its audit row, then its answer).
pub async fn stop<A: Control>(ctx: &Ctx, reply: &Reply, action: &A, r: Refusal) {
    finish(ctx, reply, action, r.outcome(), &r.msg).await;
}

/// Ends a change: the audit row and (when given) the announcement in `INCIDENTS_CHANNEL`, in
/// one transaction of the bot's store (the outbox delivers it), then `msg` in place of the
/// prompt.
pub async fn finish_announced<A: Control>(
    ctx: &Ctx,
    reply: &Reply,
    action: &A,
    o: Outcome,
    (announce, msg): (Option<&messages::Msg>, &messages::Msg),
) {
    let entry = o.entry(&reply.user, action);
    let now = ctx.clock.now_ms();
    let r = async {
        let mut tx = ctx.store.pool.begin().await?;
        audit::record(&mut tx, &entry, now).await?;
        if let (Some(ch), Some(post)) = (&ctx.config.incidents_channel, announce) {
            crate::outbox::enqueue(&mut tx, &crate::outbox::OutboxItem::post(ch, post), now)
                .await?;
        }
        tx.commit().await
    };
    if let Err(e) = r.await {
        tracing::error!(error = %crate::config::redact_url(&e.to_string()), action = action.name(), "audit/announce failed");
    }
    ctx.outbox_wake.notify_one();
    reply.replace(ctx, msg).await;
}
