//! Evolution API v2: connection state, QR code, restart, webhook. Never logs the `apikey`,
//! QR values or instance `token` fields.

use std::time::Duration;

use serde_json::{json, Value};

use crate::julia_config::JuliaConfig;
use chatops_core::config::Secret;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvolutionError {
    #[error("Evolution is not configured (missing {0})")]
    Unconfigured(String),
    #[error("no answer from Evolution in {0} s")]
    Timeout(u64),
    #[error("Evolution could not be reached")]
    Network,
    #[error("Evolution answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    /// HTTP 2xx with `{"error": true, …}`.
    #[error("Evolution reported a failure: {0}")]
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub url: String,
    pub enabled: bool,
    pub events: Vec<String>,
    pub by_events: bool,
}

/// The QR answer of `/instance/connect`; `None` fields when absent. Secret: never log.
#[derive(Clone, PartialEq)]
pub enum Connect {
    AlreadyOpen,
    Qr {
        png_base64: Option<String>,
        pairing_code: Option<String>,
    },
}

impl std::fmt::Debug for Connect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Connect::AlreadyOpen => f.write_str("AlreadyOpen"),
            Connect::Qr { .. } => f.write_str("Qr([redacted])"),
        }
    }
}

#[derive(Clone)]
pub struct EvolutionClient {
    http: reqwest::Client,
    base: Option<String>,
    key: Option<Secret>,
    instance: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_events: Vec<String>,
    timeout: Duration,
    /// `connect` and `restart`: Evolution waits about 2 s for the socket before answering.
    action_timeout: Duration,
}

pub use crate::evolution_events::{unknown_events, WEBHOOK_EVENTS};

