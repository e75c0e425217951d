//! Railway: the token works with the header its kind needs, the project and environment exist
//! and the token can see them, and every service in `JULIA_RAILWAY_SERVICES` is in the
//! environment. Read-only queries only.

use serde_json::{json, Value};

use super::{timed, Check, Options};
use crate::config::Config;
use crate::integrations::railway::{RailwayClient, RailwayError};

const S: &str = "Railway";

/// The project, environment and service ids a project token is bound to.
pub const PROJECT_TOKEN: &str = "query DoctorProjectToken {
  projectToken { projectId environmentId }
}";

/// The project's name, environments and services.
pub const PROJECT: &str = "query DoctorProject($id: String!) {
  project(id: $id) {
    id
    name
    environments { edges { node { id name } } }
    services { edges { node { id name } } }
  }
}";

/// Every operation the doctor sends (tests validate them against Railway's schema).
pub const OPERATIONS: &[&str] = &[PROJECT_TOKEN, PROJECT];

fn token_fix(project_token: bool) -> &'static str {
    if project_token {
        "RAILWAY_TOKEN must be a project token (project → Settings → Tokens, for the right environment); an account or workspace token goes in RAILWAY_API_TOKEN instead"
    } else {
        "RAILWAY_API_TOKEN must be an account or workspace token (account → Tokens) that can see the project; a project token goes in RAILWAY_TOKEN instead"
    }
}

fn error_text(e: &RailwayError) -> String {
    match e {
        RailwayError::Auth => "Railway answered `Not Authorized`".into(),
        other => other.to_string(),
    }
}

async fn query(
    client: &RailwayClient,
    opts: &Options,
    q: &str,
    vars: Value,
) -> Result<Value, RailwayError> {
    match timed(opts, client.graphql(q, vars)).await {
        Ok(r) => r,
        Err(_) => Err(RailwayError::Timeout(opts.timeout.as_secs().max(1))),
    }
}

