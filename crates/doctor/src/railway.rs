//! Railway: the token works with the header its kind needs, the project and environment exist
//! and the token can see them, and every service in `JULIA_RAILWAY_SERVICES` is in the
//! environment. Read-only queries only.

use serde_json::{json, Value};

use super::{timed, Check, Options};
use crate::Settings as Config;
use clients::railway::{RailwayClient, RailwayError};

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
fn id_vars(cfg: &clients::julia_config::JuliaConfig) -> (String, String) {
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

/// What every step needs: the client, which token it sends and the ids it checks.
struct Setup {
    client: RailwayClient,
    project_token: bool,
    /// The token's variable and how it is sent.
    var: &'static str,
    header: &'static str,
    project_id: String,
    env_id: String,
    /// The variables the ids are read from, as the client names them when they are missing.
    pvar: String,
    evar: String,
}

const NEXT: [&str; 3] = ["project", "environment", "services"];
const RETRY: &str = "run `chatops doctor` again; if it persists check Railway's status";

/// The client, or the one check that says the tokens and ids are not (all) set.
fn setup(c: &Config<'_>, opts: &Options) -> Result<Setup, Vec<Check>> {
    let j = c.julia;
    let mut cfg = j.clone();
    cfg.source_timeout = opts.timeout;
    let client = RailwayClient::new(&cfg);
    let missing = client.missing();
    if missing.len() == 3 {
        return Err(vec![Check::unconfigured(S, "token", &missing.join(", "))]);
    }
    if !missing.is_empty() {
        return Err(vec![Check::fail(
            S,
            "token",
            format!("half configured: {} missing", missing.join(", ")),
            format!("set {}", missing.join(", ")),
        )]);
    }
    let (pvar, evar) = id_vars(&cfg);
    // Whichever token the client sends when both are set.
    let project_token = client.uses_project_token();
    let (var, header) = if project_token {
        ("RAILWAY_TOKEN", "Project-Access-Token")
    } else {
        ("RAILWAY_API_TOKEN", "Authorization: Bearer")
    };
    Ok(Setup {
        client,
        project_token,
        var,
        header,
        project_id: j.railway_project_id.clone().unwrap_or_default(),
        env_id: j.railway_environment_id.clone().unwrap_or_default(),
        pvar,
        evar,
    })
}

/// A warning when both tokens are set: which one is used.
fn both_tokens(c: &Config<'_>, s: &Setup, out: &mut Vec<Check>) {
    if c.julia.railway_api_token.is_none() || c.julia.railway_token.is_none() {
        return;
    }
    let ignored = if s.project_token {
        "RAILWAY_API_TOKEN"
    } else {
        "RAILWAY_TOKEN"
    };
    out.push(Check::warn(
        S,
        "both tokens",
        format!(
            "RAILWAY_API_TOKEN and RAILWAY_TOKEN are both set: {} is used, {ignored} is ignored",
            s.var
        ),
    ));
}

/// A project token names its own project and environment: they must be the configured ones.
/// False when the checks stop here.
async fn token_binding(s: &Setup, opts: &Options, out: &mut Vec<Check>) -> bool {
    let (pvar, evar, project_id, env_id) = (&s.pvar, &s.evar, &s.project_id, &s.env_id);
    match query(&s.client, opts, PROJECT_TOKEN, json!({})).await {
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
                not_checked(
                    out,
                    &NEXT,
                    "the token is for another project or environment",
                );
                return false;
            }
            out.push(Check::pass(
                S,
                "token",
                format!(
                    "project token ({}, sent as {}) for this project and environment",
                    s.var, s.header
                ),
            ));
            true
        }
        Err(e) => {
            out.push(Check::fail(
                S,
                "token",
                format!("{}: {}", s.var, error_text(&e)),
                token_fix(true),
            ));
            not_checked(out, &NEXT, "the token was refused");
            false
        }
    }
}

fn not_checked(out: &mut Vec<Check>, names: &[&str], why: &str) {
    out.extend(names.iter().map(|n| Check::not_checked(S, n, why)));
}

/// An account token that got past the credentials works.
fn account_token_accepted(s: &Setup, out: &mut Vec<Check>) {
    if !s.project_token {
        out.push(Check::pass(
            S,
            "token",
            format!("{} accepted (sent as {})", s.var, s.header),
        ));
    }
}

fn project_id_fix(s: &Setup) -> String {
    format!(
        "put the id of Julia's project (project → Settings → Project ID) in {}",
        s.pvar
    )
}

