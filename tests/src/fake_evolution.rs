//! A fake Evolution API v2 on loopback: records requests (method, path, apikey, body).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// A 1×1 PNG.
pub const PNG_B64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

#[derive(Debug, Clone)]
pub struct EvoRequest {
    pub method: String,
    pub path: String,
    pub apikey: Option<String>,
    pub body: Value,
}

pub struct EvoState {
    pub state: String,
    pub webhook: Value,
    pub restart_error: bool,
    pub delay: Duration,
    /// How long `connect` and `restart` take to answer (real Evolution opens the WhatsApp
    /// socket and waits about 2 s first); zero unless a test sets it.
    pub socket_wait: Duration,
    pub requests: Vec<EvoRequest>,
    /// `sendText` calls Evolution accepted (201): (number, text).
    pub sent: Vec<(String, String)>,
    /// `sendText` answers this status (with Evolution's error envelope) while set.
    pub send_failure: Option<u16>,
    /// Numbers that are not on WhatsApp (`sendText` answers 400 with `exists: false`).
    pub not_on_whatsapp: Vec<String>,
    /// The instances that exist (`julia` unless a test adds one).
    pub instances: Vec<String>,
    /// Instances other than `julia` with a state or webhook of their own (a pager instance);
    /// the others share `state` and `webhook`.
    pub own_state: std::collections::HashMap<String, String>,
    pub own_webhook: std::collections::HashMap<String, Value>,
    /// How long `sendText` takes before it answers (Evolution first asks WhatsApp whether the
    /// number exists, `onWhatsApp`, then sends); zero unless a test sets it.
    pub send_wait: Duration,
    /// What a link preview adds to a `sendText` whose text holds a link, unless the body says
    /// `"linkPreview": false`: Baileys fetches the page (3 s timeout) and uploads a thumbnail
    /// before sending (v2.3 `sendMessageWithTyping` -> `generateLinkPreviewIfRequired`).
    pub preview_wait: Duration,
    /// Numbers whose `sendText` fails (HTTP 500, Evolution's envelope) while the others go
    /// through: one number failing in a broadcast.
    pub failing: Vec<String>,
    /// A number whose `sendText` is taken but never answered (the call stays in flight): a
    /// test kills the bot meanwhile. Recorded in `requests` like any call.
    pub hang: Option<String>,
}

/// The webhook event names Evolution v2 accepts (`EventController.events`, v2.3 source).
pub const EVENTS: &[&str] = &[
    "APPLICATION_STARTUP",
    "QRCODE_UPDATED",
    "MESSAGES_SET",
    "MESSAGES_UPSERT",
    "MESSAGES_EDITED",
    "MESSAGES_UPDATE",
    "MESSAGES_DELETE",
    "SEND_MESSAGE",
    "SEND_MESSAGE_UPDATE",
    "CONTACTS_SET",
    "CONTACTS_UPSERT",
    "CONTACTS_UPDATE",
    "PRESENCE_UPDATE",
    "CHATS_SET",
    "CHATS_UPSERT",
    "CHATS_UPDATE",
    "CHATS_DELETE",
    "GROUPS_UPSERT",
    "GROUP_UPDATE",
    "GROUP_PARTICIPANTS_UPDATE",
    "CONNECTION_UPDATE",
    "LABELS_EDIT",
    "LABELS_ASSOCIATION",
    "CALL",
    "TYPEBOT_START",
    "TYPEBOT_CHANGE_STATUS",
    "REMOVE_INSTANCE",
    "LOGOUT_INSTANCE",
    "INSTANCE_CREATE",
    "INSTANCE_DELETE",
    "STATUS_INSTANCE",
];

#[derive(Clone)]
pub struct FakeEvolution {
    pub state: Arc<Mutex<EvoState>>,
    pub base_url: String,
}

