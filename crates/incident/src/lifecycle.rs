//! Changes to a declared incident: update, severity, roles, "on it", resolve, reopen, snooze.
//!
//! Each change reads the incident in its own transaction ([`load`]: locked until the commit),
//! changes fields, records a timeline event, and ends with the same closing steps
//! ([`finish_change`]: the post where the incident lives, the topic, the row, the commit).

use std::time::Duration;

use messages::incident as tpl;
use messages::Msg;

use super::shared::{
    cadence, enqueue_topic, ensure_open, finish_change, key, load, may_change, next_due,
    post_to_incident, user_err, view, wake,
};
use super::store::{self, Incident};
use super::timeline::EventKind;
use super::{IncidentStatus, Role, Severity};
use crate::affects::{self, Affect};
use crate::hooks::{announce, Event};
use crate::payloads::{Postmortem, POSTMORTEM};
use chatops_core::ids::{ChannelId, IncidentId, UserId};
use chatops_core::jobs;
use chatops_core::{Ctx, FlowResult};

pub struct UpdateInput {
    pub status: Option<IncidentStatus>,
    pub findings: String,
    pub actions: Option<String>,
    pub eta: Option<String>,
    /// `--affects`: components whose state this update sets (checked with
    /// [`crate::affects::resolve`]).
    pub affects: Vec<Affect>,
}

pub struct ResolveInput {
    pub resolution: String,
    pub root_cause: Option<String>,
    pub preventive: Option<String>,
}

/// The incident was just spoken for: updated now, the next reminder one cadence from now (none
/// once resolved), escalation reset.
fn touch(ctx: &Ctx, i: &mut Incident, now: i64) {
    i.last_update_at = now;
    i.next_reminder_at = if i.status.is_open() {
        next_due(ctx, i.severity, now)
    } else {
        None
    };
    i.reminder_count = 0;
    i.escalation_level = 0;
}

/// A one-line notice for where the incident lives.
fn notice(ctx: &Ctx, i: &Incident, text: &str) -> Msg {
    tpl::notice(&view(ctx, i), text)
}

/// Posts an update; moves the status if asked; restarts the reminder cadence.
pub async fn update(ctx: &Ctx, actor: &UserId, id: IncidentId, u: UpdateInput) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, id).await?;
    ensure_open(ctx, &i)?;
    let mut moved_from = None;
    if let Some(s) = u.status {
        if !i.status.can_move_to(s) {
            let allowed: Vec<&str> = i.status.allowed_next().iter().map(|s| s.as_str()).collect();
            return Err(user_err(tpl::reply::bad_transition(
                &key(&i),
                i.status.as_str(),
                s.as_str(),
                &allowed,
                l,
            )));
        }
        if s != i.status {
            moved_from = Some(i.status);
            let change = format!("{} -> {}", i.status.as_str(), s.as_str());
            store::add_event(
                &mut tx,
                id.0,
                now,
                actor.as_str(),
                EventKind::Status,
                &change,
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
    touch(ctx, &mut i, now);
    store::add_event(
        &mut tx,
        id.0,
        now,
        actor.as_str(),
        EventKind::Update,
        &u.findings,
    )
    .await?;
    let changed = affects::apply(&mut tx, ctx, &i, &u.affects, actor.as_str(), now).await?;
    // Subscribers that read the incident back see it as updated.
    store::save(&mut tx, &i).await?;
    if let Some(from) = moved_from {
        let moved = Event::StatusChanged {
            incident: &i,
            from,
            actor: actor.as_str(),
        };
        announce(&mut tx, ctx, moved, now).await?;
    }
    let updated = Event::Updated {
        incident: &i,
        actor: actor.as_str(),
    };
    announce(&mut tx, ctx, updated, now).await?;
    let mut msg = ctx
        .config
        .templates
        .update(&view(ctx, &i), actor.as_str(), l);
    if !changed.is_empty() {
        let text = affects::change_text(ctx, &changed, actor.as_str());
        msg = msg.with_context_line(&text);
    }
    finish_change(tx, ctx, &i, &msg, false, now).await?;
    Ok(tpl::reply::update_posted(&key(&i), l))
}

pub async fn set_severity(
    ctx: &Ctx,
    actor: &UserId,
    id: IncidentId,
    sev: Severity,
) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, id).await?;
    may_change(ctx, &i, actor).await?;
    ensure_open(ctx, &i)?;
    if i.severity == sev {
        return Ok(tpl::reply::same_severity(&key(&i), sev.as_str(), l));
    }
    let from = i.severity;
    i.severity = sev;
    // The cadence follows the new severity, counted from the last update (never in the past).
    let silence_start = i
        .last_update_at
        .max(now - cadence(ctx, sev).map(|c| c.as_millis() as i64).unwrap_or(0));
    i.next_reminder_at = next_due(ctx, sev, silence_start).map(|n| n.max(now));
    let change = format!("{} -> {}", from.as_str(), sev.as_str());
    store::add_event(
        &mut tx,
        id.0,
        now,
        actor.as_str(),
        EventKind::Severity,
        &change,
    )
    .await?;
    // Subscribers that read the incident back see the new severity.
    store::save(&mut tx, &i).await?;
    let changed = Event::SeverityChanged {
        id: id.0,
        severity: sev,
    };
    announce(&mut tx, ctx, changed, now).await?;
    let text = tpl::severity_changed(from.as_str(), sev.as_str(), actor.as_str(), l);
    finish_change(tx, ctx, &i, &notice(ctx, &i, &text), false, now).await?;
    Ok(tpl::reply::done(&key(&i), &text))
}

