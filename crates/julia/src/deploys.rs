//! Railway actions: restart, redeploy, rollback. The follow-up (deployment, then
//! `/health/deep`, then the outcome in the channel) is a job: [`super::follow`].

use std::sync::Arc;

use messages::julia as m;

use super::action::Action;
use super::shared::{cmd, railway_failure, resolve};
use chatops_core::guarded::{self, Outcome, Prepared, Refusal, Reply};
use chatops_core::Ctx;
use clients::railway::{
    current as running, pick_rollback, refused_rollback, Deployment, RailwayError, ServiceState,
    LIVE,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Restart,
    Redeploy,
    Rollback,
}

/// One Railway action on a configured service (`deployment`: a rollback's target, when given
/// or resolved at the prompt).
#[derive(Debug, Clone, Copy)]
pub struct Deploy<'a> {
    pub kind: Kind,
    pub service: &'a str,
    pub deployment: Option<&'a str>,
    /// A rollback's kill switches written back after it ([`super::keep`]).
    pub keep: &'a [(String, String)],
}

impl<'a> Deploy<'a> {
    pub fn new(kind: Kind, service: &'a str, deployment: Option<&'a str>) -> Self {
        Deploy {
            kind,
            service,
            deployment,
            keep: &[],
        }
    }
    pub fn keeping(self, keep: &'a [(String, String)]) -> Self {
        Deploy { keep, ..self }
    }
    /// The verb as typed and as shown.
    pub fn verb(&self) -> &'static str {
        match self.kind {
            Kind::Restart => "restart",
            Kind::Redeploy => "redeploy",
            Kind::Rollback => "rollback",
        }
    }
}

async fn rollback_target(
    ctx: &Ctx,
    svc: &ServiceState,
    wanted: Option<&str>,
) -> Result<Deployment, messages::Msg> {
    let l = ctx.locale();
    let list = clients::julia(ctx)
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
        let why = m::RollbackWhy::CannotRollback(target.id.clone());
        return Err(m::cannot_rollback(l, &svc.name, &m::rollback_why(l, &why)));
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
    let list = clients::julia(ctx)
        .railway
        .deployments(&svc.id, 20)
        .await
        .map_err(|e| railway_failure(ctx, &e, &m::nothing_done(l)))?;
    running(&list)
        .cloned()
        .ok_or_else(|| m::nothing_to_restart(l, &svc.name, cmd(ctx)))
}

fn no_deployment(ctx: &Ctx, svc: &ServiceState) -> messages::Msg {
    let l = ctx.locale();
    let why = m::rollback_why(l, &m::RollbackWhy::NoDeployment);
    m::cannot_rollback(l, &svc.name, &why)
}

/// A redeploy acts on the latest deployment, only when Railway allows it (`canRedeploy`), as
/// Railway's CLI checks before `deploymentRedeploy`.
fn redeploy_target(ctx: &Ctx, svc: &ServiceState) -> Result<Deployment, messages::Msg> {
    let l = ctx.locale();
    let Some(latest) = svc.latest.as_ref() else {
        return Err(no_deployment(ctx, svc));
    };
    if !latest.can_redeploy {
        let d = (latest.id.as_str(), latest.status.as_str());
        return Err(m::cannot_redeploy(l, &svc.name, d, cmd(ctx)));
    }
    Ok(latest.clone())
}

/// The deployment `d` acts on, as checked now.
async fn target(ctx: &Ctx, svc: &ServiceState, d: Deploy<'_>) -> Result<Deployment, messages::Msg> {
    match d.kind {
        Kind::Restart => restart_target(ctx, svc).await,
        Kind::Redeploy => redeploy_target(ctx, svc),
        Kind::Rollback => rollback_target(ctx, svc, d.deployment).await,
    }
}

