//! A claimed row, the pacing of one worker, and the file upload pseudo-method.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use tokio::sync::Mutex;

use crate::slack::SlackError;
use crate::Ctx;

#[derive(Debug)]
pub(super) struct Claimed {
    pub(super) id: i64,
    pub(super) method: String,
    pub(super) channel: String,
    pub(super) body: String,
    pub(super) depends_on: Option<i64>,
    pub(super) depends_field: Option<String>,
    pub(super) attempts: i64,
    pub(super) digest: Option<String>,
    pub(super) created_at: i64,
    /// An earlier attempt whose outcome is unknown started then: it may have been posted.
    pub(super) unknown_since: Option<i64>,
    /// Rows delivered by this row's message (a combined announcement), leased with it.
    pub(super) merged: Vec<i64>,
}

/// In-memory pacing of one worker: last post per channel, methods paused by a 429.
#[derive(Default)]
pub struct Pacing {
    pub(super) last_post: HashMap<String, Instant>,
    pub(super) paused_until: HashMap<String, Instant>,
}

pub type SharedPacing = Arc<Mutex<Pacing>>;

pub(super) const BATCH: i64 = 64;

/// Pseudo-method for a file upload (files v2: getUploadURLExternal, POST, completeUploadExternal).
/// Body: `channel_id`, `filename`, `title`, `content` (text) or `content_base64` (bytes: the
/// stats chart), optional `initial_comment`, `thread_ts`, `alt_txt` (an image's description),
/// `dm_fallback` (`user`, `comment`: where the file goes when the bot is not in the channel).
/// If Slack refuses a text upload for good, the content is posted as a message instead (bytes
/// cannot be).
pub const UPLOAD_METHOD: &str = "chatops.uploadFile";

pub(super) async fn upload(ctx: &Ctx, body: &Value) -> Result<Value, SlackError> {
    let s = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (channel, content) = (s("channel_id"), s("content"));
    let thread = body.get("thread_ts").and_then(Value::as_str);
    let comment = body.get("initial_comment").and_then(Value::as_str);
    let binary = body.get("content_base64").and_then(Value::as_str).map(|b| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_default()
    });
    let bytes = binary.as_deref().unwrap_or(content.as_bytes());
    let alt = body.get("alt_txt").and_then(Value::as_str);
    match ctx
        .slack
        .upload_file_alt(
            &channel,
            &s("filename"),
            &s("title"),
            bytes,
            comment,
            thread,
            alt,
        )
        .await
    {
        Ok(file_id) => Ok(serde_json::json!({"ok": true, "file_id": file_id})),
        Err(e) if e.is("not_in_channel") && body["dm_fallback"]["user"].is_string() => {
            upload_to_dm(ctx, body, bytes, alt).await
        }
        Err(e) if !e.retryable() && binary.is_none() => {
            tracing::warn!(error = %e, "file upload refused; posting the content as messages");
            // Whole lines, a few messages each within Slack's limits; the rest is counted.
            let parts = messages::delivery::postmortem_parts(
                comment.unwrap_or_default(),
                &content,
                &s("retry_hint"),
                ctx.locale(),
            );
            let mut first: Option<Value> = None;
            for text in parts {
                let mut msg = serde_json::json!({"channel": channel, "text": text});
                if let Some(t) = thread {
                    msg["thread_ts"] = t.into();
                }
                let v = ctx.slack.call("chat.postMessage", &msg).await?;
                first.get_or_insert(v);
            }
            Ok(first.unwrap_or_else(|| serde_json::json!({"ok": true})))
        }
        Err(e) => Err(e),
    }
}

/// Files are shared only where the bot is a member: the file into the DM of
/// `dm_fallback.user`, with `dm_fallback.comment` saying why.
async fn upload_to_dm(
    ctx: &Ctx,
    body: &Value,
    bytes: &[u8],
    alt: Option<&str>,
) -> Result<Value, SlackError> {
    let fallback = &body["dm_fallback"];
    let opened = ctx
        .slack
        .call(
            "conversations.open",
            &serde_json::json!({"users": fallback["user"]}),
        )
        .await?;
    let dm = opened
        .pointer("/channel/id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let s = |k: &str| body[k].as_str().unwrap_or_default();
    let file_id = ctx
        .slack
        .upload_file_alt(
            dm,
            s("filename"),
            s("title"),
            bytes,
            fallback["comment"].as_str(),
            None,
            alt,
        )
        .await?;
    Ok(serde_json::json!({"ok": true, "file_id": file_id}))
}
