//! Liveness, readiness, metrics.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use handlers::cache::CacheHealth;
use serde_json::json;

use crate::AppState;

pub async fn live() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// 200 when the store answers (Redis degraded is reported, not fatal); 503 naming what failed.
/// Socket Mode's state is reported; reconnecting does not make the bot unready. The `julia`
/// entry says whether Julia's database shows the bot its rows (row-level security); it is
/// reported, never fatal.
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let ctx = &state.ctx;
    let (store, cache, julia) = tokio::join!(
        ctx.store.ping(),
        ctx.cache.health(),
        handlers::control::visibility::ready_entry(&ctx.julia.db)
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
    } else if matches!(cache, CacheHealth::Degraded(_)) {
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
        }})),
    )
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
}
