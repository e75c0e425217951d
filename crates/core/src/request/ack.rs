//! What the bot answers Slack within 3 s, and later through `response_url`.

use serde_json::Value;

use crate::Ctx;

/// What to answer Slack within 3 s.
#[derive(Debug, Clone, PartialEq)]
pub enum Ack {
    /// Empty 200: nothing shown.
    Empty,
    /// A JSON message body (ephemeral unless it says otherwise).
    Body(Value),
    /// The same, serialized once per process (help: [`crate::help_cache`]).
    Json(bytes::Bytes),
}

impl Ack {
    /// The body as a JSON value (`None` for an empty ack), for the transports that embed it.
    pub fn into_value(self) -> Option<Value> {
        match self {
            Ack::Empty => None,
            Ack::Body(v) => Some(v),
            Ack::Json(b) => serde_json::from_slice(&b).ok(),
        }
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
