//! Interactive surfaces: buttons (block actions), modals (view submissions) and reactions
//! (the `:pushpin:` is in [`incident::timeline`]). Slack's payloads are read here into typed
//! values; the flows never see them.

use std::sync::Arc;
use std::time::Duration;

use messages::incident as tpl;
use messages::Msg;
use serde_json::{json, Value};

use crate::dispatch::incident::list_page;
use chatops_core::ids::{ChannelId, IncidentId, IncidentTitle, UserId};
use chatops_core::{Ctx, FlowError, FlowResult};
use incident::declare::{create_incident, Declaration};
use incident::jobs::DeclaredReply;
use incident::lifecycle::{on_it, resolve, snooze, update, ResolveInput, UpdateInput};
use incident::shared::{ensure_open, may_change, open_modal, unknown};
use incident::store;
use incident::{IncidentStatus, Severity};

pub use incident::timeline::on_reaction;

/// A string at `pointer` in a payload, empty when absent.
fn field<'a>(payload: &'a Value, pointer: &str) -> &'a str {
    payload
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// What a button click carries.
struct Click<'a> {
    action: &'a str,
    value: &'a str,
    user: UserId,
    trigger: &'a str,
    response_url: &'a str,
    channel: ChannelId,
}

impl<'a> Click<'a> {
    fn read(payload: &'a Value) -> Self {
        Click {
            action: field(payload, "/actions/0/action_id"),
            value: field(payload, "/actions/0/value"),
            user: UserId::new(field(payload, "/user/id")),
            trigger: field(payload, "/trigger_id"),
            response_url: field(payload, "/response_url"),
            channel: ChannelId::new(field(payload, "/channel/id")),
        }
    }

    /// The incident a button is about (its value is `<n>` or `<n>:<extra>`).
    fn incident(&self) -> IncidentId {
        IncidentId::from_value(self.value).unwrap_or(IncidentId(0))
    }
}

pub async fn on_block_action(ctx: Arc<Ctx>, payload: Value) {
    let l = ctx.locale();
    let click = Click::read(&payload);
    let msg = match button(&ctx, &click).await {
        Ok(m) => m,
        Err(e) => Some(e.into_msg(l)),
    };
    if let Some(m) = msg {
        if !click.response_url.is_empty() {
            let mut body = m.ephemeral();
            body["replace_original"] = false.into();
            let _ = ctx.slack.respond(click.response_url, &body).await;
        }
    }
}

