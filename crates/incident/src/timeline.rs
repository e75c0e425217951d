//! The timeline: what happened to an incident, in order (the post-mortem's table). Every
//! event has a typed [`EventKind`]; notes and `:pushpin:`-ed messages are added here.

use std::sync::Arc;

use messages::incident as tpl;
use messages::Msg;
use serde_json::Value;

use super::shared::target;
use super::store;
use chatops_core::ids::{ChannelId, IncidentId, UserId};
use chatops_core::{Ctx, FlowResult};

pub use crate::event_kind::EventKind;

/// `note [INC-n] <text>`: a line on the timeline, nothing posted.
pub async fn note(
    ctx: &Ctx,
    actor: &UserId,
    id: Option<IncidentId>,
    channel: &ChannelId,
    text: &str,
) -> FlowResult<Msg> {
    let i = target(ctx, id, channel).await?;
    let mut tx = ctx.store.begin().await?;
    let now = ctx.clock.now_ms();
    store::add_event(&mut tx, i.id, now, actor.as_str(), EventKind::Note, text).await?;
    tx.commit().await?;
    Ok(tpl::reply::note_added(
        &IncidentId(i.id).to_string(),
        ctx.locale(),
    ))
}

/// `:pushpin:` on a message in a war room adds it to the timeline.
pub async fn on_reaction(ctx: Arc<Ctx>, event: &Value) {
    if event.get("reaction").and_then(Value::as_str) != Some("pushpin")
        || event.pointer("/item/type").and_then(Value::as_str) != Some("message")
    {
        return;
    }
    let (Some(channel), Some(ts)) = (
        event.pointer("/item/channel").and_then(Value::as_str),
        event.pointer("/item/ts").and_then(Value::as_str),
    ) else {
        return;
    };
    let actor = UserId::new(event.get("user").and_then(Value::as_str).unwrap_or("?"));
    if let Err(e) = pin(&ctx, &ChannelId::new(channel), ts, &actor).await {
        // Nobody to answer (a reaction has no reply): logged with a reference.
        let _ = e.into_msg(ctx.locale());
    }
}

async fn pin(ctx: &Ctx, channel: &ChannelId, ts: &str, actor: &UserId) -> FlowResult<()> {
    let Some(i) = store::by_channel(&ctx.store.pool, channel.as_str()).await? else {
        return Ok(());
    };
    // The message text, when the bot may read history; the link either way.
    let text = ctx
        .slack
        .message_text(channel, ts)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let link = format!(
        "https://slack.com/archives/{channel}/p{}",
        ts.replace('.', "")
    );
    let entry = if text.is_empty() {
        link
    } else {
        format!("{} ({link})", messages::blocks::truncate(&text, 500))
    };
    let mut tx = ctx.store.begin().await?;
    let now = ctx.clock.now_ms();
    store::add_event(
        &mut tx,
        i.id,
        now,
        actor.as_str(),
        EventKind::PinnedMessage,
        &entry,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
