//! The follow-up's buttons and form (ids start with `followup_`, routed here by the bot): the
//! post-mortem message's "Add action item" (opens the form), the form's submission, and the
//! drill checklist's answers.

use std::sync::Arc;

use messages::drill::ACTION_ANSWER;
use messages::followup::{self as tpl, action};
use serde_json::{json, Value};

use crate::actions::{add_to, check_add, AddInput};
use chatops_core::ids::UserId;
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::{Ctx, FlowError, FlowResult};
use incident::shared::{open_modal, unknown};
use incident::store;

fn field<'a>(payload: &'a Value, pointer: &str) -> &'a str {
    payload
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A button click; the answer (if any) goes to the person through `response_url`.
pub async fn on_block_action(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let l = ctx.locale();
    let user = UserId::new(field(&payload, "/user/id"));
    let value = field(&payload, "/actions/0/value");
    let r: FlowResult<Option<messages::Msg>> = match field(&payload, "/actions/0/action_id") {
        action::ADD => open_form(&ctx, value, field(&payload, "/trigger_id"))
            .await
            .map(|()| None),
        ACTION_ANSWER => crate::drill::answer(&ctx, &user, value).await.map(|_| None),
        _ => Ok(None),
    };
    let msg = match r {
        Ok(m) => m,
        Err(e) => Some(e.into_msg(l)),
    };
    let url = field(&payload, "/response_url");
    if let (Some(m), false) = (msg, url.is_empty()) {
        let mut body = m.ephemeral();
        body["replace_original"] = false.into();
        let _ = ctx.slack.respond(url, &body).await;
    }
    None
}

async fn open_form(ctx: &Ctx, value: &str, trigger: &str) -> FlowResult<()> {
    let id = value.parse::<i64>().unwrap_or(0);
    store::get_pool(&ctx.store.pool, id)
        .await?
        .ok_or_else(|| unknown(ctx, chatops_core::ids::IncidentId(id)))?;
    open_modal(ctx, trigger, tpl::form(id, ctx.locale())).await
}

/// A value of the form: text input or user select.
fn input(payload: &Value, block: &str, action: &str) -> Option<String> {
    let v = payload.pointer(&format!("/view/state/values/{block}/{action}"))?;
    let s = v
        .get("value")
        .and_then(Value::as_str)
        .or_else(|| v.get("selected_user").and_then(Value::as_str))?;
    let s = chatops_core::text::clean_text(s);
    (!s.is_empty()).then_some(s)
}

/// The form's submission: a refusal is shown under the field it is about (the form stays
/// open); otherwise the item is added and the person who added it is told by DM.
pub async fn on_view_submission(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    if field(&payload, "/view/callback_id") != action::FORM {
        return None;
    }
    let user = UserId::new(field(&payload, "/user/id"));
    let id = field(&payload, "/view/private_metadata")
        .parse::<i64>()
        .unwrap_or(0);
    let input = AddInput {
        owner: input(&payload, "owner", "owner_select"),
        text: input(&payload, "text", "text_input").unwrap_or_default(),
        due: input(&payload, "due", "due_input"),
    };
    let l = ctx.locale();
    let i = match store::get_pool(&ctx.store.pool, id).await {
        Ok(Some(i)) => i,
        Ok(None) => return errors("text", unknown(&ctx, chatops_core::ids::IncidentId(id)), l),
        Err(e) => return errors("text", e.into(), l),
    };
    let now = ctx.clock.now_ms();
    if let Err(e) = check_add(&ctx, &i, &input, now) {
        // The field the refusal is about: the owner, the text, else the due date.
        let text = chatops_core::text::clean_text(&input.text);
        let block = if input.owner.is_none() {
            "owner"
        } else if text.is_empty() || text.chars().count() > crate::actions::TEXT_MAX {
            "text"
        } else {
            "due"
        };
        return errors(block, e, l);
    }
    match add_to(&ctx, &user, &i, input).await {
        Ok(m) => {
            let r = async {
                let mut tx = ctx.store.begin().await?;
                enqueue(&mut tx, &OutboxItem::post(user.as_str(), &m), now).await?;
                tx.commit().await
            };
            if let Err(e) = r.await {
                tracing::warn!(error = %e, "action item added; its confirmation DM not queued");
            }
            ctx.outbox_wake.notify_one();
            None
        }
        Err(e) => errors("text", e, l),
    }
}

fn errors(block: &str, e: FlowError, l: messages::Locale) -> Option<Value> {
    let text = e.into_msg(l).text;
    Some(json!({"response_action": "errors", "errors": {block: text}}))
}