impl FakeEvolution {
    pub async fn start() -> FakeEvolution {
        let state = Arc::new(Mutex::new(EvoState {
            state: "open".into(),
            webhook: Value::Null,
            restart_error: false,
            delay: Duration::ZERO,
            socket_wait: Duration::ZERO,
            requests: vec![],
            sent: vec![],
            send_failure: None,
            not_on_whatsapp: vec![],
            instances: vec!["julia".into()],
            own_state: Default::default(),
            own_webhook: Default::default(),
            send_wait: Duration::ZERO,
            preview_wait: Duration::ZERO,
            failing: vec![],
            hang: None,
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/instance/connectionState/{i}", get(handle))
            .route("/instance/connect/{i}", get(handle))
            .route("/instance/restart/{i}", post(handle))
            .route("/webhook/find/{i}", get(handle))
            .route("/webhook/set/{i}", post(handle))
            .route("/message/sendText/{i}", post(handle))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeEvolution {
            state,
            base_url: format!("http://{addr}"),
        }
    }
    pub fn set_state(&self, s: &str) {
        self.state.lock().unwrap().state = s.into();
    }
    pub fn set_delay(&self, d: Duration) {
        self.state.lock().unwrap().delay = d;
    }
    pub fn set_socket_wait(&self, d: Duration) {
        self.state.lock().unwrap().socket_wait = d;
    }
    /// `sendText` answers after `wait`, plus `preview` when it must build a link preview.
    pub fn set_send_wait(&self, wait: Duration, preview: Duration) {
        let mut g = self.state.lock().unwrap();
        g.send_wait = wait;
        g.preview_wait = preview;
    }
    /// The bodies of every `sendText` request (answered or not), in order.
    pub fn send_bodies(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/message/sendText/"))
            .map(|r| r.body)
            .collect()
    }
    pub fn requests(&self) -> Vec<EvoRequest> {
        self.state.lock().unwrap().requests.clone()
    }
    /// The texts Evolution accepted, as (number, text).
    pub fn sent(&self) -> Vec<(String, String)> {
        self.state.lock().unwrap().sent.clone()
    }
    /// The texts accepted for one number.
    pub fn sent_to(&self, number: &str) -> Vec<String> {
        self.sent()
            .into_iter()
            .filter(|(n, _)| n == number)
            .map(|(_, t)| t)
            .collect()
    }
    pub fn add_instance(&self, name: &str) {
        self.state.lock().unwrap().instances.push(name.into());
    }
    pub fn fail_sends(&self, status: Option<u16>) {
        self.state.lock().unwrap().send_failure = status;
    }
    /// `sendText` to `number` fails with HTTP 500; the others go through.
    pub fn fail_number(&self, number: &str) {
        self.state.lock().unwrap().failing.push(number.into());
    }
    /// `sendText` to `number` never answers (`None`: every call answers again).
    pub fn hang_number(&self, number: Option<&str>) {
        self.state.lock().unwrap().hang = number.map(String::from);
    }
    /// How many `sendText` calls were made for `number` (answered or not).
    pub fn send_calls_to(&self, number: &str) -> usize {
        self.send_bodies()
            .iter()
            .filter(|b| b["number"] == number)
            .count()
    }
    pub fn set_not_on_whatsapp(&self, number: &str) {
        self.state
            .lock()
            .unwrap()
            .not_on_whatsapp
            .push(number.into());
    }
}

/// `incoming_text` as it arrives when WhatsApp hides the sender's number (Evolution 2.3.6/2.3.7:
/// `remoteJid` is a LID, no `remoteJidAlt`), quoting the message `quoted` when given.
pub fn incoming_lid_reply(
    instance: &str,
    lid: &str,
    text: &str,
    id: &str,
    at_secs: i64,
    quoted: Option<&str>,
) -> Value {
    let mut v = incoming_text(instance, "0", text, id, at_secs);
    v["data"]["key"]["remoteJid"] = lid.into();
    if let Some(q) = quoted {
        v["data"]["message"] = json!({"extendedTextMessage": {"text": text,
            "contextInfo": {"stanzaId": q, "participant": lid, "quotedMessage": {"conversation": "page"}}}});
        v["data"]["messageType"] = "extendedTextMessage".into();
        v["data"]["contextInfo"] =
            json!({"stanzaId": q, "participant": lid, "quotedMessage": {"conversation": "page"}});
    }
    v
}

/// The body Evolution v2 posts to a webhook for an incoming text (`sendDataWebhook` with event
/// `messages.upsert`: lower case with a dot, `data` the Baileys message with `key.remoteJid`),
/// written at `at_secs` (`messageTimestamp`, epoch seconds).
pub fn incoming_text(
    instance: &str,
    from_digits: &str,
    text: &str,
    id: &str,
    at_secs: i64,
) -> Value {
    json!({
        "event": "messages.upsert",
        "instance": instance,
        "data": {
            "key": {"remoteJid": format!("{from_digits}@s.whatsapp.net"), "fromMe": false, "id": id},
            "pushName": "On call",
            "message": {"conversation": text},
            "messageType": "conversation",
            "contextInfo": null,
            "messageTimestamp": at_secs,
            "instanceId": "i1",
            "source": "android"
        },
        "destination": "https://chatops.example/pager/evolution/token",
        "date_time": "2026-11-30T12:00:00.000Z",
        "sender": "5511900000000@s.whatsapp.net",
        "server_url": "http://evolution:8080",
        "apikey": "instance-token"
    })
}

type St = Arc<Mutex<EvoState>>;

/// How long `sendText` takes: the number check and the send, and a link preview when the text
/// holds a link and the body does not say `"linkPreview": false`.
async fn send_wait(s: &St, body: &str) {
    let (wait, preview) = {
        let g = s.lock().unwrap();
        (g.send_wait, g.preview_wait)
    };
    let b: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let has_link = b["text"].as_str().is_some_and(|t| t.contains("https://"));
    let previews = b["linkPreview"] != Value::Bool(false);
    tokio::time::sleep(wait).await;
    if has_link && previews {
        tokio::time::sleep(preview).await;
    }
}

async fn handle(
    State(s): State<St>,
    method: Method,
    uri: axum::http::Uri,
    Path(inst): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = uri.path().to_string();
    let (delay, socket_wait) = {
        let mut g = s.lock().unwrap();
        g.requests.push(EvoRequest {
            method: method.to_string(),
            path: path.clone(),
            apikey: headers
                .get("apikey")
                .and_then(|v| v.to_str().ok())
                .map(String::from),
            body: serde_json::from_str(&body).unwrap_or(Value::Null),
        });
        (g.delay, g.socket_wait)
    };
    tokio::time::sleep(delay).await;
    if path.starts_with("/message/sendText/") {
        send_wait(&s, &body).await;
        let b: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let hang = s.lock().unwrap().hang.clone();
        if hang.is_some() && b["number"].as_str() == hang.as_deref() {
            // Never answered: the caller's timeout, or its death, ends the call.
            std::future::pending::<()>().await;
        }
    }
    if path.starts_with("/instance/connect/") || path.starts_with("/instance/restart/") {
        tokio::time::sleep(socket_wait).await;
    }
    // Evolution checks that the instance exists before it checks the key.
    let exists = s.lock().unwrap().instances.contains(&inst);
    if !exists {
        return (StatusCode::NOT_FOUND, Json(json!({"status": 404, "error": "Not Found", "response": {"message": [format!("The \"{inst}\" instance does not exist")]}}))).into_response();
    }
    if headers.get("apikey").and_then(|v| v.to_str().ok()) != Some("evo-key") {
        return (StatusCode::UNAUTHORIZED, Json(json!({"status": 401, "error": "Unauthorized", "response": {"message": "Unauthorized"}}))).into_response();
    }
    let mut g = s.lock().unwrap();
    let state = g.own_state.get(&inst).cloned().unwrap_or(g.state.clone());
    if path.starts_with("/instance/connectionState") {
        return Json(json!({"instance": {"instanceName": "julia", "state": state}}))
            .into_response();
    }
    if path.starts_with("/instance/connect") {
        if state == "open" {
            return Json(json!({"instance": {"instanceName": "julia", "state": "open"}}))
                .into_response();
        }
        return Json(json!({"pairingCode": null, "code": "2@SECRETQRCODE", "base64": format!("data:image/png;base64,{PNG_B64}"), "count": 1})).into_response();
    }
    if path.starts_with("/instance/restart") {
        if g.restart_error || state == "close" {
            return Json(json!({"error": true, "message": "[object Object]"})).into_response();
        }
        return Json(json!({"instance": {"instanceName": "julia", "state": "open"}}))
            .into_response();
    }
    if path.starts_with("/message/sendText") {
        return send_text(&mut g, &state, &body);
    }
    if path.starts_with("/webhook/find") {
        let w = g.own_webhook.get(&inst).cloned();
        return Json(w.unwrap_or(g.webhook.clone())).into_response();
    }
    if path.starts_with("/webhook/set") {
        return set_webhook(&mut g, &inst, &body);
    }
    StatusCode::NOT_FOUND.into_response()
}

/// `POST /webhook/set` (v2.1+ nested body), on the instance's own webhook when it has one.
fn set_webhook(g: &mut EvoState, inst: &str, body: &str) -> Response {
    let b: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let Some(w) = b.get("webhook") else {
        return (StatusCode::BAD_REQUEST, Json(json!({"status": 400, "error": "Bad Request", "response": {"message": [["instance requires property \"webhook\""]]}}))).into_response();
    };
    // The JSON schema's enum: any unknown event name refuses the whole request.
    let unknown: Vec<String> = w["events"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, e)| !e.as_str().is_some_and(|e| EVENTS.contains(&e)))
        .map(|(i, _)| format!("webhook.events[{i}] is not one of enum values"))
        .collect();
    if !unknown.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"status": 400, "error": "Bad Request", "response": {"message": [unknown]}}),
            ),
        )
            .into_response();
    }
    let row = json!({"id": "w1", "url": w["url"], "enabled": w["enabled"], "events": w["events"], "webhookByEvents": w["byEvents"], "webhookBase64": w["base64"], "headers": null, "instanceId": "i1"});
    if g.own_webhook.contains_key(inst) {
        g.own_webhook.insert(inst.to_string(), row.clone());
    } else {
        g.webhook = row.clone();
    }
    (StatusCode::CREATED, Json(row)).into_response()
}