/// `response.message` as text: a string or (nested) arrays of strings.
fn message_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(message_text)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl EvolutionClient {
    pub fn new(cfg: &JuliaConfig) -> Self {
        let timeout = cfg.source_timeout;
        EvolutionClient {
            http: reqwest::Client::builder()
                .connect_timeout(timeout)
                .timeout(timeout)
                .build()
                .expect("http client"),
            base: cfg.evolution_api_url.clone(),
            key: cfg.evolution_api_key.clone(),
            instance: cfg.evolution_instance.clone(),
            webhook_url: cfg.evolution_webhook_url.clone(),
            webhook_events: cfg.evolution_webhook_events.clone(),
            timeout,
            action_timeout: cfg.evolution_action_timeout,
        }
    }

    pub fn missing(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        if self.base.is_none() {
            m.push("EVOLUTION_API_URL");
        }
        if self.key.is_none() {
            m.push("EVOLUTION_API_KEY");
        }
        if self.instance.is_none() {
            m.push("EVOLUTION_INSTANCE");
        }
        m
    }

    pub fn instance(&self) -> &str {
        self.instance.as_deref().unwrap_or("")
    }

    fn url(&self, route: &str) -> Result<String, EvolutionError> {
        let m = self.missing();
        if !m.is_empty() {
            return Err(EvolutionError::Unconfigured(m.join(", ")));
        }
        let inst: String = url_encode(self.instance());
        Ok(format!(
            "{}/{route}/{inst}",
            self.base.as_deref().unwrap_or("")
        ))
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, EvolutionError> {
        self.send_within(req, self.timeout).await
    }

    /// One request under `timeout` (the client's own is the source timeout).
    async fn send_within(
        &self,
        req: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<Value, EvolutionError> {
        let started = std::time::Instant::now();
        let r = self.send_once(req.timeout(timeout), timeout).await;
        crate::upstream::record("evolution", started, r.is_ok());
        r
    }

    async fn send_once(
        &self,
        req: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<Value, EvolutionError> {
        let key = self
            .key
            .as_ref()
            .map(|k| k.expose().to_string())
            .unwrap_or_default();
        let secs = timeout.as_secs().max(1);
        let resp = req.header("apikey", key).send().await.map_err(|e| {
            if e.is_timeout() {
                EvolutionError::Timeout(secs)
            } else {
                EvolutionError::Network
            }
        })?;
        let status = resp.status().as_u16();
        let body: Value = match resp.text().await {
            Ok(t) => serde_json::from_str(&t).unwrap_or(Value::Null),
            Err(e) if e.is_timeout() => return Err(EvolutionError::Timeout(secs)),
            Err(_) => return Err(EvolutionError::Network),
        };
        if !(200..300).contains(&status) {
            let msg = body
                .pointer("/response/message")
                .map(message_text)
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| {
                    body.get("error")
                        .and_then(Value::as_str)
                        .unwrap_or("no detail")
                        .to_string()
                });
            return Err(EvolutionError::Http {
                status,
                message: msg,
            });
        }
        if body.get("error").and_then(Value::as_bool) == Some(true) {
            let msg = body.get("message").map(message_text).unwrap_or_default();
            return Err(EvolutionError::Failed(msg));
        }
        Ok(body)
    }

    /// `open`, `connecting`, `close`, or `unknown` when the instance is not loaded.
    pub async fn state(&self) -> Result<String, EvolutionError> {
        let v = self
            .send(self.http.get(self.url("instance/connectionState")?))
            .await?;
        Ok(v.pointer("/instance/state")
            .or_else(|| v.get("state"))
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string())
    }

    /// `GET /instance/connect` under the action timeout: from `close` Evolution opens the socket
    /// and waits about 2 s (plus a version fetch) before it answers with the QR code.
    pub async fn connect(&self) -> Result<Connect, EvolutionError> {
        let v = self
            .send_within(
                self.http.get(self.url("instance/connect")?),
                self.action_timeout,
            )
            .await?;
        if v.pointer("/instance/state").and_then(Value::as_str) == Some("open") {
            return Ok(Connect::AlreadyOpen);
        }
        Ok(Connect::Qr {
            png_base64: v.get("base64").and_then(Value::as_str).map(String::from),
            pairing_code: v
                .get("pairingCode")
                .and_then(Value::as_str)
                .map(String::from),
        })
    }

    /// POST restart (v2), under the action timeout. The body is dropped: it may hold a QR code.
    pub async fn restart(&self) -> Result<(), EvolutionError> {
        self.send_within(
            self.http.post(self.url("instance/restart")?),
            self.action_timeout,
        )
        .await
        .map(|_| ())
    }

    pub async fn webhook(&self) -> Result<Option<Webhook>, EvolutionError> {
        let v = self.send(self.http.get(self.url("webhook/find")?)).await?;
        if v.is_null() {
            return Ok(None);
        }
        Ok(Some(Webhook {
            url: v
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            enabled: v.get("enabled").and_then(Value::as_bool).unwrap_or(false),
            events: v
                .get("events")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|e| e.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            by_events: v
                .get("webhookByEvents")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }))
    }

    /// Sets the webhook with the v2.1+ nested body (always with `events`).
    pub async fn set_webhook(&self, url: &str, events: &[String]) -> Result<(), EvolutionError> {
        let body = json!({"webhook": {"enabled": true, "url": url, "byEvents": false, "base64": false, "events": events}});
        self.send(self.http.post(self.url("webhook/set")?).json(&body))
            .await
            .map(|_| ())
    }
}

impl EvolutionClient {
    /// The same client on another instance (`PAGER_EVOLUTION_INSTANCE`).
    pub fn with_instance(&self, instance: Option<&str>) -> Self {
        let mut c = self.clone();
        if let Some(i) = instance {
            c.instance = Some(i.to_string());
        }
        c
    }

    /// `POST /message/sendText/{instance}` with the v2 flat body (`number`: digits only), under
    /// `timeout` (a send takes longer than a state read: Evolution first checks the number on
    /// WhatsApp, `onWhatsApp`, then sends). `linkPreview: false`: otherwise Evolution fetches
    /// every link in the text and uploads a thumbnail before it answers (Baileys
    /// `generateLinkPreviewIfRequired`, 3 s fetch timeout in v2.3 `sendMessageWithTyping`).
    /// Returns the id of the sent message (`key.id` of the 201 answer), which a reply quoting it
    /// carries as `contextInfo.stanzaId`. Evolution answers 201; a number not on WhatsApp is a
    /// 400 whose message holds the number, so callers must scrub error texts before showing them.
    /// A [`EvolutionError::Timeout`] means "no answer yet": the message may still be delivered.
    pub async fn send_text(
        &self,
        number: &str,
        text: &str,
        timeout: Duration,
    ) -> Result<Option<String>, EvolutionError> {
        let body = json!({"number": number, "text": text, "linkPreview": false});
        let v = self
            .send_within(
                self.http.post(self.url("message/sendText")?).json(&body),
                timeout,
            )
            .await?;
        Ok(v.pointer("/key/id")
            .and_then(Value::as_str)
            .map(String::from))
    }
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
