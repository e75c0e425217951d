//! What every incident flow shares: the view of an incident, where it lives (war room and
//! announcement thread), who may change it, which incident a command means, the row read for
//! a change (locked until the change commits), the closing steps every change shares, and the
//! modal opener.

use std::time::Duration;

use messages::incident::{self as tpl, IncidentView};
use messages::Msg;
use serde_json::Value;
use sqlx::AnyConnection;

use super::store::{self, Incident};
use super::Severity;
use chatops_core::admins::is_admin;
use chatops_core::ids::{ChannelId, IncidentId, UserId};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::{Ctx, FlowError, FlowResult};

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
        drill: i.is_drill,
        action_items: Vec::new(),
    }
}

/// `msg` as the incident's messages say it: a drill's carry the DRILL mark.
pub fn as_said(ctx: &Ctx, i: &Incident, msg: &Msg) -> Msg {
    if i.is_drill {
        messages::drill::mark(msg, ctx.locale())
    } else {
        msg.clone()
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
    let msg = &as_said(ctx, i, msg);
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
        enqueue(conn, &OutboxItem::topic(w, &topic_of(ctx, i)), now).await?;
    }
    Ok(())
}

/// The war room's topic (a drill's starts with DRILL).
pub fn topic_of(ctx: &Ctx, i: &Incident) -> String {
    let t = tpl::topic(&view(ctx, i), ctx.locale());
    if i.is_drill {
        format!("{} · {t}", messages::drill::word(ctx.locale()))
    } else {
        t
    }
}

/// Severity, roles, resolve and reopen may be restricted to the commander and admins.
pub async fn may_change(ctx: &Ctx, i: &Incident, user: &UserId) -> FlowResult<()> {
    if !ctx.config.restrict_changes
        || i.commander.as_deref() == Some(user.as_str())
        || is_admin(ctx, user.as_str()).await
    {
        return Ok(());
    }
    Err(user_err(tpl::reply::not_allowed(
        &key(i),
        i.commander.as_deref(),
        ctx.locale(),
    )))
}

/// `INC-n` of an incident row.
pub fn key(i: &Incident) -> String {
    IncidentId(i.id).to_string()
}

/// "INC-n does not exist", naming the configured command.
pub fn unknown(ctx: &Ctx, id: IncidentId) -> FlowError {
    user_err(tpl::reply::unknown_id(
        &id.to_string(),
        &ctx.config.incident_command,
        ctx.locale(),
    ))
}

/// "INC-n is resolved; reopen it first", naming the configured command.
pub fn resolved_already(ctx: &Ctx, i: &Incident) -> FlowError {
    user_err(tpl::reply::already_resolved(
        &key(i),
        &ctx.config.incident_command,
        ctx.locale(),
    ))
}

/// Refuses a change to a resolved incident.
pub fn ensure_open(ctx: &Ctx, i: &Incident) -> FlowResult<()> {
    if i.status.is_open() {
        Ok(())
    } else {
        Err(resolved_already(ctx, i))
    }
}

/// The incident a command means: its id, else the war room it was typed in, else "which one?".
pub async fn target(
    ctx: &Ctx,
    id: Option<IncidentId>,
    channel: &ChannelId,
) -> FlowResult<Incident> {
    if let Some(id) = id {
        return store::get_pool(&ctx.store.pool, id.0)
            .await?
            .ok_or_else(|| unknown(ctx, id));
    }
    if let Some(i) = store::by_channel(&ctx.store.pool, channel.as_str()).await? {
        return Ok(i);
    }
    let open = store::open(&ctx.store.pool).await?;
    let list: Vec<(i64, String, String)> = open
        .iter()
        .map(|i| (i.id, i.severity.as_str().to_string(), i.title.clone()))
        .collect();
    Err(user_err(tpl::reply::which_incident(&list, ctx.locale())))
}

/// Reads an incident for a change, in the change's transaction, or says plainly that it does
/// not exist. The row stays locked until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's
/// `BEGIN IMMEDIATE` already holds the write lock), so two changes at the same moment apply one
/// after the other: neither overwrites the other with what it read before.
pub async fn load(conn: &mut AnyConnection, ctx: &Ctx, id: IncidentId) -> FlowResult<Incident> {
    store::get_for_update(conn, id.0, ctx.store.for_update())
        .await?
        .ok_or_else(|| unknown(ctx, id))
}

/// The closing steps every change shares: the post where the incident lives (`broadcast`
/// also shows the thread reply in the incidents channel), the topic, the row, the commit and
/// the workers' wake-up.
pub async fn finish_change(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    ctx: &Ctx,
    i: &Incident,
    post: &Msg,
    broadcast: bool,
    now: i64,
) -> FlowResult<()> {
    post_to_incident(&mut tx, ctx, i, post, broadcast, now).await?;
    enqueue_topic(&mut tx, ctx, i, now).await?;
    store::save(&mut tx, i).await?;
    tx.commit().await?;
    wake(ctx);
    Ok(())
}

pub fn wake(ctx: &Ctx) {
    ctx.outbox_wake.notify_one();
    ctx.reminder_wake.notify_one();
}

/// Opens a modal. A trigger id lives 3 s: one quick try, no retries; a failure says to use the
/// one-line command.
pub async fn open_modal(ctx: &Ctx, trigger_id: &str, view: Value) -> FlowResult<()> {
    let failed = || {
        user_err(tpl::reply::modal_failed(
            &ctx.config.incident_command,
            ctx.locale(),
        ))
    };
    match tokio::time::timeout(
        Duration::from_millis(2000),
        ctx.slack.views_open(trigger_id, &view),
    )
    .await
    {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "views.open failed");
            Err(failed())
        }
        Err(_) => Err(failed()),
    }
}
