//! Railway service variables (`railway.variable.set|unset` runbook actions): read, upsert,
//! delete, and `serviceInstanceRedeploy`. Every document is in [`OPERATIONS`] (tests validate
//! them against Railway's schema). Values are never logged: errors carry Railway's message only.

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

pub const SERVICE_INSTANCE_REDEPLOY: &str =
    "mutation ServiceInstanceRedeploy($environmentId: String!, $serviceId: String!) {
  serviceInstanceRedeploy(environmentId: $environmentId, serviceId: $serviceId)
}";

pub const OPERATIONS: &[&str] = &[
    VARIABLES,
    VARIABLE_UPSERT,
    VARIABLE_DELETE,
    SERVICE_INSTANCE_REDEPLOY,
];

/// Project, environment and service ids of one Railway service.
#[derive(Debug, Clone, Copy)]
pub struct Ids<'a> {
    pub project: &'a str,
    pub environment: &'a str,
    pub service: &'a str,
}

/// The service's variable `name` as stored (references unresolved), `None` when unset.
pub async fn get(
    rw: &RailwayClient,
    ids: Ids<'_>,
    name: &str,
) -> Result<Option<String>, RailwayError> {
    let d = rw
        .graphql(
            VARIABLES,
            json!({"projectId": ids.project, "environmentId": ids.environment,
                   "serviceId": ids.service, "unrendered": true}),
        )
        .await?;
    Ok(d.get("variables")
        .and_then(|v| v.get(name))
        .and_then(Value::as_str)
        .map(String::from))
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

/// Redeploys the service's current source (new variables take effect).
pub async fn redeploy(rw: &RailwayClient, ids: Ids<'_>) -> Result<bool, RailwayError> {
    let d = rw
        .graphql(
            SERVICE_INSTANCE_REDEPLOY,
            json!({"environmentId": ids.environment, "serviceId": ids.service}),
        )
        .await?;
    Ok(d["serviceInstanceRedeploy"].as_bool().unwrap_or(false))
}
