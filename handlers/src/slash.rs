//! Slash commands: rate limit, parse, dispatch. Returns the body of the HTTP ack (Slack
//! shows it to the user only); slow work continues in a task that answers via `response_url`.

use std::sync::Arc;

use crate::command::{parse_incident, parse_julia};
use crate::request::{Ack, SlashCommand};
use crate::Ctx;

pub async fn handle(ctx: Arc<Ctx>, cmd: SlashCommand) -> Ack {
    let l = ctx.locale();
    let name = command_name(&ctx, &cmd.command);
    // Rate limit per user (Redis only; off when Redis is absent or down).
    let limit = ctx.config.rate_limit_per_minute;
    if limit > 0 {
        let minute = ctx.clock.now_secs() / 60;
        if let Some(n) = ctx.cache.count_in_minute(&cmd.user_id, minute).await {
            if n > limit as i64 {
                metrics::counter!("commands_total", "command" => name, "outcome" => "rate_limited")
                    .increment(1);
                return Ack::Body(messages::slow_down(l, limit).ephemeral());
            }
        }
    }
    let cfg = &ctx.config;
    let cmd_text = cmd.text.clone();
    let user = cmd.user_id.clone();
    let (ack, outcome) = if cmd.command == cfg.incident_command {
        match parse_incident(&cmd.text) {
            Ok(c) => (
                crate::incident::dispatch::handle_command(ctx.clone(), cmd, c).await,
                "ok",
            ),
            Err(p) => (
                Ack::Body(
                    messages::usage::problem(&p, &cfg.incident_command, &cfg.julia_command, l)
                        .ephemeral(),
                ),
                "usage",
            ),
        }
    } else if cmd.command == cfg.julia_command {
        match parse_julia(&cmd.text) {
            Ok(c) => (
                crate::control::handle_command(ctx.clone(), cmd, c).await,
                "ok",
            ),
            Err(p) => (
                Ack::Body(
                    messages::usage::problem(&p, &cfg.incident_command, &cfg.julia_command, l)
                        .ephemeral(),
                ),
                "usage",
            ),
        }
    } else if cmd.command == cfg.ops.command {
        (crate::ops::handle_command(ctx.clone(), cmd).await, "ok")
    } else {
        tracing::warn!(
            command = %cmd.command,
            "a slash command this bot is not set up for: INCIDENT_COMMAND / JULIA_COMMAND must match the app's manifest"
        );
        (
            Ack::Body(
                messages::usage::unknown_command(
                    &cmd.command,
                    &cfg.incident_command,
                    &cfg.julia_command,
                    l,
                )
                .ephemeral(),
            ),
            "unknown_command",
        )
    };
    let sub = subcommand(&cmd_text);
    metrics::counter!("commands_total", "command" => name, "subcommand" => sub, "outcome" => outcome).increment(1);
    tracing::info!(command = name, subcommand = sub, user = %user, outcome, "command handled");
    ack
}

/// The subcommand as a low-cardinality metrics label.
fn subcommand(text: &str) -> &'static str {
    let first = text.split_whitespace().next().unwrap_or("").to_lowercase();
    let known = crate::command::INCIDENT_SUBCOMMANDS
        .iter()
        .chain(crate::command::JULIA_SUBCOMMANDS.iter());
    known
        .copied()
        .find(|k| *k == first)
        .unwrap_or(if first.is_empty() { "none" } else { "other" })
}

fn command_name(ctx: &Ctx, c: &str) -> &'static str {
    if c == ctx.config.incident_command {
        "incident"
    } else if c == ctx.config.julia_command {
        "julia"
    } else if c == ctx.config.ops.command {
        "ops"
    } else {
        "other"
    }
}
