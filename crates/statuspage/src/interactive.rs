//! The preview's buttons (Publish, Edit) and the edit form. Slack's payloads are read here;
//! the answers replace the preview through its `response_url`.

use std::sync::Arc;

use serde_json::{json, Value};

use chatops_core::ids::UserId;
use chatops_core::{Ctx, FlowError, FlowResult};
use incident::shared::open_modal;
use messages::statuspage as words;
use messages::Msg;

fn field<'a>(payload: &'a Value, pointer: &str) -> &'a str {
    payload
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A `statuspage_*` button. The answer replaces the preview (published) or is added under it
/// (refused); nothing is answered within the 3 s but the ack.
pub async fn on_block_action(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    tokio::spawn(async move {
        let l = ctx.locale();
        let url = field(&payload, "/response_url").to_string();
        let (answer, replace) = match button(&ctx, &payload).await {
            Ok(Some(m)) => (Some(m), true),
            Ok(None) => (None, false),
            Err(e) => (Some(e.into_msg(l)), false),
        };
        if let (Some(m), false) = (answer, url.is_empty()) {
            let mut body = m.ephemeral();
            body["replace_original"] = replace.into();
            if let Err(e) = ctx.slack.respond(&url, &body).await {
                tracing::warn!(error = %e, "status page: response_url failed");
            }
        }
    });
    None
}

async fn button(ctx: &Ctx, payload: &Value) -> FlowResult<Option<Msg>> {
    let user = UserId::new(field(payload, "/user/id"));
    let draft: i64 = field(payload, "/actions/0/value").parse().unwrap_or(0);
    match field(payload, "/actions/0/action_id") {
        words::ACTION_PUBLISH => crate::drafts::publish(ctx, &user, draft, None)
            .await
            .map(Some),
        words::ACTION_EDIT => {
            let d = crate::drafts::get(ctx, draft).await?;
            let form = words::edit_modal(d.id, &d.title, &d.body, ctx.locale());
            open_modal(ctx, field(payload, "/trigger_id"), form).await?;
            Ok(None)
        }
        _ => Ok(None),
    }
}

fn input(payload: &Value, block: &str, action: &str) -> String {
    let v = field(
        payload,
        &format!("/view/state/values/{block}/{action}/value"),
    );
    chatops_core::text::clean_text(v).trim().to_string()
}

/// The edit form: publishes what it holds, or shows the problem under the field.
pub async fn on_view_submission(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let l = ctx.locale();
    let user = UserId::new(field(&payload, "/user/id"));
    let draft: i64 = field(&payload, "/view/private_metadata")
        .parse()
        .unwrap_or(0);
    let title = input(&payload, "public_title", "public_title_input");
    let body = input(&payload, "public_body", "public_body_input");
    match crate::drafts::publish(&ctx, &user, draft, Some((title, body))).await {
        Ok(_) => None,
        Err(FlowError::User(m)) => Some(json!({
            "response_action": "errors",
            "errors": {"public_body": m.text}
        })),
        Err(e) => Some(json!({
            "response_action": "errors",
            "errors": {"public_body": e.into_msg(l).text}
        })),
    }
}
