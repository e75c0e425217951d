//! The controlled system ("Julia"): status, pause/resume, deploys, Evolution, watcher.
//!
//! One pass down: [`handle_command`] and [`on_block_action`] turn a typed command or a button
//! into a read-only [`status::Report`] or a privileged [`Action`]. Actions go through the
//! guarded path ([`chatops_core::guarded`]: permission, preconditions, single-use confirmation,
//! audit), which calls back into [`controls`] (the one place naming every action), which
//! calls each action's module (`pause`, `jobs`, `switches`, `deploys`, `evolution`). Those
//! share only [`shared`] and [`action`], below them all.

pub mod access;
pub mod action;
pub mod command;
pub mod controls;
pub mod deploys;
pub mod evolution;
pub mod follow;
pub mod jobs;
pub mod keep;
pub mod pause;
pub mod qr;
pub mod shared;
pub mod status;
pub mod switches;
pub mod visibility;
pub mod watcher;

use std::sync::Arc;

use serde_json::Value;

use crate::command::JuliaCmd;
use chatops_core::guarded::{self, Choice};
use chatops_core::request::{Ack, SlashCommand};
use chatops_core::Ctx;

/// Registers `/julia`'s background work: confirmed actions and deployment follow-ups.
pub fn register(jobs: &mut chatops_core::jobs::Registry) {
    guarded::register::<action::Action>(jobs);
    follow::register(jobs);
}

pub use action::Action;
pub use chatops_core::guarded::Reply;
pub use status::Report;
pub use watcher::run_watcher;

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
    let c = match c {
        JuliaCmd::Help => {
            let topic = messages::usage::Topic::Julia;
            let help = messages::usage::help(
                topic,
                &cfg.incident_command,
                &cfg.julia_command,
                ctx.locale(),
            );
            return Ack::Body(help.ephemeral());
        }
        JuliaCmd::EvolutionQr => {
            let ack = working(&ctx);
            tokio::spawn(async move { qr::qr(&ctx, &reply).await });
            return ack;
        }
        c => match report_of(c) {
            Ok(r) => return spawn_report(ctx, reply, r),
            Err(c) => c,
        },
    };
    let Some(action) = action_of(c) else {
        return Ack::Empty;
    };
    let ack = working(&ctx);
    tokio::spawn(async move { guarded::request(&ctx, &reply, action).await });
    ack
}

/// The read-only subcommands (anyone may run them); the others back.
fn report_of(c: JuliaCmd) -> Result<Report, JuliaCmd> {
    Ok(match c {
        JuliaCmd::Status => Report::Status,
        JuliaCmd::Health => Report::Health,
        JuliaCmd::Circuits => Report::Circuits,
        JuliaCmd::Queue => Report::Queue,
        JuliaCmd::QueueBlocked => Report::QueueBlocked,
        JuliaCmd::Jobs => Report::Jobs,
        JuliaCmd::Flags { name } => Report::Flags(name),
        JuliaCmd::Evolution => Report::Evolution,
        JuliaCmd::Webhook => Report::Webhook,
        JuliaCmd::Deploys { service } => Report::Deploys(service),
        JuliaCmd::Audit => Report::Audit,
        other => return Err(other),
    })
}

/// The privileged subcommands, as actions to confirm.
fn action_of(c: JuliaCmd) -> Option<Action> {
    Some(match c {
        JuliaCmd::Campaigns { enabled, reason } => Action::Campaigns {
            enabled,
            reason: reason.unwrap_or_else(|| messages::julia::campaigns_default_reason(enabled)),
        },
        JuliaCmd::Campaign { pause, name } => Action::Campaign {
            name,
            pause,
            id: None,
            label: None,
            from: None,
        },
        JuliaCmd::Pause { reason, handoff } => Action::Pause { reason, handoff },
        JuliaCmd::Resume { reason } => Action::Resume {
            reason: reason.unwrap_or_else(messages::julia::resume_default_reason),
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
        _ => return None,
    })
}

fn spawn_report(ctx: Arc<Ctx>, reply: Reply, r: Report) -> Ack {
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
    let reply = Reply::from_block_action(&payload);
    tokio::spawn(async move { on_button(&ctx, &reply, &action_id, value).await });
    None
}

async fn on_button(ctx: &Arc<Ctx>, reply: &Reply, action_id: &str, value: String) {
    use messages::julia as m;
    let answer = |choice| guarded::answer::<Action>(ctx, reply, &value, choice);
    match action_id {
        m::ACTION_CONFIRM => answer(Choice::Confirm).await,
        m::ACTION_CONFIRM_ALT => answer(Choice::Alternative).await,
        m::ACTION_CANCEL => answer(Choice::Cancel).await,
        m::ACTION_PAUSE_PROMPT => {
            let reason = m::alert_pause_reason(ctx.locale());
            let pause = Action::Pause {
                reason,
                handoff: false,
            };
            guarded::request(ctx, reply, pause).await
        }
        m::ACTION_ROLLBACK_PROMPT => {
            let rollback = Action::Rollback {
                service: value.clone(),
                deployment: None,
            };
            guarded::request(ctx, reply, rollback).await
        }
        // The Home tab's button (no response_url there): the report goes to the user's DM.
        messages::home::ACTION_JULIA_STATUS => {
            let msg = status::report(ctx, Report::Status).await;
            dm(ctx, &reply.user, &msg).await;
        }
        other => tracing::debug!(action = other, "unknown julia action"),
    }
}

/// A direct message through the outbox (posting to a user id opens the DM).
async fn dm(ctx: &Ctx, user: &str, msg: &messages::Msg) {
    if user.is_empty() {
        return;
    }
    let r: Result<i64, sqlx::Error> = async {
        let mut conn = ctx.store.pool.acquire().await?;
        chatops_core::outbox::enqueue(
            &mut conn,
            &chatops_core::outbox::OutboxItem::post(user, msg),
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
