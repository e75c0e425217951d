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
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/instance/connectionState/{i}", get(handle))
            .route("/instance/connect/{i}", get(handle))
            .route("/instance/restart/{i}", post(handle))
            .route("/webhook/find/{i}", get(handle))
            .route("/webhook/set/{i}", post(handle))
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
    pub fn requests(&self) -> Vec<EvoRequest> {
        self.state.lock().unwrap().requests.clone()
    }
}

type St = Arc<Mutex<EvoState>>;

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
    if path.starts_with("/instance/connect/") || path.starts_with("/instance/restart/") {
        tokio::time::sleep(socket_wait).await;
    }
    // Evolution checks that the instance exists before it checks the key.
    if inst != "julia" {
        return (StatusCode::NOT_FOUND, Json(json!({"status": 404, "error": "Not Found", "response": {"message": [format!("The \"{inst}\" instance does not exist")]}}))).into_response();
    }
    if headers.get("apikey").and_then(|v| v.to_str().ok()) != Some("evo-key") {
        return (StatusCode::UNAUTHORIZED, Json(json!({"status": 401, "error": "Unauthorized", "response": {"message": "Unauthorized"}}))).into_response();
    }
    let mut g = s.lock().unwrap();
    let state = g.state.clone();
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
    if path.starts_with("/webhook/find") {
        return Json(g.webhook.clone()).into_response();
    }
    if path.starts_with("/webhook/set") {
        let b: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
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
            return (StatusCode::BAD_REQUEST, Json(json!({"status": 400, "error": "Bad Request", "response": {"message": [unknown]}}))).into_response();
        }
        let row = json!({"id": "w1", "url": w["url"], "enabled": w["enabled"], "events": w["events"], "webhookByEvents": w["byEvents"], "webhookBase64": w["base64"], "headers": null, "instanceId": "i1"});
        g.webhook = row.clone();
        return (StatusCode::CREATED, Json(row)).into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}