pub async fn assign_role(
    ctx: &Ctx,
    actor: &UserId,
    id: IncidentId,
    role: Role,
    who: &UserId,
) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, id).await?;
    may_change(ctx, &i, actor).await?;
    store::set_role(&mut tx, id.0, role.as_str(), who.as_str(), now).await?;
    if role == Role::Commander {
        i.commander = Some(who.to_string());
    }
    let change = format!("{} = {who}", role.as_str());
    store::add_event(&mut tx, id.0, now, actor.as_str(), EventKind::Role, &change).await?;
    let text = tpl::role_assigned(role.as_str(), who.as_str(), actor.as_str(), l);
    post_to_incident(&mut tx, ctx, &i, &notice(ctx, &i, &text), false, now).await?;
    if role == Role::Commander {
        // The topic names the commander; other roles leave it as it is.
        enqueue_topic(&mut tx, ctx, &i, now).await?;
    }
    store::save(&mut tx, &i).await?;
    tx.commit().await?;
    wake(ctx);
    // Bring the person into the war room (one try: they can also join it themselves).
    if let Some(w) = &i.channel_id {
        let who = std::slice::from_ref(who);
        let _ = ctx
            .slack
            .conversations_invite(&ChannelId::new(w.as_str()), who, false, Duration::ZERO)
            .await;
    }
    Ok(tpl::reply::done(&key(&i), &text))
}

/// "I'm on it": the person becomes a responder, on the timeline.
pub async fn on_it(ctx: &Ctx, actor: &UserId, id: IncidentId) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let i = load(&mut tx, ctx, id).await?;
    if store::has_role(&mut tx, id.0, "responder", actor.as_str()).await? {
        return Ok(tpl::reply::already_on_it(&key(&i), l));
    }
    store::set_role(&mut tx, id.0, "responder", actor.as_str(), now).await?;
    store::add_event(
        &mut tx,
        id.0,
        now,
        actor.as_str(),
        EventKind::Responder,
        "on it",
    )
    .await?;
    // "I'm on it" acknowledges too (the first one stops the paging).
    let on_it = Event::OnIt {
        incident: &i,
        actor: actor.as_str(),
    };
    announce(&mut tx, ctx, on_it, now).await?;
    let text = tpl::on_it(actor.as_str(), l);
    post_to_incident(&mut tx, ctx, &i, &notice(ctx, &i, &text), false, now).await?;
    tx.commit().await?;
    wake(ctx);
    Ok(tpl::reply::done(&key(&i), &text))
}

