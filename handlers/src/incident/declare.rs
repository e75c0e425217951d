//! Declaring an incident: the row and its job in one transaction, then (as a job) the war
//! room, the invites and the posts.

use messages::incident as tpl;
use messages::invites::NotInvited;
use messages::Msg;
use serde_json::{json, Value};
use sqlx::AnyConnection;

use super::shared::{next_due, view, wake};
use super::store::{self, Incident, NewIncident};
use super::war_room::{create_war_room, invite};
use super::Severity;
use crate::jobs::{self, DeclaredReply, Job, JobError, JobResult, Lease};
use crate::outbox::{enqueue, OutboxItem};
use crate::request::reply_later;
use crate::{Ctx, FlowResult};

pub struct Declaration {
    pub actor: String,
    pub origin_channel: String,
    pub severity: Severity,
    pub title: String,
    pub impact: Option<String>,
    pub commander: Option<String>,
    pub private: bool,
}

/// Step 1 of a declaration: the incident row, its timeline event and the job that finishes it
/// (war room, invites, posts: [`run_declaration_job`]), in one transaction. Returns its number.
/// A war room that cannot be created never fails the declaration: everything then posts to the
/// incidents channel and the declarer is told why.
pub async fn create_incident(
    ctx: &Ctx,
    d: &Declaration,
    reply: Option<DeclaredReply>,
) -> FlowResult<i64> {
    let now = ctx.clock.now_ms();
    let commander = d.commander.clone().unwrap_or_else(|| d.actor.clone());
    // 1. The incident exists from here on.
    let mut tx = ctx.store.begin().await?;
    let id = store::next_id(&mut tx).await?;
    store::insert(
        &mut tx,
        &NewIncident {
            id,
            title: &d.title,
            severity: d.severity,
            impact: d.impact.as_deref(),
            commander: &commander,
            declared_by: &d.actor,
            is_private: d.private,
            origin_channel: &d.origin_channel,
            now,
            next_reminder_at: next_due(ctx, d.severity, now),
        },
    )
    .await?;
    store::add_event(
        &mut tx,
        id,
        now,
        &d.actor,
        "declared",
        &format!("{} {}", d.severity.as_str(), d.title),
    )
    .await?;
    jobs::enqueue(
        &mut tx,
        ctx,
        &Job::Declaration {
            incident: id,
            reply,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    metrics::counter!("incidents_declared_total", "severity" => d.severity.as_str()).increment(1);
    ctx.reminder_wake.notify_one();
    ctx.jobs_wake.notify_one();
    Ok(id)
}

/// Steps 2 and 3 of a declaration, run as a job: the war room, the invites, the posts, then the
/// declarer's answer. Each step is recorded when done (the war room on the incident, the
/// invites and the answer on the job, the posts with the job's completion in one transaction),
/// so a rerun after a crash skips it: no second channel, no second invite, no post twice.
pub async fn run_declaration_job(
    ctx: &Ctx,
    id: i64,
    reply: Option<&DeclaredReply>,
    lease: &Lease,
) -> JobResult {
    let l = ctx.locale();
    let first = store::get_pool(&ctx.store.pool, id)
        .await?
        .ok_or_else(|| JobError::Fail(format!("incident {id} does not exist")))?;
    let commander = first
        .commander
        .clone()
        .unwrap_or_else(|| first.declared_by.clone());
    let started = first.started_at;
    let mut war_room_error: Option<String> = lease
        .step("war_room_error")
        .and_then(|v| v.as_str().map(String::from));
    // Slack kept failing on the last attempt: announced without a war room, then failed for
    // good (so /health/ready, /metrics and the incidents channel show it).
    let mut gave_up: Option<String> = None;
    if first.announce_outbox_id.is_none() {
        // 2. The war room, when this severity gets one (once: it is saved on the incident).
        let wants_room = ctx.config.war_room_severities.contains(&first.severity);
        let mut room = first.channel_id.clone();
        if wants_room
            && room.is_none()
            && war_room_error.is_none()
            && lease.step("war_room_asked").is_some()
        {
            // An earlier attempt asked Slack for the war room and died before the answer was
            // recorded: the channel may exist. Use it rather than create a second one.
            match super::war_room::find_lost(ctx, id, started / 1000, &first.title).await {
                Ok(Some((cid, name))) => {
                    tracing::warn!(incident = id, channel = %cid, "war room of an interrupted declaration found");
                    store::set_war_room(&ctx.store.pool, id, &cid, &name).await?;
                    room = Some(cid);
                }
                Ok(None) => {}
                Err(e) if e.retryable() && !lease.is_last_attempt() => {
                    return Err(JobError::Retry(format!(
                        "Slack conversations.list: {}",
                        e.code()
                    )));
                }
                Err(e) => {
                    tracing::warn!(incident = id, error = %e, "could not look for the war room of an interrupted declaration; creating one");
                }
            }
        }
        if wants_room && room.is_none() && war_room_error.is_none() {
            lease
                .record_step(ctx, "war_room_asked", json!(true))
                .await?;
            match create_war_room(ctx, id, started / 1000, &first.title, first.is_private).await {
                Ok((cid, name)) => {
                    store::set_war_room(&ctx.store.pool, id, &cid, &name).await?;
                    room = Some(cid);
                }
                Err(code) if retryable_slack_code(&code) && !lease.is_last_attempt() => {
                    return Err(JobError::Retry(format!(
                        "Slack conversations.create: {code}"
                    )));
                }
                Err(code) => {
                    if retryable_slack_code(&code) {
                        gave_up = Some(format!(
                            "Slack conversations.create: {code} ({} attempts)",
                            lease.attempt
                        ));
                    }
                    lease
                        .record_step(ctx, "war_room_error", Value::String(code.clone()))
                        .await?;
                    war_room_error = Some(code);
                }
            }
        }
        // Invites (once: recorded on the job; Slack also ignores a repeated invite).
        let mut invite_problems: Vec<NotInvited> = Vec::new();
        if let Some(channel) = &room {
            match lease.step("invited") {
                Some(v) => {
                    invite_problems = serde_json::from_value(v).unwrap_or_default();
                }
                None => {
                    invite_problems = invite(ctx, channel, &first.declared_by, &commander).await;
                    lease
                        .record_step(ctx, "invited", json!(invite_problems))
                        .await?;
                }
            }
        }
        // 3. Posts: declared (pinned) + topic in the war room, the announcement in the channel.
        let mut tx = ctx.store.begin().await?;
        let mut i = store::get(&mut tx, id)
            .await?
            .ok_or_else(|| JobError::Fail(format!("incident {id} does not exist")))?;
        if i.announce_outbox_id.is_none() {
            i.war_room_error = war_room_error.clone();
            let now2 = ctx.clock.now_ms();
            enqueue_declaration_posts(&mut tx, ctx, &mut i, &invite_problems, now2).await?;
            if let Some(e) = &war_room_error {
                store::add_event(&mut tx, id, now2, "chatops", "war_room_failed", e).await?;
            }
            store::save(&mut tx, &i).await?;
            // A DM answer (the declare form) goes out with the posts.
            if let Some(DeclaredReply::Dm { user }) = reply {
                let msg = tpl::reply::declared(
                    &format!("INC-{id}"),
                    i.channel_id.as_deref(),
                    war_room_error.as_deref(),
                    l,
                );
                enqueue(&mut tx, &OutboxItem::post(user, &msg), now2).await?;
            }
            if gave_up.is_none() && !matches!(reply, Some(DeclaredReply::ResponseUrl { .. })) {
                // Nothing left to do: the job completes with its posts.
                lease.complete_in(&mut tx, now2).await?;
            } else {
                lease
                    .record_step_in(&mut tx, "announced", json!(true))
                    .await?;
            }
            tx.commit().await?;
            wake(ctx);
        }
    }
    // The answer through `response_url` (after a crash right here, sent again: it is ephemeral).
    if let Some(DeclaredReply::ResponseUrl { url }) = reply {
        let i = store::get_pool(&ctx.store.pool, id).await?;
        if let Some(i) = i {
            let msg = tpl::reply::declared(
                &format!("INC-{id}"),
                i.channel_id.as_deref(),
                i.war_room_error.as_deref(),
                l,
            );
            reply_later(ctx, url, &msg).await;
        }
    }
    match gave_up {
        Some(why) => Err(JobError::Fail(why)),
        None => Ok(()),
    }
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
                &OutboxItem::post(&w, &ctx.config.templates.declared(&v, l))
                    .tagged(format!("inc:{id}:declared")),
                now,
            )
            .await?;
            enqueue(tx, &OutboxItem::pin(&w, declared_id), now).await?;
            enqueue(tx, &OutboxItem::topic(&w, &tpl::topic(&v, l)), now).await?;
            if !invite_problems.is_empty() {
                let text = messages::invites::not_invited(l, invite_problems);
                enqueue(tx, &OutboxItem::post(&w, &Msg::text(text)), now).await?;
            }
            i.declared_outbox_id = Some(declared_id);
            if let Some(ch) = &incidents {
                let ann = enqueue(
                    tx,
                    &OutboxItem::post(ch, &tpl::announcement(&v, l))
                        .tagged(format!("inc:{id}:announce")),
                    now,
                )
                .await?;
                i.announce_outbox_id = Some(ann);
            }
        }
        None => {
            let ch = incidents.unwrap_or_else(|| i.origin_channel.clone().unwrap_or_default());
            let ann = enqueue(
                tx,
                &OutboxItem::post(&ch, &ctx.config.templates.declared(&v, l))
                    .tagged(format!("inc:{id}:announce")),
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
    id: i64,
    attempts: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let i = store::get(tx, id).await?;
    let Some(i) = i else { return Ok(()) };
    let channel = ctx
        .config
        .incidents_channel
        .clone()
        .or_else(|| i.origin_channel.clone());
    let Some(channel) = channel else {
        return Ok(());
    };
    let key = format!("INC-{id}");
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
    store::add_event(tx, id, now, "chatops", "declaration_failed", "").await?;
    Ok(())
}