/// `POST /message/sendText` as Evolution v2 answers it: a sending failure while the WhatsApp
/// socket is not open, 400 for a missing/invalid `number` or empty `text` (class-validator on
/// the DTO; `"Text is required"`), 400 with `exists: false` for a number not on WhatsApp, else
/// 201 with the message key. The bot sends bare digits; Evolution would also take a JID, which
/// this fake refuses so a formatting slip shows up in tests.
fn send_text(g: &mut EvoState, state: &str, body: &str) -> Response {
    let bad = |msg: Value| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": 400, "error": "Bad Request", "response": {"message": msg}})),
        )
            .into_response()
    };
    if let Some(status) = g.send_failure {
        let code = StatusCode::from_u16(status).unwrap();
        return (code, Json(json!({"status": status, "error": code.canonical_reason().unwrap_or("Error"), "response": {"message": ["Internal failure"]}}))).into_response();
    }
    if state != "open" {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"status": 500, "error": "Internal Server Error", "response": {"message": "Connection Closed"}}))).into_response();
    }
    let b: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let number = b["number"].as_str().unwrap_or("");
    if number.is_empty()
        || !number.chars().all(|c| c.is_ascii_digit())
        || number.len() < 8
        || number.len() > 15
    {
        return bad(json!([["number must be digits only"]]));
    }
    let text = b["text"].as_str().unwrap_or("");
    if text.trim().is_empty() {
        return bad(json!(["Text is required"]));
    }
    if g.failing.iter().any(|n| n == number) {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"status": 500, "error": "Internal Server Error", "response": {"message": ["Internal failure"]}}))).into_response();
    }
    if g.not_on_whatsapp.iter().any(|n| n == number) {
        return bad(
            json!([{"jid": format!("{number}@s.whatsapp.net"), "exists": false, "number": number}]),
        );
    }
    g.sent.push((number.to_string(), text.to_string()));
    let n = g.sent.len();
    (
        StatusCode::CREATED,
        Json(json!({"key": {"remoteJid": format!("{number}@s.whatsapp.net"), "fromMe": true, "id": format!("BAE5{n:012}")},
            "pushName": "", "status": "PENDING", "message": {"conversation": text}, "messageType": "conversation",
            "messageTimestamp": 1_764_000_000u64, "instanceId": "i1", "source": "unknown"})),
    )
        .into_response()
}
