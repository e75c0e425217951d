//! Events API: `event_callback` deliveries after dedupe.

use std::sync::Arc;

use serde_json::Value;

use chatops_core::Ctx;

/// Handles one inner event (already de-duplicated). Unknown types are ignored.
pub async fn handle(ctx: Arc<Ctx>, envelope: Value) {
    let event = envelope.get("event").cloned().unwrap_or(Value::Null);
    let kind = event.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "reaction_added" => crate::dispatch::incident_interactive::on_reaction(ctx, &event).await,
        "app_home_opened" => crate::dispatch::home::on_home_opened(ctx, &event).await,
        _ => tracing::debug!(event_type = kind, "event ignored"),
    }
}
