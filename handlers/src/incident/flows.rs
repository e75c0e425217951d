//! Incident flows: declare, update, resolve…

use std::sync::Arc;

use crate::command::IncidentCmd;
use crate::slash::{Ack, SlashCommand};
use crate::Ctx;

pub async fn handle_command(ctx: Arc<Ctx>, _cmd: SlashCommand, c: IncidentCmd) -> Ack {
    let cfg = &ctx.config;
    match c {
        IncidentCmd::Help => Ack::Body(
            messages::usage::help(messages::usage::Topic::Incident, &cfg.incident_command, &cfg.julia_command, ctx.locale())
                .ephemeral(),
        ),
        _ => Ack::Empty,
    }
}

pub async fn on_reaction(_ctx: Arc<Ctx>, _event: &serde_json::Value) {}
pub async fn on_block_action(_ctx: Arc<Ctx>, _payload: serde_json::Value) {}
pub async fn on_view_submission(_ctx: Arc<Ctx>, _payload: serde_json::Value) -> Option<serde_json::Value> {
    None
}
