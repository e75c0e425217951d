//! `POST /pager/evolution/{token}`: Evolution's webhook for WhatsApp replies to pages. The
//! token is the only guard (Evolution signs nothing): compared in constant time, and a wrong
//! one is answered like a route that does not exist.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use paging::webhook::{self, Answer};

use crate::AppState;

pub const PATH: &str = "/pager/evolution/{token}";

/// With `webhookByEvents` Evolution posts each event to `<url>/<event-in-kebab-case>`
/// (`…/messages-upsert`; v2.3 `webhook.controller.ts`): the same handler, the body says which.
pub const PATH_BY_EVENT: &str = "/pager/evolution/{token}/{event}";

/// Evolution's `messages.upsert` bodies are a few KiB (media arrive as URLs unless the webhook
/// is set with `base64: true`, which this route does not need).
pub const MAX_BODY: usize = 256 * 1024;

pub async fn evolution(
    State(s): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> StatusCode {
    match webhook::handle(&s.ctx, &token, &body).await {
        Answer::NotFound => StatusCode::NOT_FOUND,
        Answer::BadRequest => StatusCode::BAD_REQUEST,
        Answer::Ok => StatusCode::OK,
        Answer::Retry => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// `…/{token}/{event}`: a by-events webhook.
pub async fn evolution_by_event(
    State(s): State<AppState>,
    Path((token, _event)): Path<(String, String)>,
    body: Bytes,
) -> StatusCode {
    evolution(State(s), Path(token), body).await
}
