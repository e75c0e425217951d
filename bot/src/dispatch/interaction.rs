//! Interactivity: `block_actions` (buttons) and `view_submission` (modals), routed by prefix:
//! action/callback ids starting with `julia_` belong to [`julia`], `alert_` to
//! [`alerts`], `followup_` to [`followup`] (action items, the drill checklist), the rest to
//! incidents.

use std::sync::Arc;

use serde_json::Value;

use chatops_core::Ctx;

/// The `payload` field of an interactivity form body, parsed as JSON (`None`: a 400).
pub fn parse_form(body: &[u8]) -> Option<Value> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()
        .and_then(|f| f.into_iter().find(|(k, _)| k == "payload"))
        .and_then(|(_, p)| serde_json::from_str(&p).ok())
}

/// What to answer an interaction within 3 s: `None` = empty 200, or a JSON body
/// (`response_action: errors` for modal field errors).
pub async fn handle(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let kind = payload.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "block_actions" => {
            let action_id = payload
                .pointer("/actions/0/action_id")
                .and_then(Value::as_str)
                .unwrap_or("");
            if action_id.starts_with("julia_") {
                julia::on_block_action(ctx, payload).await
            } else if action_id.starts_with("alert_") {
                alerts::actions::on_block_action(ctx, payload).await
            } else if action_id.starts_with("stakeholders_") {
                stakeholders::join::on_block_action(ctx, payload).await
            } else if action_id.starts_with("statuspage_") {
                statuspage::interactive::on_block_action(ctx, payload).await
            } else if action_id.starts_with("customers_") {
                customers::actions::on_block_action(ctx, payload).await
            } else if action_id.starts_with("ops_") {
                ops::on_block_action(ctx, payload).await
            } else if action_id.starts_with("followup_") {
                followup::on_block_action(ctx, payload).await
            } else {
                crate::dispatch::incident_interactive::on_block_action(ctx, payload).await;
                None
            }
        }
        "view_submission" => {
            let callback = payload
                .pointer("/view/callback_id")
                .and_then(Value::as_str)
                .unwrap_or("");
            if callback.starts_with("julia_") {
                julia::on_view_submission(ctx, payload).await
            } else if callback.starts_with("followup_") {
                followup::on_view_submission(ctx, payload).await
            } else if callback.starts_with("customers_") {
                customers::actions::on_view_submission(ctx, payload).await
            } else if callback.starts_with("statuspage_") {
                statuspage::interactive::on_view_submission(ctx, payload).await
            } else {
                crate::dispatch::incident_interactive::on_view_submission(ctx, payload).await
            }
        }
        _ => None,
    }
}
