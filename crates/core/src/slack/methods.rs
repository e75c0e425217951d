//! One typed method per Web API call the incident flows make, so no flow builds a raw JSON
//! body. Arguments are checked against Slack's method pages (`views.open`,
//! `conversations.create`, `conversations.invite`, `conversations.history`).

use std::time::Duration;

use serde_json::{json, Value};

use super::{SlackClient, SlackError};
use crate::ids::{ChannelId, UserId};

impl SlackClient {
    /// `views.open`: a modal for the user who clicked or typed (`trigger_id`, valid 3 s).
    pub async fn views_open(&self, trigger_id: &str, view: &Value) -> Result<(), SlackError> {
        self.call(
            "views.open",
            &json!({"trigger_id": trigger_id, "view": view}),
        )
        .await
        .map(|_| ())
    }

    /// `conversations.create`: the new channel's id. Retried within `budget`.
    pub async fn conversations_create(
        &self,
        name: &str,
        is_private: bool,
        budget: Duration,
    ) -> Result<ChannelId, SlackError> {
        let v = self
            .call_retrying(
                "conversations.create",
                &json!({"name": name, "is_private": is_private}),
                budget,
            )
            .await?;
        match v.pointer("/channel/id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Ok(ChannelId::new(id)),
            _ => Err(SlackError::Api {
                code: "no_channel".into(),
                needed: None,
                body: v,
            }),
        }
    }

    /// `conversations.invite` of up to 100 users (Slack's limit). `force` invites the valid
    /// ones when some fail (their errors come back in the `errors` array). Retried within
    /// `budget` (zero: one try).
    pub async fn conversations_invite(
        &self,
        channel: &ChannelId,
        users: &[UserId],
        force: bool,
        budget: Duration,
    ) -> Result<(), SlackError> {
        let users: Vec<&str> = users.iter().map(UserId::as_str).collect();
        let mut body = json!({"channel": channel.as_str(), "users": users.join(",")});
        if force {
            body["force"] = true.into();
        }
        self.call_retrying("conversations.invite", &body, budget)
            .await
            .map(|_| ())
    }

    /// The text of the message at `ts`, if the bot may read the channel's history; `None`
    /// when no message has exactly that `ts`.
    ///
    /// `conversations.history` lists only a channel's top-level messages (thread replies only
    /// when also sent to the channel), so narrowed to `ts` it answers the newest top-level
    /// message at or before it: for a thread reply, another message. When the answer's `ts`
    /// is not `ts`, the message is read from its thread with `conversations.replies`, whose
    /// `ts` may be "either a thread's parent message or a message in the thread" (Slack's
    /// method reference, api.slack.com/methods/conversations.replies).
    pub async fn message_text(
        &self,
        channel: &ChannelId,
        ts: &str,
    ) -> Result<Option<String>, SlackError> {
        let v = self
            .call(
                "conversations.history",
                &json!({"channel": channel.as_str(), "latest": ts, "inclusive": true, "limit": 1}),
            )
            .await?;
        if let Some(text) = text_at(&v, ts) {
            return Ok(Some(text));
        }
        let v = self
            .call(
                "conversations.replies",
                &json!({"channel": channel.as_str(), "ts": ts, "latest": ts, "inclusive": true, "limit": 1000}),
            )
            .await?;
        Ok(text_at(&v, ts))
    }
}

/// The text of the message of `page` whose `ts` is `ts`.
fn text_at(page: &Value, ts: &str) -> Option<String> {
    page["messages"]
        .as_array()?
        .iter()
        .find(|m| m["ts"].as_str() == Some(ts))
        .and_then(|m| m["text"].as_str())
        .map(String::from)
}
