//! A fake Railway GraphQL endpoint on loopback: records every operation (query, variables,
//! auth headers) and answers from a small model of services and deployments.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub struct GqlRequest {
    pub query: String,
    pub variables: Value,
    pub bearer: Option<String>,
    pub project_token: Option<String>,
}

#[derive(Default)]
pub struct RailwayState {
    /// (service id, name)
    pub services: Vec<(String, String)>,
    /// service id -> deployment nodes (any order)
    pub deployments: Vec<(String, Value)>,
    pub delay: Duration,
    pub errors: Option<String>,
    /// The next this many requests get HTTP 429 with `Retry-After: 1`.
    pub rate_limited: u32,
    pub requests: Vec<GqlRequest>,
    /// The project the fake holds (id, name) and its environments (id, name).
    pub project: (String, String),
    pub environments: Vec<(String, String)>,
    /// When set, the only tokens Railway knows: (account/workspace token sent as
    /// `Authorization: Bearer`, project token sent as `Project-Access-Token`, bound to the
    /// project and its first environment). Unset: any token is accepted.
    pub tokens: Option<(String, String)>,
    /// Service id -> variables (`variables`, `variableUpsert`, `variableDelete`).
    pub variables: std::collections::HashMap<String, std::collections::BTreeMap<String, String>>,
    /// Service ids redeployed by `serviceInstanceRedeploy`, in order.
    pub service_redeploys: Vec<String>,
    /// Deployment id -> the variables it runs with (none recorded: none). As on Railway, a
    /// deployment keeps the variables it was made with: `serviceInstanceRedeploy`,
    /// `deploymentRedeploy` and `deploymentRollback` copy those of the deployment they copy
    /// (docs `pricing/plans.md`: "with the deployment's original variables";
    /// `deployments/deployment-actions.md`: on a rollback "Both the Docker image and custom
    /// variables are restored": the service's variables become the target's too, so a later
    /// deploy does not bring back a value set since); `serviceInstanceDeployV2`,
    /// `variableUpsert` without `skipDeploys` and `variableDelete` deploy the service's current
    /// variables, the last two with the code (`meta.commitHash`) of the latest deployment.
    pub deployment_variables:
        std::collections::HashMap<String, std::collections::BTreeMap<String, String>>,
    /// (service id, name) of sealed variables: `variables` shows them as `null` (Railway's CLI
    /// `src/controllers/variables.rs`: "A sealed variable comes back with a `None` value").
    pub sealed: Vec<(String, String)>,
    /// When set, `serviceInstanceDeployV2` is refused with this message.
    pub refuse_deploys: Option<String>,
    /// Deployments the fake made (for unique ids and increasing `createdAt`).
    pub made: u32,
    /// Every operation is validated against Railway's schema; these are the refused ones.
    pub invalid: Vec<(String, Vec<String>)>,
}

#[derive(Clone)]
pub struct FakeRailway {
    pub state: Arc<Mutex<RailwayState>>,
    pub url: String,
}

pub fn deployment(
    id: &str,
    status: &str,
    created: &str,
    can_rollback: bool,
    commit: &str,
) -> Value {
    json!({"id": id, "status": status, "createdAt": created, "canRedeploy": true, "canRollback": can_rollback,
           "deploymentStopped": false, "meta": {"commitHash": commit, "commitMessage": "msg"}})
}