pub async fn prepare(ctx: &Ctx, d: Deploy<'_>) -> Result<Prepared<Action>, Refusal> {
    let l = ctx.locale();
    let svc = resolve(ctx, d.service)
        .await
        .map_err(|msg| Refusal::new("refused", msg))?;
    let current = svc
        .latest
        .as_ref()
        .map(|d| d.id.clone())
        .unwrap_or_else(|| m::NO_DEPLOYMENTS.into());
    if d.kind != Kind::Rollback && svc.latest.is_none() {
        return Err(Refusal::new("refused", no_deployment(ctx, &svc)));
    }
    let t = target(ctx, &svc, d)
        .await
        .map_err(|msg| Refusal::new("refused", msg).before(Some(current.clone())))?;
    let service = d.service.to_string();
    let mut alt = None;
    let (what, action) = match d.kind {
        Kind::Restart => {
            let what = match svc.latest.as_ref().filter(|latest| latest.id != t.id) {
                Some(latest) => {
                    m::what_restart_active(l, &svc.name, &t.id, &latest.id, &latest.status)
                }
                None => m::what_deploy(l, d.verb(), &svc.name, &t.id),
            };
            (what, Action::Restart { service })
        }
        Kind::Redeploy => (
            m::what_deploy(l, d.verb(), &svc.name, &t.id),
            Action::Redeploy { service },
        ),
        Kind::Rollback => {
            let (vars, keep) = super::keep::variables(ctx, &svc, &t).await;
            if !keep.is_empty() {
                alt = Some(Action::RollbackKeeping {
                    service: service.clone(),
                    deployment: Some(t.id.clone()),
                    keep,
                });
            }
            (
                m::what_deploy(l, d.verb(), &svc.name, &format!("{current} → {}", t.id)) + &vars,
                Action::Rollback {
                    service,
                    deployment: Some(t.id),
                },
            )
        }
    };
    let mut p = Prepared::new(what, action, Some(current));
    p.alt = alt;
    Ok(p)
}

/// Asks Railway: the deployment to follow, `None` when Railway answered `false`.
async fn act(ctx: &Ctx, kind: Kind, t: Deployment) -> Result<Option<String>, RailwayError> {
    let rw = &clients::julia(ctx).railway;
    match kind {
        Kind::Restart => rw.restart(&t.id).await.map(|ok| ok.then_some(t.id)),
        Kind::Redeploy => rw.redeploy(&t.id).await.map(|d| Some(d.id)),
        Kind::Rollback => rw.rollback(&t.id).await.map(|ok| ok.then_some(t.id)),
    }
}

pub async fn execute(ctx: &Arc<Ctx>, reply: &Reply, action: &Action, d: Deploy<'_>) {
    let l = ctx.locale();
    let svc = match resolve(ctx, d.service).await {
        Ok(s) => s,
        Err(msg) => return guarded::stop(ctx, reply, action, Refusal::new("failed", msg)).await,
    };
    let before = svc
        .latest
        .as_ref()
        .map(|d| format!("{} {}", d.id, d.status));
    let t = match target(ctx, &svc, d).await {
        Ok(t) => t,
        Err(msg) => {
            let r = Refusal::new("refused", msg).before(before);
            return guarded::stop(ctx, reply, action, r).await;
        }
    };
    let failed = Outcome::new("failed").before(before.clone());
    let followed = match act(ctx, d.kind, t).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            let e = RailwayError::Operation(format!("{} returned false", d.verb()));
            let msg = railway_failure(ctx, &e, &m::nothing_done(l));
            let o = failed.detail(Some(e.to_string()));
            return guarded::finish(ctx, reply, action, o, &msg).await;
        }
        Err(e) => {
            // A timeout on a mutation may still have applied: say so.
            let done = if matches!(e, RailwayError::Timeout(_) | RailwayError::Transport(_)) {
                m::maybe_applied(l, cmd(ctx))
            } else {
                m::nothing_done(l)
            };
            let o = failed.detail(Some(e.to_string()));
            let msg = railway_failure(ctx, &e, &done);
            return guarded::finish(ctx, reply, action, o, &msg).await;
        }
    };
    if let Err((names, e)) = super::keep::apply(ctx, &svc, d.keep).await {
        // Rolled back, the switch not written back: said loudly, audited, and followed.
        let o = Outcome::new("rolled_back_switch_not_kept")
            .before(before)
            .after(Some(followed.clone()))
            .detail(Some(format!("{}: {e}", names.join(","))));
        guarded::record(ctx, &reply.user, action, o).await;
        super::follow::schedule(ctx, reply, action, (d.verb(), &svc), &followed, false).await;
        let msg = m::deploys::switch_not_kept(l, &svc.name, &names, &e.to_string());
        return reply.replace(ctx, &msg).await;
    }
    let o = Outcome::new("accepted")
        .before(before)
        .after(Some(followed.clone()));
    guarded::record(ctx, &reply.user, action, o).await;
    // A redeploy makes a new deployment and a restart keeps its own: follow those by id. A
    // rollback makes a new one whose id Railway does not return: follow the latest.
    let by_id = d.kind != Kind::Rollback;
    super::follow::schedule(ctx, reply, action, (d.verb(), &svc), &followed, by_id).await;
    let mut msg = m::deploy_started(l, d.verb(), &svc.name, &followed);
    if !d.keep.is_empty() {
        msg.text.push_str(&m::deploys::switches_kept(l, d.keep));
    }
    reply.replace(ctx, &msg).await;
}