/// The project, through whichever token is used; `None` when the checks stop here.
async fn project(s: &Setup, opts: &Options, out: &mut Vec<Check>) -> Option<Value> {
    let r = query(&s.client, opts, PROJECT, json!({"id": s.project_id})).await;
    match r {
        Ok(d) if d["project"].is_object() => return Some(d["project"].clone()),
        Ok(_) => {
            account_token_accepted(s, out);
            out.push(Check::fail(
                S,
                "project",
                format!("project {} not found", s.project_id),
                project_id_fix(s),
            ));
        }
        Err(e) => project_failed(s, &e, out),
    }
    not_checked(out, &NEXT[1..], "no project");
    None
}

/// Why Railway refused the project query: a wrong id, a token that cannot see it, or no answer.
fn project_failed(s: &Setup, e: &RailwayError, out: &mut Vec<Check>) {
    let (var, project_id) = (s.var, &s.project_id);
    let not_found =
        matches!(e, RailwayError::Operation(m) if m.to_lowercase().contains("not found"));
    if not_found {
        // Railway got past the credentials: the token itself works.
        account_token_accepted(s, out);
        out.push(Check::fail(
            S,
            "project",
            format!("project {project_id} not found ({})", error_text(e)),
            project_id_fix(s),
        ));
    } else if matches!(e, RailwayError::Auth | RailwayError::BadProjectToken) {
        out.push(Check::fail(
            S,
            if s.project_token { "project" } else { "token" },
            format!(
                "{var}: {} for project {project_id}: the token is invalid or cannot see that project",
                error_text(e)
            ),
            format!("check {}; {}", s.pvar, token_fix(s.project_token)),
        ));
        if !s.project_token {
            out.push(Check::not_checked(S, "project", "the token was refused"));
        }
    } else {
        if !s.project_token {
            out.push(Check::not_checked(S, "token", "Railway did not answer"));
        }
        out.push(Check::fail(
            S,
            "project",
            error_text(e),
            "check RAILWAY_API_URL and Railway's status; run `chatops doctor` again",
        ));
    }
}

/// The configured environment is one of the project's. False when the checks stop here.
fn environment(s: &Setup, project: &Value, pname: &str, out: &mut Vec<Check>) -> bool {
    let env_id = &s.env_id;
    let envs = edges(project, "/environments/edges");
    if let Some((_, name)) = envs.iter().find(|(id, _)| id == env_id) {
        out.push(Check::pass(S, "environment", format!("{name} ({env_id})")));
        return true;
    }
    let list: Vec<String> = envs.iter().map(|(id, n)| format!("{n} ({id})")).collect();
    out.push(Check::fail(
        S,
        "environment",
        format!(
            "environment {env_id} is not in project {pname}; it has: {}",
            list.join(", ")
        ),
        format!(
            "put the id of Julia's environment (usually production) in {}",
            s.evar
        ),
    ));
    out.push(Check::not_checked(S, "services", "no environment"));
    false
}

/// Every service in `JULIA_RAILWAY_SERVICES` is in the environment, as the bot reads them
/// (the environment's service instances).
async fn services(c: &Config<'_>, s: &Setup, opts: &Options) -> Check {
    let services = match timed(opts, s.client.services()).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Check::fail(S, "services", error_text(&e), RETRY),
        Err(t) => return Check::fail(S, "services", format!("Railway: {t}"), RETRY),
    };
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for want in &c.julia.railway_services {
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
        return Check::pass(S, "services", found.join(", "));
    }
    let have: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    Check::fail(
        S,
        "services",
        format!(
            "not in the environment: {}; it has: {}",
            missing.join(", "),
            have.join(", ")
        ),
        "set JULIA_RAILWAY_SERVICES to the names (or ids) of Julia's services, comma-separated",
    )
}

pub(super) async fn check(c: &Config<'_>, opts: &Options) -> Vec<Check> {
    let s = match setup(c, opts) {
        Ok(s) => s,
        Err(checks) => return checks,
    };
    let mut out = Vec::new();
    both_tokens(c, &s, &mut out);
    if s.project_token && !token_binding(&s, opts, &mut out).await {
        return out;
    }
    let Some(project) = project(&s, opts, &mut out).await else {
        return out;
    };
    if !s.project_token {
        out.push(Check::pass(
            S,
            "token",
            format!("account/workspace token ({}, sent as {})", s.var, s.header),
        ));
    }
    let pname = project["name"].as_str().unwrap_or("?").to_string();
    out.push(Check::pass(
        S,
        "project",
        format!("{pname} ({})", s.project_id),
    ));
    if environment(&s, &project, &pname, &mut out) {
        out.push(services(c, &s, opts).await);
    }
    out
}
