//! Railway runbook kinds for any project, environment and service: deploys, restart,
//! redeploy, rollback (the same choices as `/julia`: [`clients::railway`]'s
//! `current`, `pick_rollback`, `LIVE`), and variables set/unset.
//! A secret value is never shown, logged or audited: only "changed".
//!
//! A variable set is written with `skipDeploys: true`, read back, then (with `redeploy`)
//! applied by `serviceInstanceDeployV2`, a new deployment with the current variables, followed
//! by id until it settles (Railway docs `pricing/plans.md`: `serviceInstanceRedeploy` keeps "the
//! deployment's original variables", so it would not apply the change). A variable unset is
//! one `variableDelete`, which deploys by itself (it has no `skipDeploys`). A sealed variable
//! reads back as `null`: its value is never compared.

use messages::ops as m;

use super::args::Args;
use super::kinds::{render, Kind, RailwayTarget};
use super::outcome::WRITTEN_NOT_DEPLOYED;
use super::outcome::{Failure, Outcome};
use chatops_core::config::Secret;
use chatops_core::Ctx;
use clients::railway::{
    current, pick_rollback, refused_rollback, RailwayClient, RailwayError, ServiceState, LIVE,
    TRANSITIONAL,
};
use clients::railway_vars::{self as vars, Ids, Var};

fn fail(e: RailwayError) -> Failure {
    Failure {
        system: "Railway",
        maybe_applied: matches!(e, RailwayError::Timeout(_) | RailwayError::Transport(_)),
        error: e.to_string(),
    }
}

fn refuse(why: String) -> Failure {
    Failure {
        system: "Railway",
        error: why,
        maybe_applied: false,
    }
}

/// A client for this project and environment (with the target's project token when given).
fn client(ctx: &Ctx, t: &RailwayTarget) -> Result<RailwayClient, Failure> {
    let mut j = clients::julia_config::of(ctx).clone();
    j.railway_project_id = Some(t.project.clone());
    j.railway_environment_id = Some(t.environment.clone());
    j.railway_services = vec![t.service.clone()];
    if let Some(var) = &t.token_env {
        let token = crate::settings::of(ctx)
            .var(var)
            .ok_or_else(|| refuse(format!("`{var}` (the project token) is not set")))?;
        j.railway_token = Some(Secret::new(token));
        j.railway_api_token = None;
    }
    Ok(RailwayClient::new(&j))
}

async fn service(rw: &RailwayClient, t: &RailwayTarget) -> Result<ServiceState, Failure> {
    rw.julia_services()
        .await
        .map_err(fail)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            refuse(format!(
                "service `{}` is not in environment `{}` of project `{}`",
                t.service, t.environment, t.project
            ))
        })
}

fn ids(t: &RailwayTarget, service_id: &str) -> (String, String, String) {
    (
        t.project.clone(),
        t.environment.clone(),
        service_id.to_string(),
    )
}

fn target(kind: &Kind) -> &RailwayTarget {
    match kind {
        Kind::RailwayDeploys(t)
        | Kind::RailwayRestart(t)
        | Kind::RailwayRedeploy(t)
        | Kind::RailwayRollback(t)
        | Kind::RailwayVariableSet { target: t, .. }
        | Kind::RailwayVariableUnset { target: t, .. } => t,
        _ => unreachable!("railway kinds only"),
    }
}

fn shown_var(v: &Var, secret: bool) -> String {
    match (v, secret) {
        (Var::Unset, _) => "(unset)".into(),
        (Var::Sealed, _) => "(sealed)".into(),
        (Var::Set(_), true) => "(set)".into(),
        (Var::Set(v), false) => v.clone(),
    }
}

/// The prompt's line for a variable set: the value now (`now`, as [`preview`] shows it) and
/// the value to be written, e.g. "DELIVERY_DISABLE: `false` → `true`".
pub fn change_line(ctx: &Ctx, kind: &Kind, args: &Args, now: Option<&str>) -> Option<String> {
    let Kind::RailwayVariableSet {
        variable,
        value,
        secret,
        ..
    } = kind
    else {
        return None;
    };
    let secret = *secret || !args.secret.is_empty();
    let new = render(value, &args.context()).ok()?;
    let new = (!secret).then_some(new.as_str());
    Some(m::var_change(
        ctx.locale(),
        variable,
        now.unwrap_or("(unset)"),
        new,
    ))
}

/// A service variable now.
async fn current_value(
    rw: &RailwayClient,
    t: &RailwayTarget,
    service_id: &str,
    variable: &str,
) -> Result<Var, Failure> {
    let (p, e, s) = ids(t, service_id);
    let ids = Ids {
        project: &p,
        environment: &e,
        service: &s,
    };
    vars::get(rw, ids, variable).await.map_err(fail)
}