fn edges(v: &Value, p: &str) -> Vec<(String, String)> {
    v.pointer(p)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["node"]["id"].as_str().unwrap_or("").to_string(),
                        e["node"]["name"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The names of the project and environment id variables, from the client itself.
fn id_vars(cfg: &crate::config::JuliaConfig) -> (String, String) {
    let mut empty = cfg.clone();
    empty.railway_api_token = None;
    empty.railway_token = None;
    empty.railway_project_id = None;
    empty.railway_environment_id = None;
    let m = RailwayClient::new(&empty).missing();
    let name = |i: usize, default: &str| m.get(i).map(|s| s.to_string()).unwrap_or(default.into());
    (
        name(1, "RAILWAY_PROJECT_ID"),
        name(2, "RAILWAY_ENVIRONMENT_ID"),
    )
}

#[allow(clippy::too_many_lines)] // over 80 lines: a list of checks read top to bottom; to split per check (#12 follow-up)
pub(super) async fn check(c: &Config, opts: &Options) -> Vec<Check> {
    let j = &c.julia;
    let mut cfg = j.clone();
    cfg.source_timeout = opts.timeout;
    let client = RailwayClient::new(&cfg);
    let missing = client.missing();
    if missing.len() == 3 {
        return vec![Check::unconfigured(S, "token", &missing.join(", "))];
    }
    if !missing.is_empty() {
        return vec![Check::fail(
            S,
            "token",
            format!("half configured: {} missing", missing.join(", ")),
            format!("set {}", missing.join(", ")),
        )];
    }
    // The variables the ids are read from, as the client names them when they are missing.
    let (pvar, evar) = id_vars(&cfg);
    let project_id = j.railway_project_id.clone().unwrap_or_default();
    let env_id = j.railway_environment_id.clone().unwrap_or_default();
    // Whichever token the client sends when both are set.
    let project_token = client.uses_project_token();
    let (var, header) = if project_token {
        ("RAILWAY_TOKEN", "Project-Access-Token")
    } else {
        ("RAILWAY_API_TOKEN", "Authorization: Bearer")
    };
    let mut out = Vec::new();
    if j.railway_api_token.is_some() && j.railway_token.is_some() {
        let ignored = if project_token {
            "RAILWAY_API_TOKEN"
        } else {
            "RAILWAY_TOKEN"
        };
        out.push(Check::warn(
            S,
            "both tokens",
            format!("RAILWAY_API_TOKEN and RAILWAY_TOKEN are both set: {var} is used, {ignored} is ignored"),
        ));
    }
    let names = ["project", "environment", "services"];

    // A project token names its own project and environment.
    if project_token {
        match query(&client, opts, PROJECT_TOKEN, json!({})).await {
            Ok(d) => {
                let tp = d["projectToken"]["projectId"].as_str().unwrap_or("");
                let te = d["projectToken"]["environmentId"].as_str().unwrap_or("");
                if tp != project_id || te != env_id {
                    out.push(Check::fail(
                        S,
                        "token",
                        format!("the project token belongs to project {tp}, environment {te}, not {pvar}={project_id} / {evar}={env_id}"),
                        format!("use a token of Julia's project and environment, or correct {pvar} / {evar}"),
                    ));
                    for n in names {
                        out.push(Check::not_checked(
                            S,
                            n,
                            "the token is for another project or environment",
                        ));
                    }
                    return out;
                }
                out.push(Check::pass(
                    S,
                    "token",
                    format!(
                        "project token ({var}, sent as {header}) for this project and environment"
                    ),
                ));
            }
            Err(e) => {
                out.push(Check::fail(
                    S,
                    "token",
                    format!("{var}: {}", error_text(&e)),
                    token_fix(true),
                ));
                for n in names {
                    out.push(Check::not_checked(S, n, "the token was refused"));
                }
                return out;
            }
        }
    }

    // The project, through whichever token is used.
    let project = match query(&client, opts, PROJECT, json!({"id": project_id})).await {
        Ok(d) if d["project"].is_object() => d["project"].clone(),
        Ok(_) => {
            if !project_token {
                out.push(Check::pass(
                    S,
                    "token",
                    format!("{var} accepted (sent as {header})"),
                ));
            }
            out.push(Check::fail(
                S,
                "project",
                format!("project {project_id} not found"),
                format!(
                    "put the id of Julia's project (project → Settings → Project ID) in {pvar}"
                ),
            ));
            out.push(Check::not_checked(S, "environment", "no project"));
            out.push(Check::not_checked(S, "services", "no project"));
            return out;
        }
        Err(e) => {
            let not_found =
                matches!(&e, RailwayError::Operation(m) if m.to_lowercase().contains("not found"));
            let id_fix = format!(
                "put the id of Julia's project (project → Settings → Project ID) in {pvar}"
            );
            if not_found {
                // Railway got past the credentials: the token itself works.
                if !project_token {
                    out.push(Check::pass(
                        S,
                        "token",
                        format!("{var} accepted (sent as {header})"),
                    ));
                }
                out.push(Check::fail(
                    S,
                    "project",
                    format!("project {project_id} not found ({})", error_text(&e)),
                    id_fix,
                ));
            } else if matches!(e, RailwayError::Auth | RailwayError::BadProjectToken) {
                out.push(Check::fail(
                    S,
                    if project_token { "project" } else { "token" },
                    format!(
                        "{var}: {} for project {project_id}: the token is invalid or cannot see that project",
                        error_text(&e)
                    ),
                    format!("check {pvar}; {}", token_fix(project_token)),
                ));
                if !project_token {
                    out.push(Check::not_checked(S, "project", "the token was refused"));
                }
            } else {
                if !project_token {
                    out.push(Check::not_checked(S, "token", "Railway did not answer"));
                }
                out.push(Check::fail(
                    S,
                    "project",
                    error_text(&e),
                    "check RAILWAY_API_URL and Railway's status; run `chatops doctor` again",
                ));
            }
            out.push(Check::not_checked(S, "environment", "no project"));
            out.push(Check::not_checked(S, "services", "no project"));
            return out;
        }
    };
    if !project_token {
        out.push(Check::pass(
            S,
            "token",
            format!("account/workspace token ({var}, sent as {header})"),
        ));
    }
    let pname = project["name"].as_str().unwrap_or("?").to_string();
    out.push(Check::pass(S, "project", format!("{pname} ({project_id})")));

    let envs = edges(&project, "/environments/edges");
    match envs.iter().find(|(id, _)| *id == env_id) {
        Some((_, name)) => out.push(Check::pass(S, "environment", format!("{name} ({env_id})"))),
        None => {
            let list: Vec<String> = envs.iter().map(|(id, n)| format!("{n} ({id})")).collect();
            out.push(Check::fail(
                S,
                "environment",
                format!(
                    "environment {env_id} is not in project {pname}; it has: {}",
                    list.join(", ")
                ),
                format!("put the id of Julia's environment (usually production) in {evar}"),
            ));
            out.push(Check::not_checked(S, "services", "no environment"));
            return out;
        }
    }

    // The services, as the bot reads them (the environment's service instances).
    let services = match timed(opts, client.services()).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            out.push(Check::fail(
                S,
                "services",
                error_text(&e),
                "run `chatops doctor` again; if it persists check Railway's status",
            ));
            return out;
        }
        Err(t) => {
            out.push(Check::fail(
                S,
                "services",
                format!("Railway: {t}"),
                "run `chatops doctor` again; if it persists check Railway's status",
            ));
            return out;
        }
    };
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for want in &j.railway_services {
        match services.iter().find(|s| &s.name == want || &s.id == want) {
            Some(s) => found.push(format!(
                "{} ({})",
                s.name,
                s.latest
                    .as_ref()
                    .map(|d| d.status.as_str())
                    .unwrap_or("never deployed")
            )),
            None => missing.push(want.clone()),
        }
    }
    if missing.is_empty() {
        out.push(Check::pass(S, "services", found.join(", ")));
    } else {
        let have: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
        out.push(Check::fail(
            S,
            "services",
            format!(
                "not in the environment: {}; it has: {}",
                missing.join(", "),
                have.join(", ")
            ),
            "set JULIA_RAILWAY_SERVICES to the names (or ids) of Julia's services, comma-separated",
        ));
    }
    out
}
