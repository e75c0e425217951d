//! Declaring an incident: the row and its job in one transaction, then (as a job) the war
//! room, the invites and the posts.

use messages::incident as tpl;
use messages::invites::NotInvited;
use messages::Msg;
use serde_json::json;
use sqlx::AnyConnection;

use super::shared::{as_said, key, next_due, topic_of, view, wake};
use super::store::{self, Incident, NewIncident};
use super::timeline::EventKind;
use super::war_room::{create_war_room, find_lost, invite};
use super::Severity;
use crate::affects::{self, Affect};
use crate::hooks::{self, Event};
use crate::payloads::{Declaration as DeclarationJob, DeclaredReply, DECLARATION};
use chatops_core::ids::{ChannelId, IncidentId, IncidentTitle, UserId};
use chatops_core::jobs::{self, JobError, JobResult, Lease};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::request::reply_later;
use chatops_core::{Ctx, FlowResult};

pub struct Declaration {
    pub actor: UserId,
    /// Where it was declared (the DM of the declarer from the Home tab).
    pub origin_channel: ChannelId,
    pub severity: Severity,
    pub title: IncidentTitle,
    pub impact: Option<String>,
    /// The declarer when unset.
    pub commander: Option<UserId>,
    pub private: bool,
    /// `--affects`: the components it affects (checked with [`crate::affects::resolve`]).
    pub affects: Vec<Affect>,
    /// `--drill`: a drill, never a real incident.
    pub drill: bool,
    /// `--drill --page`: the drill pages phones as a real incident would (others page nobody).
    pub drill_pages: bool,
}

/// Step 1 of a declaration: the incident row, its timeline event and the job that finishes it
/// (war room, invites, posts: [`run_declaration_job`]), in one transaction. Returns its number.
/// A war room that cannot be created never fails the declaration: everything then posts to the
/// incidents channel and the declarer is told why.
pub async fn create_incident(
    ctx: &Ctx,
    d: &Declaration,
    reply: Option<DeclaredReply>,
) -> FlowResult<IncidentId> {
    let now = ctx.clock.now_ms();
    let commander = d.commander.as_ref().unwrap_or(&d.actor);
    // 1. The incident exists from here on.
    let mut tx = ctx.store.begin().await?;
    let id = store::next_id(&mut tx).await?;
    let row = NewIncident {
        id,
        title: d.title.as_str(),
        severity: d.severity,
        impact: d.impact.as_deref(),
        commander: commander.as_str(),
        declared_by: d.actor.as_str(),
        is_private: d.private,
        is_drill: d.drill,
        drill_pages: d.drill_pages,
        origin_channel: d.origin_channel.as_str(),
        now,
        next_reminder_at: next_due(ctx, d.severity, now),
    };
    store::insert(&mut tx, &row).await?;
    let what = format!("{} {}", d.severity.as_str(), d.title);
    store::add_event(
        &mut tx,
        id,
        now,
        d.actor.as_str(),
        EventKind::Declared,
        &what,
    )
    .await?;
    if !d.affects.is_empty() {
        if let Some(i) = store::get(&mut tx, id).await? {
            affects::apply(&mut tx, ctx, &i, &d.affects, d.actor.as_str(), now).await?;
        }
    }
    let job = DeclarationJob {
        incident: id,
        reply,
    };
    jobs::enqueue(&mut tx, ctx, DECLARATION, &job, now).await?;
    // The announcement's place in the channel, in incident-number order (ids are taken under
    // the counter's row lock): the job fills it, however the jobs' commits are ordered.
    if let Some(ch) = &ctx.config.incidents_channel {
        chatops_core::outbox::reserve(&mut tx, ch, &format!("inc:{id}:announce"), now).await?;
    }
    let declared = Event::Declared {
        id,
        severity: d.severity,
    };
    hooks::announce(&mut tx, ctx, declared, now).await?;
    tx.commit().await?;
    metrics::counter!("incidents_declared_total", "severity" => d.severity.as_str()).increment(1);
    ctx.reminder_wake.notify_one();
    ctx.jobs_wake.notify_one();
    Ok(IncidentId(id))
}

