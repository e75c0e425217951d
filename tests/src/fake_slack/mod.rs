//! A fake Slack Web API on loopback: records every call (method, body, auth header) and
//! answers like Slack, unless told to fail (`ok:false`, HTTP status with headers, a hang).

mod args;
mod history;
mod state;
mod web_api;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use args::with_parsed_blocks;
use state::Inner;
pub use state::{manifest_bot_scopes, Behavior, Call, FORM_ONLY};
use web_api::{api, response, upload};

#[derive(Clone)]
pub struct FakeSlack {
    inner: Arc<Mutex<Inner>>,
    pub base_url: String,
    pub addr: std::net::SocketAddr,
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let inner: Arc<Mutex<Inner>> = Default::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/api/{method}", get(api).post(api))
            .route("/response/{id}", post(response))
            .route("/upload/{id}", post(upload))
            .with_state((inner.clone(), addr));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeSlack {
            inner,
            base_url: format!("http://{addr}/api"),
            addr,
        }
    }

    /// A `response_url` this fake records.
    pub fn response_url(&self, id: &str) -> String {
        format!("http://{}/response/{id}", self.addr)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }
    /// Successful-looking `chat.postMessage` bodies posted to `channel`.
    pub fn posts_in(&self, channel: &str) -> Vec<Value> {
        self.calls_to("chat.postMessage")
            .into_iter()
            .filter(|c| c.body["channel"] == channel)
            .map(|c| c.body)
            .collect()
    }
    /// `chat.update` bodies sent for `channel`, in order (`blocks` parsed when sent as a
    /// form-encoded JSON string).
    pub fn updates_in(&self, channel: &str) -> Vec<Value> {
        self.calls_to("chat.update")
            .into_iter()
            .filter(|c| c.body["channel"] == channel)
            .map(|c| with_parsed_blocks(c.body))
            .collect()
    }
    /// The messages of `channel` as they read now (posts with their latest update), oldest first.
    pub fn messages_in(&self, channel: &str) -> Vec<Value> {
        let i = self.inner.lock().unwrap();
        let mut v: Vec<(&String, &Value)> = i
            .posted
            .iter()
            .filter(|((c, _), _)| c == channel)
            .map(|((_, ts), b)| (ts, b))
            .collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v.into_iter()
            .map(|(ts, b)| {
                let mut b = b.clone();
                b["ts"] = ts.clone().into();
                b
            })
            .collect()
    }
    pub fn responses(&self) -> Vec<(String, Value)> {
        self.inner.lock().unwrap().responses.clone()
    }
    pub fn responses_to(&self, id: &str) -> Vec<Value> {
        self.responses()
            .into_iter()
            .filter(|(i, _)| i == id)
            .map(|(_, v)| v)
            .collect()
    }
    pub fn uploads(&self) -> Vec<(String, Vec<u8>)> {
        self.inner.lock().unwrap().uploads.clone()
    }
    /// The next `n` calls of `method` get `b`.
    pub fn script(&self, method: &str, b: Behavior, n: usize) {
        let mut i = self.inner.lock().unwrap();
        let q = i.scripted.entry(method.to_string()).or_default();
        for _ in 0..n {
            q.push_back(b.clone());
        }
    }
    /// Every call of `method` gets `b` until [`FakeSlack::heal`].
    pub fn fail_all(&self, method: &str, b: Behavior) {
        self.inner
            .lock()
            .unwrap()
            .failing
            .insert(method.to_string(), b);
    }
    /// Every Web API call is answered after `d` (the call is recorded when it arrives).
    /// Names of the channels `conversations.create` made (in order).
    pub fn channels_created(&self) -> Vec<String> {
        self.inner
            .lock()
            .unwrap()
            .created
            .iter()
            .filter_map(|c| c["name"].as_str().map(String::from))
            .collect()
    }
    pub fn set_delay(&self, d: Duration) {
        self.inner.lock().unwrap().delay = d;
    }
    pub fn heal(&self, method: &str) {
        self.inner.lock().unwrap().failing.remove(method);
    }
    pub fn take_channel_name(&self, name: &str) {
        self.inner
            .lock()
            .unwrap()
            .taken_names
            .insert(name.to_string());
    }
    /// The WebSocket URL `apps.connections.open` answers with (a loopback fake socket).
    pub fn set_socket_url(&self, url: &str) {
        self.inner.lock().unwrap().socket_url = Some(url.to_string());
    }
    /// A message someone wrote in `channel` (what `conversations.history` returns).
    pub fn add_message(&self, channel: &str, ts: &str, user: &str, text: &str) {
        self.inner
            .lock()
            .unwrap()
            .history
            .add(channel, ts, user, text);
    }
    /// A reply someone wrote in the thread of `thread_ts` in `channel` (`conversations.replies`
    /// returns it; `conversations.history` does not).
    pub fn add_reply(&self, channel: &str, ts: &str, thread_ts: &str, user: &str, text: &str) {
        self.inner
            .lock()
            .unwrap()
            .history
            .add_reply(channel, ts, thread_ts, user, text);
    }
    /// The bot is not a member of `channel` (files cannot be shared there).
    pub fn bot_not_in(&self, channel: &str) {
        self.inner
            .lock()
            .unwrap()
            .outside
            .insert(channel.to_string());
    }
    /// The channels an uploaded file was shared to (empty: private or unknown).
    pub fn file_channels(&self, file_id: &str) -> Vec<String> {
        self.inner
            .lock()
            .unwrap()
            .files
            .get(file_id)
            .cloned()
            .unwrap_or_default()
    }
    /// The scopes the token holds (default: every bot scope of `manifest.yml`).
    pub fn set_scopes(&self, scopes: &[&str]) {
        self.inner.lock().unwrap().workspace.scopes =
            scopes.iter().map(|s| s.to_string()).collect();
    }
    /// From now on only `token` is accepted; any other gets `invalid_auth`.
    pub fn set_valid_token(&self, token: &str) {
        self.inner.lock().unwrap().workspace.valid_token = Some(token.to_string());
    }
    /// A channel `conversations.info` knows (channels the bot creates are added too).
    pub fn set_channel(&self, id: &str, name: &str, private: bool, bot_is_member: bool) {
        self.inner.lock().unwrap().workspace.channels.insert(
            id.to_string(),
            (name.to_string(), private, bot_is_member, false),
        );
    }
    /// A member of the workspace (`deactivated`: Slack still knows the id, `deleted: true`).
    pub fn set_user(&self, id: &str, deactivated: bool) {
        self.inner
            .lock()
            .unwrap()
            .workspace
            .users
            .insert(id.to_string(), deactivated);
    }
    /// A member of the workspace with a name: `users.info` answers it as `real_name` and
    /// `profile.display_name` / `profile.real_name`, as Slack does.
    pub fn set_user_name(&self, id: &str, name: &str) {
        let mut i = self.inner.lock().unwrap();
        i.workspace.users.insert(id.to_string(), false);
        i.workspace
            .user_names
            .insert(id.to_string(), name.to_string());
    }
    pub fn set_usergroup(&self, id: &str, users: &[&str]) {
        self.inner.lock().unwrap().usergroups.insert(
            id.to_string(),
            users.iter().map(|s| s.to_string()).collect(),
        );
    }
}