pub async fn resolve(
    ctx: &Ctx,
    actor: &UserId,
    id: IncidentId,
    r: ResolveInput,
) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, id).await?;
    ensure_open(ctx, &i)?;
    may_change(ctx, &i, actor).await?;
    i.status = IncidentStatus::Resolved;
    i.resolved_at = Some(now);
    i.resolution = Some(r.resolution.clone());
    if r.root_cause.is_some() {
        i.root_cause = r.root_cause;
    }
    if r.preventive.is_some() {
        i.preventive = r.preventive;
    }
    touch(ctx, &mut i, now);
    let needs_pm = matches!(i.severity, Severity::P0 | Severity::P1);
    if needs_pm && !i.pm_done {
        i.pm_stage = 0;
        i.pm_due_at = Some(now + ctx.config.postmortem_reminders[0].as_millis() as i64);
    }
    store::add_event(
        &mut tx,
        id.0,
        now,
        actor.as_str(),
        EventKind::Resolved,
        &r.resolution,
    )
    .await?;
    if needs_pm {
        // The draft is rendered and uploaded by a job written with the resolution.
        jobs::enqueue(
            &mut tx,
            ctx,
            POSTMORTEM,
            &Postmortem { incident: id.0 },
            now,
        )
        .await?;
    }
    store::save(&mut tx, &i).await?;
    let resolved = Event::Resolved {
        incident: &i,
        actor: actor.as_str(),
    };
    announce(&mut tx, ctx, resolved, now).await?;
    let msg = ctx
        .config
        .templates
        .resolved(&view(ctx, &i), actor.as_str(), l);
    finish_change(tx, ctx, &i, &msg, true, now).await?;
    ctx.jobs_wake.notify_one();
    metrics::counter!("incidents_resolved_total", "severity" => i.severity.as_str()).increment(1);
    Ok(tpl::reply::resolved(&key(&i), l))
}

pub async fn reopen(ctx: &Ctx, actor: &UserId, id: IncidentId) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, id).await?;
    if i.status.is_open() {
        return Err(user_err(tpl::reply::not_resolved(&key(&i), l)));
    }
    may_change(ctx, &i, actor).await?;
    i.status = IncidentStatus::Investigating;
    i.resolved_at = None;
    i.pm_due_at = None;
    touch(ctx, &mut i, now);
    store::add_event(&mut tx, id.0, now, actor.as_str(), EventKind::Reopened, "").await?;
    store::save(&mut tx, &i).await?;
    let reopened = Event::Reopened {
        incident: &i,
        actor: actor.as_str(),
    };
    announce(&mut tx, ctx, reopened, now).await?;
    let text = tpl::reopened(actor.as_str(), l);
    finish_change(tx, ctx, &i, &notice(ctx, &i, &text), true, now).await?;
    Ok(tpl::reply::done(&key(&i), &text))
}

/// Moves the next reminder; a P0 is never snoozed for more than two cadences.
pub async fn snooze(ctx: &Ctx, actor: &UserId, id: IncidentId, d: Duration) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, id).await?;
    ensure_open(ctx, &i)?;
    let Some(c) = cadence(ctx, i.severity) else {
        return Ok(tpl::reply::reminders_off(&key(&i), l));
    };
    let capped = i.severity == Severity::P0 && d > c * 2;
    let d = if capped { c * 2 } else { d };
    let until = now + d.as_millis() as i64;
    i.next_reminder_at = Some(until);
    let how_long = humantime::format_duration(d).to_string();
    store::add_event(
        &mut tx,
        id.0,
        now,
        actor.as_str(),
        EventKind::Snoozed,
        &how_long,
    )
    .await?;
    let text = tpl::snoozed(until / 1000, actor.as_str(), capped, l);
    finish_change(tx, ctx, &i, &notice(ctx, &i, &text), false, now).await?;
    Ok(tpl::reply::done(&key(&i), &text))
}
