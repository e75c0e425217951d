//! Railway's public GraphQL API: service statuses, deployments, restart/redeploy/rollback.
//! Every operation the bot sends is a `pub const` in [`OPERATIONS`] (tests validate them
//! against Railway's introspection schema).

use std::time::Duration;

use serde_json::{json, Value};

use crate::julia_config::JuliaConfig;
use chatops_core::config::Secret;

pub const ENVIRONMENT_SERVICES: &str = "query EnvironmentServices($id: String!, $projectId: String) {
  environment(id: $id, projectId: $projectId) {
    id
    name
    serviceInstances(first: 50) {
      edges { node { serviceId serviceName latestDeployment { id status createdAt deploymentStopped canRedeploy canRollback meta } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}";

pub const SERVICE_LATEST: &str =
    "query ServiceLatest($environmentId: String!, $serviceId: String!) {
  serviceInstance(environmentId: $environmentId, serviceId: $serviceId) {
    latestDeployment { id status createdAt }
  }
}";

pub const DEPLOYMENTS: &str = "query Deployments($input: DeploymentListInput!, $first: Int) {
  deployments(input: $input, first: $first) {
    edges { node { id status createdAt canRedeploy canRollback deploymentStopped meta } }
    pageInfo { hasNextPage endCursor }
  }
}";

pub const DEPLOYMENT: &str = "query Deployment($id: String!) {
  deployment(id: $id) { id status deploymentStopped }
}";

pub const DEPLOYMENT_RESTART: &str = "mutation DeploymentRestart($id: String!) {
  deploymentRestart(id: $id)
}";

pub const DEPLOYMENT_REDEPLOY: &str = "mutation DeploymentRedeploy($id: String!) {
  deploymentRedeploy(id: $id) { id status }
}";

pub const DEPLOYMENT_ROLLBACK: &str = "mutation DeploymentRollback($id: String!) {
  deploymentRollback(id: $id)
}";

/// Every operation string the bot may send.
pub const OPERATIONS: &[&str] = &[
    ENVIRONMENT_SERVICES,
    SERVICE_LATEST,
    DEPLOYMENTS,
    DEPLOYMENT,
    DEPLOYMENT_RESTART,
    DEPLOYMENT_REDEPLOY,
    DEPLOYMENT_ROLLBACK,
];

