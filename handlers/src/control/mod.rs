//! The controlled system ("Julia"): status, pause/resume, deploys, Evolution, watcher.
//!
//! Read-only subcommands answer anyone; privileged ones go through [`access`]: permission,
//! preconditions, a single-use confirmation button, then the action, all audited.

pub mod access;
pub mod deploys;
pub mod evolution;
pub mod jobs;
pub mod pause;
pub mod status;
pub mod switches;
pub mod visibility;
pub mod watcher;

use std::sync::Arc;

use serde_json::Value;

use crate::command::JuliaCmd;
use crate::request::{Ack, SlashCommand};
use crate::Ctx;

pub use access::Action;
pub use watcher::run_watcher;

/// Where a flow answers: the requester's `response_url` and the channel it came from.
#[derive(Debug, Clone)]
pub struct Reply {
    pub user: String,
    pub channel: String,
    pub response_url: String,
}

impl Reply {
    pub async fn send(&self, ctx: &Ctx, msg: &messages::Msg) {
        crate::request::reply_later(ctx, &self.response_url, msg).await;
    }
    /// Replaces the message the button was on (the confirmation prompt).
    pub async fn replace(&self, ctx: &Ctx, msg: &messages::Msg) {
        if self.response_url.is_empty() {
            return;
        }
        let mut body = msg.ephemeral();
        body["replace_original"] = true.into();
        if let Err(e) = ctx.slack.respond(&self.response_url, &body).await {
            tracing::warn!(error = %e, "response_url replace failed");
        }
    }
}

fn working(ctx: &Ctx) -> Ack {
    Ack::Body(messages::working_on_it(ctx.locale()).ephemeral())
}

pub async fn handle_command(ctx: Arc<Ctx>, cmd: SlashCommand, c: JuliaCmd) -> Ack {
    let cfg = &ctx.config;
    let reply = Reply {
        user: cmd.user_id.clone(),
        channel: cmd.channel_id.clone(),
        response_url: cmd.response_url.clone(),
    };
    let action = match c {
        JuliaCmd::Help => {
            return Ack::Body(
                messages::usage::help(
                    messages::usage::Topic::Julia,
                    &cfg.incident_command,
                    &cfg.julia_command,
                    ctx.locale(),
                )
                .ephemeral(),
            )
        }
        JuliaCmd::Status => return spawn_report(ctx, reply, status::Report::Status),
        JuliaCmd::Health => return spawn_report(ctx, reply, status::Report::Health),
        JuliaCmd::Circuits => return spawn_report(ctx, reply, status::Report::Circuits),
        JuliaCmd::Queue => return spawn_report(ctx, reply, status::Report::Queue),
        JuliaCmd::QueueBlocked => return spawn_report(ctx, reply, status::Report::QueueBlocked),
        JuliaCmd::Jobs => return spawn_report(ctx, reply, status::Report::Jobs),
        JuliaCmd::Flags { name } => return spawn_report(ctx, reply, status::Report::Flags(name)),
        JuliaCmd::Campaigns { enabled, reason } => Action::Campaigns {
            enabled,
            reason: reason.unwrap_or_else(|| {
                if enabled {
                    "campaigns on"
                } else {
                    "campaigns off"
                }
                .into()
            }),
        },
        JuliaCmd::Campaign { pause, name } => Action::Campaign {
            name,
            pause,
            id: None,
            label: None,
            from: None,
        },
        JuliaCmd::Evolution => return spawn_report(ctx, reply, status::Report::Evolution),
        JuliaCmd::Webhook => return spawn_report(ctx, reply, status::Report::Webhook),
        JuliaCmd::Deploys { service } => {
            return spawn_report(ctx, reply, status::Report::Deploys(service))
        }
        JuliaCmd::Audit => return spawn_report(ctx, reply, status::Report::Audit),
        JuliaCmd::EvolutionQr => {
            let ack = working(&ctx);
            tokio::spawn(async move { evolution::qr(&ctx, &reply).await });
            return ack;
        }
        JuliaCmd::Pause { reason, handoff } => Action::Pause { reason, handoff },
        JuliaCmd::Resume { reason } => Action::Resume {
            reason: reason.unwrap_or_else(|| "resume".into()),
            requeue: false,
            offer: None,
        },
        JuliaCmd::JobsKill { id } => Action::JobsKill { id },
        JuliaCmd::Restart { service } => Action::Restart { service },
        JuliaCmd::Redeploy { service } => Action::Redeploy { service },
        JuliaCmd::Rollback {
            service,
            deployment,
        } => Action::Rollback {
            service,
            deployment,
        },
        JuliaCmd::EvolutionRestart => Action::EvolutionRestart,
        JuliaCmd::WebhookReset => Action::WebhookReset,
    };
    let ack = working(&ctx);
    tokio::spawn(async move { access::request(&ctx, &reply, action).await });
    ack
}

