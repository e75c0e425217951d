//! The post-mortem: the draft (a file upload where the incident lives) and `postmortem done`.

use messages::incident as tpl;
use messages::Msg;
use serde_json::json;

use super::shared::{as_said, key, load, unknown, view};
use super::store::{self, Incident};
use super::timeline::EventKind;
use crate::draft_parts::DraftParts;
use chatops_core::ids::{IncidentId, UserId};
use chatops_core::jobs::{JobError, JobResult, Lease};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::{Ctx, FlowResult};
use messages::incident::{IncidentView, TimelineRow};

/// The post-mortem job written by a resolution: the draft's upload is queued in the transaction
/// that completes the job, so it is queued once whatever crashes.
pub async fn run_postmortem_job(ctx: &Ctx, id: IncidentId, lease: &Lease) -> JobResult {
    let i = store::get_pool(&ctx.store.pool, id.0)
        .await?
        .ok_or_else(|| JobError::Fail(format!("incident {} does not exist", id.0)))?;
    let items = draft(ctx, &i).await?;
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    for item in &items {
        enqueue(&mut tx, item, now).await?;
    }
    lease.complete_in(&mut tx, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}

/// `postmortem [INC-n]` posts the draft again; `postmortem [INC-n] done` stops the reminders.
pub async fn postmortem(ctx: &Ctx, actor: &UserId, id: IncidentId, done: bool) -> FlowResult<Msg> {
    let l = ctx.locale();
    if done {
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        let mut i = load(&mut tx, ctx, id).await?;
        i.pm_done = true;
        i.pm_due_at = None;
        store::add_event(
            &mut tx,
            id.0,
            now,
            actor.as_str(),
            EventKind::PostmortemDone,
            "",
        )
        .await?;
        store::save(&mut tx, &i).await?;
        tx.commit().await?;
        return Ok(tpl::reply::postmortem_done(&key(&i), l));
    }
    let i = store::get_pool(&ctx.store.pool, id.0)
        .await?
        .ok_or_else(|| unknown(ctx, id))?;
    let items = draft(ctx, &i).await?;
    if !items.is_empty() {
        let mut tx = ctx.store.begin().await?;
        for item in &items {
            enqueue(&mut tx, item, ctx.clock.now_ms()).await?;
        }
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
    }
    Ok(tpl::reply::postmortem_posted(&key(&i), l))
}

/// The post-mortem draft as a file upload where the incident lives (files v2 flow; if the
/// upload fails for good, the outbox posts it as a message instead), then the action items'
/// message when the follow-up is registered. Nothing without a channel.
async fn draft(ctx: &Ctx, i: &Incident) -> Result<Vec<OutboxItem>, sqlx::Error> {
    let l = ctx.locale();
    let channel = i
        .channel_id
        .clone()
        .or_else(|| ctx.config.incidents_channel.clone())
        .or(i.origin_channel.clone());
    let Some(channel) = channel else {
        return Ok(Vec::new());
    };
    let parts = ctx.ext.get::<DraftParts>();
    let (v, timeline) = named_view(ctx, i, parts).await?;
    let md = ctx.config.templates.postmortem(&v, &timeline, l);
    let md = md + &recovery_table(ctx, i).await?;
    let words = tpl::postmortem_upload(&key(i), &ctx.config.incident_command, l);
    let mut item = OutboxItem {
        method: chatops_core::outbox::UPLOAD_METHOD.into(),
        channel: channel.clone(),
        body: json!({
            "channel_id": channel,
            "filename": words.filename,
            "title": words.title,
            "content": md,
            "initial_comment": words.initial_comment,
            "retry_hint": words.retry_hint,
        }),
        depends_on: None,
        depends_field: None,
        tag: Some(format!("inc:{}:postmortem", i.id)),
    };
    if i.channel_id.is_none() {
        if let Some(a) = i.announce_outbox_id {
            item.depends_on = Some(a);
            item.depends_field = Some("thread_ts".into());
        }
    }
    let mut items = vec![item];
    if let Some(p) = parts {
        if let Some(msg) = p.0.message(ctx, i).await? {
            let mut next = OutboxItem::post(&channel, &as_said(ctx, i, &msg));
            if let (None, Some(a)) = (&i.channel_id, i.announce_outbox_id) {
                next = next.reply_to(a);
            }
            items.push(next.tagged(format!("inc:{}:postmortem_actions", i.id)));
        }
    }
    Ok(items)
}

/// The draft's view and timeline with people by their Slack names (`users.info`, cached) and
/// the action items of the follow-up, when registered.
async fn named_view(
    ctx: &Ctx,
    i: &Incident,
    parts: Option<&DraftParts>,
) -> Result<(IncidentView, Vec<TimelineRow>), sqlx::Error> {
    let mut v = view(ctx, i);
    if let Some(p) = parts {
        v.action_items = p.0.rows(ctx, i).await?;
    }
    let mut timeline = store::timeline(&ctx.store.pool, i.id).await?;
    let mut ids: Vec<String> = timeline.iter().map(|r| r.actor.clone()).collect();
    ids.extend(v.commander.clone());
    ids.extend(v.action_items.iter().map(|r| r[1].clone()));
    // Ids in the texts the bot wrote (`commander = U…`, `<@U…>`).
    for r in &timeline {
        ids.extend(
            r.text
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| w.len() >= 3 && (w.starts_with('U') || w.starts_with('W')))
                .map(str::to_string),
        );
    }
    let names = crate::names::names(ctx, ids).await;
    for r in &mut timeline {
        r.actor = names.of(&r.actor);
        r.text = names.replace_in(&r.text);
    }
    v.commander = v.commander.map(|c| names.of(&c));
    for row in &mut v.action_items {
        row[1] = names.of(&row[1]);
    }
    Ok((v, timeline))
}

/// Each component's recovery time against its RTO (`recovery_clocks`, written by the recovery
/// capability, #28); empty when no clock ran.
async fn recovery_table(ctx: &Ctx, i: &Incident) -> Result<String, sqlx::Error> {
    use sqlx::Row;
    let l = ctx.locale();
    let rows = sqlx::query(
        "SELECT component, started_at, rto_ms, recovered_at FROM recovery_clocks
         WHERE incident_id = $1 ORDER BY started_at, id",
    )
    .bind(i.id)
    .fetch_all(&ctx.store.pool)
    .await?;
    let clocks: Vec<messages::recovery::ClockView> = rows
        .iter()
        .map(|r| {
            let id: String = r.get(0);
            let name = ctx
                .config
                .components
                .get(&id)
                .map(|c| c.name.get(l).to_string());
            messages::recovery::ClockView {
                name: name.unwrap_or_else(|| id.clone()),
                component: id,
                started_at: r.get::<i64, _>(1) / 1000,
                rto_secs: r.get::<Option<i64>, _>(2).map(|ms| ms / 1000),
                rpo_secs: None,
                recovered_at: r.get::<Option<i64>, _>(3).map(|ms| ms / 1000),
            }
        })
        .collect();
    Ok(messages::recovery::postmortem_table(
        &clocks,
        ctx.clock.now_secs(),
        l,
    ))
}
