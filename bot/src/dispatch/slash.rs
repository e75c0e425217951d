//! Slash commands: rate limit, parse, dispatch. Returns the body of the HTTP ack (Slack
//! shows it to the user only); slow work continues in a task that answers via `response_url`.

use std::sync::Arc;

use crate::command::{parse_incident, parse_julia, IncidentCmd, JuliaCmd};
use chatops_core::request::{Ack, SlashCommand};
use chatops_core::Ctx;
use messages::usage::Topic;

/// What became of a command: the ack, and the labels of its log line and metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    pub ack: Ack,
    /// `incident`, `julia`, `ops` or `other` (the configured names are not labels).
    pub command: &'static str,
    /// The first word when it is a known subcommand, else `none` or `other`.
    pub subcommand: &'static str,
    /// `ok`, `usage`, `rate_limited` or `unknown_command`.
    pub outcome: &'static str,
}

/// A command that needs more than its text to be answered.
#[derive(Debug)]
pub enum Parsed {
    Incident(IncidentCmd),
    Julia(JuliaCmd),
    /// `/ops …`: parsed against the runbook catalog by [`ops`].
    Ops,
}

/// The first, synchronous step of a command.
#[derive(Debug)]
pub enum Step {
    /// Answered from the text alone: help, a usage error, an unknown command.
    Answered(Handled),
    /// Parsed; [`run`] rate-limits it and runs its flow.
    Dispatch(Parsed),
}

/// Help, usage errors and unknown commands are answered here from the text alone: no store,
/// no cache (so not rate-limited: they change nothing and cost less than the Redis round
/// trip), no task. Anything else comes back parsed for [`run`].
pub fn prepare(ctx: &Ctx, cmd: &SlashCommand) -> Step {
    let l = ctx.locale();
    let cfg = &ctx.config;
    let (name, sub) = (command_name(ctx, &cmd.command), subcommand(&cmd.text));
    let answered = |ack: Ack, outcome| {
        metrics::counter!("commands_total", "command" => name, "subcommand" => sub, "outcome" => outcome).increment(1);
        Step::Answered(Handled {
            ack,
            command: name,
            subcommand: sub,
            outcome,
        })
    };
    let usage = |p: &messages::usage::Problem| {
        messages::usage::problem(p, &cfg.incident_command, &cfg.julia_command, l).ephemeral()
    };
    let help = |t| Ack::Json(ctx.help.body(t, cfg));
    match name {
        "incident" => match parse_incident(&cmd.text) {
            Ok(IncidentCmd::Help) => answered(help(Topic::Incident), "ok"),
            Ok(c) => Step::Dispatch(Parsed::Incident(c)),
            Err(p) => answered(Ack::Body(usage(&p)), "usage"),
        },
        "julia" => match parse_julia(&cmd.text) {
            Ok(JuliaCmd::Help) => answered(help(Topic::Julia), "ok"),
            Ok(c) => Step::Dispatch(Parsed::Julia(c)),
            Err(p) => answered(Ack::Body(usage(&p)), "usage"),
        },
        "ops" => Step::Dispatch(Parsed::Ops),
        _ => {
            tracing::warn!(
                command = %cmd.command,
                "a slash command this bot is not set up for: INCIDENT_COMMAND / JULIA_COMMAND must match the app's manifest"
            );
            let m = messages::usage::unknown_command(
                &cmd.command,
                &cfg.incident_command,
                &cfg.julia_command,
                l,
            );
            answered(Ack::Body(m.ephemeral()), "unknown_command")
        }
    }
}

/// The second step of a parsed command: the per-user rate limit (Redis only; off when Redis
/// is absent or down), then its flow.
pub async fn run(ctx: Arc<Ctx>, cmd: SlashCommand, parsed: Parsed) -> Handled {
    let name = command_name(&ctx, &cmd.command);
    let sub = subcommand(&cmd.text);
    let limit = ctx.config.rate_limit_per_minute;
    if limit > 0 && ctx.cache.is_configured() {
        let minute = ctx.clock.now_secs() / 60;
        if let Some(n) = ctx.cache.count_in_minute(&cmd.user_id, minute).await {
            if n > limit as i64 {
                metrics::counter!("commands_total", "command" => name, "outcome" => "rate_limited")
                    .increment(1);
                return Handled {
                    ack: Ack::Body(messages::slow_down(ctx.locale(), limit).ephemeral()),
                    command: name,
                    subcommand: sub,
                    outcome: "rate_limited",
                };
            }
        }
    }
    let ack = match parsed {
        Parsed::Incident(c) => crate::dispatch::incident::handle_command(ctx.clone(), cmd, c).await,
        Parsed::Julia(c) => julia::handle_command(ctx.clone(), cmd, c).await,
        Parsed::Ops => ops::handle_command(ctx.clone(), cmd).await,
    };
    metrics::counter!("commands_total", "command" => name, "subcommand" => sub, "outcome" => "ok")
        .increment(1);
    Handled {
        ack,
        command: name,
        subcommand: sub,
        outcome: "ok",
    }
}

/// Both steps (Socket Mode's and the simulator's path; the HTTP route runs [`run`] in a task
/// under the ack budget).
pub async fn handle(ctx: Arc<Ctx>, cmd: SlashCommand) -> Handled {
    match prepare(&ctx, &cmd) {
        Step::Answered(h) => h,
        Step::Dispatch(p) => run(ctx, cmd, p).await,
    }
}

/// The command's and subcommand's labels (as in [`Handled`]).
pub fn labels(ctx: &Ctx, cmd: &SlashCommand) -> (&'static str, &'static str) {
    (command_name(ctx, &cmd.command), subcommand(&cmd.text))
}

/// The subcommand as a low-cardinality metrics label.
fn subcommand(text: &str) -> &'static str {
    let first = text.split_whitespace().next().unwrap_or("");
    let known = crate::command::INCIDENT_SUBCOMMANDS
        .iter()
        .chain(julia::command::JULIA_SUBCOMMANDS.iter());
    known
        .copied()
        .find(|k| k.eq_ignore_ascii_case(first))
        .unwrap_or(if first.is_empty() { "none" } else { "other" })
}

fn command_name(ctx: &Ctx, c: &str) -> &'static str {
    if c == ctx.config.incident_command {
        "incident"
    } else if c == ctx.config.julia_command {
        "julia"
    } else if c == ops::settings::of(ctx).command {
        "ops"
    } else {
        "other"
    }
}
