//! No second copy of a post whose first attempt may have reached Slack.
//!
//! `chat.postMessage` has no idempotency key (`client_msg_id` is not honoured for bots), so a
//! post in flight when the process dies, or one whose answer timed out, may already be in the
//! channel while its row still says `pending`. Every post carries the row's id in its message
//! `metadata` (`event_type` [`EVENT_TYPE`]; invisible to people). The row's
//! `attempt_started_at` is set when a delivery is claimed and cleared once its outcome is
//! known; when a claim finds it still set, the earlier attempt's outcome is unknown, and
//! before posting again the worker reads the channel since that attempt
//! (`conversations.history`, or `conversations.replies` for a thread reply, with
//! `include_all_metadata`) for a message carrying the row's id. Found: the row is recorded as
//! sent with that message's `ts` and nothing is posted. Not found, or the channel cannot be
//! read (a DM, a missing `channels:history` / `groups:history` scope): posted again, as before
//! (at-least-once).

use serde_json::{json, Value};

use crate::slack::SlackError;
use crate::Ctx;

/// The metadata `event_type` of the bot's posts.
pub const EVENT_TYPE: &str = "chatops_outbox";
/// How far before the unknown attempt the channel is read (clock skew between the bot and
/// Slack, whose `ts` is its own time).
const SKEW_MS: i64 = 120_000;
/// Pages of 200 messages read at most before giving up and posting again.
const PAGES: usize = 5;

/// Marks a post with its row (`at`: the row's creation time, so two installations sharing a
/// channel never mistake each other's rows) and the rows it also delivers.
pub(super) fn mark(body: &mut Value, id: i64, created_at: i64, merged: &[i64]) {
    let mut payload = json!({"row": id, "at": created_at});
    if !merged.is_empty() {
        payload["with"] = json!(merged);
    }
    body["metadata"] = json!({"event_type": EVENT_TYPE, "event_payload": payload});
}

/// The post found for row `id`: its `ts` and the other rows it delivered.
#[derive(Debug)]
pub(super) struct Found {
    pub ts: String,
    pub with: Vec<i64>,
}

/// Whether the bot can read `channel`'s history (channels and private channels; not DMs).
pub(super) fn readable(channel: &str) -> bool {
    channel.starts_with(['C', 'G'])
}

/// The method that reads a thread reply's thread, or a channel's top level.
pub(super) fn method(thread_ts: Option<&str>) -> &'static str {
    if thread_ts.is_some() {
        "conversations.replies"
    } else {
        "conversations.history"
    }
}

/// Reads `channel` (or the thread of `thread_ts`) since `since_ms` for the post of row `id`.
pub(super) async fn find(
    ctx: &Ctx,
    channel: &str,
    thread_ts: Option<&str>,
    since_ms: i64,
    id: i64,
    created_at: i64,
) -> Result<Option<Found>, SlackError> {
    let oldest = (since_ms - SKEW_MS).max(0);
    let mut args = json!({
        "channel": channel,
        "oldest": format!("{}.{:03}000", oldest / 1000, oldest % 1000),
        "include_all_metadata": true,
        "limit": 200,
    });
    if let Some(ts) = thread_ts {
        args["ts"] = ts.into();
    }
    let method = method(thread_ts);
    for _ in 0..PAGES {
        let page = ctx.slack.call(method, &args).await?;
        let messages = page["messages"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for m in messages {
            let md = &m["metadata"];
            let p = &md["event_payload"];
            if md["event_type"] == EVENT_TYPE
                && p["row"].as_i64() == Some(id)
                && p["at"].as_i64() == Some(created_at)
            {
                if let Some(ts) = m["ts"].as_str() {
                    let with = p["with"]
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_i64).collect())
                        .unwrap_or_default();
                    return Ok(Some(Found {
                        ts: ts.to_string(),
                        with,
                    }));
                }
            }
        }
        match page
            .pointer("/response_metadata/next_cursor")
            .and_then(Value::as_str)
        {
            Some(c) if !c.is_empty() => args["cursor"] = c.into(),
            _ => break,
        }
    }
    Ok(None)
}
