//! What the fake Slack records and knows: the calls, the scripted failures, the workspace.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use serde_json::Value;

use super::history::History;

#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    /// `GET` (arguments in the query string) or `POST`.
    pub verb: String,
    /// The arguments: the JSON body, or the form / query pairs as a JSON object of strings.
    pub body: Value,
    /// How the arguments came: `json`, `form` or `query`.
    pub transport: &'static str,
    pub auth: Option<String>,
    pub at: std::time::Instant,
}

/// A scripted answer for one call.
#[derive(Debug, Clone)]
pub enum Behavior {
    /// `{"ok": false, "error": code}` with HTTP 200.
    OkFalse(&'static str),
    /// An HTTP status with optional `Retry-After` seconds.
    Status(u16, Option<u64>),
    /// No answer for this long (the client should time out).
    Hang(Duration),
    /// `ok:false` with a custom body.
    Body(Value),
}

#[derive(Default)]
pub(super) struct Inner {
    pub(super) calls: Vec<Call>,
    pub(super) responses: Vec<(String, Value)>,
    pub(super) uploads: Vec<(String, Vec<u8>)>,
    pub(super) scripted: HashMap<String, VecDeque<Behavior>>,
    /// Failing every call of a method until cleared.
    pub(super) failing: HashMap<String, Behavior>,
    pub(super) taken_names: HashSet<String>,
    /// Channels made by `conversations.create`, as `conversations.list` shows them.
    pub(super) created: Vec<Value>,
    pub(super) usergroups: HashMap<String, Vec<String>>,
    pub(super) next: u64,
    /// What `apps.connections.open` hands out (Socket Mode); unset → `ok:false`.
    pub(super) socket_url: Option<String>,
    /// Every Web API answer waits this long (a slow Slack).
    pub(super) delay: Duration,
    /// Uploaded file id -> the channels it was shared to (`completeUploadExternal`).
    pub(super) files: HashMap<String, Vec<String>>,
    /// Channels the bot is not a member of: sharing a file there is `not_in_channel`.
    pub(super) outside: std::collections::HashSet<String>,
    /// What people wrote and the bot posted, for `conversations.history` / `.replies`.
    pub(super) history: History,
    /// The workspace `conversations.info` and `auth.test` describe (see [`Workspace`]).
    pub(super) workspace: Workspace,
    /// (channel, ts) of every message the bot posted, and its latest body (`chat.update`).
    pub(super) posted: HashMap<(String, String), Value>,
}

/// What the fake workspace knows beyond calls: the token's scopes (sent on every answer as
/// `x-oauth-scopes`, as Slack does), the only token it accepts when set, and channels.
pub(super) struct Workspace {
    pub(super) scopes: Vec<String>,
    pub(super) valid_token: Option<String>,
    /// id -> (name, private, bot is a member, archived)
    pub(super) channels: HashMap<String, (String, bool, bool, bool)>,
    /// id -> deactivated, for `users.info` (an unknown id is `user_not_found`).
    pub(super) users: HashMap<String, bool>,
    /// id -> the name the profile shows (`real_name`, `profile.display_name`), when set.
    pub(super) user_names: HashMap<String, String>,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            scopes: manifest_bot_scopes(),
            valid_token: None,
            channels: HashMap::new(),
            users: HashMap::new(),
            user_names: HashMap::new(),
        }
    }
}

/// The bot scopes of the repository's `manifest.yml` (what an installed app's token holds).
pub fn manifest_bot_scopes() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../manifest.yml");
    let y: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).expect("manifest.yml")).unwrap();
    y["oauth_config"]["scopes"]["bot"]
        .as_sequence()
        .expect("oauth_config.scopes.bot")
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Methods whose Slack reference lists only form encoding (`consumes` in Slack's Web API
/// OpenAPI spec, and the `files.getUploadURLExternal` method page). Slack ignores a JSON body
/// on them and answers as if the arguments were missing: this fake says `invalid_arguments`.
pub const FORM_ONLY: &[&str] = &[
    "usergroups.users.list",
    "usergroups.list",
    "conversations.history",
    "conversations.list",
    "conversations.replies",
    "conversations.info",
    "conversations.members",
    "users.info",
    "users.list",
    "files.getUploadURLExternal",
];
