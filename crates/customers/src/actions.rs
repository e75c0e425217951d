//! The buttons (`customers_*` action ids) and the Edit form: Send starts the guarded request,
//! Edit opens the text, Not now dismisses the prompt, Confirm / Send with the held / Cancel
//! answer the confirmation, Stop halts a send.

use std::sync::Arc;

use serde_json::Value;

use chatops_core::audit::{self, AuditEntry};
use chatops_core::guarded::{self, Choice, Reply};
use chatops_core::Ctx;
use messages::customers as tpl;

use crate::control::Notice;
use crate::prompt::{self, Prompt};
use crate::{send, store};

/// `<incident>:<kind>` of a prompt's button.
fn target(value: &str) -> Option<(i64, bool)> {
    let (id, kind) = value.split_once(':')?;
    Some((id.parse().ok()?, kind == "recovery"))
}

/// A click on a `customers_*` button. Answers Slack at once; the work goes on in a task.
pub async fn on_block_action(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let s = |p: &str| {
        payload
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (action, value, trigger) = (
        s("/actions/0/action_id"),
        s("/actions/0/value"),
        s("/trigger_id"),
    );
    let reply = Reply::from_block_action(&payload);
    tokio::spawn(async move {
        let l = ctx.locale();
        let choice = match action.as_str() {
            tpl::ACTION_CONFIRM => Some(Choice::Confirm),
            tpl::ACTION_CONFIRM_ALL => Some(Choice::Alternative),
            tpl::ACTION_CANCEL => Some(Choice::Cancel),
            _ => None,
        };
        if let Some(c) = choice {
            return guarded::answer::<Notice>(&ctx, &reply, &value, c).await;
        }
        if action == tpl::ACTION_STOP {
            let Ok(id) = value.parse::<i64>() else { return };
            return stop(&ctx, &reply, id).await;
        }
        let Some((incident, recovery)) = target(&value) else {
            return;
        };
        match action.as_str() {
            tpl::ACTION_SEND => {
                let n = Notice {
                    incident,
                    recovery,
                    include_held: false,
                    count: 0,
                };
                guarded::request(&ctx, &reply, n).await
            }
            tpl::ACTION_EDIT => {
                let r = async {
                    let i = incident::store::get_pool(&ctx.store.pool, incident)
                        .await?
                        .ok_or_else(|| chatops_core::FlowError::User(tpl::usage(l)))?;
                    let text = crate::preview::text(&ctx, &i, recovery).await?;
                    let form = tpl::edit_modal(&value, &text, settings_locale(&ctx));
                    incident::shared::open_modal(&ctx, &trigger, form).await
                };
                if let Err(e) = r.await {
                    reply.send(&ctx, &e.into_msg(l)).await;
                }
            }
            tpl::ACTION_DISMISS => dismiss(&ctx, &reply, incident, recovery).await,
            _ => {}
        }
    });
    None
}

fn settings_locale(ctx: &Ctx) -> messages::Locale {
    ctx.locale()
}

/// "Not now": the prompt is not posted again by itself (the command brings it back).
async fn dismiss(ctx: &Ctx, reply: &Reply, incident: i64, recovery: bool) {
    let now = ctx.clock.now_ms();
    let l = ctx.locale();
    let r = async {
        let mut tx = ctx.store.begin().await?;
        store::set_prompt(&mut tx, incident, recovery, None, Some(&reply.user), now).await?;
        let e = AuditEntry {
            actor: reply.user.clone(),
            action: "customers.not_now".into(),
            args: format!("{{\"incident\":{incident},\"recovery\":{recovery}}}"),
            outcome: "dismissed".into(),
            before: None,
            after: None,
            detail: None,
        };
        audit::record(&mut tx, &e, now).await?;
        tx.commit().await
    };
    if let Err(e) = r.await {
        return reply
            .send(ctx, &chatops_core::FlowError::from(e).into_msg(l))
            .await;
    }
    // The prompt itself says it, for everyone in the room (its buttons gone).
    reply.replace(ctx, &tpl::dismissed(&reply.user, l)).await;
}

/// Stop: the send halts after the message in flight; audited with who stopped it.
pub async fn stop(ctx: &Ctx, reply: &Reply, id: i64) {
    let now = ctx.clock.now_ms();
    let l = ctx.locale();
    let r = async {
        let mut tx = ctx.store.begin().await?;
        let stopped = store::finish(&mut tx, id, "stopped", Some(&reply.user), now).await?;
        if stopped {
            send::render_progress(&mut tx, ctx, id, now).await?;
            let e = AuditEntry {
                actor: reply.user.clone(),
                action: "customers.stop".into(),
                args: format!("{{\"notice\":{id}}}"),
                outcome: "stopped".into(),
                before: None,
                after: None,
                detail: None,
            };
            audit::record(&mut tx, &e, now).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(stopped)
    };
    match r.await {
        Ok(true) => {
            ctx.outbox_wake.notify_one();
            reply.send(ctx, &tpl::stop_asked(l)).await
        }
        Ok(false) => {}
        Err(e) => {
            reply
                .send(ctx, &chatops_core::FlowError::from(e).into_msg(l))
                .await
        }
    }
}

/// The Edit form submitted: the text is kept for this incident and kind, and the prompt is
/// posted again with it.
pub async fn on_view_submission(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let meta = payload
        .pointer("/view/private_metadata")
        .and_then(Value::as_str)
        .unwrap_or("");
    let user = payload
        .pointer("/user/id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let text = payload
        .pointer(&format!(
            "/view/state/values/{}/{}/value",
            tpl::EDIT_BLOCK,
            tpl::EDIT_INPUT
        ))
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("")
        .to_string();
    let (incident, recovery) = target(meta)?;
    if text.is_empty() {
        return Some(serde_json::json!({"response_action": "errors",
            "errors": {tpl::EDIT_BLOCK: ctx.locale().t("The message cannot be empty.", "A mensagem não pode ficar vazia.")}}));
    }
    let now = ctx.clock.now_ms();
    let r = async {
        let mut tx = ctx.store.begin().await?;
        store::set_prompt(&mut tx, incident, recovery, Some(&text), None, now).await?;
        let e = AuditEntry {
            actor: user.clone(),
            action: "customers.edit".into(),
            args: format!("{{\"incident\":{incident},\"recovery\":{recovery}}}"),
            outcome: "edited".into(),
            before: None,
            after: None,
            detail: Some(crate::phone::scrub(&text)),
        };
        audit::record(&mut tx, &e, now).await?;
        let p = Prompt {
            incident,
            recovery,
            forced: true,
        };
        prompt::schedule(&mut tx, &ctx, &p, now, now).await?;
        tx.commit().await
    };
    if let Err(e) = r.await {
        tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "customers: could not keep the edited text");
    }
    ctx.jobs_wake.notify_one();
    None
}
