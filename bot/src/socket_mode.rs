//! Socket Mode: with `SLACK_APP_TOKEN` (`xapp-…`) the bot dials out to Slack over a WebSocket
//! instead of (or next to) receiving HTTP requests, so no public URL is needed.
//!
//! The transport is thin: `apps.connections.open` (app-level token) gives a `wss://` URL;
//! Slack says `hello`, then sends envelopes (`slash_commands`, `events_api`, `interactive`)
//! that are acknowledged with `{"envelope_id", "payload"}` where the payload is exactly what
//! the HTTP route would answer, computed by the same functions ([`crate::routes::slack`]).
//!
//! - A dropped socket is reopened with jittered exponential backoff (1 s … 30 s).
//! - A `disconnect` envelope (`refresh_requested`, `warning`, `link_disabled`) opens a new
//!   connection first and only then closes the old one (its in-flight acks finish first).
//! - The state (`disabled` / `connecting` / `connected`) is shown by `/health/ready`.
//!
//! Envelopes are read as `serde_json::Value` (plus a small `Frame` struct): slack-morphism
//! 2.31.1 defines `SlackSocketModeEvent`, `SlackSocketModeHelloEvent`… in its private
//! `models::socket_mode` module, and the crate-level `socket_mode` module (the hyper listener's
//! config and callbacks) shadows it in the glob re-export, so the types are not nameable from
//! outside the crate. They would not fit anyway: they parse payloads into `SlackCommandEvent`
//! (drops `channel_name`/`team_domain`) and `SlackInteractionEvent` (no fallback for unknown
//! payload types), while the shared handlers take the raw command fields and interaction
//! JSON. The `apps.connections.open` response is slack-morphism's model.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chatops_core::request::SlashCommand;
use chatops_core::Ctx;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;

use crate::routes::slack::{accept_event, command_ack, interaction_ack, EventOutcome};

/// Backoff bounds for reconnecting.
const BACKOFF_MIN: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// A connection that lived at least this long resets the backoff.
const STABLE_AFTER: Duration = Duration::from_secs(30);
/// We ping this often; silence (not even a pong) for `IDLE_LIMIT` means the link is dead.
const PING_EVERY: Duration = Duration::from_secs(30);
const IDLE_LIMIT: Duration = Duration::from_secs(90);
/// How long a replaced connection may take to send the acks it still owes.
const DRAIN_LIMIT: Duration = Duration::from_secs(3);
/// `apps.connections.open` plus the WebSocket handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub use crate::socket_status::{State, Status};

/// Jittered exponential backoff: attempt 1 → 0.5–1 s, 2 → 1–2 s, … capped at 30 s.
pub fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF_MIN
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(5))
        .min(BACKOFF_MAX);
    let ms = base.as_millis() as u64;
    Duration::from_millis(rand::random_range(ms / 2..=ms))
}

/// What a connection tells the supervisor.
#[derive(Debug)]
enum ConnEvent {
    /// Slack sent `disconnect`: open a replacement.
    Refresh(u64, String),
    /// The socket is gone.
    Dropped(u64, String),
}

