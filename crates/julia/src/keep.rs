//! A rollback that keeps the kill switches. A rollback restores the target deployment's
//! variables too (Railway docs `deployments/deployment-actions.md`: "Both the Docker image and
//! custom variables are restored"), so a switch set since (say `DELIVERY_DISABLE=true`) would
//! silently go back. Where the runbook catalog marks a variable of the service as a kill switch
//! (a `railway.variable.set` action writing a fixed, non-secret value, such as a
//! `kill-switch` action), the rollback's confirmation offers a second button that keeps its
//! current value: after `deploymentRollback`, the value now is written back with
//! `variableUpsert`, the last write without `skipDeploys`, so Railway makes a new deployment
//! of the rolled-back service with it (a redeploy would reuse the rolled-back variables,
//! `serviceInstanceRedeploy` "with the deployment's original variables"). The follow-up then
//! follows the service's latest deployment to its end, as for every rollback.

use clients::railway::{Deployment, RailwayError, ServiceState};
use clients::railway_vars::{self, Ids};

use chatops_core::Ctx;

/// One variable the catalog sets to a fixed value on one Railway service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    pub project: String,
    pub environment: String,
    /// The service's name or id, as the catalog names it.
    pub service: String,
    pub variable: String,
}

/// Every kill switch the composition root found in the runbook catalog (empty without one).
#[derive(Debug, Clone, Default)]
pub struct KillSwitches(pub Vec<Switch>);

/// The kill-switch variable names of `svc` (in Julia's project and environment).
pub fn of_service(ctx: &Ctx, svc: &ServiceState) -> Vec<String> {
    let j = clients::julia_config::of(ctx);
    let same = |a: &str, b: &Option<String>| b.as_deref().is_none_or(|b| a == b);
    let Some(all) = ctx.ext.get::<KillSwitches>() else {
        return Vec::new();
    };
    all.0
        .iter()
        .filter(|s| s.service == svc.name || s.service == svc.id)
        .filter(|s| {
            same(&s.project, &j.railway_project_id)
                && same(&s.environment, &j.railway_environment_id)
        })
        .map(|s| s.variable.clone())
        .collect()
}

/// What the rollback's confirmation says about variables, and the kill switches it would
/// change, each with its value now (the offer to keep them; empty: no offer).
pub async fn variables(
    ctx: &Ctx,
    svc: &ServiceState,
    t: &Deployment,
) -> (String, Vec<(String, String)>) {
    let l = ctx.locale();
    let rw = &clients::julia(ctx).railway;
    let Some(now) = svc.latest.as_ref() else {
        return (
            messages::julia::deploys::rollback_restores_variables(l, None),
            Vec::new(),
        );
    };
    let (a, b) = futures::join!(
        railway_vars::of_deployment(rw, &now.id),
        railway_vars::of_deployment(rw, &t.id)
    );
    let (Ok(a), Ok(b)) = (a, b) else {
        return (
            messages::julia::deploys::rollback_restores_variables(l, None),
            Vec::new(),
        );
    };
    let differ = railway_vars::differing(&a, &b);
    let keep = railway_vars::keepable(&a, &b, &of_service(ctx, svc));
    let then: Vec<Option<String>> = keep
        .iter()
        .map(|(n, _)| b.get(n).and_then(|v| v.as_str()).map(String::from))
        .collect();
    let mut text = messages::julia::deploys::rollback_restores_variables(l, Some(&differ));
    for ((name, value), then) in keep.iter().zip(&then) {
        text.push_str(&messages::julia::deploys::switch_goes_back(
            l,
            name,
            value,
            then.as_deref(),
        ));
    }
    (text, keep)
}

/// After the rollback: writes each kept switch back, the last write deploying. On a refusal,
/// the names not kept and Railway's error.
pub async fn apply(
    ctx: &Ctx,
    svc: &ServiceState,
    keep: &[(String, String)],
) -> Result<(), (Vec<String>, RailwayError)> {
    let j = clients::julia_config::of(ctx);
    let ids = Ids {
        project: j.railway_project_id.as_deref().unwrap_or_default(),
        environment: j.railway_environment_id.as_deref().unwrap_or_default(),
        service: &svc.id,
    };
    let rw = &clients::julia(ctx).railway;
    for (i, (name, value)) in keep.iter().enumerate() {
        let last = i + 1 == keep.len();
        let left = || keep[i..].iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        match railway_vars::upsert(rw, ids, name, value, !last).await {
            Ok(true) => {}
            Ok(false) => {
                let e = RailwayError::Operation("variableUpsert returned false".into());
                return Err((left(), e));
            }
            Err(e) => return Err((left(), e)),
        }
    }
    Ok(())
}