/// Steps 2 and 3 of a declaration, run as a job: the war room, the invites, the posts, then the
/// declarer's answer. Each step is recorded when done (the war room on the incident, the
/// invites and the answer on the job, the posts with the job's completion in one transaction),
/// so a rerun after a crash skips it: no second channel, no second invite, no post twice.
pub async fn run_declaration_job(
    ctx: &Ctx,
    id: IncidentId,
    reply: Option<&DeclaredReply>,
    lease: &Lease,
) -> JobResult {
    let first = store::get_pool(&ctx.store.pool, id.0)
        .await?
        .ok_or_else(|| JobError::Fail(format!("incident {} does not exist", id.0)))?;
    let mut room = RoomOutcome {
        error: lease
            .step("war_room_error")
            .and_then(|v| v.as_str().map(String::from)),
        gave_up: None,
    };
    if first.announce_outbox_id.is_none() {
        // 2. The war room, when this severity gets one (once: it is saved on the incident).
        let channel = war_room(ctx, &first, lease, &mut room).await?;
        // Invites (once: recorded on the job; Slack also ignores a repeated invite).
        let invite_problems = match &channel {
            Some(channel) => invites(ctx, &first, channel, lease).await?,
            None => Vec::new(),
        };
        // 3. Posts: declared (pinned) + topic in the war room, the announcement in the channel.
        announce(ctx, id, reply, &room, &invite_problems, lease).await?;
    }
    // The answer through `response_url` (after a crash right here, sent again: it is ephemeral).
    if let Some(DeclaredReply::ResponseUrl { url }) = reply {
        if let Some(i) = store::get_pool(&ctx.store.pool, id.0).await? {
            reply_later(ctx, url, &declared_reply(ctx, &i)).await;
        }
    }
    match room.gave_up {
        Some(why) => Err(JobError::Fail(why)),
        None => Ok(()),
    }
}

/// How the war room went: Slack's error when it could not be created (everything then posts
/// to the incidents channel), and whether Slack kept failing until the last attempt (then the
/// declaration is announced without a war room and the job fails for good, so /health/ready,
/// /metrics and the incidents channel show it).
struct RoomOutcome {
    error: Option<String>,
    gave_up: Option<String>,
}

/// The war room of the incident: the one already recorded, one an interrupted attempt created,
/// or a new one. None when this severity gets none or Slack refused.
async fn war_room(
    ctx: &Ctx,
    first: &Incident,
    lease: &Lease,
    room: &mut RoomOutcome,
) -> Result<Option<String>, JobError> {
    let wants_room = ctx.config.war_room_severities.contains(&first.severity);
    if !wants_room || first.channel_id.is_some() || room.error.is_some() {
        return Ok(first.channel_id.clone());
    }
    if lease.step("war_room_asked").is_some() {
        if let Some(cid) = recover_lost_room(ctx, first, lease).await? {
            return Ok(Some(cid));
        }
    }
    lease
        .record_step(&ctx.store, "war_room_asked", json!(true))
        .await?;
    let started = first.started_at / 1000;
    match create_war_room(
        ctx,
        first.id,
        started,
        &first.title,
        first.is_private,
        first.is_drill,
    )
    .await
    {
        Ok((cid, name)) => {
            store::set_war_room(&ctx.store.pool, first.id, cid.as_str(), &name).await?;
            Ok(Some(cid.to_string()))
        }
        Err(code) if retryable_slack_code(&code) && !lease.is_last_attempt() => Err(
            JobError::Retry(format!("Slack conversations.create: {code}")),
        ),
        Err(code) => {
            if retryable_slack_code(&code) {
                room.gave_up = Some(format!(
                    "Slack conversations.create: {code} ({} attempts)",
                    lease.attempt
                ));
            }
            lease
                .record_step(&ctx.store, "war_room_error", json!(code))
                .await?;
            room.error = Some(code);
            Ok(None)
        }
    }
}

