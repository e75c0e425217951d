//! The Slack Web API client: transports, retries, errors.

use crate::config::Secret;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, thiserror::Error)]
pub enum SlackError {
    #[error("Slack answered `{code}`")]
    Api {
        code: String,
        needed: Option<String>,
        body: Value,
    },
    #[error("Slack is rate limiting the bot (retry after {0:?})")]
    RateLimited(Duration),
    #[error("Slack answered HTTP {0}")]
    Http(u16),
    #[error("Slack did not answer in time")]
    Timeout,
    #[error("Slack could not be reached")]
    Network,
    #[error("SLACK_BOT_TOKEN is not set")]
    NoToken,
}

/// `error` (or `unknown_error`) and `needed` of a Web API body that is not `ok`.
pub fn error_fields(body: &Value) -> (String, Option<String>) {
    let code = body.get("error").and_then(Value::as_str);
    (
        code.unwrap_or("unknown_error").to_string(),
        body.get("needed").and_then(Value::as_str).map(String::from),
    )
}

impl SlackError {
    /// The error in a Web API body whose `ok` is not true: its `error` code and, for a
    /// missing scope, the scope `needed`.
    pub fn from_body(body: Value) -> SlackError {
        let (code, needed) = error_fields(&body);
        SlackError::Api { code, needed, body }
    }

    /// The short code recorded with a failed delivery and used as a metrics label.
    pub fn code(&self) -> String {
        match self {
            SlackError::Api { code, .. } => code.clone(),
            SlackError::RateLimited(_) => "ratelimited".into(),
            SlackError::Http(s) => format!("http_{s}"),
            SlackError::Timeout => "timeout".into(),
            SlackError::Network => "network".into(),
            SlackError::NoToken => "no_token".into(),
        }
    }
    /// Worth trying again later (the same call may succeed).
    pub fn retryable(&self) -> bool {
        match self {
            SlackError::Api { code, .. } => matches!(
                code.as_str(),
                "ratelimited"
                    | "rate_limited"
                    | "internal_error"
                    | "fatal_error"
                    | "service_unavailable"
                    | "request_timeout"
            ),
            SlackError::Http(s) => *s >= 500 || *s == 408,
            SlackError::RateLimited(_)
            | SlackError::Timeout
            | SlackError::Network
            | SlackError::NoToken => true,
        }
    }
    pub fn is(&self, c: &str) -> bool {
        matches!(self, SlackError::Api { code, .. } if code == c)
    }
}

#[derive(Clone)]
pub struct SlackClient {
    http: reqwest::Client,
    base: String,
    token: Secret,
    groups: std::sync::Arc<Mutex<GroupCache>>,
}

impl std::fmt::Debug for SlackClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackClient")
            .field("base", &self.base)
            .field("token", &self.token)
            .finish()
    }
}

/// How a Web API method takes its arguments.
///
/// Slack reads a JSON body only for methods whose reference lists `application/json`; the
/// others read query or form arguments only and silently ignore a JSON body, then answer as if
/// the arguments were missing (`invalid_arguments`, `channel_not_found`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `POST`, `Content-Type: application/json; charset=utf-8`.
    Json,
    /// `POST`, `Content-Type: application/x-www-form-urlencoded` (every method accepts it).
    Form,
    /// `GET` with the arguments in the query string (read methods).
    Query,
}

/// Every Web API method the bot calls and how it is sent: the one place that decides.
///
/// Sources: the `consumes` list of each method in Slack's Web API OpenAPI spec
/// (`slack-web-openapi-v2.json`: the `Query` rows list only form encoding), Slack's method
/// pages for the newer `files.*External` methods (`getUploadURLExternal`: form only), and the
/// official Python Slack SDK, which sends the read methods as `GET` with query arguments.
/// A method missing from this table is sent as a form, which every Slack method accepts.
pub const METHODS: &[(&str, Transport)] = &[
    ("chat.postMessage", Transport::Json),
    ("conversations.create", Transport::Json),
    ("conversations.invite", Transport::Json),
    ("conversations.setTopic", Transport::Json),
    ("conversations.open", Transport::Json),
    ("pins.add", Transport::Json),
    ("views.open", Transport::Json),
    ("views.publish", Transport::Json),
    ("files.completeUploadExternal", Transport::Json),
    ("files.getUploadURLExternal", Transport::Form),
    ("auth.test", Transport::Form),
    ("usergroups.users.list", Transport::Query),
    ("conversations.history", Transport::Query),
    ("conversations.replies", Transport::Query),
    ("conversations.info", Transport::Query),
    ("users.info", Transport::Query),
];

/// How `method` is sent (see [`METHODS`]).
pub fn transport(method: &str) -> Transport {
    METHODS
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, t)| *t)
        .unwrap_or(Transport::Form)
}

