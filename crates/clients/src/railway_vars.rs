//! Railway service variables (`railway.variable.set|unset` runbook actions): read, upsert,
//! delete, and `serviceInstanceDeployV2` (the deploy that applies a change). Every document is
//! in [`OPERATIONS`] (tests validate them against Railway's schema). Values are never logged:
//! errors carry Railway's message only.
//!
//! How a change reaches the running service (Railway docs `deployments/deployment-actions.md`,
//! `pricing/plans.md`; CLI `railwayapp/cli` `src/commands/functions/push.rs`): only a **new**
//! deployment made after it. `serviceInstanceRedeploy` redeploys the latest deployment "with
//! the deployment's original variables", so it is never used here. `variableDelete` has no
//! `skipDeploys` and deploys by itself (the schema's `VariableDeleteInput`).

use serde_json::{json, Value};

use super::railway::{RailwayClient, RailwayError};

pub const VARIABLES: &str = "query Variables($projectId: String!, $environmentId: String!, $serviceId: String, $unrendered: Boolean) {
  variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, unrendered: $unrendered)
}";

pub const VARIABLE_UPSERT: &str = "mutation VariableUpsert($input: VariableUpsertInput!) {
  variableUpsert(input: $input)
}";

pub const VARIABLE_DELETE: &str = "mutation VariableDelete($input: VariableDeleteInput!) {
  variableDelete(input: $input)
}";

/// A new deployment of the service with its current variables; returns the deployment's id.
pub const SERVICE_INSTANCE_DEPLOY_V2: &str =
    "mutation ServiceInstanceDeployV2($environmentId: String!, $serviceId: String!) {
  serviceInstanceDeployV2(environmentId: $environmentId, serviceId: $serviceId)
}";

/// The variables a deployment runs with (a rollback restores them: Railway docs
/// `deployments/deployment-actions.md`, "Both the Docker image and custom variables are
/// restored").
pub const DEPLOYMENT_SNAPSHOT: &str = "query DeploymentSnapshot($deploymentId: String!) {
  deploymentSnapshot(deploymentId: $deploymentId) { variables }
}";

pub const OPERATIONS: &[&str] = &[
    VARIABLES,
    VARIABLE_UPSERT,
    VARIABLE_DELETE,
    SERVICE_INSTANCE_DEPLOY_V2,
    DEPLOYMENT_SNAPSHOT,
];

/// A service variable as `variables` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Var {
    Unset,
    /// Sealed (`Variable.isSealed`): set, but its value can never be read back through the
    /// API; it comes back as `null` (Railway's CLI, `src/controllers/variables.rs`:
    /// "A sealed variable comes back with a `None` value").
    Sealed,
    Set(String),
}

impl Var {
    pub fn is_set(&self) -> bool {
        !matches!(self, Var::Unset)
    }
    /// The readable value (`None`: unset or sealed).
    pub fn value(&self) -> Option<&str> {
        match self {
            Var::Set(v) => Some(v),
            _ => None,
        }
    }
}

/// Project, environment and service ids of one Railway service.
#[derive(Debug, Clone, Copy)]
pub struct Ids<'a> {
    pub project: &'a str,
    pub environment: &'a str,
    pub service: &'a str,
}

/// The service's variable `name` as stored (references unresolved).
pub async fn get(rw: &RailwayClient, ids: Ids<'_>, name: &str) -> Result<Var, RailwayError> {
    let d = rw
        .graphql(
            VARIABLES,
            json!({"projectId": ids.project, "environmentId": ids.environment,
                   "serviceId": ids.service, "unrendered": true}),
        )
        .await?;
    Ok(match d.get("variables").and_then(|v| v.get(name)) {
        None => Var::Unset,
        Some(Value::String(v)) => Var::Set(v.clone()),
        Some(_) => Var::Sealed,
    })
}

/// Sets the variable. With `skip_deploys` Railway does not redeploy by itself.
pub async fn upsert(
    rw: &RailwayClient,
    ids: Ids<'_>,
    name: &str,
    value: &str,
    skip_deploys: bool,
) -> Result<bool, RailwayError> {
    let d = rw
        .graphql(
            VARIABLE_UPSERT,
            json!({"input": {"projectId": ids.project, "environmentId": ids.environment,
                   "serviceId": ids.service, "name": name, "value": value,
                   "skipDeploys": skip_deploys}}),
        )
        .await?;
    Ok(d["variableUpsert"].as_bool().unwrap_or(false))
}

pub async fn delete(rw: &RailwayClient, ids: Ids<'_>, name: &str) -> Result<bool, RailwayError> {
    let d = rw
        .graphql(
            VARIABLE_DELETE,
            json!({"input": {"projectId": ids.project, "environmentId": ids.environment,
                   "serviceId": ids.service, "name": name}}),
        )
        .await?;
    Ok(d["variableDelete"].as_bool().unwrap_or(false))
}

/// Deploys the service anew with its current variables; the new deployment's id.
pub async fn deploy(rw: &RailwayClient, ids: Ids<'_>) -> Result<String, RailwayError> {
    let d = rw
        .graphql(
            SERVICE_INSTANCE_DEPLOY_V2,
            json!({"environmentId": ids.environment, "serviceId": ids.service}),
        )
        .await?;
    d["serviceInstanceDeployV2"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(String::from)
        .ok_or_else(|| {
            RailwayError::Operation("serviceInstanceDeployV2 returned no deployment id".into())
        })
}

/// The names of the variables deployment `id` runs with, each with its value (`Value::Null`
/// when sealed). Values are for comparing only: never shown.
pub async fn of_deployment(
    rw: &RailwayClient,
    id: &str,
) -> Result<serde_json::Map<String, Value>, RailwayError> {
    let d = rw
        .graphql(DEPLOYMENT_SNAPSHOT, json!({"deploymentId": id}))
        .await?;
    Ok(d.pointer("/deploymentSnapshot/variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default())
}

/// The names whose value differs between two deployments' variables (set in one only, or set
/// differently), sorted. A sealed value (`null`) on both sides cannot be compared: not listed.
pub fn differing(
    a: &serde_json::Map<String, Value>,
    b: &serde_json::Map<String, Value>,
) -> Vec<String> {
    let mut names: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| match (a.get(*k), b.get(*k)) {
            (Some(Value::Null), Some(Value::Null)) => false,
            (x, y) => x != y,
        })
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Of `switches` (kill-switch variable names), those a rollback from `now` to `target` would
/// change, each with its value now: what keeping them writes back. Only a readable value now
/// can be kept (a sealed one reads `null`; an unset one would need a delete).
pub fn keepable(
    now: &serde_json::Map<String, Value>,
    target: &serde_json::Map<String, Value>,
    switches: &[String],
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = switches
        .iter()
        .filter_map(|name| match now.get(name) {
            Some(Value::String(v)) if target.get(name) != now.get(name) => {
                Some((name.clone(), v.clone()))
            }
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepable_lists_the_switches_a_rollback_changes_with_their_value_now() {
        let m = |v: Value| v.as_object().cloned().unwrap();
        let now =
            m(json!({"DELIVERY_DISABLE": "true", "PAUSE": "1", "SEALED": null, "RUN_MODE": "api"}));
        let target = m(json!({"PAUSE": "1", "SEALED": null, "RUN_MODE": "worker"}));
        let sw: Vec<String> = ["DELIVERY_DISABLE", "PAUSE", "SEALED", "GONE"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            keepable(&now, &target, &sw),
            vec![("DELIVERY_DISABLE".to_string(), "true".to_string())]
        );
    }
}
