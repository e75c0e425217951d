//! Alert intake: `POST /alerts/alertmanager` (Alertmanager's webhook, payload version 4) and
//! `POST /alerts/generic` (a small JSON for uptime checkers and scripts).
//!
//! Every request: the body under [`MAX_BODY`] (413 beyond), then
//! `Authorization: Bearer <ALERTS_TOKEN>` compared in constant time (401, and only the refusal
//! is logged), then the body parsed (400 with the reason; nothing stored, nothing posted), then
//! the group's rows and posts written in one transaction (200 once committed; the outbox
//! delivers). A store failure answers 503, which Alertmanager retries.

use alerts::{intake, payload};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AppState;

/// The alert routes' body limit: 8 MiB, not the 1 MiB of the other routes. Each Alertmanager
/// POST carries the group's whole alert set (a big outage is the biggest body), and a 413 is a
/// 4xx, which Alertmanager never retries (`notify/util.go` `Retrier.Check`): the notification
/// would be lost. Over this, set `max_alerts` on the receiver.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// The bearer token matches `ALERTS_TOKEN`. Both sides are hashed first, so the comparison
/// takes the same time whatever the token's length or content.
fn authorized(expected: &str, headers: &HeaderMap) -> bool {
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .unwrap_or("");
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    bool::from(a.ct_eq(&b)) && !given.is_empty()
}

fn refuse(route: &'static str, status: StatusCode, outcome: &'static str) -> Response {
    metrics::counter!("alert_requests_total", "route" => route, "outcome" => outcome).increment(1);
    status.into_response()
}

async fn receive(
    state: AppState,
    route: &'static str,
    headers: HeaderMap,
    body: Bytes,
    parse: impl FnOnce(&[u8], i64) -> Result<payload::Incoming, payload::BadAlert>,
) -> Response {
    let ctx = state.ctx.clone();
    let Some(token) = alerts::settings::of(&ctx).token.as_ref() else {
        metrics::counter!("alert_requests_total", "route" => route, "outcome" => "off")
            .increment(1);
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"ok": false, "error": "alert intake is off: set ALERTS_TOKEN"})),
        )
            .into_response();
    };
    if !authorized(token.expose(), &headers) {
        tracing::info!(
            route,
            "alert request refused: missing or wrong bearer token"
        );
        return refuse(route, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let incoming = match parse(&body, ctx.clock.now_ms()) {
        Ok(i) => i,
        Err(e) => {
            tracing::info!(route, reason = %e, "alert request refused: bad body");
            metrics::counter!("alert_requests_total", "route" => route, "outcome" => "bad_request")
                .increment(1);
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"ok": false, "error": e.to_string()})),
            )
                .into_response();
        }
    };
    match intake::receive(&ctx, &incoming).await {
        Ok(r) => {
            metrics::counter!("alert_requests_total", "route" => route, "outcome" => "accepted")
                .increment(1);
            Json(json!({"ok": true, "group": r.group, "firing": r.firing, "alerts": r.total, "outcome": r.outcome}))
                .into_response()
        }
        Err(e) => {
            let reference = format!("e-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
            tracing::error!(route, reference = %reference, error = %chatops_core::config::redact_url(&e.to_string()), "alert not stored");
            metrics::counter!("alert_requests_total", "route" => route, "outcome" => "error")
                .increment(1);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"ok": false, "error": format!("the bot's store is unavailable; retry (reference {reference})")})),
            )
                .into_response()
        }
    }
}

pub async fn alertmanager(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    receive(state, "alertmanager", headers, body, |b, _| {
        payload::alertmanager(b)
    })
    .await
}

pub async fn generic(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    receive(state, "generic", headers, body, payload::generic).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_is_authorized() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert("authorization", v.parse().unwrap());
            m
        };
        let t = "0123456789abcdef-token";
        assert!(authorized(t, &h("Bearer 0123456789abcdef-token")));
        assert!(authorized(t, &h("bearer 0123456789abcdef-token")));
        assert!(!authorized(t, &h("Bearer 0123456789abcdef-tokeN")));
        assert!(!authorized(t, &h("Basic 0123456789abcdef-token")));
        assert!(!authorized(t, &h("Bearer ")));
        assert!(!authorized(t, &HeaderMap::new()));
    }
}