/// Statuses after which a deployment is still moving.
pub const TRANSITIONAL: &[&str] = &[
    "QUEUED",
    "INITIALIZING",
    "BUILDING",
    "DEPLOYING",
    "WAITING",
    "NEEDS_APPROVAL",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RailwayError {
    #[error("Railway is not configured (missing {0})")]
    Unconfigured(String),
    #[error("Railway refused the credentials (Not Authorized)")]
    Auth,
    #[error("Railway does not know the project token")]
    BadProjectToken,
    /// HTTP 429, with `Retry-After` seconds when given.
    #[error("Railway rate limit")]
    RateLimited(Option<u64>),
    #[error("Railway answered with an error: {0}")]
    Operation(String),
    #[error("no answer from Railway in {0} s")]
    Timeout(u64),
    #[error("Railway could not be reached or answered badly: {0}")]
    Transport(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub id: String,
    pub status: String,
    pub created_at: String,
    pub can_rollback: bool,
    pub can_redeploy: bool,
    pub commit: Option<String>,
    pub commit_message: Option<String>,
}

impl Deployment {
    fn from_json(v: &Value) -> Deployment {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let meta = v.get("meta").cloned().unwrap_or(Value::Null);
        let meta = match meta {
            Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::Null),
            m => m,
        };
        Deployment {
            id: s("id"),
            status: s("status"),
            created_at: s("createdAt"),
            can_rollback: v
                .get("canRollback")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            can_redeploy: v
                .get("canRedeploy")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            commit: meta
                .get("commitHash")
                .and_then(Value::as_str)
                .map(|c| c.chars().take(7).collect()),
            commit_message: meta
                .get("commitMessage")
                .and_then(Value::as_str)
                .map(String::from),
        }
    }
    /// Seconds since the epoch of `createdAt` (0 when unreadable).
    pub fn created_secs(&self) -> i64 {
        chrono::DateTime::parse_from_rfc3339(&self.created_at)
            .map(|d| d.timestamp())
            .unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceState {
    pub id: String,
    pub name: String,
    pub latest: Option<Deployment>,
}

#[derive(Clone)]
pub struct RailwayClient {
    http: reqwest::Client,
    url: String,
    auth: Option<(bool, Secret)>,
    project_id: Option<String>,
    environment_id: Option<String>,
    pub services: Vec<String>,
    timeout: Duration,
}

impl RailwayClient {
    pub fn new(cfg: &JuliaConfig) -> Self {
        let timeout = cfg.source_timeout;
        let http = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .expect("http client");
        // Exactly one header. With both tokens set the project token wins, as in Railway's
        // CLI (`RAILWAY_TOKEN` before `RAILWAY_API_TOKEN`); `check-config` says so.
        let auth = match (&cfg.railway_token, &cfg.railway_api_token) {
            (Some(t), _) => Some((false, t.clone())),
            (None, Some(t)) => Some((true, t.clone())),
            _ => None,
        };
        RailwayClient {
            http,
            url: cfg.railway_api_url.clone(),
            auth,
            project_id: cfg.railway_project_id.clone(),
            environment_id: cfg.railway_environment_id.clone(),
            services: cfg.railway_services.clone(),
            timeout,
        }
    }

    /// The token sent is a project token (`Project-Access-Token`), not an account or
    /// workspace token (`Authorization: Bearer`).
    pub fn uses_project_token(&self) -> bool {
        matches!(self.auth, Some((false, _)))
    }

    /// What is missing for Railway to work (empty when configured).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        if self.auth.is_none() {
            m.push("RAILWAY_API_TOKEN or RAILWAY_TOKEN");
        }
        if self.project_id.is_none() {
            m.push("JULIA_RAILWAY_PROJECT_ID");
        }
        if self.environment_id.is_none() {
            m.push("JULIA_RAILWAY_ENVIRONMENT_ID");
        }
        m
    }

    fn ids(&self) -> Result<(&str, &str), RailwayError> {
        let m = self.missing();
        if !m.is_empty() {
            return Err(RailwayError::Unconfigured(m.join(", ")));
        }
        Ok((
            self.project_id.as_deref().unwrap_or(""),
            self.environment_id.as_deref().unwrap_or(""),
        ))
    }

    /// One GraphQL call. Queries are retried once on transient failures; mutations never.
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value, RailwayError> {
        let mutation = query.trim_start().starts_with("mutation");
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = std::time::Instant::now();
            let r = self.graphql_once(query, &variables).await;
            crate::upstream::record("railway", started, r.is_ok());
            match r {
                // A 429 was refused before it ran: safe to wait and retry, a bounded number of times.
                Err(RailwayError::RateLimited(after)) if attempt < 3 && after.unwrap_or(1) <= 5 => {
                    tokio::time::sleep(Duration::from_secs(after.unwrap_or(1))).await;
                }
                Err(RailwayError::Transport(_)) if !mutation && attempt < 2 => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                other => return other,
            }
        }
    }

    async fn graphql_once(&self, query: &str, variables: &Value) -> Result<Value, RailwayError> {
        let (is_bearer, token) = self.auth.clone().ok_or_else(|| {
            RailwayError::Unconfigured("RAILWAY_API_TOKEN or RAILWAY_TOKEN".into())
        })?;
        let mut req = self
            .http
            .post(&self.url)
            .json(&json!({"query": query, "variables": variables}));
        req = if is_bearer {
            req.header("Authorization", format!("Bearer {}", token.expose()))
        } else {
            req.header("Project-Access-Token", token.expose())
        };
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                RailwayError::Timeout(self.timeout.as_secs().max(1))
            } else {
                RailwayError::Transport("network error".into())
            }
        })?;
        let status = resp.status().as_u16();
        if status == 429 {
            let after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok());
            return Err(RailwayError::RateLimited(after));
        }
        let body: Value = match resp.json().await {
            Ok(v) => v,
            Err(e) if e.is_timeout() => {
                return Err(RailwayError::Timeout(self.timeout.as_secs().max(1)))
            }
            Err(_) => return Err(RailwayError::Transport(format!("HTTP {status}, not JSON"))),
        };
        if let Some(errs) = body
            .get("errors")
            .and_then(Value::as_array)
            .filter(|e| !e.is_empty())
        {
            let msgs: Vec<String> = errs
                .iter()
                .map(|e| {
                    e.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown error")
                        .to_string()
                })
                .collect();
            let all = msgs.join("; ");
            let lower = all.to_lowercase();
            if lower.contains("not authorized") {
                return Err(RailwayError::Auth);
            }
            if lower.contains("project token not found") {
                return Err(RailwayError::BadProjectToken);
            }
            return Err(RailwayError::Operation(all));
        }
        match body.get("data") {
            Some(d) if !d.is_null() => Ok(d.clone()),
            _ => Err(RailwayError::Transport(format!(
                "HTTP {status} without data"
            ))),
        }
    }

    /// Every service of the environment with its latest deployment.
    pub async fn services(&self) -> Result<Vec<ServiceState>, RailwayError> {
        let (project, env) = self.ids()?;
        let d = self
            .graphql(
                ENVIRONMENT_SERVICES,
                json!({"id": env, "projectId": project}),
            )
            .await?;
        let edges = d
            .pointer("/environment/serviceInstances/edges")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(edges
            .iter()
            .map(|e| {
                let n = &e["node"];
                ServiceState {
                    id: n["serviceId"].as_str().unwrap_or("").to_string(),
                    name: n["serviceName"].as_str().unwrap_or("").to_string(),
                    latest: n
                        .get("latestDeployment")
                        .filter(|d| !d.is_null())
                        .map(Deployment::from_json),
                }
            })
            .collect())
    }

    /// The configured services found in the environment, in configuration order.
    pub async fn julia_services(&self) -> Result<Vec<ServiceState>, RailwayError> {
        let all = self.services().await?;
        Ok(self
            .services
            .iter()
            .filter_map(|name| {
                all.iter()
                    .find(|s| &s.name == name || &s.id == name)
                    .cloned()
            })
            .collect())
    }

    /// The last deployments of a service, newest first.
    pub async fn deployments(
        &self,
        service_id: &str,
        first: i64,
    ) -> Result<Vec<Deployment>, RailwayError> {
        let (project, env) = self.ids()?;
        let d = self
            .graphql(
                DEPLOYMENTS,
                json!({"input": {"projectId": project, "environmentId": env, "serviceId": service_id}, "first": first}),
            )
            .await?;
        let edges = d
            .pointer("/deployments/edges")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut v: Vec<Deployment> = edges
            .iter()
            .map(|e| Deployment::from_json(&e["node"]))
            .collect();
        v.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        Ok(v)
    }

    pub async fn latest(&self, service_id: &str) -> Result<Option<Deployment>, RailwayError> {
        let (_, env) = self.ids()?;
        let d = self
            .graphql(
                SERVICE_LATEST,
                json!({"environmentId": env, "serviceId": service_id}),
            )
            .await?;
        Ok(d.pointer("/serviceInstance/latestDeployment")
            .filter(|d| !d.is_null())
            .map(Deployment::from_json))
    }

    pub async fn deployment(&self, id: &str) -> Result<Deployment, RailwayError> {
        let d = self.graphql(DEPLOYMENT, json!({"id": id})).await?;
        Ok(Deployment::from_json(&d["deployment"]))
    }

    pub async fn restart(&self, deployment_id: &str) -> Result<bool, RailwayError> {
        let d = self
            .graphql(DEPLOYMENT_RESTART, json!({"id": deployment_id}))
            .await?;
        Ok(d["deploymentRestart"].as_bool().unwrap_or(false))
    }

    /// Returns the new deployment.
    pub async fn redeploy(&self, deployment_id: &str) -> Result<Deployment, RailwayError> {
        let d = self
            .graphql(DEPLOYMENT_REDEPLOY, json!({"id": deployment_id}))
            .await?;
        Ok(Deployment::from_json(&d["deploymentRedeploy"]))
    }

    pub async fn rollback(&self, deployment_id: &str) -> Result<bool, RailwayError> {
        let d = self
            .graphql(DEPLOYMENT_ROLLBACK, json!({"id": deployment_id}))
            .await?;
        Ok(d["deploymentRollback"].as_bool().unwrap_or(false))
    }
}