/// A JSON object as form/query pairs: strings as they are, other scalars as their JSON text,
/// arrays and objects JSON-encoded (Slack's rule for e.g. `blocks` in a form), nulls dropped.
pub fn form_pairs(body: &Value) -> Vec<(String, String)> {
    body.as_object()
        .map(|o| {
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// User group id -> (when read, members).
pub(crate) type GroupCache = HashMap<String, (Instant, Vec<String>)>;

/// How long user-group members are cached.
pub(crate) const GROUP_TTL: Duration = Duration::from_secs(180);

impl SlackClient {
    pub fn new(base: &str, token: Secret, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(3))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .expect("reqwest client builds");
        SlackClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            groups: Default::default(),
        }
    }

    /// One Web API call, sent as [`METHODS`] says. `ok:false` becomes `SlackError::Api`.
    pub async fn call(&self, method: &str, body: &Value) -> Result<Value, SlackError> {
        if self.token.is_empty() {
            return Err(SlackError::NoToken);
        }
        let started = Instant::now();
        let url = format!("{}/{}", self.base, method);
        let req = match transport(method) {
            Transport::Json => self
                .http
                .post(url)
                .header("Content-Type", "application/json; charset=utf-8")
                .body(serde_json::to_vec(body).expect("json")),
            Transport::Form => self.http.post(url).form(&form_pairs(body)),
            Transport::Query => self.http.get(url).query(&form_pairs(body)),
        };
        let resp = req
            .header("Authorization", format!("Bearer {}", self.token.expose()))
            .send()
            .await
            .map_err(classify);
        let result = match resp {
            Err(e) => Err(e),
            Ok(resp) => {
                let status = resp.status().as_u16();
                if status == 429 {
                    let wait = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .unwrap_or(1);
                    Err(SlackError::RateLimited(Duration::from_secs(wait.min(300))))
                } else if status >= 300 {
                    Err(SlackError::Http(status))
                } else {
                    match resp.json::<Value>().await {
                        Err(_) => Err(SlackError::Http(status)),
                        Ok(v) if v.get("ok").and_then(Value::as_bool) == Some(true) => Ok(v),
                        Ok(v) => Err(SlackError::from_body(v)),
                    }
                }
            }
        };
        let outcome = match &result {
            Ok(_) => "ok".to_string(),
            Err(e) => e.code(),
        };
        metrics::counter!("slack_api_calls_total", "method" => method.to_string(), "outcome" => outcome).increment(1);
        metrics::histogram!("slack_api_seconds", "method" => method.to_string())
            .record(started.elapsed().as_secs_f64());
        result
    }

    /// A call made inline by a flow (not through the outbox): waits `Retry-After` and retries
    /// 5xx/timeouts a few times, never longer than `budget` in total.
    pub async fn call_retrying(
        &self,
        method: &str,
        body: &Value,
        budget: Duration,
    ) -> Result<Value, SlackError> {
        let deadline = Instant::now() + budget;
        let mut attempt = 0u32;
        loop {
            match self.call(method, body).await {
                Ok(v) => return Ok(v),
                Err(e) if e.retryable() && !matches!(e, SlackError::NoToken) => {
                    let wait = match &e {
                        SlackError::RateLimited(d) => *d,
                        _ => Duration::from_millis(300 * 2u64.pow(attempt.min(4))),
                    };
                    attempt += 1;
                    if Instant::now() + wait > deadline || attempt > 5 {
                        return Err(e);
                    }
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Posts to a `response_url` (not a Web API envelope: success is judged by HTTP status).
    pub async fn respond(&self, response_url: &str, body: &Value) -> Result<(), SlackError> {
        let resp = self
            .http
            .post(response_url)
            .header("Content-Type", "application/json")
            .json(body)
            .send()
            .await
            .map_err(classify)?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            Ok(())
        } else if status == 429 {
            Err(SlackError::RateLimited(Duration::from_secs(1)))
        } else {
            Err(SlackError::Http(status))
        }
    }

    /// Step 2 of the files upload v2 flow: the bytes to the `upload_url`.
    pub async fn upload_bytes(
        &self,
        upload_url: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<(), SlackError> {
        let _ = filename;
        let resp = self
            .http
            .post(upload_url)
            .header("Content-Type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .map_err(classify)?;
        match resp.status().as_u16() {
            200 => Ok(()),
            s => Err(SlackError::Http(s)),
        }
    }

    /// Uploads a file to a channel (files v2: getUploadURLExternal, POST, completeUploadExternal).
    pub async fn upload_file(
        &self,
        channel: &str,
        filename: &str,
        title: &str,
        content: &[u8],
        initial_comment: Option<&str>,
        thread_ts: Option<&str>,
    ) -> Result<String, SlackError> {
        self.upload_file_alt(
            channel,
            filename,
            title,
            content,
            initial_comment,
            thread_ts,
            None,
        )
        .await
    }

    /// [`Self::upload_file`] of an image with its description for screen readers: `alt_txt`
    /// of `files.getUploadURLExternal` (Slack's method reference:
    /// api.slack.com/methods/files.getUploadURLExternal).
    #[allow(clippy::too_many_arguments)] // the upload's own fields, each optional but `alt_txt`
    pub async fn upload_file_alt(
        &self,
        channel: &str,
        filename: &str,
        title: &str,
        content: &[u8],
        initial_comment: Option<&str>,
        thread_ts: Option<&str>,
        alt_txt: Option<&str>,
    ) -> Result<String, SlackError> {
        let mut args = serde_json::json!({"filename": filename, "length": content.len()});
        if let Some(alt) = alt_txt.filter(|a| !a.is_empty()) {
            args["alt_txt"] = alt.into();
        }
        let r = self.call("files.getUploadURLExternal", &args).await?;
        let url = r
            .get("upload_url")
            .and_then(Value::as_str)
            .ok_or(SlackError::Http(200))?
            .to_string();
        let file_id = r
            .get("file_id")
            .and_then(Value::as_str)
            .ok_or(SlackError::Http(200))?
            .to_string();
        self.upload_bytes(&url, filename, content.to_vec()).await?;
        let mut body =
            serde_json::json!({"files": [{"id": file_id, "title": title}], "channel_id": channel});
        if let Some(c) = initial_comment {
            body["initial_comment"] = c.into();
        }
        if let Some(t) = thread_ts {
            body["thread_ts"] = t.into();
        }
        self.call("files.completeUploadExternal", &body).await?;
        Ok(file_id)
    }

    /// One page of `conversations.list` (public and private channels the bot can see, archived
    /// ones left out). A read method: Slack takes its arguments form-encoded, not as JSON.
    /// Returns the channels and the next cursor (empty at the end).
    pub async fn conversations_list_page(
        &self,
        cursor: &str,
    ) -> Result<(Vec<Value>, String), SlackError> {
        if self.token.is_empty() {
            return Err(SlackError::NoToken);
        }
        let mut form = vec![
            ("types", "public_channel,private_channel"),
            ("exclude_archived", "true"),
            ("limit", "1000"),
        ];
        if !cursor.is_empty() {
            form.push(("cursor", cursor));
        }
        let resp = self
            .http
            .post(format!("{}/conversations.list", self.base))
            .header("Authorization", format!("Bearer {}", self.token.expose()))
            .form(&form)
            .send()
            .await
            .map_err(classify)?;
        let status = resp.status().as_u16();
        if status == 429 {
            return Err(SlackError::RateLimited(Duration::from_secs(1)));
        }
        if status >= 300 {
            return Err(SlackError::Http(status));
        }
        let v: Value = resp.json().await.map_err(|_| SlackError::Http(status))?;
        if v.get("ok").and_then(Value::as_bool) != Some(true) {
            return Err(SlackError::from_body(v));
        }
        let channels = v
            .get("channels")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let next = v
            .pointer("/response_metadata/next_cursor")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Ok((channels, next))
    }

    /// Members of a user group (`usergroups.users.list`), cached a few minutes.
    pub async fn usergroup_members(&self, group: &str) -> Result<Vec<String>, SlackError> {
        if let Some((at, users)) = self.groups.lock().expect("lock").get(group) {
            if at.elapsed() < GROUP_TTL {
                return Ok(users.clone());
            }
        }
        let v = self
            .call(
                "usergroups.users.list",
                &serde_json::json!({"usergroup": group}),
            )
            .await?;
        let users: Vec<String> = v
            .get("users")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|u| u.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        self.groups
            .lock()
            .expect("lock")
            .insert(group.to_string(), (Instant::now(), users.clone()));
        Ok(users)
    }
}

pub(crate) fn classify(e: reqwest::Error) -> SlackError {
    if e.is_timeout() {
        SlackError::Timeout
    } else {
        SlackError::Network
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_is_listed_once_and_reads_go_as_query() {
        let mut seen = std::collections::HashSet::new();
        for (m, _) in METHODS {
            assert!(seen.insert(*m), "{m} listed twice");
        }
        for m in [
            "usergroups.users.list",
            "conversations.history",
            "conversations.replies",
            "users.info",
        ] {
            assert_eq!(transport(m), Transport::Query, "{m}");
        }
        assert_eq!(transport("files.getUploadURLExternal"), Transport::Form);
        assert_eq!(transport("chat.postMessage"), Transport::Json);
        // Unlisted: a form, which every Slack method accepts.
        assert_eq!(transport("reactions.get"), Transport::Form);
    }

    #[test]
    fn form_pairs_keep_strings_and_encode_the_rest_as_json() {
        let p = form_pairs(&serde_json::json!({
            "channel": "C1", "limit": 1, "inclusive": true, "blocks": [{"type": "divider"}], "skip": null
        }));
        let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("channel"), Some("C1"));
        assert_eq!(get("limit"), Some("1"));
        assert_eq!(get("inclusive"), Some("true"));
        assert_eq!(get("blocks"), Some(r#"[{"type":"divider"}]"#));
        assert_eq!(get("skip"), None);
    }
}