/// An earlier attempt asked Slack for the war room and died before the answer was recorded:
/// the channel may exist. Use it rather than create a second one.
async fn recover_lost_room(
    ctx: &Ctx,
    first: &Incident,
    lease: &Lease,
) -> Result<Option<String>, JobError> {
    let id = first.id;
    match find_lost(
        ctx,
        id,
        first.started_at / 1000,
        &first.title,
        first.is_drill,
    )
    .await
    {
        Ok(Some((cid, name))) => {
            tracing::warn!(incident = id, channel = %cid, "war room of an interrupted declaration found");
            store::set_war_room(&ctx.store.pool, id, &cid, &name).await?;
            Ok(Some(cid))
        }
        Ok(None) => Ok(None),
        Err(e) if e.retryable() && !lease.is_last_attempt() => Err(JobError::Retry(format!(
            "Slack conversations.list: {}",
            e.code()
        ))),
        Err(e) => {
            tracing::warn!(incident = id, error = %e, "could not look for the war room of an interrupted declaration; creating one");
            Ok(None)
        }
    }
}

/// Invites the declarer, the commander and the responders once (recorded on the job); who
/// could not be invited, to say in the war room.
async fn invites(
    ctx: &Ctx,
    first: &Incident,
    channel: &str,
    lease: &Lease,
) -> Result<Vec<NotInvited>, JobError> {
    if let Some(v) = lease.step("invited") {
        return Ok(serde_json::from_value(v).unwrap_or_default());
    }
    let declarer = UserId::new(first.declared_by.as_str());
    let commander = first
        .commander
        .as_deref()
        .map(UserId::new)
        .unwrap_or_else(|| declarer.clone());
    let problems = invite(ctx, &ChannelId::new(channel), &declarer, &commander).await;
    lease
        .record_step(&ctx.store, "invited", json!(problems))
        .await?;
    Ok(problems)
}

/// The declaration's posts, the DM answer (declare form) and the job's completion (or the
/// record that it is announced, when an answer or a failure is still to come), in one
/// transaction.
async fn announce(
    ctx: &Ctx,
    id: IncidentId,
    reply: Option<&DeclaredReply>,
    room: &RoomOutcome,
    invite_problems: &[NotInvited],
    lease: &Lease,
) -> Result<(), JobError> {
    let mut tx = ctx.store.begin().await?;
    // Locked like any change: a resolution or update racing the declaration's posts is kept.
    let mut i = store::get_for_update(&mut tx, id.0, ctx.store.for_update())
        .await?
        .ok_or_else(|| JobError::Fail(format!("incident {} does not exist", id.0)))?;
    if i.announce_outbox_id.is_some() {
        return Ok(());
    }
    i.war_room_error = room.error.clone();
    let now = ctx.clock.now_ms();
    enqueue_declaration_posts(&mut tx, ctx, &mut i, invite_problems, now).await?;
    hooks::announce(&mut tx, ctx, Event::Announced { incident: &i }, now).await?;
    if let Some(e) = &room.error {
        store::add_event(&mut tx, id.0, now, "chatops", EventKind::WarRoomFailed, e).await?;
    }
    store::save(&mut tx, &i).await?;
    // A DM answer (the declare form) goes out with the posts.
    if let Some(DeclaredReply::Dm { user }) = reply {
        enqueue(
            &mut tx,
            &OutboxItem::post(user, &declared_reply(ctx, &i)),
            now,
        )
        .await?;
    }
    if room.gave_up.is_none() && !matches!(reply, Some(DeclaredReply::ResponseUrl { .. })) {
        // Nothing left to do: the job completes with its posts.
        lease.complete_in(&mut tx, now).await?;
    } else {
        lease
            .record_step_in(&mut tx, "announced", json!(true))
            .await?;
    }
    tx.commit().await?;
    wake(ctx);
    Ok(())
}

/// "INC-n declared", with the war room or why there is none.
fn declared_reply(ctx: &Ctx, i: &Incident) -> Msg {
    let m = tpl::reply::declared(
        &key(i),
        i.channel_id.as_deref(),
        i.war_room_error.as_deref(),
        ctx.locale(),
    );
    as_said(ctx, i, &m)
}