struct Conn {
    id: u64,
    opened: Instant,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Conn {
    /// Asks the connection to close once its in-flight acks are sent (bounded).
    fn retire(self) {
        let _ = self.stop.send(());
        tokio::spawn(async move {
            if tokio::time::timeout(DRAIN_LIMIT * 2, self.task)
                .await
                .is_err()
            {
                tracing::debug!("old socket did not close in time");
            }
        });
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// `apps.connections.open` with the app-level token, then the WebSocket handshake.
async fn connect(http: &reqwest::Client, ctx: &Ctx) -> Result<Ws, String> {
    let url = format!("{}/apps.connections.open", ctx.config.slack_api_url);
    let resp = http
        .post(&url)
        .header(
            "Authorization",
            format!("Bearer {}", ctx.config.slack_app_token.expose()),
        )
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send()
        .await
        .map_err(|e| format!("apps.connections.open: {}", e.without_url()))?;
    let status = resp.status().as_u16();
    let body: Value = resp
        .json()
        .await
        .map_err(|_| format!("apps.connections.open: HTTP {status} without JSON"))?;
    if body.get("ok").and_then(Value::as_bool) != Some(true) {
        let (code, _) = chatops_core::slack::error_fields(&body);
        return Err(format!("apps.connections.open: {code}"));
    }
    let opened: slack_morphism::api::SlackApiAppsConnectionOpenResponse =
        serde_json::from_value(body).map_err(|_| "apps.connections.open: no url".to_string())?;
    let (ws, _) = tokio_tungstenite::connect_async(opened.url.0.as_str())
        .await
        .map_err(|e| format!("websocket: {e}"))?;
    Ok(ws)
}

/// The loop's state: the connection in use, whether Slack asked for a replacement, and the
/// failures in a row (for the backoff).
struct Supervisor {
    ctx: Arc<Ctx>,
    status: Arc<Status>,
    http: reqwest::Client,
    events: mpsc::Sender<ConnEvent>,
    current: Option<Conn>,
    refresh_pending: bool,
    failures: u32,
    next_id: u64,
}

/// What a connection attempt came to.
enum Attempt {
    Connected,
    Failed,
    Shutdown,
}

impl Supervisor {
    /// Waits out the backoff after failures, then opens a connection. On a refresh the old
    /// socket keeps serving until the new one is up.
    async fn reconnect(&mut self, shutdown: &mut watch::Receiver<bool>) -> Attempt {
        // While a refresh keeps failing the old socket may have gone meanwhile.
        if self.current.as_ref().is_some_and(|c| c.task.is_finished()) {
            self.current = None;
            self.status.set(State::Connecting);
        }
        if self.failures > 0 {
            let wait = backoff(self.failures);
            tracing::info!(
                wait_ms = wait.as_millis() as u64,
                "socket mode: reconnecting after backoff"
            );
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.wait_for(|s| *s) => return Attempt::Shutdown,
            }
        }
        if self.current.is_none() {
            self.status.set(State::Connecting);
        }
        let attempt = tokio::select! {
            r = tokio::time::timeout(CONNECT_TIMEOUT, connect(&self.http, &self.ctx)) => {
                r.unwrap_or_else(|_| Err("connect timed out".into()))
            }
            _ = shutdown.wait_for(|s| *s) => return Attempt::Shutdown,
        };
        match attempt {
            Ok(ws) => {
                self.adopt(ws);
                Attempt::Connected
            }
            Err(e) => {
                self.failures = self.failures.saturating_add(1);
                let failures = self.failures;
                tracing::warn!(error = %e, failures, "socket mode: connection failed");
                self.status.error(&e);
                Attempt::Failed
            }
        }
    }

    /// Serves a new socket; the one it replaces retires once its in-flight acks are sent.
    fn adopt(&mut self, ws: Ws) {
        self.next_id += 1;
        let id = self.next_id;
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(serve(
            id,
            ws,
            self.ctx.clone(),
            self.events.clone(),
            stop_rx,
        ));
        let conn = Conn {
            id,
            opened: Instant::now(),
            stop: stop_tx,
            task,
        };
        if let Some(old) = self.current.replace(conn) {
            tracing::info!(old = old.id, new = id, "socket mode: connection refreshed");
            old.retire();
        } else {
            tracing::info!(connection = id, "socket mode: connected");
        }
        self.refresh_pending = false;
        self.status.set(State::Connected);
        metrics::counter!("socket_mode_connections_total").increment(1);
    }

    fn is_current(&self, id: u64) -> bool {
        self.current.as_ref().is_some_and(|c| c.id == id)
    }

    /// What a connection reported: Slack asked for a refresh, or the socket dropped.
    fn on_event(&mut self, ev: ConnEvent) {
        match ev {
            ConnEvent::Refresh(id, reason) if self.is_current(id) => {
                tracing::info!(reason = %reason, "socket mode: Slack asked to reconnect");
                self.status.disconnect(&reason);
                self.refresh_pending = true;
                self.failures = 0;
            }
            ConnEvent::Dropped(id, why) if self.is_current(id) => {
                let c = self.current.take().expect("current");
                let lived = c.opened.elapsed();
                self.failures = if lived >= STABLE_AFTER {
                    1
                } else {
                    self.failures.saturating_add(1)
                };
                tracing::warn!(reason = %why, lived_secs = lived.as_secs(), "socket mode: connection dropped");
                self.status.error(&why);
                self.status.set(State::Connecting);
                metrics::counter!("socket_mode_drops_total").increment(1);
            }
            _ => {} // about a connection already replaced
        }
    }
}

/// Runs Socket Mode until `shutdown` turns true. Returns at once when no app token is set.
pub async fn run(ctx: Arc<Ctx>, status: Arc<Status>, mut shutdown: watch::Receiver<bool>) {
    if ctx.config.slack_app_token.is_empty() {
        status.set(State::Disabled);
        return;
    }
    let http = reqwest::Client::builder()
        .timeout(CONNECT_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .expect("reqwest client builds");
    let (events, mut events_rx) = mpsc::channel::<ConnEvent>(16);
    let mut sup = Supervisor {
        ctx,
        status,
        http,
        events,
        current: None,
        refresh_pending: false,
        failures: 0,
        next_id: 0,
    };
    while !*shutdown.borrow() {
        if sup.current.is_none() || sup.refresh_pending {
            match sup.reconnect(&mut shutdown).await {
                Attempt::Connected => {}
                Attempt::Failed => continue,
                Attempt::Shutdown => break,
            }
        }
        tokio::select! {
            _ = shutdown.wait_for(|s| *s) => break,
            ev = events_rx.recv() => match ev {
                Some(ev) => sup.on_event(ev),
                None => break,
            },
        }
    }
    if let Some(c) = sup.current.take() {
        c.retire();
    }
    sup.status.set(State::Connecting);
    tracing::info!("socket mode stopped");
}

/// The fields of a frame the transport needs.
#[derive(Debug, Deserialize)]
struct Frame {
    #[serde(rename = "type", default)]
    kind: String,
    envelope_id: Option<String>,
    #[serde(default)]
    payload: Value,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    retry_attempt: Option<u64>,
}

/// One connection: reads frames, dispatches envelopes, writes acks and pings.
async fn serve(
    id: u64,
    ws: Ws,
    ctx: Arc<Ctx>,
    sup: mpsc::Sender<ConnEvent>,
    mut stop: oneshot::Receiver<()>,
) {
    let (mut sink, mut stream) = ws.split();
    let (ack_tx, mut ack_rx) = mpsc::channel::<Message>(64);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut last_seen = Instant::now();
    let why = loop {
        tokio::select! {
            _ = &mut stop => {
                // Replaced: stop reading, send the acks still owed, then close.
                drop(ack_tx);
                let _ = tokio::time::timeout(DRAIN_LIMIT, async {
                    while let Some(m) = ack_rx.recv().await {
                        if sink.send(m).await.is_err() {
                            break;
                        }
                    }
                })
                .await;
                let _ = sink.send(Message::Close(None)).await;
                return;
            }
            Some(m) = ack_rx.recv() => {
                if let Err(e) = sink.send(m).await {
                    break format!("write: {e}");
                }
            }
            _ = ping.tick() => {
                if last_seen.elapsed() > IDLE_LIMIT {
                    break "no traffic from Slack".to_string();
                }
                if let Err(e) = sink.send(Message::Ping(Vec::new().into())).await {
                    break format!("write: {e}");
                }
            }
            frame = stream.next() => {
                last_seen = Instant::now();
                match frame {
                    Some(Ok(Message::Text(t))) => on_text(id, t.as_str(), &ctx, &sup, &ack_tx).await,
                    Some(Ok(Message::Ping(_))) => {
                        // tungstenite queued the pong; push it out.
                        let _ = sink.flush().await;
                    }
                    Some(Ok(Message::Close(f))) => {
                        break format!("closed by Slack{}", f.map(|f| format!(": {}", f.reason)).unwrap_or_default());
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break format!("read: {e}"),
                    None => break "socket closed".to_string(),
                }
            }
        }
    };
    let _ = sup.send(ConnEvent::Dropped(id, why)).await;
}

async fn on_text(
    id: u64,
    text: &str,
    ctx: &Arc<Ctx>,
    sup: &mpsc::Sender<ConnEvent>,
    acks: &mpsc::Sender<Message>,
) {
    let Ok(frame) = serde_json::from_str::<Frame>(text) else {
        tracing::warn!("socket mode: unreadable frame ignored");
        return;
    };
    match frame.kind.as_str() {
        "hello" => {
            let n = serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|h| h.get("num_connections").and_then(Value::as_u64))
                .unwrap_or(0);
            tracing::info!(connection = id, num_connections = n, "socket mode: hello");
        }
        "disconnect" => {
            let reason = frame.reason.unwrap_or_else(|| "unknown".into());
            let _ = sup.send(ConnEvent::Refresh(id, reason)).await;
        }
        kind => {
            let Some(envelope_id) = frame.envelope_id else {
                tracing::debug!(kind, "socket mode: frame without envelope ignored");
                return;
            };
            let (ctx, acks, kind) = (ctx.clone(), acks.clone(), kind.to_string());
            let retry = frame.retry_attempt.unwrap_or(0).to_string();
            tokio::spawn(async move {
                let started = Instant::now();
                let (outcome, payload) = dispatch(ctx, &kind, frame.payload, &retry, started).await;
                if outcome != "store_unavailable" {
                    let mut ack = json!({ "envelope_id": envelope_id });
                    if let Some(p) = payload {
                        ack["payload"] = p;
                    }
                    let _ = acks.send(Message::Text(ack.to_string().into())).await;
                }
                metrics::counter!("socket_mode_envelopes_total", "type" => kind.clone(), "outcome" => outcome).increment(1);
                metrics::histogram!("slack_ack_seconds", "route" => format!("socket_{kind}"))
                    .record(started.elapsed().as_secs_f64());
            });
        }
    }
}

/// An envelope's payload → (outcome, ack payload), through the HTTP routes' functions.
async fn dispatch(
    ctx: Arc<Ctx>,
    kind: &str,
    payload: Value,
    retry: &str,
    started: std::time::Instant,
) -> (&'static str, Option<Value>) {
    match kind {
        "slash_commands" => match serde_json::from_value::<SlashCommand>(payload) {
            Ok(cmd) => (
                "accepted",
                command_ack(ctx, cmd, "socket", started).await.into_value(),
            ),
            Err(_) => ("bad_request", None),
        },
        "events_api" => match accept_event(ctx, payload, retry).await {
            EventOutcome::Accepted => ("accepted", None),
            EventOutcome::Duplicate => ("dedupe", None),
            // Not acknowledged: Slack delivers it again.
            EventOutcome::StoreUnavailable => ("store_unavailable", None),
            EventOutcome::Challenge(_) | EventOutcome::Ignored => ("ignored", None),
        },
        "interactive" => ("accepted", interaction_ack(ctx, payload).await),
        _ => ("ignored", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for _ in 0..50 {
            let a = backoff(1);
            assert!(a >= Duration::from_millis(500) && a <= Duration::from_secs(1));
            let b = backoff(3);
            assert!(b >= Duration::from_secs(2) && b <= Duration::from_secs(4));
            let c = backoff(40);
            assert!(c >= Duration::from_secs(15) && c <= BACKOFF_MAX);
        }
    }
}
