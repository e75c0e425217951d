//! HTTP surface: `/slack/commands`, `/slack/events`, `/slack/interactions` (signature checked
//! before anything else), `/alerts/alertmanager` and `/alerts/generic` (bearer token),
//! `/pager/evolution/{token}` (WhatsApp replies to pages), `/health`, `/health/ready`, `/metrics`,
//! and the public status page at `STATUSPAGE_PATH` (`crates/statuspage/src/web/`).

pub mod alerts;
pub mod health;
pub mod pager;
pub mod slack;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

/// Bodies over this get 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// The paths the manifest's request URLs must point at.
pub const SLACK_PATHS: &[&str] = &["/slack/commands", "/slack/events", "/slack/interactions"];

pub fn router(state: AppState) -> Router {
    let ctx = state.ctx.clone();
    let main = Router::new()
        .route("/slack/commands", post(slack::commands))
        .route("/slack/events", post(slack::events))
        .route("/slack/interactions", post(slack::interactions))
        .route(
            "/alerts/alertmanager",
            post(alerts::alertmanager).layer(DefaultBodyLimit::max(alerts::MAX_BODY)),
        )
        .route(
            "/alerts/generic",
            post(alerts::generic).layer(DefaultBodyLimit::max(alerts::MAX_BODY)),
        )
        .route(
            pager::PATH,
            post(pager::evolution).layer(DefaultBodyLimit::max(pager::MAX_BODY)),
        )
        .route(
            pager::PATH_BY_EVENT,
            post(pager::evolution_by_event).layer(DefaultBodyLimit::max(pager::MAX_BODY)),
        )
        .route("/health", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state);
    // The public status page at STATUSPAGE_PATH (`/status`).
    statuspage::web::mount(main, ctx)
}
