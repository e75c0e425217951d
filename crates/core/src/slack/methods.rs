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

    /// `conversations.history` narrowed to the message at `ts`: its text, if the bot may read
    /// the channel's history.
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
        Ok(v.pointer("/messages/0/text")
            .and_then(Value::as_str)
            .map(String::from))
    }
}
