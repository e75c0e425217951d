//! Slack's three endpoints. Every request: raw bytes under the size limit, then the v0
//! signature and the ±300 s window (401 on failure, nothing else happens), then parsing.
//! Slack always gets its answer within 3 s.

use std::time::{Duration, Instant};

use crate::dispatch::slash::{Handled, Step};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chatops_core::request::{Ack, SlashCommand};
use serde_json::Value;

use crate::AppState;

/// The content type axum's `Json` answers with.
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Slack's limit is 3 s; leave room for the network.
const ACK_BUDGET: Duration = Duration::from_millis(2500);

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn verify(
    state: &AppState,
    route: &'static str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), StatusCode> {
    let r = state.ctx.verifier.verify(
        header(headers, "x-slack-request-timestamp"),
        header(headers, "x-slack-signature"),
        body,
        state.ctx.clock.now_secs(),
    );
    r.map_err(|e| {
        metrics::counter!("slack_requests_total", "route" => route, "outcome" => e.outcome())
            .increment(1);
        tracing::info!(route, outcome = e.outcome(), "request refused");
        StatusCode::UNAUTHORIZED
    })
}

fn done(route: &'static str, outcome: &'static str, started: Instant) {
    metrics::counter!("slack_requests_total", "route" => route, "outcome" => outcome).increment(1);
    metrics::histogram!("slack_ack_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
}

/// `slack_requests_total{route="commands",outcome="accepted"}` and
/// `slack_ack_seconds{route="commands"}`, looked up once: a labelled `counter!`/`histogram!`
/// hashes its labels into the registry on every call, about 2,500 instructions of each slash
/// command's ack (`scripts/ack_profile.sh`). The recorder is installed before the first lookup,
/// so these are the handles `/metrics` reads.
fn command_accepted() -> &'static (metrics::Counter, metrics::Histogram) {
    static HANDLES: std::sync::OnceLock<(metrics::Counter, metrics::Histogram)> =
        std::sync::OnceLock::new();
    HANDLES.get_or_init(|| {
        let _ = crate::telemetry::metrics_handle();
        (
            metrics::counter!("slack_requests_total", "route" => "commands", "outcome" => "accepted"),
            metrics::histogram!("slack_ack_seconds", "route" => "commands"),
        )
    })
}

fn request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

