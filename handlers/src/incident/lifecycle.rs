//! Changes to a declared incident: update, severity, roles, "on it", resolve, reopen, snooze.

use std::time::Duration;

use messages::incident as tpl;
use messages::Msg;
use serde_json::json;

use super::shared::{
    cadence, enqueue_topic, load, may_change, next_due, post_to_incident, user_err, view, wake,
};
use super::store::{self, Incident};
use super::{IncidentStatus, Role, Severity};
use crate::jobs::{self, Job};
use crate::{Ctx, FlowResult};

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
