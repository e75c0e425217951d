//! Railway actions: restart, redeploy, rollback; then follow the deployment and `/health/deep`
//! and post the outcome in the channel (with a rollback button when health fails).

use std::sync::Arc;

use messages::julia as m;

use super::access::{record, Action, Prepared};
use super::Reply;
use crate::integrations::railway::{
    current as running, pick_rollback, refused_rollback, Deployment, RailwayError, ServiceState,
    LIVE, TRANSITIONAL,
};
use crate::Ctx;
use messages::railway as rw_msg;

pub fn railway_failure(ctx: &Ctx, e: &RailwayError, done: &str) -> messages::Msg {
    let l = ctx.locale();
    let try_ = match e {
        RailwayError::Unconfigured(v) => m::not_configured(l, "Railway", v),
        RailwayError::Auth | RailwayError::BadProjectToken => {
            m::hint(l, m::Hint::RailwayCredentials)
        }
        _ => m::retry_hint(l),
    };
    m::failure(l, "Railway", &e.to_string(), done, &try_)
}

/// The configured service named `name`, found in Railway's environment.
pub async fn resolve(ctx: &Ctx, name: &str) -> Result<ServiceState, messages::Msg> {
    let l = ctx.locale();
    let rw = &ctx.julia.railway;
    let missing = rw.missing();
    if !missing.is_empty() {
        return Err(messages::Msg::text(m::not_configured(
            l,
            "Railway",
            &missing.join(", "),
        )));
    }
    if !rw.services.iter().any(|s| s == name) {
        return Err(m::unknown_service(l, name, &rw.services));
    }
    let all = rw
        .julia_services()
        .await
        .map_err(|e| railway_failure(ctx, &e, &m::nothing_done(l)))?;
    all.into_iter()
        .find(|s| s.name == name || s.id == name)
        .ok_or_else(|| {
            m::failure(
                l,
                "Railway",
                &m::service_not_in_environment(l, name),
                &m::nothing_done(l),
                &m::hint(l, m::Hint::RailwayServiceNames),
            )
        })
}

fn service_of(a: &Action) -> &str {
    match a {
        Action::Restart { service }
        | Action::Redeploy { service }
        | Action::Rollback { service, .. } => service,
        _ => "",
    }
}

async fn rollback_target(
    ctx: &Ctx,
    svc: &ServiceState,
    wanted: Option<&str>,
) -> Result<Deployment, messages::Msg> {
    let l = ctx.locale();
    let list = ctx
        .julia
        .railway
        .deployments(&svc.id, 20)
        .await
        .map_err(|e| railway_failure(ctx, &e, &m::nothing_done(l)))?;
    let Some(target) = pick_rollback(&list, wanted) else {
        let why = match (wanted, refused_rollback(&list)) {
            (Some(id), _) => m::RollbackWhy::NotFound(id.to_string()),
            (None, Some(refused)) => m::RollbackWhy::CannotRollback(refused.id.clone()),
            (None, None) => m::RollbackWhy::NoOlderSuccess,
        };
        return Err(m::cannot_rollback(l, &svc.name, &m::rollback_why(l, &why)));
    };
    if !target.can_rollback {
        return Err(m::cannot_rollback(
            l,
            &svc.name,
            &m::rollback_why(l, &m::RollbackWhy::CannotRollback(target.id.clone())),
        ));
    }
    Ok(target.clone())
}

/// What a restart acts on: the latest deployment when it is the running one, else the one
/// that is running (a failed or unfinished build leaves the previous deployment live, and
/// restarting the failed one does nothing for the service).
async fn restart_target(ctx: &Ctx, svc: &ServiceState) -> Result<Deployment, messages::Msg> {
    let l = ctx.locale();
    if let Some(latest) = svc
        .latest
        .as_ref()
        .filter(|d| LIVE.contains(&d.status.as_str()))
    {
        return Ok(latest.clone());
    }
    let list = ctx
        .julia
        .railway
        .deployments(&svc.id, 20)
        .await
        .map_err(|e| railway_failure(ctx, &e, &m::nothing_done(l)))?;
    running(&list)
        .cloned()
        .ok_or_else(|| rw_msg::nothing_to_restart(l, &svc.name))
}