impl FakeRailway {
    pub async fn start() -> FakeRailway {
        let services = vec![
            ("s-api".to_string(), "julia-api".to_string()),
            ("s-worker".to_string(), "julia-worker".to_string()),
            ("s-sched".to_string(), "julia-scheduler".to_string()),
        ];
        let mut deployments = Vec::new();
        for (sid, _) in &services {
            // Server order deliberately not sorted. As on Railway, only the live deployment is
            // `SUCCESS`: the ones it replaced are `REMOVED`; d3 is a build that failed.
            deployments.push((
                sid.clone(),
                deployment(
                    &format!("{sid}-d2"),
                    "REMOVED",
                    "2026-01-02T00:00:00Z",
                    true,
                    "bbbbbbb2",
                ),
            ));
            deployments.push((
                sid.clone(),
                deployment(
                    &format!("{sid}-d4"),
                    "SUCCESS",
                    "2026-01-04T00:00:00Z",
                    true,
                    "ddddddd4",
                ),
            ));
            deployments.push((
                sid.clone(),
                deployment(
                    &format!("{sid}-d1"),
                    "REMOVED",
                    "2026-01-01T00:00:00Z",
                    true,
                    "aaaaaaa1",
                ),
            ));
            deployments.push((
                sid.clone(),
                deployment(
                    &format!("{sid}-d3"),
                    "FAILED",
                    "2026-01-03T00:00:00Z",
                    true,
                    "ccccccc3",
                ),
            ));
        }
        let state = Arc::new(Mutex::new(RailwayState {
            services,
            deployments,
            delay: Duration::ZERO,
            errors: None,
            rate_limited: 0,
            requests: vec![],
            project: ("p1".into(), "remarkable-communication".into()),
            environments: vec![
                ("e1".into(), "production".into()),
                ("e2".into(), "staging".into()),
            ],
            ..RailwayState::default()
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/graphql/v2", post(graphql))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeRailway {
            state,
            url: format!("http://{addr}/graphql/v2"),
        }
    }
    /// Adds a service with the same four deployments as the others (d4 live).
    pub fn add_service(&self, id: &str, name: &str) {
        let mut g = self.state.lock().unwrap();
        g.services.push((id.into(), name.into()));
        for (n, status, day, commit) in [
            ("d1", "REMOVED", "01", "aaaaaaa1"),
            ("d2", "REMOVED", "02", "bbbbbbb2"),
            ("d3", "FAILED", "03", "ccccccc3"),
            ("d4", "SUCCESS", "04", "ddddddd4"),
        ] {
            let d = deployment(
                &format!("{id}-{n}"),
                status,
                &format!("2026-01-{day}T00:00:00Z"),
                true,
                commit,
            );
            g.deployments.push((id.into(), d));
        }
    }
    /// A service variable as the fake holds it.
    pub fn variable(&self, service: &str, name: &str) -> Option<String> {
        let g = self.state.lock().unwrap();
        g.variables.get(service).and_then(|v| v.get(name)).cloned()
    }
    /// The variable as the service's running deployment (the live one) has it: what the
    /// service actually sees.
    pub fn running_variable(&self, service: &str, name: &str) -> Option<String> {
        let g = self.state.lock().unwrap();
        let live = g
            .deployments
            .iter()
            .filter(|(s, d)| s == service && d["status"] == "SUCCESS")
            .map(|(_, d)| d.clone())
            .max_by(|a, b| a["createdAt"].as_str().cmp(&b["createdAt"].as_str()))?;
        let id = live["id"].as_str()?;
        g.deployment_variables.get(id)?.get(name).cloned()
    }
    /// A sealed service variable: set, its value never readable through the API.
    pub fn seal(&self, service: &str, name: &str, value: &str) {
        let mut g = self.state.lock().unwrap();
        g.variables
            .entry(service.into())
            .or_default()
            .insert(name.into(), value.into());
        g.sealed.push((service.into(), name.into()));
    }
    pub fn requests(&self) -> Vec<GqlRequest> {
        self.state.lock().unwrap().requests.clone()
    }
    pub fn set_delay(&self, d: Duration) {
        self.state.lock().unwrap().delay = d;
    }
    pub fn fail_with(&self, msg: Option<&str>) {
        self.state.lock().unwrap().errors = msg.map(String::from);
    }
    /// The newest deployment of a service.
    fn latest(st: &RailwayState, sid: &str) -> Value {
        st.deployments
            .iter()
            .filter(|(s, _)| s == sid)
            .map(|(_, d)| d.clone())
            .max_by(|a, b| a["createdAt"].as_str().cmp(&b["createdAt"].as_str()))
            .unwrap_or(Value::Null)
    }
}

type St = Arc<Mutex<RailwayState>>;

/// Statuses of the deployment that runs a service.
pub const LIVE: &[&str] = &["SUCCESS", "SLEEPING", "CRASHED"];

/// A new deployment of `sid` that goes live with `vars` (see
/// [`RailwayState::deployment_variables`]); its id.
fn deploy_with(
    g: &mut RailwayState,
    sid: &str,
    prefix: &str,
    vars: std::collections::BTreeMap<String, String>,
) -> String {
    g.made += 1;
    let n = g.made;
    let id = format!("{sid}-{prefix}{n}");
    let d = deployment(
        &id,
        "SUCCESS",
        &format!("2026-01-08T00:{:02}:{:02}Z", n / 60, n % 60),
        true,
        prefix,
    );
    go_live(&mut g.deployments, sid, d);
    g.deployment_variables.insert(id.clone(), vars);
    id
}

/// The deploy a variable change makes: the current variables, the latest deployment's code.
fn deploy_change(g: &mut RailwayState, sid: &str, prefix: &str) {
    let current = g.variables.get(sid).cloned().unwrap_or_default();
    let code = FakeRailway::latest(g, sid)["meta"]["commitHash"].clone();
    let id = deploy_with(g, sid, prefix, current);
    let new = g
        .deployments
        .iter_mut()
        .rev()
        .find(|(_, d)| d["id"] == id.as_str());
    new.expect("just made").1["meta"]["commitHash"] = code;
}

/// The variables deployment `id` runs with.
fn variables_of(g: &RailwayState, id: &str) -> std::collections::BTreeMap<String, String> {
    g.deployment_variables.get(id).cloned().unwrap_or_default()
}

/// A new deployment of `sid` goes live: like Railway, the one it replaces becomes `REMOVED`
/// (and can still be rolled back to).
fn go_live(deployments: &mut Vec<(String, Value)>, sid: &str, new: Value) {
    for (s, d) in deployments.iter_mut() {
        if s == sid && LIVE.contains(&d["status"].as_str().unwrap_or("")) {
            d["status"] = "REMOVED".into();
        }
    }
    deployments.push((sid.to_string(), new));
}

#[allow(clippy::too_many_lines)] // over 80 lines: test-like table: the fake's one arm per GraphQL operation
async fn graphql(State(s): State<St>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let query = body["query"].as_str().unwrap_or("").to_string();
    let vars = body["variables"].clone();
    let delay = {
        let mut g = s.lock().unwrap();
        g.requests.push(GqlRequest {
            query: query.clone(),
            variables: vars.clone(),
            bearer: headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(String::from),
            project_token: headers
                .get("project-access-token")
                .and_then(|v| v.to_str().ok())
                .map(String::from),
        });
        g.delay
    };
    tokio::time::sleep(delay).await;
    // Railway refuses a document its schema does not allow (as a GraphQL error).
    let problems = schema().validate(&query);
    let mut g = s.lock().unwrap();
    let g = &mut *g;
    if !problems.is_empty() {
        g.invalid.push((query.clone(), problems.clone()));
        return Json(json!({"data": null, "errors": problems.iter().map(|p| json!({"message": p})).collect::<Vec<_>>()}))
            .into_response();
    }
    if g.rate_limited > 0 {
        g.rate_limited -= 1;
        let mut r = (axum::http::StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
        r.headers_mut().insert("retry-after", "1".parse().unwrap());
        return r;
    }
    if let Some(e) = &g.errors {
        return Json(json!({"data": null, "errors": [{"message": e}]})).into_response();
    }
    let err = |m: &str| Json(json!({"data": null, "errors": [{"message": m}]})).into_response();
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let project_token = headers
        .get("project-access-token")
        .and_then(|v| v.to_str().ok());
    if let Some((account, project)) = &g.tokens {
        match (bearer, project_token) {
            (Some(b), None) if b == account => {}
            (None, Some(p)) if p == project => {}
            (None, Some(_)) => return err("Project Token not found"),
            _ => return err("Not Authorized"),
        }
    }
    if query.contains("projectToken") {
        // Only a project token has a project token's ids.
        if project_token.is_none() {
            return err("Not Authorized");
        }
        let env = g
            .environments
            .first()
            .map(|e| e.0.clone())
            .unwrap_or_default();
        return Json(
            json!({"data": {"projectToken": {"projectId": g.project.0, "environmentId": env}}}),
        )
        .into_response();
    }
    if query.contains("project(") {
        if vars["id"] != g.project.0.as_str() {
            return err(if project_token.is_some() {
                "Not Authorized"
            } else {
                "Project not found"
            });
        }
        let envs: Vec<Value> = g
            .environments
            .iter()
            .map(|(id, name)| json!({"node": {"id": id, "name": name}}))
            .collect();
        let services: Vec<Value> = g
            .services
            .iter()
            .map(|(id, name)| json!({"node": {"id": id, "name": name}}))
            .collect();
        return Json(
            json!({"data": {"project": {"id": g.project.0, "name": g.project.1,
            "environments": {"edges": envs}, "services": {"edges": services}}}}),
        )
        .into_response();
    }
    if query.contains("environment(")
        && !g.environments.iter().any(|(e, _)| vars["id"] == e.as_str())
    {
        return err("Environment not found");
    }
    if let Some(r) = variables_op(g, &query, &vars) {
        return r;
    }
    let id = vars["id"].as_str().unwrap_or("").to_string();
    let data = if query.contains("deploymentRollback(") {
        // A rollback creates a new deployment copying the target.
        let sid = g
            .deployments
            .iter()
            .find(|(_, d)| d["id"] == id.as_str())
            .map(|(s, _)| s.clone())
            .unwrap_or_default();
        let target = g.deployments.iter().find(|(_, d)| d["id"] == id.as_str());
        if !target.is_some_and(|(_, d)| d["canRollback"] == true) {
            return Json(
                json!({"data": null, "errors": [{"message": "Deployment cannot be rolled back"}]}),
            )
            .into_response();
        }
        // The target's code (its image) and its variables.
        let code = target.and_then(|(_, d)| d["meta"]["commitHash"].as_str());
        let (rb, at) = (format!("{sid}-rb"), "2026-01-05T00:00:00Z");
        let d = deployment(&rb, "SUCCESS", at, true, code.unwrap_or_default());
        go_live(&mut g.deployments, &sid, d);
        if let Some(restored) = g.deployment_variables.get(&id).cloned() {
            g.variables.insert(sid.clone(), restored.clone());
            g.deployment_variables.insert(format!("{sid}-rb"), restored);
        }
        json!({"deploymentRollback": true})
    } else if query.contains("deploymentRestart(") {
        // Only a running deployment can be restarted.
        let running = g
            .deployments
            .iter()
            .find(|(_, d)| d["id"] == id.as_str())
            .is_some_and(|(_, d)| LIVE.contains(&d["status"].as_str().unwrap_or("")));
        if !running {
            return Json(
                json!({"data": null, "errors": [{"message": "Deployment is not running"}]}),
            )
            .into_response();
        }
        json!({"deploymentRestart": true})
    } else if query.contains("deploymentRedeploy(") {
        let target = g.deployments.iter().find(|(_, d)| d["id"] == id.as_str());
        if !target.is_some_and(|(_, d)| d["canRedeploy"] == true) {
            return Json(
                json!({"data": null, "errors": [{"message": "Deployment cannot be redeployed"}]}),
            )
            .into_response();
        }
        let sid = target.map(|(s, _)| s.clone()).unwrap_or_default();
        let d = deployment(
            &format!("{sid}-new"),
            "SUCCESS",
            "2026-01-06T00:00:00Z",
            true,
            "redeploy",
        );
        go_live(&mut g.deployments, &sid, d);
        let copied = variables_of(g, &id);
        g.deployment_variables.insert(format!("{sid}-new"), copied);
        json!({"deploymentRedeploy": {"id": format!("{sid}-new"), "status": "INITIALIZING"}})
    } else if query.contains("environment(") {
        let edges: Vec<Value> = g
            .services
            .iter()
            .map(|(sid, name)| json!({"node": {"serviceId": sid, "serviceName": name, "latestDeployment": FakeRailway::latest(g, sid)}}))
            .collect();
        json!({"environment": {"id": vars["id"], "name": "production", "serviceInstances": {"edges": edges, "pageInfo": {"hasNextPage": false, "endCursor": null}}}})
    } else if query.contains("serviceInstance(") {
        let sid = vars["serviceId"].as_str().unwrap_or("");
        json!({"serviceInstance": {"latestDeployment": FakeRailway::latest(g, sid)}})
    } else if query.contains("deployments(") {
        let sid = vars
            .pointer("/input/serviceId")
            .and_then(Value::as_str)
            .unwrap_or("");
        let edges: Vec<Value> = g
            .deployments
            .iter()
            .filter(|(s, _)| s == sid)
            .map(|(_, d)| json!({"node": d}))
            .collect();
        json!({"deployments": {"edges": edges, "pageInfo": {"hasNextPage": false, "endCursor": null}}})
    } else if query.contains("deploymentSnapshot(") {
        let id = vars["deploymentId"].as_str().unwrap_or("");
        json!({"deploymentSnapshot": {"variables": variables_of(g, id)}})
    } else if query.contains("deployment(") {
        let d = g
            .deployments
            .iter()
            .find(|(_, d)| d["id"] == id.as_str())
            .map(|(_, d)| d.clone())
            .unwrap_or(Value::Null);
        json!({"deployment": d})
    } else {
        return Json(json!({"data": null, "errors": [{"message": "unknown operation"}]}))
            .into_response();
    };
    Json(json!({"data": data})).into_response()
}

/// Railway's schema, loaded once for every fake.
fn schema() -> &'static crate::graphql_check::Schema {
    static SCHEMA: std::sync::OnceLock<crate::graphql_check::Schema> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        crate::graphql_check::Schema::load(crate::specs::path(crate::specs::RAILWAY_SCHEMA))
    })
}

