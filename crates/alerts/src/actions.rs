//! The buttons on an alert group's message. Each changes the group in one transaction with the
//! update of its message; what only the person who clicked needs to know is an ephemeral reply.
//!
//! - Declare: the declare form, prefilled (title from the alert, severity from
//!   `ALERT_SEVERITY_MAP`); the form's submission links the incident ([`super::declare::link`]).
//! - Acknowledge: the message names who looked.
//! - Silence 1h / 4h: the bot stops posting the group; with `ALERTMANAGER_URL` (and an
//!   Alertmanager group) also a real silence, whose id the message shows.
//! - Expire silence: only the person who silenced; expires the Alertmanager silence too.

use std::sync::Arc;

use messages::alerts::{self as m, action};
use messages::Msg;
use serde_json::{json, Value};

use super::payload::Labels;
use super::silences::silence_body;
use chatops_core::{Ctx, FlowError, FlowResult};

fn s<'a>(payload: &'a Value, ptr: &str) -> &'a str {
    payload.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

pub async fn on_block_action(ctx: Arc<Ctx>, payload: Value) -> Option<Value> {
    let l = ctx.locale();
    let act = s(&payload, "/actions/0/action_id");
    let value = s(&payload, "/actions/0/value");
    let user = s(&payload, "/user/id").to_string();
    let response_url = s(&payload, "/response_url").to_string();
    let mut parts = value.split(':');
    let group: i64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let secs: i64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(3600);
    let r: FlowResult<Option<Msg>> = match act {
        action::DECLARE => declare(&ctx, &payload, group).await,
        action::ACK => acknowledge(&ctx, group, &user).await,
        action::SILENCE => silence(&ctx, &payload, group, &user, secs.clamp(60, 86_400)).await,
        action::EXPIRE => expire(&ctx, group, &user).await,
        _ => Ok(None),
    };
    let msg = match r {
        Ok(m) => m,
        Err(e) => Some(e.into_msg(l)),
    };
    if let (Some(msg), false) = (msg, response_url.is_empty()) {
        let mut body = msg.ephemeral();
        body["replace_original"] = false.into();
        if let Err(e) = ctx.slack.respond(&response_url, &body).await {
            tracing::warn!(error = %e, "alert button: reply not delivered");
        }
    }
    None
}

fn gone(ctx: &Ctx) -> FlowError {
    FlowError::User(m::reply::unknown_group(ctx.locale()))
}

async fn declare(ctx: &Ctx, payload: &Value, group: i64) -> FlowResult<Option<Msg>> {
    let l = ctx.locale();
    let g = super::get(&ctx.store.pool, group)
        .await?
        .ok_or_else(|| gone(ctx))?;
    if let Some(i) = g.incident_id {
        return Ok(Some(m::reply::already_declared(i, l)));
    }
    let sev = crate::settings::of(ctx)
        .severity_for(g.severity.as_deref())
        .map(|s| s.as_str());
    let origin = match s(payload, "/channel/id") {
        "" => g.channel.clone(),
        c => c.to_string(),
    };
    let view = m::declare_modal(&origin, g.id, &g.title, sev, l);
    let trigger = s(payload, "/trigger_id");
    // trigger_id lives 3 s: one quick try.
    let r = tokio::time::timeout(
        std::time::Duration::from_millis(2000),
        ctx.slack
            .call("views.open", &json!({"trigger_id": trigger, "view": view})),
    )
    .await;
    match r {
        Ok(Ok(_)) => Ok(None),
        _ => Err(FlowError::User(messages::incident::reply::modal_failed(
            &ctx.config.incident_command,
            l,
        ))),
    }
}

