//! Incident flows: what each `/incident` subcommand, button and modal does.
//!
//! Every change writes the incident row, its timeline event and the posts it causes (outbox)
//! in one transaction. Where an incident lives: its war room, plus a thread reply under its
//! announcement in `INCIDENTS_CHANNEL`; without a war room, that thread alone.

use std::sync::Arc;
use std::time::Duration;

use messages::incident::{self as tpl, IncidentView};
use messages::invites::NotInvited;
use messages::Msg;
use serde_json::{json, Value};
use sqlx::AnyConnection;

use super::store::{self, Incident, NewIncident};
use super::{IncidentStatus, Role, Severity};
use crate::command::{IncidentCmd, IncidentId};
use crate::jobs::{self, DeclaredReply, Job, JobError, JobResult, Lease};
use crate::outbox::{enqueue, OutboxItem};
use crate::slash::{reply_later, Ack, SlashCommand};
use crate::{Ctx, FlowError, FlowResult};

// ---------------------------------------------------------------------------------------------
// Helpers shared by the flows

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

fn user_err(m: Msg) -> FlowError {
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
async fn enqueue_topic(
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

pub use crate::control::access::is_admin;

/// Severity, roles, resolve and reopen may be restricted to the commander and admins.
async fn may_change(ctx: &Ctx, i: &Incident, user: &str) -> FlowResult<()> {
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
async fn target(ctx: &Ctx, id: Option<IncidentId>, channel: &str) -> FlowResult<Incident> {
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
async fn load(conn: &mut AnyConnection, ctx: &Ctx, id: i64) -> FlowResult<Incident> {
    store::get(conn, id)
        .await?
        .ok_or_else(|| user_err(tpl::reply::unknown_id(&format!("INC-{id}"), ctx.locale())))
}

/// The end of a change: the notice where the incident lives, the topic, the row, the commit
/// and the workers' wake-up; answers the person with the same notice.
async fn finish_change(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    ctx: &Ctx,
    i: &Incident,
    text: &str,
    broadcast: bool,
    now: i64,
) -> FlowResult<Msg> {
    post_to_incident(
        &mut tx,
        ctx,
        i,
        &tpl::notice(&view(ctx, i), text),
        broadcast,
        now,
    )
    .await?;
    enqueue_topic(&mut tx, ctx, i, now).await?;
    store::save(&mut tx, i).await?;
    tx.commit().await?;
    wake(ctx);
    Ok(tpl::reply::done(&format!("INC-{}", i.id), text))
}

/// Runs a flow on the incident a command means (its id, or the war room it was typed in).
async fn on_target<F, Fut>(
    ctx: &Ctx,
    id: Option<IncidentId>,
    channel: &str,
    flow: F,
) -> FlowResult<Msg>
where
    F: FnOnce(Incident) -> Fut,
    Fut: std::future::Future<Output = FlowResult<Msg>>,
{
    flow(target(ctx, id, channel).await?).await
}

fn ack(r: FlowResult<Msg>, ctx: &Ctx) -> Ack {
    Ack::Body(r.unwrap_or_else(|e| e.into_msg(ctx.locale())).ephemeral())
}

fn wake(ctx: &Ctx) {
    ctx.outbox_wake.notify_one();
    ctx.reminder_wake.notify_one();
}

// ---------------------------------------------------------------------------------------------
// Slash commands

pub async fn handle_command(ctx: Arc<Ctx>, cmd: SlashCommand, c: IncidentCmd) -> Ack {
    let l = ctx.locale();
    let cfg = &ctx.config;
    let user = cmd.user_id.clone();
    // Plain references, copied into the flows' closures below.
    let (cx, actor): (&Ctx, &str) = (&ctx, &user);
    match c {
        IncidentCmd::Help => Ack::Body(
            messages::usage::help(
                messages::usage::Topic::Incident,
                &cfg.incident_command,
                &cfg.julia_command,
                l,
            )
            .ephemeral(),
        ),
        IncidentCmd::Declare {
            severity: Some(sev),
            title: Some(title),
            private,
        } => {
            // The incident row and the job that finishes it are written before the ack, so an
            // acknowledged declaration survives a crash (any replica's job worker finishes it).
            let d = Declaration {
                actor: cmd.user_id.clone(),
                origin_channel: cmd.channel_id.clone(),
                severity: sev,
                title: title.clone(),
                impact: None,
                commander: None,
                private,
            };
            let reply = DeclaredReply::ResponseUrl {
                url: cmd.response_url.clone(),
            };
            match create_incident(&ctx, &d, Some(reply)).await {
                Err(e) => Ack::Body(e.into_msg(l).ephemeral()),
                Ok(id) => Ack::Body(
                    tpl::reply::declaring(&format!("INC-{id}"), sev.as_str(), &title, l)
                        .ephemeral(),
                ),
            }
        }
        IncidentCmd::Declare { severity, .. } => {
            let view = tpl::declare_modal(&cmd.channel_id, severity.map(|s| s.as_str()), l);
            ack(
                open_modal(&ctx, &cmd.trigger_id, view)
                    .await
                    .map(|_| Msg::text("")),
                &ctx,
            )
            .or_empty()
        }
        IncidentCmd::Update { id, status, text } => {
            let r = async {
                let i = target(&ctx, id, &cmd.channel_id).await?;
                match text {
                    None => {
                        if !i.status.is_open() {
                            return Err(user_err(tpl::reply::already_resolved(
                                &format!("INC-{}", i.id),
                                l,
                            )));
                        }
                        open_modal(
                            &ctx,
                            &cmd.trigger_id,
                            tpl::update_modal(i.id, i.status.as_str(), l),
                        )
                        .await?;
                        Ok(Msg::text(""))
                    }
                    Some(findings) => {
                        update(
                            &ctx,
                            &user,
                            i.id,
                            UpdateInput {
                                status,
                                findings,
                                actions: None,
                                eta: None,
                            },
                        )
                        .await
                    }
                }
            }
            .await;
            ack(r, &ctx).or_empty()
        }
        IncidentCmd::Severity { id, severity } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                set_severity(cx, actor, i.id, severity).await
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Role {
            id,
            role,
            user: who,
        } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                assign_role(cx, actor, i.id, role, &who).await
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Note { id, text } => {
            let r = async {
                let i = target(&ctx, id, &cmd.channel_id).await?;
                let mut tx = ctx.store.begin().await?;
                store::add_event(&mut tx, i.id, ctx.clock.now_ms(), &user, "note", &text).await?;
                tx.commit().await?;
                Ok(tpl::reply::done(
                    &format!("INC-{}", i.id),
                    l.t(
                        "note added to the timeline.",
                        "nota adicionada à linha do tempo.",
                    ),
                ))
            }
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Status { id } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                Ok(tpl::status(&view(cx, &i), l))
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::List { severity, page } => {
            let q = messages::list::ListQuery {
                severity: severity.map(|s| s.as_str().to_string()),
                page,
            };
            ack(list_page(&ctx, &q).await, &ctx)
        }
        IncidentCmd::Resolve { id, resolution } => {
            let r = async {
                let i = target(&ctx, id, &cmd.channel_id).await?;
                may_change(&ctx, &i, &user).await?;
                if !i.status.is_open() {
                    return Err(user_err(tpl::reply::already_resolved(
                        &format!("INC-{}", i.id),
                        l,
                    )));
                }
                match resolution {
                    None => {
                        open_modal(&ctx, &cmd.trigger_id, tpl::resolve_modal(i.id, l)).await?;
                        Ok(Msg::text(""))
                    }
                    Some(text) => {
                        resolve(
                            &ctx,
                            &user,
                            i.id,
                            ResolveInput {
                                resolution: text,
                                root_cause: None,
                                preventive: None,
                            },
                        )
                        .await
                    }
                }
            }
            .await;
            ack(r, &ctx).or_empty()
        }
        IncidentCmd::Reopen { id } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                reopen(cx, actor, i.id).await
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Postmortem { id, done } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                postmortem(cx, actor, i.id, done).await
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Stats { days } => crate::stats::ack(&ctx, days, &cmd.channel_id).await,
        IncidentCmd::Ack { id } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                crate::paging::ack::acknowledge(cx, actor, i.id).await
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Oncall(c) => ack(crate::paging::command::run(cx, actor, c).await, &ctx),
        IncidentCmd::Snooze { id, duration } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                snooze(cx, actor, i.id, duration).await
            })
            .await;
            ack(r, &ctx)
        }
    }
}

trait OrEmpty {
    fn or_empty(self) -> Ack;
}

impl OrEmpty for Ack {
    /// An empty message (a modal was opened) becomes an empty 200.
    fn or_empty(self) -> Ack {
        match &self {
            Ack::Body(v)
                if v.get("text").and_then(Value::as_str) == Some("")
                    && v.get("blocks").is_none() =>
            {
                Ack::Empty
            }
            _ => self,
        }
    }
}

async fn open_modal(ctx: &Ctx, trigger_id: &str, view: Value) -> FlowResult<()> {
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

// ---------------------------------------------------------------------------------------------
// Declare

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
    crate::paging::ladder::on_declared(&mut tx, ctx, id, d.severity, now).await?;
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
            crate::paging::ladder::declared_notice(&mut tx, ctx, &i, now2).await?;
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
                // May go out combined with other announcements queued in the channel (#13).
                let ann = crate::outbox::enqueue_digest(
                    tx,
                    &OutboxItem::post(ch, &tpl::announcement(&v, l))
                        .tagged(format!("inc:{id}:announce")),
                    &messages::digest::announcement_line(&v, l),
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

/// `conversations.create` with a numbered suffix on `name_taken`. Returns (id, name) or Slack's error code.
async fn create_war_room(
    ctx: &Ctx,
    id: i64,
    started_secs: i64,
    title: &str,
    private: bool,
) -> Result<(String, String), String> {
    let budget = Duration::from_secs(8);
    for attempt in 0..20u32 {
        let suffix = (attempt > 0).then_some(attempt + 1);
        let name = tpl::war_room_name(id, started_secs, title, suffix);
        match ctx
            .slack
            .call_retrying(
                "conversations.create",
                &json!({"name": name, "is_private": private}),
                budget,
            )
            .await
        {
            Ok(v) => {
                let cid = v
                    .pointer("/channel/id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if cid.is_empty() {
                    return Err("no_channel".into());
                }
                return Ok((cid, name));
            }
            Err(e) if e.is("name_taken") => continue,
            Err(e) => {
                tracing::warn!(incident = id, error = %e, "war room not created");
                return Err(e.code());
            }
        }
    }
    Err("name_taken".into())
}

/// Invites the declarer, the commander, the responders and the members of the responders'
/// group, in chunks of 100. A group that cannot be read does not stop the others. Returns who
/// could not be invited and why, to say in the war room.
async fn invite(ctx: &Ctx, channel: &str, actor: &str, commander: &str) -> Vec<NotInvited> {
    let mut problems = Vec::new();
    let mut users: Vec<String> = vec![actor.to_string(), commander.to_string()];
    users.extend(ctx.config.incident_responders.iter().cloned());
    if let Some(g) = &ctx.config.incident_responder_group {
        match ctx.slack.usergroup_members(g).await {
            Ok(m) => users.extend(m),
            Err(e) => {
                tracing::warn!(group = %g, error = %e, "responder group not read; inviting the others");
                problems.push(NotInvited::Group {
                    group: g.clone(),
                    code: e.code(),
                });
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    // The bot itself (an auto-declared alert) is in the channel already.
    users.retain(|u| u != crate::alerts::declare::BOT_ACTOR && seen.insert(u.clone()));
    for chunk in users.chunks(messages::limits::INVITE_BATCH) {
        let body = json!({"channel": channel, "users": chunk.join(","), "force": true});
        match ctx
            .slack
            .call_retrying("conversations.invite", &body, Duration::from_secs(5))
            .await
        {
            Ok(_) => {}
            Err(e) if e.is("already_in_channel") || e.is("cant_invite_self") => {}
            Err(crate::integrations::slack::SlackError::Api { code, body, .. }) => {
                let per_user: Vec<NotInvited> = body
                    .get("errors")
                    .and_then(Value::as_array)
                    .map(|errs| {
                        errs.iter()
                            .filter(|e| {
                                !matches!(
                                    e.get("error").and_then(Value::as_str),
                                    Some("already_in_channel") | Some("cant_invite_self")
                                )
                            })
                            .map(|e| NotInvited::User {
                                user: e
                                    .get("user")
                                    .and_then(Value::as_str)
                                    .unwrap_or("?")
                                    .to_string(),
                                code: e
                                    .get("error")
                                    .and_then(Value::as_str)
                                    .unwrap_or("?")
                                    .to_string(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                if per_user.is_empty() {
                    problems.push(NotInvited::Call { code });
                } else {
                    problems.extend(per_user);
                }
            }
            Err(e) => problems.push(NotInvited::Call { code: e.code() }),
        }
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// Update, severity, roles

pub struct UpdateInput {
    pub status: Option<IncidentStatus>,
    pub findings: String,
    pub actions: Option<String>,
    pub eta: Option<String>,
}

/// Posts an update; moves the status if asked; restarts the reminder cadence.
pub async fn update(ctx: &Ctx, actor: &str, id: i64, u: UpdateInput) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, id).await?;
    let key = format!("INC-{id}");
    if !i.status.is_open() {
        return Err(user_err(tpl::reply::already_resolved(&key, l)));
    }
    if let Some(s) = u.status {
        if !i.status.can_move_to(s) {
            let allowed: Vec<&str> = i.status.allowed_next().iter().map(|s| s.as_str()).collect();
            return Err(user_err(tpl::reply::bad_transition(
                &key,
                i.status.as_str(),
                s.as_str(),
                &allowed,
                l,
            )));
        }
        if s != i.status {
            store::add_event(
                &mut tx,
                id,
                now,
                actor,
                "status",
                &format!("{} -> {}", i.status.as_str(), s.as_str()),
            )
            .await?;
        }
        i.status = s;
    }
    i.latest_findings = Some(u.findings.clone());
    if u.actions.is_some() {
        i.actions = u.actions;
    }
    if u.eta.is_some() {
        i.eta = u.eta;
    }
    i.last_update_at = now;
    reschedule(ctx, &mut i, now);
    store::add_event(&mut tx, id, now, actor, "update", &u.findings).await?;
    let msg = ctx.config.templates.update(&view(ctx, &i), actor, l);
    post_to_incident(&mut tx, ctx, &i, &msg, false, now).await?;
    enqueue_topic(&mut tx, ctx, &i, now).await?;
    store::save(&mut tx, &i).await?;
    tx.commit().await?;
    wake(ctx);
    Ok(tpl::reply::done(
        &key,
        l.t("update posted.", "atualização postada."),
    ))
}

/// A fresh silence: the next reminder one cadence from now, escalation reset.
fn reschedule(ctx: &Ctx, i: &mut Incident, now: i64) {
    i.next_reminder_at = if i.status.is_open() {
        next_due(ctx, i.severity, now)
    } else {
        None
    };
    i.reminder_count = 0;
    i.escalation_level = 0;
}

pub async fn set_severity(ctx: &Ctx, actor: &str, id: i64, sev: Severity) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut i = store::get_pool(&ctx.store.pool, id)
        .await?
        .ok_or_else(|| user_err(tpl::reply::unknown_id(&format!("INC-{id}"), l)))?;
    may_change(ctx, &i, actor).await?;
    let key = format!("INC-{id}");
    if !i.status.is_open() {
        return Err(user_err(tpl::reply::already_resolved(&key, l)));
    }
    if i.severity == sev {
        return Ok(tpl::reply::done(
            &key,
            &format!("{} {}", l.t("already", "já é"), sev.as_str()),
        ));
    }
    let mut tx = ctx.store.begin().await?;
    let from = i.severity;
    i.severity = sev;
    // The cadence follows the new severity, counted from the last update.
    i.next_reminder_at = next_due(
        ctx,
        sev,
        i.last_update_at
            .max(now - cadence(ctx, sev).map(|c| c.as_millis() as i64).unwrap_or(0)),
    );
    if let Some(n) = i.next_reminder_at {
        if n < now {
            i.next_reminder_at = Some(now);
        }
    }
    store::add_event(
        &mut tx,
        id,
        now,
        actor,
        "severity",
        &format!("{} -> {}", from.as_str(), sev.as_str()),
    )
    .await?;
    crate::paging::ladder::on_severity(&mut tx, ctx, id, sev, now).await?;
    let text = tpl::severity_changed(from.as_str(), sev.as_str(), actor, l);
    finish_change(tx, ctx, &i, &text, false, now).await
}

pub async fn assign_role(
    ctx: &Ctx,
    actor: &str,
    id: i64,
    role: Role,
    who: &str,
) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut i = store::get_pool(&ctx.store.pool, id)
        .await?
        .ok_or_else(|| user_err(tpl::reply::unknown_id(&format!("INC-{id}"), l)))?;
    may_change(ctx, &i, actor).await?;
    let mut tx = ctx.store.begin().await?;
    store::set_role(&mut tx, id, role.as_str(), who, now).await?;
    if role == Role::Commander {
        i.commander = Some(who.to_string());
    }
    store::add_event(
        &mut tx,
        id,
        now,
        actor,
        "role",
        &format!("{} = {who}", role.as_str()),
    )
    .await?;
    let text = tpl::role_assigned(role.as_str(), who, actor, l);
    post_to_incident(
        &mut tx,
        ctx,
        &i,
        &tpl::notice(&view(ctx, &i), &text),
        false,
        now,
    )
    .await?;
    if role == Role::Commander {
        enqueue_topic(&mut tx, ctx, &i, now).await?;
    }
    store::save(&mut tx, &i).await?;
    tx.commit().await?;
    wake(ctx);
    // Bring the person into the war room.
    if let Some(w) = &i.channel_id {
        let _ = ctx
            .slack
            .call("conversations.invite", &json!({"channel": w, "users": who}))
            .await;
    }
    Ok(tpl::reply::done(&format!("INC-{id}"), &text))
}

/// "I'm on it": the person becomes a responder, on the timeline.
pub async fn on_it(ctx: &Ctx, actor: &str, id: i64) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let key = format!("INC-{id}");
    let mut tx = ctx.store.begin().await?;
    let i = load(&mut tx, ctx, id).await?;
    if store::has_role(&mut tx, id, "responder", actor).await? {
        return Ok(tpl::reply::already_on_it(&key, l));
    }
    store::set_role(&mut tx, id, "responder", actor, now).await?;
    store::add_event(&mut tx, id, now, actor, "responder", "on it").await?;
    // "I'm on it" acknowledges too (the first one stops the paging).
    let via = messages::paging::Via::Slack;
    crate::paging::ack::ack_in(&mut tx, ctx, &i, actor, via, now).await?;
    post_to_incident(
        &mut tx,
        ctx,
        &i,
        &tpl::notice(&view(ctx, &i), &tpl::on_it(actor, l)),
        false,
        now,
    )
    .await?;
    tx.commit().await?;
    wake(ctx);
    Ok(tpl::reply::done(&key, &tpl::on_it(actor, l)))
}

// ---------------------------------------------------------------------------------------------
// Resolve, reopen, post-mortem, snooze

pub struct ResolveInput {
    pub resolution: String,
    pub root_cause: Option<String>,
    pub preventive: Option<String>,
}

pub async fn resolve(ctx: &Ctx, actor: &str, id: i64, r: ResolveInput) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let key = format!("INC-{id}");
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, id).await?;
    if !i.status.is_open() {
        return Err(user_err(tpl::reply::already_resolved(&key, l)));
    }
    may_change(ctx, &i, actor).await?;
    i.status = IncidentStatus::Resolved;
    i.resolved_at = Some(now);
    i.last_update_at = now;
    i.resolution = Some(r.resolution.clone());
    if r.root_cause.is_some() {
        i.root_cause = r.root_cause;
    }
    if r.preventive.is_some() {
        i.preventive = r.preventive;
    }
    i.next_reminder_at = None;
    i.reminder_count = 0;
    i.escalation_level = 0;
    let needs_pm = matches!(i.severity, Severity::P0 | Severity::P1);
    if needs_pm && !i.pm_done {
        i.pm_stage = 0;
        i.pm_due_at = Some(now + ctx.config.postmortem_reminders[0].as_millis() as i64);
    }
    store::add_event(&mut tx, id, now, actor, "resolved", &r.resolution).await?;
    let v = view(ctx, &i);
    post_to_incident(
        &mut tx,
        ctx,
        &i,
        &ctx.config.templates.resolved(&v, actor, l),
        true,
        now,
    )
    .await?;
    enqueue_topic(&mut tx, ctx, &i, now).await?;
    store::save(&mut tx, &i).await?;
    if needs_pm {
        // The draft is rendered and uploaded by a job written with the resolution.
        jobs::enqueue(&mut tx, ctx, &Job::Postmortem { incident: id }, now).await?;
    }
    tx.commit().await?;
    wake(ctx);
    ctx.jobs_wake.notify_one();
    metrics::counter!("incidents_resolved_total", "severity" => i.severity.as_str()).increment(1);
    Ok(tpl::reply::done(&key, l.t("resolved.", "resolvido.")))
}

/// The post-mortem job written by a resolution: the draft's upload is queued in the transaction
/// that completes the job, so it is queued once whatever crashes.
pub async fn run_postmortem_job(ctx: &Ctx, id: i64, lease: &Lease) -> JobResult {
    enqueue_postmortem(ctx, id, Some(lease)).await
}

/// Queues the post-mortem draft as a file upload where the incident lives (files v2 flow);
/// if the upload fails for good, the outbox posts it as a message instead.
async fn enqueue_postmortem(ctx: &Ctx, id: i64, lease: Option<&Lease>) -> JobResult {
    let l = ctx.locale();
    let i = store::get_pool(&ctx.store.pool, id)
        .await?
        .ok_or_else(|| JobError::Fail(format!("incident {id} does not exist")))?;
    let timeline = store::timeline(&ctx.store.pool, id).await?;
    let md = ctx
        .config
        .templates
        .postmortem(&view(ctx, &i), &timeline, l);
    let channel = i
        .channel_id
        .clone()
        .or_else(|| ctx.config.incidents_channel.clone())
        .or(i.origin_channel.clone());
    let Some(channel) = channel else {
        return Ok(());
    };
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let item = OutboxItem {
        method: crate::outbox::UPLOAD_METHOD.into(),
        channel: channel.clone(),
        body: json!({
            "channel_id": channel,
            "filename": format!("INC-{id}-postmortem.md"),
            "title": format!("INC-{id} post-mortem draft"),
            "content": md,
            "initial_comment": format!(":memo: {} INC-{id}", l.t("Post-mortem draft for", "Rascunho do post-mortem de")),
            "retry_hint": format!("{} postmortem INC-{id}", ctx.config.incident_command),
        }),
        depends_on: None,
        depends_field: None,
        tag: Some(format!("inc:{id}:postmortem")),
    };
    let mut item = item;
    if i.channel_id.is_none() {
        if let Some(a) = i.announce_outbox_id {
            item.depends_on = Some(a);
            item.depends_field = Some("thread_ts".into());
        }
    }
    enqueue(&mut tx, &item, now).await?;
    if let Some(lease) = lease {
        lease.complete_in(&mut tx, now).await?;
    }
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}

pub async fn reopen(ctx: &Ctx, actor: &str, id: i64) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let key = format!("INC-{id}");
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, id).await?;
    if i.status.is_open() {
        return Err(user_err(tpl::reply::not_resolved(&key, l)));
    }
    may_change(ctx, &i, actor).await?;
    i.status = IncidentStatus::Investigating;
    i.resolved_at = None;
    i.last_update_at = now;
    i.pm_due_at = None;
    reschedule(ctx, &mut i, now);
    store::add_event(&mut tx, id, now, actor, "reopened", "").await?;
    finish_change(tx, ctx, &i, &tpl::reopened(actor, l), true, now).await
}

pub async fn postmortem(ctx: &Ctx, actor: &str, id: i64, done: bool) -> FlowResult<Msg> {
    let l = ctx.locale();
    let key = format!("INC-{id}");
    if done {
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        let mut i = load(&mut tx, ctx, id).await?;
        i.pm_done = true;
        i.pm_due_at = None;
        store::add_event(&mut tx, id, now, actor, "postmortem_done", "").await?;
        store::save(&mut tx, &i).await?;
        tx.commit().await?;
        return Ok(tpl::reply::done(
            &key,
            l.t(
                "post-mortem marked done; no more post-mortem reminders.",
                "post-mortem marcado como feito; sem mais lembretes.",
            ),
        ));
    }
    enqueue_postmortem(ctx, id, None)
        .await
        .map_err(|e| anyhow::anyhow!("post-mortem draft: {e:?}"))?;
    Ok(tpl::reply::done(
        &key,
        l.t(
            "post-mortem draft posted.",
            "rascunho do post-mortem postado.",
        ),
    ))
}

pub async fn snooze(ctx: &Ctx, actor: &str, id: i64, d: Duration) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let key = format!("INC-{id}");
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, id).await?;
    if !i.status.is_open() {
        return Err(user_err(tpl::reply::already_resolved(&key, l)));
    }
    let Some(c) = cadence(ctx, i.severity) else {
        return Ok(tpl::reply::done(
            &key,
            l.t(
                "reminders are off for this severity.",
                "os lembretes estão desligados para esta severidade.",
            ),
        ));
    };
    let mut d = d;
    let mut capped = false;
    if i.severity == Severity::P0 && d > c * 2 {
        d = c * 2;
        capped = true;
    }
    let until = now + d.as_millis() as i64;
    i.next_reminder_at = Some(until);
    store::add_event(
        &mut tx,
        id,
        now,
        actor,
        "snoozed",
        &humantime::format_duration(d).to_string(),
    )
    .await?;
    let text = tpl::snoozed(until / 1000, actor, capped, l);
    finish_change(tx, ctx, &i, &text, false, now).await
}

// ---------------------------------------------------------------------------------------------
// Events and interactivity

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
            messages::paging::ACTION_ACK => crate::paging::ack::acknowledge(&ctx, &user, id)
                .await
                .map(Some),
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

/// One page of `/incident list` (also the Previous / Next buttons).
async fn list_page(ctx: &Ctx, q: &messages::list::ListQuery) -> FlowResult<Msg> {
    let open = store::open(&ctx.store.pool).await?;
    let views: Vec<IncidentView> = open.iter().map(|i| view(ctx, i)).collect();
    Ok(messages::list::list(
        &views,
        q,
        &ctx.config.incident_command,
        ctx.locale(),
    ))
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
            let title = match crate::command::title(&raw) {
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
            // From an alert group's Declare button: the group is linked once declared.
            let (meta, alert_group) = messages::alerts::parse_declare_meta(&meta);
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
            match create_incident(&ctx, &d, Some(reply)).await {
                Err(e) => return Some(errors(&[("title", e.into_msg(l).text)])),
                Ok(id) => {
                    if let Some(g) = alert_group {
                        if let Err(e) = crate::alerts::declare::link(&ctx, g, id, &user).await {
                            let _ = e.into_msg(l);
                        }
                    }
                }
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
