//! Liveness, readiness, metrics.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chatops_core::cache::CacheHealth;
use serde_json::json;

use crate::AppState;

pub async fn live() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// 200 when the store answers (Redis degraded and failed jobs are reported, not fatal); 503
/// naming what failed. Socket Mode's state is reported; reconnecting does not make the bot
/// unready. The `julia` entry says whether Julia's database shows the bot its rows (row-level
/// security); it is reported, never fatal.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let ctx = &state.ctx;
    let (store, cache, julia, jobs_v) = tokio::join!(
        ctx.store.ping(),
        ctx.cache.health(),
        julia::visibility::ready_entry(&clients::julia(ctx).db),
        jobs_check(ctx)
    );
    let store_v = match &store {
        Ok(()) => {
            json!({"status": "ok", "backend": format!("{:?}", ctx.store.backend).to_lowercase()})
        }
        Err(e) => json!({"status": "error", "error": e}),
    };
    let cache_v = match &cache {
        CacheHealth::NotConfigured => json!({"status": "not_configured"}),
        CacheHealth::Ok => json!({"status": "ok"}),
        CacheHealth::Degraded(e) => {
            json!({"status": "degraded", "error": e, "fallback": "store dedupe, no rate limit"})
        }
    };
    let status = if store.is_err() {
        "not_ready"
    } else if matches!(cache, CacheHealth::Degraded(_)) || jobs_v["status"] == "failing" {
        "degraded"
    } else {
        "ready"
    };
    let code = if store.is_err() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (
        code,
        Json(json!({"status": status, "checks": {
            "store": store_v,
            "redis": cache_v,
            "socket_mode": state.socket.health(),
            "julia": julia,
            "jobs": jobs_v,
        }})),
    )
}

/// Background jobs: failed for good in the last 24 hours (a person should look), pending, and
/// the oldest due one. Failures make the bot `degraded`, never unready: it still serves.
async fn jobs_check(ctx: &chatops_core::Ctx) -> serde_json::Value {
    match chatops_core::jobs::summary(ctx).await {
        Ok(s) => {
            let pending: i64 = s
                .by_kind_state
                .iter()
                .filter(|t| t.1 == "pending")
                .map(|t| t.2)
                .sum();
            let failed_total: i64 = s
                .by_kind_state
                .iter()
                .filter(|t| t.1 == "failed")
                .map(|t| t.2)
                .sum();
            json!({
                "status": if s.failed_last_24h > 0 { "failing" } else { "ok" },
                "failed_last_24h": s.failed_last_24h,
                "failed_total": failed_total,
                "pending": pending,
                "oldest_due_age_seconds": s.oldest_due_age_ms / 1000,
            })
        }
        Err(_) => json!({"status": "unknown"}),
    }
}

/// Prometheus text. With `METRICS_TOKEN` set, only for `Authorization: Bearer <token>` (401
/// otherwise, with nothing in the body); open without it.
pub async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    if let Some(token) = &state.ctx.config.metrics_token {
        if !bearer_matches(token.expose(), &headers) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
    }
    chatops_core::jobs::export_metrics(&state.ctx).await;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        crate::telemetry::render_metrics(&state.metrics),
    )
        .into_response()
}

/// The bearer token is `expected`. Both sides are hashed first, so the comparison takes the
/// same time whatever the token's length or content.
fn bearer_matches(expected: &str, headers: &axum::http::HeaderMap) -> bool {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
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
