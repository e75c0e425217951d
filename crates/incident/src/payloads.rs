//! The payloads of the incident flow's jobs, as stored in `jobs` rows.

use serde::{Deserialize, Serialize};

pub const DECLARATION: &str = "declaration";
pub const POSTMORTEM: &str = "postmortem";

/// How a declaration's outcome reaches the person who declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum DeclaredReply {
    /// The slash command's `response_url` (valid 30 minutes).
    ResponseUrl { url: String },
    /// A direct message (the declare form has no `response_url`).
    Dm { user: String },
}

/// Finish a declaration: war room, invites, posts, pin, topic, the declarer's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    pub incident: i64,
    #[serde(default)]
    pub reply: Option<DeclaredReply>,
}

/// Render the post-mortem draft and queue its upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Postmortem {
    pub incident: i64,
}