fn spawn_report(ctx: Arc<Ctx>, reply: Reply, r: status::Report) -> Ack {
    let ack = working(&ctx);
    tokio::spawn(async move {
        let msg = status::report(&ctx, r).await;
        reply.send(&ctx, &msg).await;
    });
    ack
}

/// Buttons whose action id starts with `julia_` (confirmations, rollback offers…).
pub async fn on_block_action(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let s = |p: &str| {
        payload
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let action_id = s("/actions/0/action_id");
    let value = s("/actions/0/value");
    let reply = Reply {
        user: s("/user/id"),
        channel: payload
            .pointer("/channel/id")
            .or_else(|| payload.pointer("/container/channel_id"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        response_url: s("/response_url"),
    };
    tokio::spawn(async move {
        match action_id.as_str() {
            messages::julia::ACTION_CONFIRM => {
                access::answer(&ctx, &reply, &value, access::Choice::Confirm).await
            }
            messages::julia::ACTION_CONFIRM_ALT => {
                access::answer(&ctx, &reply, &value, access::Choice::Alternative).await
            }
            messages::julia::ACTION_CANCEL => {
                access::answer(&ctx, &reply, &value, access::Choice::Cancel).await
            }
            messages::julia::ACTION_PAUSE_PROMPT => {
                let reason = messages::julia::alert_pause_reason(ctx.locale());
                access::request(
                    &ctx,
                    &reply,
                    Action::Pause {
                        reason,
                        handoff: false,
                    },
                )
                .await
            }
            messages::julia::ACTION_ROLLBACK_PROMPT => {
                access::request(
                    &ctx,
                    &reply,
                    Action::Rollback {
                        service: value,
                        deployment: None,
                    },
                )
                .await
            }
            // The Home tab's button (no response_url there): the report goes to the user's DM.
            messages::home::ACTION_JULIA_STATUS => {
                let msg = status::report(&ctx, status::Report::Status).await;
                dm(&ctx, &reply.user, &msg).await;
            }
            other => tracing::debug!(action = other, "unknown julia action"),
        }
    });
    None
}

/// A direct message through the outbox (posting to a user id opens the DM).
async fn dm(ctx: &Ctx, user: &str, msg: &messages::Msg) {
    if user.is_empty() {
        return;
    }
    let r: Result<i64, sqlx::Error> = async {
        let mut conn = ctx.store.pool.acquire().await?;
        crate::outbox::enqueue(
            &mut conn,
            &crate::outbox::OutboxItem::post(user, msg),
            ctx.clock.now_ms(),
        )
        .await
    }
    .await;
    match r {
        Ok(_) => ctx.outbox_wake.notify_one(),
        Err(e) => tracing::warn!(error = %e, "could not queue a direct message"),
    }
}

/// Modals whose callback id starts with `julia_` (none yet).
pub async fn on_view_submission(_ctx: Arc<Ctx>, _payload: Value) -> Option<Value> {
    None
}