/// The current value (what the confirmation shows as "before").
pub async fn preview(ctx: &Ctx, kind: &Kind, secret_args: bool) -> Result<Option<String>, Failure> {
    let t = target(kind);
    let rw = client(ctx, t)?;
    let svc = service(&rw, t).await?;
    match kind {
        Kind::RailwayVariableSet {
            variable, secret, ..
        } => {
            let v = current_value(&rw, t, &svc.id, variable).await?;
            Ok(Some(shown_var(&v, *secret || secret_args)))
        }
        Kind::RailwayVariableUnset { variable, .. } => {
            let v = current_value(&rw, t, &svc.id, variable).await?;
            Ok(Some(shown_var(&v, true)))
        }
        _ => Ok(svc.latest.map(|d| format!("{} {}", d.id, d.status))),
    }
}

pub async fn run(ctx: &Ctx, kind: &Kind, args: &Args) -> Result<Outcome, Failure> {
    let t = target(kind);
    let rw = client(ctx, t)?;
    let svc = service(&rw, t).await?;
    match kind {
        Kind::RailwayDeploys(_) => {
            let list = rw.deployments(&svc.id, 10).await.map_err(fail)?;
            let rows: Vec<(String, String, String)> = list
                .iter()
                .map(|d| (d.id.clone(), d.status.clone(), d.created_at.clone()))
                .collect();
            Ok(Outcome::lines(m::deploy_lines(ctx.locale(), &rows)))
        }
        Kind::RailwayRestart(_) => restart(&rw, &svc).await,
        Kind::RailwayRedeploy(_) => redeploy(&rw, &svc).await,
        Kind::RailwayRollback(_) => rollback(&rw, &svc).await,
        Kind::RailwayVariableSet { .. } => variable_set(ctx, &rw, t, &svc, kind, args).await,
        Kind::RailwayVariableUnset { .. } => variable_unset(ctx, &rw, t, &svc, kind).await,
        _ => unreachable!("railway kinds only"),
    }
}

fn latest_line(svc: &ServiceState) -> Option<String> {
    svc.latest
        .as_ref()
        .map(|d| format!("{} {}", d.id, d.status))
}

/// The running deployment: the latest when live, else the live one (a failed build leaves the
/// previous deployment running), as `/julia restart` does.
async fn restart(rw: &RailwayClient, svc: &ServiceState) -> Result<Outcome, Failure> {
    let target = match svc
        .latest
        .as_ref()
        .filter(|d| LIVE.contains(&d.status.as_str()))
    {
        Some(d) => d.clone(),
        None => {
            let list = rw.deployments(&svc.id, 20).await.map_err(fail)?;
            current(&list).cloned().ok_or_else(|| {
                refuse(format!(
                    "`{}` has no running deployment to restart",
                    svc.name
                ))
            })?
        }
    };
    if !rw.restart(&target.id).await.map_err(fail)? {
        return Err(refuse("Railway answered false to the restart".into()));
    }
    Ok(Outcome::changed(
        latest_line(svc),
        Some(format!("{} restarted", target.id)),
    ))
}

/// Only where Railway allows it (`canRedeploy`), as Railway's CLI checks.
async fn redeploy(rw: &RailwayClient, svc: &ServiceState) -> Result<Outcome, Failure> {
    let latest = svc
        .latest
        .clone()
        .filter(|d| d.can_redeploy)
        .ok_or_else(|| {
            refuse(format!(
                "Railway does not allow a redeploy of `{}` now",
                svc.name
            ))
        })?;
    let new = rw.redeploy(&latest.id).await.map_err(fail)?;
    Ok(Outcome::changed(
        latest_line(svc),
        Some(format!("{} {}", new.id, new.status)),
    ))
}

async fn rollback(rw: &RailwayClient, svc: &ServiceState) -> Result<Outcome, Failure> {
    let list = rw.deployments(&svc.id, 20).await.map_err(fail)?;
    let target = pick_rollback(&list, None).cloned().ok_or_else(|| {
        refuse(match refused_rollback(&list) {
            Some(d) => format!("Railway does not allow a rollback to `{}`", d.id),
            None => format!("`{}` has no earlier deployment to roll back to", svc.name),
        })
    })?;
    if !rw.rollback(&target.id).await.map_err(fail)? {
        return Err(refuse("Railway answered false to the rollback".into()));
    }
    Ok(Outcome::changed(
        current(&list).map(|d| d.id.clone()),
        Some(format!("rolled back to {}", target.id)),
    ))
}