/// Statuses of a deployment that is (or was last) the live one: Railway keeps exactly one
/// deployment of a service live; the ones it replaced become `REMOVED`.
pub const LIVE: &[&str] = &["SUCCESS", "SLEEPING", "CRASHED"];

/// Statuses a rollback may return to: the live one's predecessors are `REMOVED` once a newer
/// deployment went live (and can still be rolled back to); `SUCCESS` covers a list read while
/// Railway was still switching over.
pub const ROLLBACK_TARGETS: &[&str] = &["REMOVED", "SUCCESS"];

/// The deployment that is live now: the newest `SUCCESS`, `SLEEPING` or `CRASHED` one. A newer
/// failed or still-building deployment is not it (the service keeps running the live one).
pub fn current(deployments: &[Deployment]) -> Option<&Deployment> {
    deployments
        .iter()
        .filter(|d| LIVE.contains(&d.status.as_str()))
        .max_by(|a, b| a.created_at.cmp(&b.created_at))
}

/// The rollback target: the given id, or the newest deployment older than the live one that
/// Railway says can be rolled back to (`canRollback`, `REMOVED` or `SUCCESS`).
pub fn pick_rollback<'a>(
    deployments: &'a [Deployment],
    wanted: Option<&str>,
) -> Option<&'a Deployment> {
    if let Some(id) = wanted {
        return deployments.iter().find(|d| d.id == id);
    }
    older_than_live(deployments)
        .filter(|d| d.can_rollback)
        .max_by(|a, b| a.created_at.cmp(&b.created_at))
}

