//! A runbook action on the guarded path (`chatops_core::guarded`, the one `/julia` takes):
//! [`RunbookAction`] implements [`Control`]. Who may run it is the system's admins (for a
//! privileged action); its preconditions are the system's guard and the current value; the
//! prompt says what will change; after the click the guard is checked again, then the action.
//! A confirmed action is a job of kind [`CONFIRMED_ACTION`]; an action the catalog marks
//! `confirm: false` runs at the request.

use std::borrow::Cow;
use std::sync::Arc;

use super::exec;
use super::flow::{execute, failure_msg, guard_refusal, may_run, mentions};
use super::runbook::RunbookAction;
use chatops_core::guarded::{self, Control, Prepared, Refusal, Reply};
use chatops_core::Ctx;

/// The job kind of a confirmed runbook action.
pub const CONFIRMED_ACTION: &str = "ops_confirmed_action";

impl Control for RunbookAction {
    fn name(&self) -> Cow<'static, str> {
        self.audit_name().into()
    }

    fn describe(&self) -> String {
        self.command()
    }

    /// A privileged action: the system's admins (else the bot's); any other: anyone.
    async fn allowed(&self, ctx: &Ctx, user: &str) -> bool {
        match self.find(ctx) {
            Some((sys, act)) if act.privileged => may_run(ctx, sys, user).await,
            _ => true,
        }
    }

    fn refused(&self, ctx: &Ctx) -> messages::Msg {
        let who = self.find(ctx).map(|(sys, _)| mentions(ctx, sys));
        messages::ops::refused(ctx.locale(), &self.command(), &who.unwrap_or_default())
    }

    /// The guard (for an action that writes), then the current value shown at the prompt.
    async fn prepare(&self, ctx: &Ctx) -> Result<Prepared<Self>, Refusal> {
        let Some((sys, act)) = self.find(ctx) else {
            let m = messages::guarded::confirmation_gone(ctx.locale(), "unknown");
            return Err(Refusal::new("failed", m));
        };
        if let Some(m) = guard_refusal(ctx, sys, act).await {
            return Err(Refusal::new("refused_guard", m));
        }
        let expected = match exec::preview(ctx, act, &self.args).await {
            Ok(v) => v,
            Err(f) => {
                let m = failure_msg(ctx, &self.command(), &f);
                return Err(Refusal::new("failed", m).detail(f.error));
            }
        };
        let mut what = exec::describe(&sys.name, act, &self.args);
        // A variable write shows the value to be written next to the current one.
        let change = super::railway::change_line(ctx, &act.kind, &self.args, expected.as_deref());
        if let Some(c) = change {
            what.push('\n');
            what.push_str(&c);
        }
        let action = RunbookAction {
            expected: expected.clone(),
            ..self.clone()
        };
        Ok(Prepared::new(what, action, expected).confirm(act.confirm))
    }

    fn prompt(ctx: &Ctx, p: &Prepared<Self>, token: &str) -> messages::Msg {
        messages::ops::confirm(ctx.locale(), &p.what, p.before.as_deref(), token)
    }

    /// After the click: the guard must still hold right before the write.
    async fn execute(&self, ctx: &Arc<Ctx>, reply: &Reply) {
        let Some(found) = self.find(ctx) else {
            let m = messages::guarded::confirmation_gone(ctx.locale(), "unknown");
            return reply.send(ctx, &m).await;
        };
        if let Some(m) = guard_refusal(ctx, found.0, found.1).await {
            let r = Refusal::new("refused_guard", m);
            return guarded::stop(ctx, reply, self, r).await;
        }
        execute(ctx, self, found, reply, true).await
    }

    /// `confirm: false`: the guard was checked a moment ago; the answer is a new message.
    async fn execute_unconfirmed(&self, ctx: &Arc<Ctx>, reply: &Reply) {
        if let Some(found) = self.find(ctx) {
            execute(ctx, self, found, reply, false).await
        }
    }

    fn command_line(&self, ctx: &Ctx) -> String {
        format!("{} {}", crate::settings::of(ctx).command, self.command())
    }

    fn interrupted(&self, ctx: &Ctx, user: &str) -> messages::Msg {
        messages::ops::interrupted(ctx.locale(), &self.command_line(ctx), user)
    }

    const JOB_KIND: Option<&'static str> = Some(CONFIRMED_ACTION);

    /// `name=value` pairs, secret values as `[secret]`.
    fn args(&self) -> String {
        self.args.shown()
    }

    fn redacted(&self) -> Self {
        self.without_secrets()
    }
}
