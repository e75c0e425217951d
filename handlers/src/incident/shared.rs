//! What every incident flow shares: the view of an incident, where it lives (war room and
//! announcement thread), who may change it, which incident a command means, and the modal opener.

use std::time::Duration;

use messages::incident::{self as tpl, IncidentView};
use messages::Msg;
use serde_json::{json, Value};
use sqlx::AnyConnection;

use super::store::{self, Incident};
use super::Severity;
use crate::admins::is_admin;
use crate::command::IncidentId;
use crate::outbox::{enqueue, OutboxItem};
use crate::{Ctx, FlowError, FlowResult};

/// The update cadence of a severity (`INCIDENT_CADENCE_P*`), `None` when off.
pub fn cadence(ctx: &Ctx, sev: Severity) -> Option<Duration> {
    ctx.config.cadence[sev.index()]
}

/// The next reminder due time counted from `from_ms`.
pub fn next_due(ctx: &Ctx, sev: Severity, from_ms: i64) -> Option<i64> {
    cadence(ctx, sev).map(|c| from_ms + c.as_millis() as i64)
}

pub fn view(ctx: &Ctx, i: &Incident) -> IncidentView {
    IncidentView {
        id: i.id,
        title: i.title.clone(),
        severity: i.severity.as_str().into(),
        status: i.status.as_str().into(),
        started_at: i.started_at / 1000,
        now: ctx.clock.now_secs(),
        resolved_at: i.resolved_at.map(|t| t / 1000),
        impact: i.impact.clone(),
        findings: i.latest_findings.clone(),
        actions: i.actions.clone(),
        eta: i.eta.clone(),
        next_update_at: i.next_reminder_at.map(|t| t / 1000),
        commander: i.commander.clone(),
        war_room: i.channel_id.clone(),
        root_cause: i.root_cause.clone(),
        resolution: i.resolution.clone(),
        preventive: i.preventive.clone(),
        postmortem_due: i.pm_due_at.map(|t| t / 1000),
        last_update_at: i.last_update_at / 1000,
    }
}

pub fn user_err(m: Msg) -> FlowError {
    FlowError::User(m)
}

/// Posts a message where the incident lives (war room + announcement thread, or the thread).
/// `broadcast` also shows the thread reply in the incidents channel itself.
pub async fn post_to_incident(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    msg: &Msg,
    broadcast: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    let incidents = ctx.config.incidents_channel.clone();
    if let Some(w) = &i.channel_id {
        enqueue(conn, &OutboxItem::post(w, msg), now).await?;
    }
    let thread_channel = incidents.or_else(|| {
        if i.channel_id.is_none() {
            i.origin_channel.clone()
        } else {
            None
        }
    });
    if let Some(ch) = thread_channel {
        let mut item = OutboxItem::post(&ch, msg);
        if let Some(a) = i.announce_outbox_id {
            item = item.reply_to(a);
            if broadcast {
                item.body["reply_broadcast"] = true.into();
            }
        }
        enqueue(conn, &item, now).await?;
    }
    Ok(())
}

/// Refreshes the war room's topic (severity, status, commander, next update).
pub async fn enqueue_topic(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    now: i64,
) -> Result<(), sqlx::Error> {
    if let Some(w) = &i.channel_id {
        let t = tpl::topic(&view(ctx, i), ctx.locale());
        enqueue(conn, &OutboxItem::topic(w, &t), now).await?;
    }
    Ok(())
}

/// Severity, roles, resolve and reopen may be restricted to the commander and admins.
pub async fn may_change(ctx: &Ctx, i: &Incident, user: &str) -> FlowResult<()> {
    if !ctx.config.restrict_changes
        || i.commander.as_deref() == Some(user)
        || is_admin(ctx, user).await
    {
        return Ok(());
    }
    Err(user_err(tpl::reply::not_allowed(
        &format!("INC-{}", i.id),
        i.commander.as_deref(),
        ctx.locale(),
    )))
}

/// The incident a command means: its id, else the war room it was typed in, else "which one?".
pub async fn target(ctx: &Ctx, id: Option<IncidentId>, channel: &str) -> FlowResult<Incident> {
    let l = ctx.locale();
    if let Some(id) = id {
        return store::get_pool(&ctx.store.pool, id.0)
            .await?
            .ok_or_else(|| user_err(tpl::reply::unknown_id(&id.to_string(), l)));
    }
    if let Some(i) = store::by_channel(&ctx.store.pool, channel).await? {
        return Ok(i);
    }
    let open = store::open(&ctx.store.pool).await?;
    let list: Vec<(i64, String, String)> = open
        .iter()
        .map(|i| (i.id, i.severity.as_str().to_string(), i.title.clone()))
        .collect();
    Err(user_err(tpl::reply::which_incident(&list, l)))
}

/// Loads an incident in the transaction, or says plainly that it does not exist.
pub async fn load(conn: &mut AnyConnection, ctx: &Ctx, id: i64) -> FlowResult<Incident> {
    store::get(conn, id)
        .await?
        .ok_or_else(|| user_err(tpl::reply::unknown_id(&format!("INC-{id}"), ctx.locale())))
}

/// The end of a change: the notice where the incident lives, the topic, the row, the commit

pub fn wake(ctx: &Ctx) {
    ctx.outbox_wake.notify_one();
    ctx.reminder_wake.notify_one();
}

pub async fn open_modal(ctx: &Ctx, trigger_id: &str, view: Value) -> FlowResult<()> {
    // trigger_id lives 3 s: one quick try, no retries.
    match tokio::time::timeout(
        Duration::from_millis(2000),
        ctx.slack.call(
            "views.open",
            &json!({"trigger_id": trigger_id, "view": view}),
        ),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "views.open failed");
            Err(user_err(tpl::reply::modal_failed(ctx.locale())))
        }
        Err(_) => Err(user_err(tpl::reply::modal_failed(ctx.locale()))),
    }
}