pub async fn commands(State(state): State<AppState>, request: Request) -> Response {
    let started = Instant::now();
    // The headers are moved out of the request rather than cloned (axum's `HeaderMap`
    // extractor clones them); the body is read under the same size limit as everywhere else.
    let (mut parts, body) = request.into_parts();
    let headers = std::mem::take(&mut parts.headers);
    let body = match Bytes::from_request(Request::from_parts(parts, body), &state).await {
        Ok(b) => b,
        Err(too_large_or_broken) => return too_large_or_broken.into_response(),
    };
    // Slack's unsigned ssl_check (form, exactly `ssl_check=1`): empty 200, nothing else read.
    if header(&headers, "x-slack-signature").is_none()
        && header(&headers, "content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
        && serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .is_ok_and(|f| f.iter().any(|(k, v)| k == "ssl_check" && v == "1"))
    {
        return StatusCode::OK.into_response();
    }
    if let Err(r) = verify(&state, "commands", &headers, &body) {
        return r.into_response();
    }
    let cmd = match SlashCommand::from_form(&body) {
        Ok(c) => c,
        Err(_) => {
            done("commands", "bad_request", started);
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let ack = command_ack(state.ctx.clone(), cmd, "commands", started).await;
    let (requests, seconds) = command_accepted();
    requests.increment(1);
    seconds.record(started.elapsed().as_secs_f64());
    match ack {
        Ack::Empty => StatusCode::OK.into_response(),
        Ack::Body(v) => Json(v).into_response(),
        Ack::Json(b) => ([(CONTENT_TYPE, JSON)], b).into_response(),
    }
}

/// A verified, parsed slash command -> the ack body, within the ack budget, and the command's
/// one log line (outcome and latency since `started`). Help, usage errors and unknown commands
/// are answered inline (no task, no store, no cache); the rest runs in a task. Shared by the
/// HTTP route and Socket Mode (`crate::socket_mode`).
pub async fn command_ack(
    ctx: std::sync::Arc<chatops_core::Ctx>,
    cmd: SlashCommand,
    route: &'static str,
    started: Instant,
) -> Ack {
    let parsed = match crate::dispatch::slash::prepare(&ctx, &cmd) {
        Step::Answered(h) => {
            log_command(route, &h, &cmd.user_id, &cmd.channel_id, started);
            return h.ack;
        }
        Step::Dispatch(p) => p,
    };
    let (user, channel) = (cmd.user_id.clone(), cmd.channel_id.clone());
    let labels = crate::dispatch::slash::labels(&ctx, &cmd);
    let response_url = cmd.response_url.clone();
    let task = tokio::spawn(crate::dispatch::slash::run(ctx.clone(), cmd, parsed));
    let h = finish_in_time(ctx, task, response_url, labels).await;
    log_command(route, &h, &user, &channel, started);
    h.ack
}

/// The one line a command writes.
fn log_command(route: &'static str, h: &Handled, user: &str, channel: &str, started: Instant) {
    let latency_ms = started.elapsed().as_micros() as f64 / 1000.0;
    tracing::info!(
        route,
        command = h.command,
        subcommand = h.subcommand,
        user,
        channel,
        outcome = h.outcome,
        latency_ms,
        "command"
    );
}

/// What became of an Events API envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// `url_verification`: answer with the challenge.
    Challenge(String),
    /// First delivery of an `event_callback`: handled in the background.
    Accepted,
    /// A retry of an event already accepted: acknowledged, not processed again.
    Duplicate,
    /// The dedupe store is down: do not acknowledge, so Slack delivers it again.
    StoreUnavailable,
    /// `app_rate_limited` and unknown types: acknowledged and ignored.
    Ignored,
}

/// A verified Events API envelope: dedupe on `event_id`, then `crate::dispatch::event::handle` in
/// the background. Shared by the HTTP route and Socket Mode.
pub async fn accept_event(
    ctx: std::sync::Arc<chatops_core::Ctx>,
    envelope: Value,
    retry: &str,
) -> EventOutcome {
    match envelope.get("type").and_then(Value::as_str) {
        Some("url_verification") => EventOutcome::Challenge(
            envelope
                .get("challenge")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        ),
        Some("event_callback") => {
            let event_id = envelope
                .get("event_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let first = if event_id.is_empty() {
                Ok(true)
            } else {
                chatops_core::dedupe::first_delivery(&ctx, &event_id).await
            };
            match first {
                Ok(true) => {
                    tracing::info!(event_id = %event_id, retry, "event accepted");
                    tokio::spawn(crate::dispatch::event::handle(ctx, envelope));
                    EventOutcome::Accepted
                }
                Ok(false) => {
                    tracing::info!(event_id = %event_id, "duplicate event acknowledged");
                    EventOutcome::Duplicate
                }
                Err(e) => {
                    tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "dedupe store unavailable");
                    EventOutcome::StoreUnavailable
                }
            }
        }
        _ => EventOutcome::Ignored,
    }
}

/// A verified interaction payload -> the ack body (`None` = empty), within the ack budget.
/// Shared by the HTTP route and Socket Mode.
pub async fn interaction_ack(
    ctx: std::sync::Arc<chatops_core::Ctx>,
    payload: Value,
) -> Option<Value> {
    let task = tokio::spawn(crate::dispatch::interaction::handle(ctx, payload));
    match tokio::time::timeout(ACK_BUDGET, task).await {
        Ok(Ok(r)) => r,
        _ => None,
    }
}

/// Waits for the handler up to the ack budget; past it answers "working on it" (outcome
/// `deferred`) and lets the handler's answer go through `response_url` when it comes.
async fn finish_in_time(
    ctx: std::sync::Arc<chatops_core::Ctx>,
    mut task: tokio::task::JoinHandle<Handled>,
    response_url: String,
    (command, subcommand): (&'static str, &'static str),
) -> Handled {
    let (ack, outcome) = match tokio::time::timeout(ACK_BUDGET, &mut task).await {
        Ok(Ok(h)) => return h,
        Ok(Err(_)) => (
            chatops_core::FlowError::Internal(anyhow::anyhow!("command task panicked"))
                .into_msg(ctx.locale())
                .ephemeral(),
            "panicked",
        ),
        Err(_) => {
            let l = ctx.locale();
            tokio::spawn(async move {
                if let Some(v) = task.await.ok().and_then(|h| h.ack.into_value()) {
                    let _ = ctx.slack.respond(&response_url, &v).await;
                }
            });
            (messages::working_on_it(l).ephemeral(), "deferred")
        }
    };
    Handled {
        ack: Ack::Body(ack),
        command,
        subcommand,
        outcome,
    }
}

pub async fn events(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    if let Err(r) = verify(&state, "events", &headers, &body) {
        return r.into_response();
    }
    let envelope: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            done("events", "bad_request", started);
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    let retry = header(&headers, "x-slack-retry-num").unwrap_or("0");
    match accept_event(state.ctx.clone(), envelope, retry).await {
        EventOutcome::Challenge(challenge) => {
            done("events", "accepted", started);
            Json(serde_json::json!({ "challenge": challenge })).into_response()
        }
        EventOutcome::Accepted => {
            done("events", "accepted", started);
            StatusCode::OK.into_response()
        }
        EventOutcome::Duplicate => {
            done("events", "dedupe", started);
            StatusCode::OK.into_response()
        }
        EventOutcome::StoreUnavailable => {
            // Ask Slack to retry later rather than lose the event.
            done("events", "store_unavailable", started);
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        EventOutcome::Ignored => {
            done("events", "ignored", started);
            StatusCode::OK.into_response()
        }
    }
}

pub async fn interactions(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    if let Err(r) = verify(&state, "interactions", &headers, &body) {
        return r.into_response();
    }
    let Some(payload) = crate::dispatch::interaction::parse_form(&body) else {
        done("interactions", "bad_request", started);
        return StatusCode::BAD_REQUEST.into_response();
    };
    let kind = payload
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let user = payload
        .pointer("/user/id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let reply = interaction_ack(state.ctx.clone(), payload).await;
    tracing::info!(request_id = %request_id(), route = "interactions", kind = %kind, user = %user, "interaction acknowledged");
    done("interactions", "accepted", started);
    match reply {
        None => StatusCode::OK.into_response(),
        Some(v) => Json(v).into_response(),
    }
}
