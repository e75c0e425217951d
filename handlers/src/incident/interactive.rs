//! Interactive surfaces: buttons (block actions), modals (view submissions) and reactions.

use std::sync::Arc;
use std::time::Duration;

use messages::incident as tpl;
use messages::Msg;
use serde_json::{json, Value};

use super::declare::{create_incident, Declaration};
use super::dispatch::list_page;
use super::lifecycle::{on_it, resolve, snooze, update, ResolveInput, UpdateInput};
use super::shared::{may_change, open_modal, user_err};
use super::store;
use super::{IncidentStatus, Severity};
use crate::jobs::DeclaredReply;
use crate::{Ctx, FlowError, FlowResult};

/// `:pushpin:` on a message in a war room adds it to the timeline.
pub async fn on_reaction(ctx: Arc<Ctx>, event: &Value) {
    if event.get("reaction").and_then(Value::as_str) != Some("pushpin")
        || event.pointer("/item/type").and_then(Value::as_str) != Some("message")
    {
        return;
    }
    let (Some(channel), Some(ts)) = (
        event.pointer("/item/channel").and_then(Value::as_str),
        event.pointer("/item/ts").and_then(Value::as_str),
    ) else {
        return;
    };
    let actor = event
        .get("user")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    let r: FlowResult<()> = async {
        let Some(i) = store::by_channel(&ctx.store.pool, channel).await? else {
            return Ok(());
        };
        // The message text, when the bot may read history; the link either way.
        let text = ctx
            .slack
            .call(
                "conversations.history",
                &json!({"channel": channel, "latest": ts, "inclusive": true, "limit": 1}),
            )
            .await
            .ok()
            .and_then(|v| {
                v.pointer("/messages/0/text")
                    .and_then(Value::as_str)
                    .map(String::from)
            })
            .unwrap_or_default();
        let link = format!(
            "https://slack.com/archives/{channel}/p{}",
            ts.replace('.', "")
        );
        let entry = if text.is_empty() {
            link
        } else {
            format!("{} ({link})", messages::blocks::truncate(&text, 500))
        };
        let mut tx = ctx.store.begin().await?;
        store::add_event(
            &mut tx,
            i.id,
            ctx.clock.now_ms(),
            &actor,
            "pinned_message",
            &entry,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = r {
        let _ = e.into_msg(ctx.locale());
    }
}

fn action_value(payload: &Value) -> (&str, &str) {
    (
        payload
            .pointer("/actions/0/action_id")
            .and_then(Value::as_str)
            .unwrap_or(""),
        payload
            .pointer("/actions/0/value")
            .and_then(Value::as_str)
            .unwrap_or(""),
    )
}

pub async fn on_block_action(ctx: Arc<Ctx>, payload: Value) {
    let l = ctx.locale();
    let (action, value) = action_value(&payload);
    let user = payload
        .pointer("/user/id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let trigger = payload
        .get("trigger_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let response_url = payload
        .get("response_url")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let channel = payload
        .pointer("/channel/id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let id: i64 = value
        .split(':')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let result: FlowResult<Option<Msg>> = async {
        match action {
            tpl::action::POST_UPDATE => {
                let i = store::get_pool(&ctx.store.pool, id)
                    .await?
                    .ok_or_else(|| user_err(tpl::reply::unknown_id(&format!("INC-{id}"), l)))?;
                if !i.status.is_open() {
                    return Err(user_err(tpl::reply::already_resolved(
                        &format!("INC-{id}"),
                        l,
                    )));
                }
                open_modal(&ctx, &trigger, tpl::update_modal(id, i.status.as_str(), l)).await?;
                Ok(None)
            }
            tpl::action::RESOLVE => {
                let i = store::get_pool(&ctx.store.pool, id)
                    .await?
                    .ok_or_else(|| user_err(tpl::reply::unknown_id(&format!("INC-{id}"), l)))?;
                if !i.status.is_open() {
                    return Err(user_err(tpl::reply::already_resolved(
                        &format!("INC-{id}"),
                        l,
                    )));
                }
                may_change(&ctx, &i, &user).await?;
                open_modal(&ctx, &trigger, tpl::resolve_modal(id, l)).await?;
                Ok(None)
            }
            tpl::action::ON_IT => on_it(&ctx, &user, id).await.map(Some),
            // Previous / Next of `/incident list`: the page replaces the one shown.
            messages::list::ACTION_PAGE => {
                let q = messages::list::ListQuery::from_value(value).unwrap_or_default();
                let page = list_page(&ctx, &q).await?;
                if !response_url.is_empty() {
                    let mut body = page.ephemeral();
                    body["replace_original"] = true.into();
                    let _ = ctx.slack.respond(&response_url, &body).await;
                }
                Ok(None)
            }
            tpl::action::SNOOZE => {
                let secs: u64 = value
                    .split(':')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(900);
                snooze(&ctx, &user, id, Duration::from_secs(secs))
                    .await
                    .map(Some)
            }
            tpl::action::DECLARE_P1 => {
                open_modal(&ctx, &trigger, tpl::declare_modal(&channel, Some("P1"), l)).await?;
                Ok(None)
            }
            // The Home tab's button: no channel there, so the declarer's DM is the origin.
            messages::home::ACTION_DECLARE => {
                let origin = if channel.is_empty() { &user } else { &channel };
                open_modal(&ctx, &trigger, tpl::declare_modal(origin, None, l)).await?;
                Ok(None)
            }
            _ => Ok(None),
        }
    }
    .await;
    let msg = match result {
        Ok(m) => m,
        Err(e) => Some(e.into_msg(l)),
    };
    if let Some(m) = msg {
        if !response_url.is_empty() {
            let mut body = m.ephemeral();
            body["replace_original"] = false.into();
            let _ = ctx.slack.respond(&response_url, &body).await;
        }
    }
}

/// A value from a modal's state: text input, select or user select.
fn input(payload: &Value, block: &str, action: &str) -> Option<String> {
    let v = payload.pointer(&format!("/view/state/values/{block}/{action}"))?;
    let s = v
        .get("value")
        .and_then(Value::as_str)
        .or_else(|| v.pointer("/selected_option/value").and_then(Value::as_str))
        .or_else(|| v.get("selected_user").and_then(Value::as_str))?;
    let s = crate::command::clean_text(s);
    (!s.is_empty()).then_some(s)
}

fn errors(map: &[(&str, String)]) -> Value {
    let errs: serde_json::Map<String, Value> = map
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
        .collect();
    json!({"response_action": "errors", "errors": errs})
}

pub async fn on_view_submission(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let l = ctx.locale();
    let callback = payload
        .pointer("/view/callback_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    let user = payload
        .pointer("/user/id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let meta = payload
        .pointer("/view/private_metadata")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match callback {
        tpl::modal::DECLARE => {
            let raw = input(&payload, "title", "title_input").unwrap_or_default();
            let title = match crate::ids::IncidentTitle::parse(&raw).map(|t| t.as_str().to_string())
            {
                Ok(t) => t,
                Err(messages::usage::Problem::TitleLength { len, .. }) => {
                    return Some(errors(&[("title", tpl::field_error_title(len, l))]))
                }
                Err(_) => {
                    return Some(errors(&[(
                        "title",
                        messages::usage::invisible_title(l).to_string(),
                    )]))
                }
            };
            let Some(severity) =
                input(&payload, "severity", "severity_select").and_then(|s| Severity::parse(&s))
            else {
                return Some(errors(&[("severity", tpl::field_required(l))]));
            };
            let d = Declaration {
                actor: user.clone(),
                origin_channel: meta,
                severity,
                title,
                impact: input(&payload, "impact", "impact_input"),
                commander: input(&payload, "commander", "commander_select"),
                private: false,
            };
            // Written (with the job that finishes it) before the modal closes, so a crash
            // cannot lose it.
            let reply = DeclaredReply::Dm { user: user.clone() };
            if let Err(e) = create_incident(&ctx, &d, Some(reply)).await {
                return Some(errors(&[("title", e.into_msg(l).text)]));
            }
            None
        }
        tpl::modal::UPDATE => {
            let id: i64 = meta.parse().unwrap_or(0);
            let Some(findings) = input(&payload, "findings", "findings_input") else {
                return Some(errors(&[("findings", tpl::field_required(l))]));
            };
            let status = input(&payload, "status", "status_select")
                .and_then(|s| IncidentStatus::parse_open(&s));
            let u = UpdateInput {
                status,
                findings,
                actions: input(&payload, "actions", "actions_input"),
                eta: input(&payload, "eta", "eta_input"),
            };
            match update(&ctx, &user, id, u).await {
                Ok(_) => None,
                Err(FlowError::User(m)) => Some(errors(&[("status", m.text)])),
                Err(e) => Some(errors(&[("findings", e.into_msg(l).text)])),
            }
        }
        tpl::modal::RESOLVE => {
            let id: i64 = meta.parse().unwrap_or(0);
            let Some(resolution) = input(&payload, "resolution", "resolution_input") else {
                return Some(errors(&[("resolution", tpl::field_required(l))]));
            };
            let r = ResolveInput {
                resolution,
                root_cause: input(&payload, "root_cause", "root_cause_input"),
                preventive: input(&payload, "preventive", "preventive_input"),
            };
            match resolve(&ctx, &user, id, r).await {
                Ok(_) => None,
                Err(e) => Some(errors(&[("resolution", e.into_msg(l).text)])),
            }
        }
        _ => None,
    }
}