/// A redeploy acts on the latest deployment, only when Railway allows it (`canRedeploy`), as
/// Railway's CLI checks before `deploymentRedeploy`.
fn redeploy_target(ctx: &Ctx, svc: &ServiceState) -> Result<Deployment, messages::Msg> {
    let l = ctx.locale();
    let Some(latest) = svc.latest.as_ref() else {
        return Err(m::cannot_rollback(
            l,
            &svc.name,
            &m::rollback_why(l, &m::RollbackWhy::NoDeployment),
        ));
    };
    if !latest.can_redeploy {
        return Err(rw_msg::cannot_redeploy(
            l,
            &svc.name,
            &latest.id,
            &latest.status,
        ));
    }
    Ok(latest.clone())
}

pub async fn prepare(ctx: &Ctx, action: &Action) -> Prepared {
    let l = ctx.locale();
    let svc = resolve(ctx, service_of(action))
        .await
        .map_err(|msg| ("refused", None, msg))?;
    let current = svc
        .latest
        .as_ref()
        .map(|d| d.id.clone())
        .unwrap_or_else(|| "-".into());
    match action {
        Action::Restart { .. } | Action::Redeploy { .. } => {
            if svc.latest.is_none() {
                return Err((
                    "refused",
                    None,
                    m::cannot_rollback(
                        l,
                        &svc.name,
                        &m::rollback_why(l, &m::RollbackWhy::NoDeployment),
                    ),
                ));
            }
            let what = if matches!(action, Action::Restart { .. }) {
                let t = restart_target(ctx, &svc)
                    .await
                    .map_err(|msg| ("refused", Some(current.clone()), msg))?;
                match svc.latest.as_ref().filter(|d| d.id != t.id) {
                    Some(latest) => {
                        rw_msg::what_restart_active(l, &svc.name, &t.id, &latest.id, &latest.status)
                    }
                    None => m::what_deploy(l, "restart", &svc.name, &t.id),
                }
            } else {
                let t = redeploy_target(ctx, &svc)
                    .map_err(|msg| ("refused", Some(current.clone()), msg))?;
                m::what_deploy(l, "redeploy", &svc.name, &t.id)
            };
            Ok((what, action.clone(), Some(current.clone())))
        }
        Action::Rollback {
            service,
            deployment,
        } => {
            let t = rollback_target(ctx, &svc, deployment.as_deref())
                .await
                .map_err(|msg| ("refused", Some(current.clone()), msg))?;
            let what = m::what_deploy(l, "rollback", &svc.name, &format!("{current} → {}", t.id));
            Ok((
                what,
                Action::Rollback {
                    service: service.clone(),
                    deployment: Some(t.id),
                },
                Some(current),
            ))
        }
        _ => unreachable!("deploys::prepare only takes deploy actions"),
    }
}

