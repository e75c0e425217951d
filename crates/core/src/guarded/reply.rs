//! Where a guarded action answers: the requester, the channel it came from, its `response_url`.

use crate::Ctx;

#[derive(Debug, Clone)]
pub struct Reply {
    pub user: String,
    pub channel: String,
    pub response_url: String,
}

impl Reply {
    /// Who clicked a button, where, and its `response_url`, from a `block_actions` payload.
    pub fn from_block_action(payload: &serde_json::Value) -> Reply {
        let s = |p: &str| {
            payload
                .pointer(p)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let channel = match s("/channel/id") {
            c if c.is_empty() => s("/container/channel_id"),
            c => c,
        };
        Reply {
            user: s("/user/id"),
            channel,
            response_url: s("/response_url"),
        }
    }
    /// A new ephemeral answer to the requester.
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
    /// The same requester, answering in `channel` (the prompt's) when it is known.
    pub fn in_channel(&self, channel: &str) -> Reply {
        Reply {
            channel: if channel.is_empty() {
                self.channel.clone()
            } else {
                channel.to_string()
            },
            ..self.clone()
        }
    }
}