async fn acknowledge(ctx: &Ctx, group: i64, user: &str) -> FlowResult<Option<Msg>> {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let mut g = super::lock(&mut tx, ctx.store.backend, group)
        .await?
        .ok_or_else(|| gone(ctx))?;
    if let Some(by) = &g.acked_by {
        return Ok(Some(m::reply::already_acked(by, ctx.locale())));
    }
    sqlx::query(
        "UPDATE alert_groups SET acked_by = $1, acked_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(user)
    .bind(now)
    .bind(group)
    .execute(&mut *tx)
    .await?;
    g.acked_by = Some(user.to_string());
    if let Some(i) = g.incident_id {
        incident::store::add_event(
            &mut tx,
            i,
            now,
            user,
            incident::timeline::EventKind::Alert,
            &format!("acknowledged alert {}", g.title),
        )
        .await?;
    }
    super::refresh(&mut tx, ctx, &g).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(None)
}

async fn silence(
    ctx: &Ctx,
    payload: &Value,
    group: i64,
    user: &str,
    secs: i64,
) -> FlowResult<Option<Msg>> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let until = now + secs * 1000;
    let g = super::get(&ctx.store.pool, group)
        .await?
        .ok_or_else(|| gone(ctx))?;
    // The real silence first (a slow Alertmanager holds no transaction open).
    let (silence_id, note) = real_silence(ctx, payload, &g, user, (now, until)).await;
    let mut tx = ctx.store.begin().await?;
    let mut g = super::lock(&mut tx, ctx.store.backend, group)
        .await?
        .ok_or_else(|| gone(ctx))?;
    sqlx::query(
        "UPDATE alert_groups SET silenced_until = $1, silenced_by = $2, silence_id = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(until)
    .bind(user)
    .bind(silence_id.as_deref())
    .bind(now)
    .bind(group)
    .execute(&mut *tx)
    .await?;
    g.silenced_until = Some(until);
    g.silenced_by = Some(user.to_string());
    g.silence_id = silence_id.clone();
    if let Some(i) = g.incident_id {
        let text = format!(
            "silenced alert {} for {}{}",
            g.title,
            messages::human_duration(secs, messages::Locale::En),
            silence_id
                .as_deref()
                .map(|s| format!(" (Alertmanager silence {s})"))
                .unwrap_or_default()
        );
        incident::store::add_event(
            &mut tx,
            i,
            now,
            user,
            incident::timeline::EventKind::Alert,
            &text,
        )
        .await?;
    }
    super::silence_end::schedule(&mut tx, ctx, group, until, now).await?;
    // The message shows the silence once more; then the bot is quiet about the group.
    super::refresh(&mut tx, ctx, &g).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(Some(note.unwrap_or_else(|| {
        m::reply::silenced(until / 1000, silence_id.as_deref(), l)
    })))
}

/// With `ALERTMANAGER_URL`, an Alertmanager group's silence: its id, or what to tell the person.
async fn real_silence(
    ctx: &Ctx,
    payload: &Value,
    g: &super::Group,
    user: &str,
    (now, until): (i64, i64),
) -> (Option<String>, Option<Msg>) {
    let l = ctx.locale();
    let (group, secs) = (g.id, (until - now) / 1000);
    let mut note: Option<Msg> = None;
    let mut silence_id: Option<String> = None;
    if let (Some(am), "alertmanager") = (crate::settings::of(ctx).alertmanager(), g.source.as_str())
    {
        let labels: Labels = serde_json::from_str(&g.labels).unwrap_or_default();
        if labels.is_empty() {
            note = Some(m::reply::no_matchers(until / 1000, l));
        } else {
            let name = s(payload, "/user/username");
            let channel = s(payload, "/channel/name");
            let comment = format!(
                "Silenced from Slack{} by {} for {}: alert group {} (julia-chatops)",
                if channel.is_empty() {
                    String::new()
                } else {
                    format!(" #{channel}")
                },
                if name.is_empty() { user } else { name },
                messages::human_duration(secs, messages::Locale::En),
                g.title
            );
            let body = silence_body(&labels, now, until, &format!("slack:{user}"), &comment);
            match am.create(&body).await {
                Ok(id) => silence_id = Some(id),
                Err(e) => {
                    tracing::warn!(group, error = %e, "Alertmanager silence not created");
                    note = Some(m::reply::silence_failed(until / 1000, &e.to_string(), l));
                }
            }
        }
    }
    (silence_id, note)
}

async fn expire(ctx: &Ctx, group: i64, user: &str) -> FlowResult<Option<Msg>> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let g = super::get(&ctx.store.pool, group)
        .await?
        .ok_or_else(|| gone(ctx))?;
    let Some(by) = g.silenced_by.clone().filter(|_| g.silenced(now)) else {
        return Ok(Some(m::reply::not_silenced(l)));
    };
    if by != user {
        return Ok(Some(m::reply::not_your_silence(&by, l)));
    }
    let am = crate::settings::of(ctx).alertmanager();
    let mut already = false;
    if let (Some(id), Some(am)) = (&g.silence_id, &am) {
        match am.expire(id).await {
            Ok(done) => already = !done,
            Err(e) => {
                tracing::warn!(group, error = %e, "Alertmanager silence not expired");
                return Ok(Some(m::reply::expire_failed(&e.to_string(), l)));
            }
        }
    }
    let still = super::recheck::still_firing(&g, am.as_ref()).await;
    let mut tx = ctx.store.begin().await?;
    let mut g = super::lock(&mut tx, ctx.store.backend, group)
        .await?
        .ok_or_else(|| gone(ctx))?;
    sqlx::query(
        "UPDATE alert_groups SET silenced_until = NULL, silenced_by = NULL, silence_id = NULL, updated_at = $1 WHERE id = $2",
    )
    .bind(now)
    .bind(group)
    .execute(&mut *tx)
    .await?;
    g.silenced_until = None;
    g.silenced_by = None;
    g.silence_id = None;
    if let Some(still) = still {
        if super::recheck::apply(&mut tx, group, &still, now).await? {
            g = super::lock(&mut tx, ctx.store.backend, group)
                .await?
                .ok_or_else(|| gone(ctx))?;
        }
    }
    super::refresh(&mut tx, ctx, &g).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(Some(if already {
        m::reply::already_expired(l)
    } else {
        m::reply::expired(l)
    }))
}