/// `variables`, `variableUpsert`, `variableDelete`, `serviceInstanceRedeploy`,
/// `serviceInstanceDeployV2`: the project and
/// environment must be the fake's, the service one of its services.
fn variables_op(g: &mut RailwayState, query: &str, vars: &Value) -> Option<Response> {
    let err = |m: &str| Json(json!({"data": null, "errors": [{"message": m}]})).into_response();
    let op = if query.contains("serviceInstanceDeployV2(") {
        "deploy"
    } else if query.contains("variableUpsert(") {
        "upsert"
    } else if query.contains("variableDelete(") {
        "delete"
    } else if query.contains("serviceInstanceRedeploy(") {
        "redeploy"
    } else if query.contains("variables(") {
        "read"
    } else {
        return None;
    };
    let input = if op == "upsert" || op == "delete" {
        vars["input"].clone()
    } else {
        vars.clone()
    };
    let project = input["projectId"].as_str();
    let env = input["environmentId"].as_str().unwrap_or("");
    let sid = input["serviceId"].as_str().unwrap_or("").to_string();
    if op != "redeploy" && op != "deploy" && project != Some(g.project.0.as_str()) {
        return Some(err("Project not found"));
    }
    if !g.environments.iter().any(|(e, _)| e == env) {
        return Some(err("Environment not found"));
    }
    if !g.services.iter().any(|(s, _)| *s == sid) {
        return Some(err("Service not found"));
    }
    let data = match op {
        "read" => {
            let mut shown = json!(g.variables.get(&sid).cloned().unwrap_or_default());
            for (_, name) in g.sealed.iter().filter(|(s, _)| *s == sid) {
                shown[name.as_str()] = Value::Null;
            }
            json!({"variables": shown})
        }
        "deploy" => {
            // A new deployment with the service's current variables; its id.
            if let Some(e) = &g.refuse_deploys {
                return Some(err(&e.clone()));
            }
            let current = g.variables.get(&sid).cloned().unwrap_or_default();
            json!({"serviceInstanceDeployV2": deploy_with(g, &sid, "dv", current)})
        }
        "upsert" => {
            let name = input["name"].as_str().unwrap_or("").to_string();
            let value = input["value"].as_str().unwrap_or("").to_string();
            g.variables
                .entry(sid.clone())
                .or_default()
                .insert(name, value);
            // `skipDeploys` defaults to false: Railway deploys the affected service.
            if input["skipDeploys"] != true {
                deploy_change(g, &sid, "up");
            }
            json!({"variableUpsert": true})
        }
        "delete" => {
            let name = input["name"].as_str().unwrap_or("");
            if g.variables
                .get_mut(&sid)
                .and_then(|v| v.remove(name))
                .is_none()
            {
                return Some(err("Variable not found"));
            }
            // No `skipDeploys` on `VariableDeleteInput`: Railway deploys the change.
            deploy_change(g, &sid, "del");
            json!({"variableDelete": true})
        }
        _ => service_redeploy(g, sid),
    };
    Some(Json(json!({"data": data})).into_response())
}

/// `serviceInstanceRedeploy`: the latest deployment again, with the variables of the
/// deployment it copies, not the current ones.
fn service_redeploy(g: &mut RailwayState, sid: String) -> Value {
    let n = g.service_redeploys.iter().filter(|s| **s == sid).count() + 1;
    let d = deployment(
        &format!("{sid}-sr{n}"),
        "SUCCESS",
        &format!("2026-01-07T00:00:0{n}Z"),
        true,
        "redeploy",
    );
    let copied = FakeRailway::latest(g, &sid)["id"]
        .as_str()
        .map(|id| variables_of(g, id))
        .unwrap_or_default();
    go_live(&mut g.deployments, &sid, d);
    g.deployment_variables
        .insert(format!("{sid}-sr{n}"), copied);
    g.service_redeploys.push(sid);
    json!({"serviceInstanceRedeploy": true})
}
