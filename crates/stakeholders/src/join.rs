//! Join the war room: the button of a notice invites the person who clicked it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use chatops_core::ids::{ChannelId, UserId};
use chatops_core::Ctx;
use incident::store;
use messages::stakeholders as tpl;

/// A click on a stakeholder button: invites in the background, answers the clicker only.
pub async fn on_block_action(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let s = |p: &str| {
        payload
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if s("/actions/0/action_id") != tpl::JOIN {
        return None;
    }
    let user = s("/user/id");
    let response_url = s("/response_url");
    let incident: i64 = s("/actions/0/value").parse().unwrap_or(0);
    tokio::spawn(async move {
        let msg = join(&ctx, &user, incident).await;
        if !response_url.is_empty() {
            let mut body = msg.ephemeral();
            body["replace_original"] = false.into();
            if let Err(e) = ctx.slack.respond(&response_url, &body).await {
                tracing::warn!(error = %e.code(), "stakeholders: could not answer Join the war room");
            }
        }
    });
    None
}

/// Invites `user` to the incident's war room; the answer says what happened.
pub async fn join(ctx: &Ctx, user: &str, incident: i64) -> messages::Msg {
    let l = ctx.locale();
    let room = match store::get_pool(&ctx.store.pool, incident).await {
        Ok(Some(i)) => i.channel_id,
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "stakeholders: store unavailable for Join");
            return messages::store_unavailable(l, &uuid::Uuid::new_v4().simple().to_string()[..8]);
        }
    };
    let Some(room) = room else {
        return tpl::join_failed(None, "", l);
    };
    let r = ctx
        .slack
        .conversations_invite(
            &ChannelId::new(room.clone()),
            &[UserId::new(user.to_string())],
            false,
            Duration::from_secs(2),
        )
        .await;
    match r {
        Ok(()) => tpl::joined(&room, l),
        Err(e) if e.is("already_in_channel") => tpl::joined(&room, l),
        Err(e) => tpl::join_failed(Some(&room), &e.code(), l),
    }
}
