//! What every kind of privileged action implements ([`Control`]), and what its steps return:
//! the preconditions found ([`Prepared`]), why it stops ([`Refusal`]), an audit row
//! ([`Outcome`]).

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::reply::Reply;
use crate::admins::is_admin;
use crate::audit::AuditEntry;
use crate::Ctx;

/// One kind of privileged action. Stored as JSON between the prompt and the click, so the
/// value carries everything `execute` needs.
pub trait Control: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The audit name, e.g. `julia.pause` or `ops.kumon.kill-switch`.
    fn name(&self) -> Cow<'static, str>;
    /// The command as the user typed it (without the slash command), for messages.
    fn describe(&self) -> String;
    /// Whether `user` may ask for this action. Default: the bot's admins ([`is_admin`]).
    fn allowed(&self, ctx: &Ctx, user: &str) -> impl Future<Output = bool> + Send {
        is_admin(ctx, user)
    }
    /// The answer to someone [`Control::allowed`] refuses: who may. Default: the bot's admins.
    fn refused(&self, ctx: &Ctx) -> messages::Msg {
        let c = &ctx.config;
        let group = c.admin_group.as_deref();
        messages::guarded::refused(ctx.locale(), &self.describe(), &c.admins, group)
    }
    /// The preconditions (read only): what would be done, for the prompt, or why not.
    fn prepare(&self, ctx: &Ctx) -> impl Future<Output = Result<Prepared<Self>, Refusal>> + Send;
    /// The confirmation prompt for `p`, its buttons carrying `token`.
    fn prompt(ctx: &Ctx, p: &Prepared<Self>, token: &str) -> messages::Msg;
    /// After the click: check again, act, read back, announce, audit, and answer in place of
    /// the prompt ([`Reply::replace`]).
    fn execute(&self, ctx: &Arc<Ctx>, reply: &Reply) -> impl Future<Output = ()> + Send;
    /// An action its preconditions let go without a confirmation ([`Prepared::confirm`]
    /// false), carried out at the request: there is no prompt to answer in place of.
    /// Default: [`Control::execute`].
    fn execute_unconfirmed(
        &self,
        ctx: &Arc<Ctx>,
        reply: &Reply,
    ) -> impl Future<Output = ()> + Send {
        self.execute(ctx, reply)
    }
    /// The command with its slash command, as the user would type it again (for notices).
    fn command_line(&self, ctx: &Ctx) -> String;
    /// The notice when a restart cut this action short after it started: it may or may not
    /// have been applied, and how to check.
    fn interrupted(&self, ctx: &Ctx, user: &str) -> messages::Msg;
    /// The job kind that carries out a confirmed action, written with the click
    /// ([`crate::jobs::confirmed`]: a crash never loses it, never repeats it blindly), and
    /// registered with [`register`](super::register). `None` only for a control without a
    /// job kind (a test's): it then runs in the process that took the click, and a crash in
    /// between loses it.
    const JOB_KIND: Option<&'static str>;
    /// The arguments as audited (never a secret value).
    fn args(&self) -> String {
        serde_json::to_string(&self.redacted()).unwrap_or_default()
    }
    /// The action as it may be kept once nothing needs its secret values: those values
    /// blanked. What a confirmation row keeps after the click, what a confirmed action's job
    /// payload holds; a row never clicked is blanked once expired. Default: the action itself
    /// (it has no secret values).
    fn redacted(&self) -> Self {
        self.clone()
    }
}

/// What the preconditions found: the sentence to confirm, the action (maybe with values
/// resolved at the prompt), the current value, and an optional second choice.
#[derive(Debug, Clone)]
pub struct Prepared<A> {
    pub what: String,
    pub action: A,
    pub before: Option<String>,
    /// The second button of a two-way prompt
    /// ([`Choice::Alternative`](super::Choice::Alternative)).
    pub alt: Option<A>,
    /// Asked to confirm (the default); `false`: carried out at the request, without a prompt
    /// ([`Control::execute_unconfirmed`]).
    pub confirm: bool,
}

impl<A> Prepared<A> {
    pub fn new(what: String, action: A, before: Option<String>) -> Self {
        Prepared {
            what,
            action,
            before,
            alt: None,
            confirm: true,
        }
    }
    /// Whether the action waits for a confirmation (see [`Prepared::confirm`]).
    pub fn confirm(mut self, confirm: bool) -> Self {
        self.confirm = confirm;
        self
    }
}

/// Why an action stops: the audit outcome, the value seen, and the answer to the user (its
/// text is the audit detail, unless `detail` is given).
#[derive(Debug, Clone)]
pub struct Refusal {
    pub outcome: &'static str,
    pub before: Option<String>,
    pub msg: messages::Msg,
    /// The audit detail, when it is not the answer's text (e.g. the error alone).
    pub detail: Option<String>,
}

impl Refusal {
    pub fn new(outcome: &'static str, msg: messages::Msg) -> Self {
        Refusal {
            outcome,
            before: None,
            msg,
            detail: None,
        }
    }
    pub fn before(mut self, before: Option<String>) -> Self {
        self.before = before;
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    /// The audit row of this refusal.
    pub fn outcome(&self) -> Outcome {
        let detail = self.detail.clone().unwrap_or_else(|| self.msg.text.clone());
        Outcome::new(self.outcome)
            .before(self.before.clone())
            .detail(Some(detail))
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
    /// The audit row of this step of `action` by `user` (for a caller that writes it in its
    /// own transaction, with what else the step changes).
    pub fn entry<A: Control>(self, user: &str, action: &A) -> AuditEntry {
        AuditEntry {
            actor: user.to_string(),
            action: action.name().into_owned(),
            args: action.args(),
            outcome: self.outcome,
            before: self.before,
            after: self.after,
            detail: self.detail,
        }
    }
}
