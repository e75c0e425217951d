//! The controlled system ("Julia"): status, pause/resume, deploys, Evolution, watcher.

use std::sync::Arc;

use crate::command::JuliaCmd;
use crate::slash::{Ack, SlashCommand};
use crate::Ctx;

pub async fn handle_command(ctx: Arc<Ctx>, _cmd: SlashCommand, c: JuliaCmd) -> Ack {
    let cfg = &ctx.config;
    match c {
        JuliaCmd::Help => Ack::Body(
            messages::usage::help(
                messages::usage::Topic::Julia,
                &cfg.incident_command,
                &cfg.julia_command,
                ctx.locale(),
            )
            .ephemeral(),
        ),
        _ => Ack::Body(
            messages::Msg::text("Julia controls are not available in this build.").ephemeral(),
        ),
    }
}

/// Buttons whose action id starts with `julia_` (confirmations, rollback offers…).
pub async fn on_block_action(
    _ctx: Arc<Ctx>,
    _payload: serde_json::Value,
) -> Option<serde_json::Value> {
    None
}

/// Modals whose callback id starts with `julia_`.
pub async fn on_view_submission(
    _ctx: Arc<Ctx>,
    _payload: serde_json::Value,
) -> Option<serde_json::Value> {
    None
}
