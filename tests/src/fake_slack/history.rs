//! The fake Slack's message history: what people wrote (`FakeSlack::add_message`) and what the
//! bot posted, as `conversations.history` and `conversations.replies` return it.
//!
//! As on Slack (method references, checked 2026-11): history lists a channel's top-level
//! messages (thread replies only when broadcast), newest first, within `oldest`/`latest`
//! (exclusive unless `inclusive`), `limit` per page with a cursor; replies lists a thread's
//! parent then its replies, for the `ts` of the parent or of any reply (`thread_not_found` for an
//! unknown `ts`). Message `metadata` is
//! returned only with `include_all_metadata=true`. A user id is not a conversation
//! (`channel_not_found`). `chat.postMessage` refuses `metadata` without a string `event_type`
//! and an object `event_payload` (`invalid_metadata_format`).

use std::collections::HashMap;

use serde_json::{json, Value};

use super::args::number;

/// The bot's own ids (as `auth.test` answers).
pub const BOT_ID: &str = "B0CHATOPS";
pub const APP_ID: &str = "A0CHATOPS";

#[derive(Debug, Clone)]
struct Message {
    ts: String,
    user: Option<String>,
    bot: bool,
    text: String,
    thread_ts: Option<String>,
    broadcast: bool,
    metadata: Option<Value>,
}

#[derive(Default)]
pub struct History {
    by_channel: HashMap<String, Vec<Message>>,
}

fn ts_num(t: &str) -> f64 {
    t.parse::<f64>().unwrap_or(0.0)
}

fn flag(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || matches!(v.as_str(), Some("true") | Some("1"))
}

/// `metadata` as sent (an object in JSON, a JSON string in a form): `Err` when Slack refuses it.
pub fn metadata_of(body: &Value) -> Result<Option<Value>, &'static str> {
    let m = match &body["metadata"] {
        Value::Null => return Ok(None),
        Value::String(s) => serde_json::from_str(s).map_err(|_| "invalid_metadata_format")?,
        v => v.clone(),
    };
    if !m["event_type"].is_string() || !m["event_payload"].is_object() {
        return Err("invalid_metadata_format");
    }
    Ok(Some(m))
}

impl History {
    /// A message someone wrote.
    pub fn add(&mut self, channel: &str, ts: &str, user: &str, text: &str) {
        self.by_channel
            .entry(channel.to_string())
            .or_default()
            .push(Message {
                ts: ts.into(),
                user: Some(user.into()),
                bot: false,
                text: text.into(),
                thread_ts: None,
                broadcast: false,
                metadata: None,
            });
    }

    /// A reply someone wrote in the thread of `thread_ts`.
    pub fn add_reply(&mut self, channel: &str, ts: &str, thread_ts: &str, user: &str, text: &str) {
        self.by_channel
            .entry(channel.to_string())
            .or_default()
            .push(Message {
                ts: ts.into(),
                user: Some(user.into()),
                bot: false,
                text: text.into(),
                thread_ts: Some(thread_ts.into()),
                broadcast: false,
                metadata: None,
            });
    }

    /// A message the bot posted (`chat.postMessage` accepted with this `ts`).
    pub fn posted(&mut self, body: &Value, ts: &str) {
        let Some(ch) = body["channel"].as_str() else {
            return;
        };
        self.by_channel
            .entry(ch.to_string())
            .or_default()
            .push(Message {
                ts: ts.into(),
                user: None,
                bot: true,
                text: body["text"].as_str().unwrap_or_default().into(),
                thread_ts: body["thread_ts"].as_str().map(String::from),
                broadcast: flag(&body["reply_broadcast"]),
                metadata: metadata_of(body).ok().flatten(),
            });
    }

    fn shown(m: &Message, with_metadata: bool) -> Value {
        let mut v = json!({"type": "message", "ts": m.ts, "text": m.text});
        if let Some(u) = &m.user {
            v["user"] = u.as_str().into();
        }
        if m.bot {
            v["bot_id"] = BOT_ID.into();
            v["app_id"] = APP_ID.into();
        }
        if let Some(t) = &m.thread_ts {
            v["thread_ts"] = t.as_str().into();
        }
        if let (true, Some(md)) = (with_metadata, &m.metadata) {
            v["metadata"] = md.clone();
        }
        v
    }

    /// One page of `msgs` (already in order) after the `cursor` offset.
    fn page(msgs: Vec<&Message>, args: &Value, key: &str) -> Value {
        let limit = number(&args["limit"]).unwrap_or(100).clamp(1, 999) as usize;
        let from: usize = args["cursor"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let with = flag(&args["include_all_metadata"]);
        let shown: Vec<Value> = msgs
            .iter()
            .skip(from)
            .take(limit)
            .map(|m| Self::shown(m, with))
            .collect();
        let more = from + limit < msgs.len();
        let next = if more {
            (from + limit).to_string()
        } else {
            String::new()
        };
        json!({"ok": true, key: shown, "has_more": more, "response_metadata": {"next_cursor": next}})
    }

    fn in_range(m: &Message, args: &Value) -> bool {
        let inclusive = flag(&args["inclusive"]);
        let bound = |k: &str| args[k].as_str().map(ts_num);
        let t = ts_num(&m.ts);
        let after = bound("oldest").is_none_or(|o| t > o || (inclusive && t == o));
        let before = bound("latest").is_none_or(|l| t < l || (inclusive && t == l));
        after && before
    }

    /// `conversations.history`.
    pub fn history(&self, args: &Value) -> Value {
        let Some(ch) = args["channel"]
            .as_str()
            .filter(|c| !c.starts_with(['U', 'W']))
        else {
            return json!({"ok": false, "error": "channel_not_found"});
        };
        let mut msgs: Vec<&Message> = self
            .by_channel
            .get(ch)
            .into_iter()
            .flatten()
            .filter(|m| m.thread_ts.as_ref().is_none_or(|t| *t == m.ts) || m.broadcast)
            .filter(|m| Self::in_range(m, args))
            .collect();
        msgs.sort_by(|a, b| ts_num(&b.ts).total_cmp(&ts_num(&a.ts)));
        Self::page(msgs, args, "messages")
    }

    /// `conversations.replies`.
    pub fn replies(&self, args: &Value) -> Value {
        let Some(ch) = args["channel"]
            .as_str()
            .filter(|c| !c.starts_with(['U', 'W']))
        else {
            return json!({"ok": false, "error": "channel_not_found"});
        };
        let Some(ts) = args["ts"].as_str() else {
            return json!({"ok": false, "error": "invalid_arguments"});
        };
        let all = self.by_channel.get(ch).map(Vec::as_slice).unwrap_or(&[]);
        let Some(found) = all.iter().find(|m| m.ts == ts) else {
            return json!({"ok": false, "error": "thread_not_found"});
        };
        // `ts` may be a reply: its whole thread is answered ("either a thread's parent message
        // or a message in the thread", api.slack.com/methods/conversations.replies).
        let ts = found.thread_ts.as_deref().unwrap_or(ts);
        let Some(parent) = all.iter().find(|m| m.ts == ts) else {
            return json!({"ok": false, "error": "thread_not_found"});
        };
        let mut replies: Vec<&Message> = all
            .iter()
            .filter(|m| m.ts != ts && m.thread_ts.as_deref() == Some(ts))
            .filter(|m| Self::in_range(m, args))
            .collect();
        replies.sort_by(|a, b| ts_num(&a.ts).total_cmp(&ts_num(&b.ts)));
        let mut msgs = vec![parent];
        msgs.extend(replies);
        Self::page(msgs, args, "messages")
    }
}