/// The newest deployment a rollback would return to if Railway allowed it (any `canRollback`):
/// to say which one Railway refuses when [`pick_rollback`] finds none.
pub fn refused_rollback(deployments: &[Deployment]) -> Option<&Deployment> {
    older_than_live(deployments).max_by(|a, b| a.created_at.cmp(&b.created_at))
}

/// `REMOVED` / `SUCCESS` deployments older than the live one.
fn older_than_live(deployments: &[Deployment]) -> impl Iterator<Item = &Deployment> {
    let live = current(deployments);
    deployments.iter().filter(move |d| {
        live.is_some_and(|live| {
            d.id != live.id
                && d.created_at < live.created_at
                && ROLLBACK_TARGETS.contains(&d.status.as_str())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: &str, status: &str, at: &str) -> Deployment {
        Deployment {
            id: id.into(),
            status: status.into(),
            created_at: at.into(),
            can_rollback: true,
            can_redeploy: true,
            commit: None,
            commit_message: None,
        }
    }

    #[test]
    fn rollback_picks_newest_older_success() {
        let v = vec![
            d("d1", "SUCCESS", "2026-01-01T00:00:00Z"),
            d("d4", "SUCCESS", "2026-01-04T00:00:00Z"),
            d("d3", "FAILED", "2026-01-03T00:00:00Z"),
            d("d2", "SUCCESS", "2026-01-02T00:00:00Z"),
        ];
        assert_eq!(pick_rollback(&v, None).unwrap().id, "d2");
        assert_eq!(pick_rollback(&v, Some("d1")).unwrap().id, "d1");
        assert!(pick_rollback(&v, Some("zz")).is_none());
        assert!(pick_rollback(&v[..1], None).is_none());
    }

    /// What Railway really shows: one live deployment, the ones it replaced `REMOVED`.
    #[test]
    fn rollback_goes_to_the_newest_removed_one_before_the_live_one() {
        let mut v = vec![
            d("d1", "REMOVED", "2026-01-01T00:00:00Z"),
            d("d2", "REMOVED", "2026-01-02T00:00:00Z"),
            d("d3", "SUCCESS", "2026-01-03T00:00:00Z"),
            // Newer than the live one but never went live: not "current".
            d("d4", "FAILED", "2026-01-04T00:00:00Z"),
            d("d5", "BUILDING", "2026-01-05T00:00:00Z"),
        ];
        assert_eq!(current(&v).unwrap().id, "d3");
        assert_eq!(pick_rollback(&v, None).unwrap().id, "d2");
        // Only where Railway allows it.
        v[1].can_rollback = false;
        assert_eq!(pick_rollback(&v, None).unwrap().id, "d1");
        v[0].can_rollback = false;
        assert!(pick_rollback(&v, None).is_none());
        assert_eq!(refused_rollback(&v).unwrap().id, "d2");
        // A crashed or sleeping live deployment is still the current one.
        let v = vec![
            d("d1", "REMOVED", "2026-01-01T00:00:00Z"),
            d("d2", "CRASHED", "2026-01-02T00:00:00Z"),
        ];
        assert_eq!(current(&v).unwrap().id, "d2");
        assert_eq!(pick_rollback(&v, None).unwrap().id, "d1");
        let v = vec![
            d("d1", "REMOVED", "2026-01-01T00:00:00Z"),
            d("d2", "SLEEPING", "2026-01-02T00:00:00Z"),
        ];
        assert_eq!(pick_rollback(&v, None).unwrap().id, "d1");
        // Nothing live: no current, no target.
        let v = vec![d("d1", "REMOVED", "2026-01-01T00:00:00Z")];
        assert!(pick_rollback(&v, None).is_none());
    }
}
