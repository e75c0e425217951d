//! The Julia controls on the guarded path: [`Action`] implements [`Control`], each action's
//! preconditions and effect living in its own module. The one place that names every action.

use std::sync::Arc;

use messages::julia as m;

use super::action::Action;
use super::deploys::{Deploy, Kind};
use super::{deploys, evolution, jobs, pause, switches};
use chatops_core::guarded::{Control, Prepared, Refusal, Reply};
use chatops_core::Ctx;

/// The job kind of a confirmed `/julia` action.
pub const CONFIRMED_ACTION: &str = "confirmed_action";

impl Control for Action {
    fn name(&self) -> std::borrow::Cow<'static, str> {
        Action::name(self).into()
    }

    fn describe(&self) -> String {
        self.command()
    }

    fn command_line(&self, ctx: &Ctx) -> String {
        format!("{} {}", ctx.config.julia_command, self.command())
    }

    fn interrupted(&self, ctx: &Ctx, user: &str) -> messages::Msg {
        let cmd = &ctx.config.julia_command;
        messages::jobs::action_interrupted(&self.command_line(ctx), user, cmd, ctx.locale())
    }

    const JOB_KIND: Option<&'static str> = Some(CONFIRMED_ACTION);

    async fn prepare(&self, ctx: &Ctx) -> Result<Prepared<Self>, Refusal> {
        match self {
            Action::Pause { reason, handoff } => pause::prepare_pause(ctx, reason, *handoff).await,
            Action::Resume { reason, .. } => pause::prepare_resume(ctx, reason).await,
            Action::JobsKill { id } => jobs::prepare(ctx, id).await,
            Action::Campaigns { enabled, reason } => {
                switches::prepare_campaigns(ctx, *enabled, reason).await
            }
            Action::Campaign { name, pause, .. } => {
                switches::prepare_campaign(ctx, name, *pause).await
            }
            Action::EvolutionRestart => evolution::prepare_restart(ctx).await,
            Action::WebhookReset => evolution::prepare_webhook_reset(ctx).await,
            Action::Restart { service } => {
                deploys::prepare(ctx, Deploy::new(Kind::Restart, service, None)).await
            }
            Action::Redeploy { service } => {
                deploys::prepare(ctx, Deploy::new(Kind::Redeploy, service, None)).await
            }
            Action::Rollback {
                service,
                deployment,
            }
            | Action::RollbackKeeping {
                service,
                deployment,
                ..
            } => {
                let d = Deploy::new(Kind::Rollback, service, deployment.as_deref());
                deploys::prepare(ctx, d).await
            }
        }
    }

    /// Environment and project ref on every prompt; a resume with blocked messages to requeue
    /// offers "Resume only" as the second choice.
    fn prompt(ctx: &Ctx, p: &Prepared<Self>, token: &str) -> messages::Msg {
        let l = ctx.locale();
        let j = &clients::julia_config::of(ctx);
        let env = j.app_env.clone().unwrap_or_else(|| m::var_unset("APP_ENV"));
        let project_ref = j
            .supabase_project_ref
            .clone()
            .unwrap_or_else(|| m::var_unset("SUPABASE_PROJECT_REF"));
        let view = m::ConfirmView {
            what: &p.what,
            environment: &env,
            project_ref: &project_ref,
            token,
        };
        match (&p.action, &p.alt) {
            (Action::Resume { offer: Some(n), .. }, Some(_)) => m::resume_confirm(l, &view, *n),
            (_, Some(Action::RollbackKeeping { keep, .. })) => {
                m::rollback_keep_confirm(l, &view, keep)
            }
            _ => m::confirm(l, &view),
        }
    }

    async fn execute(&self, ctx: &Arc<Ctx>, reply: &Reply) {
        match self {
            Action::Pause { reason, handoff } => {
                let c = pause::Change {
                    pause: true,
                    handoff: *handoff,
                    requeue: false,
                    reason,
                };
                pause::execute(ctx, reply, self, c).await
            }
            Action::Resume {
                reason, requeue, ..
            } => {
                let c = pause::Change {
                    pause: false,
                    handoff: false,
                    requeue: *requeue,
                    reason,
                };
                pause::execute(ctx, reply, self, c).await
            }
            Action::JobsKill { id } => jobs::execute(ctx, reply, self, id).await,
            Action::Campaigns { enabled, reason } => {
                switches::execute_campaigns(ctx, reply, self, (*enabled, reason)).await
            }
            Action::Campaign { .. } => switches::execute_campaign(ctx, reply, self).await,
            Action::EvolutionRestart => evolution::execute_restart(ctx, reply, self).await,
            Action::WebhookReset => evolution::execute_webhook_reset(ctx, reply, self).await,
            Action::Restart { service } => {
                let d = Deploy::new(Kind::Restart, service, None);
                deploys::execute(ctx, reply, self, d).await
            }
            Action::Redeploy { service } => {
                let d = Deploy::new(Kind::Redeploy, service, None);
                deploys::execute(ctx, reply, self, d).await
            }
            Action::Rollback {
                service,
                deployment,
            } => {
                let d = Deploy::new(Kind::Rollback, service, deployment.as_deref());
                deploys::execute(ctx, reply, self, d).await
            }
            Action::RollbackKeeping {
                service,
                deployment,
                keep,
            } => {
                let d = Deploy::new(Kind::Rollback, service, deployment.as_deref()).keeping(keep);
                deploys::execute(ctx, reply, self, d).await
            }
        }
    }
}
