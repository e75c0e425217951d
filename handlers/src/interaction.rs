//! Interactivity: `block_actions` (buttons) and `view_submission` (modals).

use std::sync::Arc;

use serde_json::Value;

use crate::Ctx;

/// What to answer an interaction within 3 s: empty 200, or a JSON body
/// (`response_action: errors` for modal field errors).
pub async fn handle(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let kind = payload.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "block_actions" => {
            crate::incident::flows::on_block_action(ctx, payload).await;
            None
        }
        "view_submission" => crate::incident::flows::on_view_submission(ctx, payload).await,
        _ => None,
    }
}