/// The posts of a declaration, in the transaction that records it announced.
async fn enqueue_declaration_posts(
    tx: &mut AnyConnection,
    ctx: &Ctx,
    i: &mut Incident,
    invite_problems: &[NotInvited],
    now: i64,
) -> FlowResult<()> {
    let l = ctx.locale();
    let id = i.id;
    let v = view(ctx, i);
    let incidents = ctx.config.incidents_channel.clone();
    match i.channel_id.clone() {
        Some(w) => {
            let declared_id = enqueue(
                tx,
                &OutboxItem::post(&w, &as_said(ctx, i, &ctx.config.templates.declared(&v, l)))
                    .tagged(format!("inc:{id}:declared")),
                now,
            )
            .await?;
            enqueue(tx, &OutboxItem::pin(&w, declared_id), now).await?;
            enqueue(tx, &OutboxItem::topic(&w, &topic_of(ctx, i)), now).await?;
            if !invite_problems.is_empty() {
                let text = messages::invites::not_invited(l, invite_problems);
                enqueue(tx, &OutboxItem::post(&w, &Msg::text(text)), now).await?;
            }
            i.declared_outbox_id = Some(declared_id);
            if let Some(ch) = &incidents {
                // May go out combined with other announcements queued in the channel (#13).
                let ann = chatops_core::outbox::fill(
                    tx,
                    &OutboxItem::post(ch, &as_said(ctx, i, &tpl::announcement(&v, l)))
                        .tagged(format!("inc:{id}:announce")),
                    Some(&messages::digest::announcement_line(&v, l)),
                    now,
                )
                .await?;
                i.announce_outbox_id = Some(ann);
            }
        }
        None => {
            let ch = incidents.unwrap_or_else(|| i.origin_channel.clone().unwrap_or_default());
            let ann = chatops_core::outbox::fill(
                tx,
                &OutboxItem::post(&ch, &as_said(ctx, i, &ctx.config.templates.declared(&v, l)))
                    .tagged(format!("inc:{id}:announce")),
                None,
                now,
            )
            .await?;
            i.announce_outbox_id = Some(ann);
            i.declared_outbox_id = Some(ann);
        }
    }
    Ok(())
}

/// Slack error codes worth another attempt of the declaration job (after its backoff).
fn retryable_slack_code(code: &str) -> bool {
    matches!(
        code,
        "timeout"
            | "network"
            | "ratelimited"
            | "rate_limited"
            | "internal_error"
            | "fatal_error"
            | "service_unavailable"
            | "request_timeout"
    ) || code.starts_with("http_5")
}

/// A declaration job failed for good: one notice in the incidents channel (in the transaction
/// that records the failure), naming the incident and what to do.
pub async fn declaration_failed(
    ctx: &Ctx,
    tx: &mut AnyConnection,
    id: IncidentId,
    attempts: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    if let Some(ch) = &ctx.config.incidents_channel {
        // Its announcement will never come: the announcements behind it need not wait.
        let tag = format!("inc:{}:announce", id.0);
        chatops_core::outbox::release(tx, ch, &tag).await?;
    }
    let i = store::get(tx, id.0).await?;
    let Some(i) = i else { return Ok(()) };
    let channel = ctx
        .config
        .incidents_channel
        .clone()
        .or_else(|| i.origin_channel.clone());
    let Some(channel) = channel else {
        return Ok(());
    };
    let key = id.to_string();
    let msg = if i.announce_outbox_id.is_some() {
        // Announced here without its war room (Slack kept failing).
        messages::jobs::war_room_lost(
            &key,
            i.war_room_error.as_deref().unwrap_or("?"),
            attempts,
            ctx.locale(),
        )
    } else {
        messages::jobs::declaration_lost(
            &key,
            i.severity.as_str(),
            &i.title,
            attempts,
            &ctx.config.incident_command,
            ctx.locale(),
        )
    };
    enqueue(tx, &OutboxItem::post(&channel, &msg), now).await?;
    store::add_event(tx, id.0, now, "chatops", EventKind::DeclarationFailed, "").await?;
    Ok(())
}