#[allow(clippy::too_many_lines)] // over 80 lines: split by the /julia half of #12 (control/); remove when it lands
pub async fn execute(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    let l = ctx.locale();
    let svc = match resolve(ctx, service_of(action)).await {
        Ok(s) => s,
        Err(msg) => {
            record(
                ctx,
                &reply.user,
                action,
                "failed",
                None,
                None,
                Some(msg.text.clone()),
            )
            .await;
            reply.replace(ctx, &msg).await;
            return;
        }
    };
    let before = svc
        .latest
        .as_ref()
        .map(|d| format!("{} {}", d.id, d.status));
    let rw = &ctx.julia.railway;
    let not_done = m::nothing_done(l);
    let (verb, result): (&str, Result<Option<String>, RailwayError>) = match action {
        Action::Restart { .. } | Action::Redeploy { .. } => {
            let restart = matches!(action, Action::Restart { .. });
            let target = if restart {
                restart_target(ctx, &svc).await
            } else {
                redeploy_target(ctx, &svc)
            };
            let id = match target {
                Ok(t) => t.id,
                Err(msg) => {
                    record(
                        ctx,
                        &reply.user,
                        action,
                        "refused",
                        before,
                        None,
                        Some(msg.text.clone()),
                    )
                    .await;
                    reply.replace(ctx, &msg).await;
                    return;
                }
            };
            if restart {
                ("restart", rw.restart(&id).await.map(|ok| ok.then_some(id)))
            } else {
                ("redeploy", rw.redeploy(&id).await.map(|d| Some(d.id)))
            }
        }
        Action::Rollback { deployment, .. } => {
            let t = match rollback_target(ctx, &svc, deployment.as_deref()).await {
                Ok(t) => t,
                Err(msg) => {
                    record(
                        ctx,
                        &reply.user,
                        action,
                        "refused",
                        before,
                        None,
                        Some(msg.text.clone()),
                    )
                    .await;
                    reply.replace(ctx, &msg).await;
                    return;
                }
            };
            (
                "rollback",
                rw.rollback(&t.id).await.map(|ok| ok.then_some(t.id)),
            )
        }
        _ => return,
    };
    let followed = match result {
        Ok(Some(id)) => id,
        Ok(None) => {
            let e = RailwayError::Operation(format!("{verb} returned false"));
            record(
                ctx,
                &reply.user,
                action,
                "failed",
                before,
                None,
                Some(e.to_string()),
            )
            .await;
            reply
                .replace(ctx, &railway_failure(ctx, &e, &not_done))
                .await;
            return;
        }
        Err(e) => {
            // A timeout on a mutation may still have applied: say so.
            let done = if matches!(e, RailwayError::Timeout(_) | RailwayError::Transport(_)) {
                m::maybe_applied(l)
            } else {
                not_done
            };
            record(
                ctx,
                &reply.user,
                action,
                "failed",
                before,
                None,
                Some(e.to_string()),
            )
            .await;
            reply.replace(ctx, &railway_failure(ctx, &e, &done)).await;
            return;
        }
    };
    record(
        ctx,
        &reply.user,
        action,
        "accepted",
        before,
        Some(followed.clone()),
        None,
    )
    .await;
    // A redeploy makes a new deployment and a restart keeps its own: follow those by id. A
    // rollback makes a new one whose id Railway does not return: follow the latest.
    let follow_new = matches!(action, Action::Redeploy { .. } | Action::Restart { .. });
    schedule_follow(ctx, reply, action, verb, &svc, &followed, follow_new).await;
    reply
        .replace(ctx, &m::deploy_started(l, verb, &svc.name, &followed))
        .await;
}

/// The follow-up is a job (a row), so a redeploy of the bot itself does not lose it: the next
/// process (or another replica) picks it up within a lease and posts the outcome once.
async fn schedule_follow(
    ctx: &Ctx,
    reply: &Reply,
    action: &Action,
    verb: &str,
    svc: &ServiceState,
    followed: &str,
    by_id: bool,
) {
    let now = ctx.clock.now_ms();
    let job = crate::jobs::Job::DeployFollow(Box::new(crate::jobs::DeployFollow {
        user: reply.user.clone(),
        channel: reply.channel.clone(),
        response_url: reply.response_url.clone(),
        action: action.clone(),
        verb: verb.to_string(),
        service_id: svc.id.clone(),
        service_name: svc.name.clone(),
        deployment: followed.to_string(),
        by_id,
        deadline_ms: now + ctx.config.julia.follow_limit.as_millis() as i64,
    }));
    let r = async {
        let mut conn = ctx.store.pool.acquire().await?;
        crate::jobs::enqueue(&mut conn, ctx, &job, now).await
    }
    .await;
    match r {
        Ok(_) => ctx.jobs_wake.notify_one(),
        Err(e) => {
            tracing::error!(error = %crate::config::redact_url(&e.to_string()), "the deploy follow-up could not be scheduled")
        }
    }
}