/// What a button does; the answer (if any) goes to the person through `response_url`.
async fn button(ctx: &Ctx, click: &Click<'_>) -> FlowResult<Option<Msg>> {
    let l = ctx.locale();
    let id = click.incident();
    match click.action {
        tpl::action::POST_UPDATE => {
            let i = open_incident(ctx, id).await?;
            let form = tpl::update_modal(id.0, i.status.as_str(), l);
            open_modal(ctx, click.trigger, form).await?;
            Ok(None)
        }
        tpl::action::RESOLVE => {
            let i = open_incident(ctx, id).await?;
            may_change(ctx, &i, &click.user).await?;
            open_modal(ctx, click.trigger, tpl::resolve_modal(id.0, l)).await?;
            Ok(None)
        }
        tpl::action::ON_IT => on_it(ctx, &click.user, id).await.map(Some),
        messages::paging::ACTION_ACK => paging::ack::acknowledge(ctx, click.user.as_str(), id.0)
            .await
            .map(Some),
        // Previous / Next of `/incident list`: the page replaces the one shown.
        messages::list::ACTION_PAGE => {
            let q = messages::list::ListQuery::from_value(click.value).unwrap_or_default();
            let page = list_page(ctx, &q).await?;
            if !click.response_url.is_empty() {
                let mut body = page.ephemeral();
                body["replace_original"] = true.into();
                let _ = ctx.slack.respond(click.response_url, &body).await;
            }
            Ok(None)
        }
        tpl::action::SNOOZE => {
            let secs: u64 = click
                .value
                .split(':')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(900);
            let d = Duration::from_secs(secs);
            snooze(ctx, &click.user, id, d).await.map(Some)
        }
        tpl::action::DECLARE_P1 => {
            let form = tpl::declare_modal(click.channel.as_str(), Some("P1"), l);
            open_modal(ctx, click.trigger, form).await?;
            Ok(None)
        }
        // The Home tab's button: no channel there, so the declarer's DM is the origin.
        messages::home::ACTION_DECLARE => {
            let origin = if click.channel.is_empty() {
                click.user.as_str()
            } else {
                click.channel.as_str()
            };
            open_modal(ctx, click.trigger, tpl::declare_modal(origin, None, l)).await?;
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// The incident a button is about, if it is still open.
async fn open_incident(ctx: &Ctx, id: IncidentId) -> FlowResult<store::Incident> {
    let i = store::get_pool(&ctx.store.pool, id.0)
        .await?
        .ok_or_else(|| unknown(ctx, id))?;
    ensure_open(ctx, &i)?;
    Ok(i)
}

/// A value from a modal's state: text input, select or user select.
fn input(payload: &Value, block: &str, action: &str) -> Option<String> {
    let v = payload.pointer(&format!("/view/state/values/{block}/{action}"))?;
    let s = v
        .get("value")
        .and_then(Value::as_str)
        .or_else(|| v.pointer("/selected_option/value").and_then(Value::as_str))
        .or_else(|| v.get("selected_user").and_then(Value::as_str))?;
    let s = chatops_core::text::clean_text(s);
    (!s.is_empty()).then_some(s)
}

/// The `response_action: errors` answer that shows `text` under the form's `block`.
fn error(block: &str, text: String) -> Option<Value> {
    Some(json!({"response_action": "errors", "errors": {block: text}}))
}

/// A submitted form. `None` closes it; an `errors` answer keeps it open with the problem
/// shown under the field.
pub async fn on_view_submission(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let user = UserId::new(field(&payload, "/user/id"));
    let meta = field(&payload, "/view/private_metadata");
    match field(&payload, "/view/callback_id") {
        tpl::modal::DECLARE => declare_form(&ctx, &payload, user, meta).await,
        tpl::modal::UPDATE => update_form(&ctx, &payload, &user, meta).await,
        tpl::modal::RESOLVE => resolve_form(&ctx, &payload, &user, meta).await,
        _ => None,
    }
}

async fn declare_form(ctx: &Ctx, payload: &Value, user: UserId, meta: &str) -> Option<Value> {
    let l = ctx.locale();
    let raw = input(payload, "title", "title_input").unwrap_or_default();
    let title = match IncidentTitle::parse(&raw) {
        Ok(t) => t,
        Err(messages::usage::Problem::TitleLength { len, .. }) => {
            return error("title", tpl::field_error_title(len, l))
        }
        Err(_) => return error("title", messages::usage::invisible_title(l).to_string()),
    };
    let Some(severity) =
        input(payload, "severity", "severity_select").and_then(|s| Severity::parse(&s))
    else {
        return error("severity", tpl::field_required(l));
    };
    let raw_affects: Vec<String> = input(payload, "affects", "affects_input")
        .into_iter()
        .collect();
    let affects = match incident::affects::resolve(ctx, &raw_affects) {
        Ok(a) => a,
        Err(e) => return error("affects", e.into_msg(l).text),
    };
    let public_title = input(payload, "public_title", "public_title_input");
    if let Some(t) = &public_title {
        if let Err(e) = statuspage::forms::check_declared(ctx, severity, t) {
            return error("public_title", e.into_msg(l).text);
        }
    }
    // From an alert group's Declare button: the group is linked once declared.
    let (meta, alert_group) = messages::alerts::parse_declare_meta(meta);
    let d = Declaration {
        actor: user.clone(),
        origin_channel: ChannelId::new(meta),
        severity,
        title,
        impact: input(payload, "impact", "impact_input"),
        commander: input(payload, "commander", "commander_select").map(UserId::new),
        private: false,
        affects,
        drill: false,
        drill_pages: false,
    };
    // Written (with the job that finishes it) before the form closes, so a crash cannot lose it.
    let reply = DeclaredReply::Dm {
        user: user.to_string(),
    };
    match create_incident(ctx, &d, Some(reply)).await {
        Ok(id) => {
            if let Some(g) = alert_group {
                if let Err(e) = alerts::declare::link(ctx, g, id.0, user.as_str()).await {
                    tracing::warn!(group = g, error = ?e, "declared from an alert but not linked");
                }
            }
            if let Some(t) = public_title {
                if let Err(e) = statuspage::forms::declared(ctx, &user, id, &t).await {
                    tracing::warn!(incident = id.0, error = ?e, "declared, but the public preview failed");
                }
            }
            None
        }
        Err(e) => error("title", e.into_msg(l).text),
    }
}

/// The incident number a form carries in its private metadata.
fn form_incident(meta: &str) -> IncidentId {
    IncidentId(meta.parse().unwrap_or(0))
}

async fn update_form(ctx: &Ctx, payload: &Value, user: &UserId, meta: &str) -> Option<Value> {
    let l = ctx.locale();
    let Some(findings) = input(payload, "findings", "findings_input") else {
        return error("findings", tpl::field_required(l));
    };
    let status =
        input(payload, "status", "status_select").and_then(|s| IncidentStatus::parse_open(&s));
    let public = input(payload, "public", "public_input");
    if let Some(text) = &public {
        if let Err(e) = statuspage::forms::check(ctx, form_incident(meta), text).await {
            return error("public", e.into_msg(l).text);
        }
    }
    let u = UpdateInput {
        status,
        findings,
        actions: input(payload, "actions", "actions_input"),
        eta: input(payload, "eta", "eta_input"),
        affects: Vec::new(),
    };
    match update(ctx, user, form_incident(meta), u).await {
        Ok(_) => {
            if let Some(text) = public {
                let r = statuspage::forms::publish(ctx, user, form_incident(meta), status, &text);
                if let Err(e) = r.await {
                    tracing::warn!(error = ?e, "updated, but the public update failed");
                }
            }
            None
        }
        Err(FlowError::User(m)) => error("status", m.text),
        Err(e) => error("findings", e.into_msg(l).text),
    }
}

async fn resolve_form(ctx: &Ctx, payload: &Value, user: &UserId, meta: &str) -> Option<Value> {
    let l = ctx.locale();
    let Some(resolution) = input(payload, "resolution", "resolution_input") else {
        return error("resolution", tpl::field_required(l));
    };
    // A public resolution goes out first, so the resolution does not add the template's.
    if let Some(text) = input(payload, "public", "public_input") {
        let id = form_incident(meta);
        let resolved = Some(IncidentStatus::Resolved);
        // Only when the resolution itself would be accepted.
        let published = async {
            let i = statuspage::forms::check(ctx, id, &text).await?;
            may_change(ctx, &i, user).await?;
            ensure_open(ctx, &i)?;
            statuspage::forms::publish(ctx, user, id, resolved, &text).await
        };
        if let Err(e) = published.await {
            return error("public", e.into_msg(l).text);
        }
    }
    let r = ResolveInput {
        resolution,
        root_cause: input(payload, "root_cause", "root_cause_input"),
        preventive: input(payload, "preventive", "preventive_input"),
    };
    match resolve(ctx, user, form_incident(meta), r).await {
        Ok(_) => None,
        Err(e) => error("resolution", e.into_msg(l).text),
    }
}
