//! Slash commands: rate limit, parse, dispatch. Returns the body of the HTTP ack (Slack
//! shows it to the user only); slow work continues in a task that answers via `response_url`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::command::{parse_incident, parse_julia};
use crate::Ctx;

/// The fields of a slash-command form the bot uses (`token` is never used).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct SlashCommand {
    pub command: String,
    #[serde(default)]
    pub text: String,
    pub user_id: String,
    #[serde(default)]
    pub channel_id: String,
    #[serde(default)]
    pub channel_name: String,
    #[serde(default)]
    pub team_id: String,
    #[serde(default)]
    pub response_url: String,
    #[serde(default)]
    pub trigger_id: String,
}

/// What to answer Slack within 3 s.
#[derive(Debug, Clone, PartialEq)]
pub enum Ack {
    /// Empty 200: nothing shown.
    Empty,
    /// A JSON message body (ephemeral unless it says otherwise).
    Body(Value),
}

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
                crate::incident::flows::handle_command(ctx.clone(), cmd, c).await,
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

/// Answers later through `response_url` (Slack allows 5 uses in 30 minutes per payload).
pub async fn reply_later(ctx: &Ctx, response_url: &str, msg: &messages::Msg) {
    if response_url.is_empty() {
        return;
    }
    let body = msg.ephemeral();
    for attempt in 0..3u64 {
        match ctx.slack.respond(response_url, &body).await {
            Ok(()) => return,
            Err(e) if e.retryable() && attempt < 2 => {
                tokio::time::sleep(std::time::Duration::from_millis(500 * (attempt + 1))).await
            }
            Err(e) => {
                tracing::warn!(error = %e, "response_url reply failed");
                return;
            }
        }
    }
}