/// Runs a follow-up job (see [`follow`]).
pub async fn run_follow_job(
    ctx: &Arc<Ctx>,
    f: &crate::jobs::DeployFollow,
    lease: &crate::jobs::Lease,
) -> crate::jobs::JobResult {
    let reply = Reply {
        user: f.user.clone(),
        channel: f.channel.clone(),
        response_url: f.response_url.clone(),
    };
    let svc = ServiceState {
        id: f.service_id.clone(),
        name: f.service_name.clone(),
        latest: None,
    };
    follow(
        ctx,
        &reply,
        &f.action,
        &f.verb,
        &svc,
        &f.deployment,
        f.by_id,
        (f.deadline_ms, lease),
    )
    .await
}

/// Polls the deployment until it settles, then `/health/deep` until healthy, within the limit
/// (`deadline_ms`: after a restart the job resumes with the time left, and polls at least once).
/// The audit row, the outcome post and the job's completion are one transaction.
#[allow(clippy::too_many_arguments)]
#[allow(clippy::too_many_lines)] // over 80 lines: split by the /julia half of #12 (control/); remove when it lands
async fn follow(
    ctx: &Arc<Ctx>,
    reply: &Reply,
    action: &Action,
    verb: &str,
    svc: &ServiceState,
    id: &str,
    by_id: bool,
    (deadline_ms, lease): (i64, &crate::jobs::Lease),
) -> crate::jobs::JobResult {
    let l = ctx.locale();
    let j = &ctx.config.julia;
    let interval_ms = j.follow_interval.as_millis() as i64;
    let mut status = String::from("UNKNOWN");
    let mut settled = false;
    loop {
        tokio::time::sleep(j.follow_interval).await;
        let d = if by_id {
            ctx.julia.railway.deployment(id).await.map(Some)
        } else {
            ctx.julia.railway.latest(&svc.id).await
        };
        if let Ok(Some(d)) = d {
            status = d.status.clone();
            if !TRANSITIONAL.contains(&d.status.as_str()) {
                settled = true;
                break;
            }
        }
        if ctx.clock.now_ms() >= deadline_ms {
            break;
        }
    }
    let mut healthy = None;
    let mut lines = Vec::new();
    if settled {
        loop {
            match ctx.julia.health.deep().await {
                Ok(d) => {
                    lines = super::status::health_lines(l, &d, false);
                    healthy = Some(d.healthy());
                    if d.healthy() {
                        break;
                    }
                }
                Err(e) => {
                    lines = vec![m::source_failed(l, "Julia /health/deep", &e.to_string())];
                    healthy = Some(false);
                }
            }
            if status != "SUCCESS" || ctx.clock.now_ms() + interval_ms >= deadline_ms {
                break;
            }
            tokio::time::sleep(j.follow_interval).await;
        }
    }
    let outcome = match healthy {
        Some(true) => "healthy",
        Some(false) => "unhealthy",
        None => "unsettled",
    };
    let msg = m::deploy_outcome(l, verb, &svc.name, &status, healthy, &lines);
    if reply.channel.is_empty() {
        // No channel to post in: the answer goes through response_url (again after a crash
        // right here; it is ephemeral).
        reply.send(ctx, &msg).await;
    }
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let entry = crate::audit::AuditEntry {
        actor: reply.user.clone(),
        action: action.name().into(),
        args: action.args(),
        outcome: format!("followed_{outcome}"),
        before: None,
        after: Some(status.clone()),
        detail: None,
    };
    crate::audit::record(&mut tx, &entry, now).await?;
    if !reply.channel.is_empty() {
        crate::outbox::enqueue(
            &mut tx,
            &crate::outbox::OutboxItem::post(&reply.channel, &msg),
            now,
        )
        .await?;
    }
    lease.complete_in(&mut tx, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}
