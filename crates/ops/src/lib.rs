//! The runbook catalog (`/ops`): guarded actions on any system, from a YAML file the team
//! writes (`RUNBOOKS_FILE`), with the same path as `/julia`: permission, confirmation, guard,
//! action, read-back or follow-up, announcement, audit with before and after.
//!
//! - [`raw`] / [`catalog`]: the file and its checks (every error with its line); [`spec`]:
//!   what its parts share (argument specs, checks, environment variable names)
//! - [`args`]: the grammar and typed arguments
//! - [`kinds`]: what an action does; [`exec`], [`railway`], [`kube`]: doing it, [`outcome`]:
//!   what that returns; [`ops_clients`]: the HTTP, Kubernetes and PostgreSQL clients
//! - [`check`]: guards and checks (HTTP JSON pointers, SQL), their last results
//! - [`runbook`] / [`control`]: a runbook action on the guarded path (`chatops_core::guarded`,
//!   the same permission, confirmation, job and audit code as `/julia`)
//! - [`flow`]: what the path does for a runbook (admins, guard, action, announcement) and the
//!   follow-up job ([`follow`]); [`legacy`]: rows the release before it left

pub mod args;
pub mod catalog;
#[cfg(test)]
mod catalog_tests;
pub mod check;
pub mod control;
pub mod exec;
pub mod flow;
pub mod follow;
pub mod kinds;
pub mod kube;
pub mod legacy;
pub mod ops_clients;
pub mod outcome;
pub mod railway;
pub mod raw;
pub mod runbook;
pub mod settings;
pub mod spec;

use std::sync::Arc;

use serde_json::Value;

use args::OpsCmd;
use chatops_core::guarded::{self, Choice, Reply};
use chatops_core::request::{Ack, SlashCommand};
use chatops_core::Ctx;
use runbook::RunbookAction;

pub use ops_clients::{clients, OpsClients};

pub async fn handle_command(ctx: Arc<Ctx>, cmd: SlashCommand) -> Ack {
    let l = ctx.locale();
    let command = crate::settings::of(&ctx).command.clone();
    let parsed = args::parse(&cmd.text);
    if parsed == OpsCmd::Help {
        return Ack::Body(messages::ops::help(l, &command).ephemeral());
    }
    let Some(catalog) = crate::settings::of(&ctx).catalog.clone() else {
        return Ack::Body(
            messages::ops::no_catalog(l, &crate::settings::of(&ctx).runbooks_file).ephemeral(),
        );
    };
    let names: Vec<&str> = catalog.systems.iter().map(|s| s.name.as_str()).collect();
    let unknown = |given: &str| {
        let near = args::closest_system(&catalog, given);
        Ack::Body(
            messages::ops::unknown_system(l, &command, given, near.as_deref(), &names).ephemeral(),
        )
    };
    let reply = Reply {
        user: cmd.user_id.clone(),
        channel: cmd.channel_id.clone(),
        response_url: cmd.response_url.clone(),
    };
    match parsed {
        OpsCmd::Help => unreachable!("answered above"),
        OpsCmd::List => {
            let ack = Ack::Body(messages::working_on_it(l).ephemeral());
            tokio::spawn(async move {
                let msg = flow::list(&ctx, &catalog).await;
                reply.send(&ctx, &msg).await;
            });
            ack
        }
        OpsCmd::System(name) => match catalog.system(&name) {
            None => unknown(&name),
            Some(sys) => Ack::Body(flow::system_view(&ctx, sys).ephemeral()),
        },
        OpsCmd::Run {
            system,
            action,
            words,
        } => {
            let Some(sys) = catalog.system(&system) else {
                return unknown(&system);
            };
            let Some(act) = sys.action(&action) else {
                let acts: Vec<&str> = sys.actions.iter().map(|a| a.name.as_str()).collect();
                let near = args::closest_action(sys, &action);
                return Ack::Body(
                    messages::ops::unknown_action(
                        l,
                        &command,
                        &sys.name,
                        &chatops_core::text::clean_text(&action),
                        near.as_deref(),
                        &acts,
                    )
                    .ephemeral(),
                );
            };
            let typed = match args::typed(act, &words) {
                Ok(a) => a,
                Err(p) => {
                    let usage = flow::usage_line(&command, sys, act);
                    return Ack::Body(messages::ops::bad_args(l, &usage, &p).ephemeral());
                }
            };
            let ack = Ack::Body(messages::working_on_it(l).ephemeral());
            let action = RunbookAction::new(&sys.name, &act.name, typed);
            tokio::spawn(async move {
                legacy::blank_expired(&ctx).await;
                guarded::request(&ctx, &reply, action).await
            });
            ack
        }
    }
}

/// Buttons whose action id starts with `ops_` (the confirmation prompt).
pub async fn on_block_action(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let s = |p: &str| {
        payload
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let action_id = s("/actions/0/action_id");
    let token = s("/actions/0/value");
    let reply = Reply::from_block_action(&payload);
    let choice = match action_id.as_str() {
        messages::ops::ACTION_CONFIRM => Choice::Confirm,
        messages::ops::ACTION_CANCEL => Choice::Cancel,
        _ => return None,
    };
    tokio::spawn(
        async move { guarded::answer::<RunbookAction>(&ctx, &reply, &token, choice).await },
    );
    None
}

/// Registers `/ops`'s background work: confirmed runbook actions (on the guarded path, and
/// those the release before it left) and their follow-ups.
pub fn register(jobs: &mut chatops_core::jobs::Registry) {
    guarded::register::<RunbookAction>(jobs);
    legacy::register(jobs);
    follow::register(jobs);
}