async fn variable_set(
    ctx: &Ctx,
    rw: &RailwayClient,
    t: &RailwayTarget,
    svc: &ServiceState,
    kind: &Kind,
    args: &Args,
) -> Result<Outcome, Failure> {
    let Kind::RailwayVariableSet {
        variable,
        value,
        secret,
        redeploy,
        ..
    } = kind
    else {
        unreachable!("variable.set only")
    };
    let secret = *secret || !args.secret.is_empty();
    let value = render(value, &args.context()).map_err(refuse)?;
    let (p, e, s) = ids(t, &svc.id);
    let ids = Ids {
        project: &p,
        environment: &e,
        service: &s,
    };
    let old = vars::get(rw, ids, variable).await.map_err(fail)?;
    // Railway's own deploy is skipped: the deploy below (when asked) applies the value.
    if !vars::upsert(rw, ids, variable, &value, true)
        .await
        .map_err(fail)?
    {
        return Err(refuse("Railway answered false to variableUpsert".into()));
    }
    // A sealed variable can never be read back: nothing to compare.
    match vars::get(rw, ids, variable).await.map_err(fail)? {
        Var::Sealed => {}
        Var::Set(v) if v == value => {}
        _ => return Err(mismatch(ctx)),
    }
    let mut out = if secret {
        Outcome::changed(
            Some(shown_var(&old, true)),
            Some(m::secret_changed(ctx.locale())),
        )
    } else {
        Outcome::changed(Some(shown_var(&old, false)), Some(value.clone()))
    };
    out.lines.push(format!("`{variable}`"));
    if *redeploy {
        deploy(ctx, rw, ids, &mut out).await;
    }
    Ok(out)
}

fn mismatch(ctx: &Ctx) -> Failure {
    Failure {
        system: "Railway",
        error: m::readback_mismatch(ctx.locale()),
        maybe_applied: true,
    }
}

async fn variable_unset(
    ctx: &Ctx,
    rw: &RailwayClient,
    t: &RailwayTarget,
    svc: &ServiceState,
    kind: &Kind,
) -> Result<Outcome, Failure> {
    let Kind::RailwayVariableUnset { variable, .. } = kind else {
        unreachable!("variable.unset only")
    };
    let (p, e, s) = ids(t, &svc.id);
    let ids = Ids {
        project: &p,
        environment: &e,
        service: &s,
    };
    if !vars::get(rw, ids, variable).await.map_err(fail)?.is_set() {
        return Err(Failure {
            system: "",
            error: m::already_unset(ctx.locale(), variable),
            maybe_applied: false,
        });
    }
    if !vars::delete(rw, ids, variable).await.map_err(fail)? {
        return Err(refuse("Railway answered false to variableDelete".into()));
    }
    if vars::get(rw, ids, variable).await.map_err(fail)?.is_set() {
        return Err(mismatch(ctx));
    }
    let mut out = Outcome::changed(Some("(set)".into()), Some("(unset)".into()));
    out.lines.push(format!("`{variable}`"));
    // `variableDelete` deploys by itself (it has no `skipDeploys`): no second deploy here.
    out.lines
        .push(":rocket: variableDelete deploys the service".into());
    Ok(out)
}

/// How long a deploy that applies a variable is followed, and how often.
const DEPLOY_FOLLOW: std::time::Duration = std::time::Duration::from_secs(600);
const DEPLOY_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// A new deployment with the current variables (`serviceInstanceDeployV2`), followed by id
/// until it leaves [`TRANSITIONAL`]. Refused or failed: the variable is written but not
/// deployed, and the outcome says so ([`WRITTEN_NOT_DEPLOYED`]).
async fn deploy(ctx: &Ctx, rw: &RailwayClient, ids: Ids<'_>, out: &mut Outcome) {
    let l = ctx.locale();
    let id = match vars::deploy(rw, ids).await {
        Ok(id) => id,
        Err(e) => {
            out.lines.push(m::written_not_deployed(
                l,
                &format!("serviceInstanceDeployV2: {e}"),
            ));
            out.state = Some(WRITTEN_NOT_DEPLOYED);
            return;
        }
    };
    let until = std::time::Instant::now() + DEPLOY_FOLLOW;
    let status = loop {
        match rw.deployment(&id).await {
            Ok(d) if !TRANSITIONAL.contains(&d.status.as_str()) => break Some(d.status),
            _ if std::time::Instant::now() >= until => break None,
            _ => tokio::time::sleep(DEPLOY_EVERY).await,
        }
    };
    match status {
        Some(s) if LIVE.contains(&s.as_str()) && s != "CRASHED" => {
            out.lines.push(format!(":rocket: deployment {id} {s}"));
        }
        Some(s) => {
            out.lines
                .push(m::written_not_deployed(l, &format!("deployment {id} {s}")));
            out.state = Some(WRITTEN_NOT_DEPLOYED);
        }
        None => out.lines.push(format!(
            ":hourglass_flowing_sand: deployment {id} still in progress: follow it on the dashboard"
        )),
    }
}
