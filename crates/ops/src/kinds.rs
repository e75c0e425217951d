//! The kinds of runbook action and their parameters, checked at load: each kind takes the
//! parameters it needs and refuses the others; templates (`{{ replicas }}`) may only name the
//! action's arguments.

use serde::{Deserialize, Serialize};

use super::raw::RawParams;
use super::spec::{env_name, env_refs, ArgSpec, HttpCheck};

/// Which Railway service: ids, and optionally a variable holding a project token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RailwayTarget {
    pub project: String,
    pub environment: String,
    pub service: String,
    pub token_env: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KubeTarget {
    pub namespace: String,
    pub deployment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    RailwayDeploys(RailwayTarget),
    RailwayRestart(RailwayTarget),
    RailwayRedeploy(RailwayTarget),
    RailwayRollback(RailwayTarget),
    RailwayVariableSet {
        target: RailwayTarget,
        variable: String,
        /// A template over the arguments.
        value: String,
        secret: bool,
        redeploy: bool,
    },
    RailwayVariableUnset {
        target: RailwayTarget,
        variable: String,
        redeploy: bool,
    },
    KubeRolloutRestart(KubeTarget),
    KubeScale {
        target: KubeTarget,
        /// A template over the arguments, an integer once rendered.
        replicas: String,
    },
    KubeStatus {
        target: KubeTarget,
        /// Pods to list; default: the deployment's `spec.selector.matchLabels`.
        selector: Option<String>,
    },
    KubeLogs {
        namespace: String,
        selector: String,
        container: Option<String>,
        tail_lines: i64,
    },
    HttpCheck(HttpCheck),
    HttpCall {
        request: HttpCheck,
        body: Option<String>,
    },
    SqlFlag {
        database_url_env: String,
        table: String,
        key_column: String,
        value_column: String,
        key: String,
        value: String,
        cast: String,
    },
}

pub const KINDS: &[&str] = &[
    "railway.deploys",
    "railway.restart",
    "railway.redeploy",
    "railway.rollback",
    "railway.variable.set",
    "railway.variable.unset",
    "kubernetes.rollout_restart",
    "kubernetes.scale",
    "kubernetes.status",
    "kubernetes.logs",
    "http.check",
    "http.call",
    "sql.flag",
];

/// Which raw parameters each kind takes.
fn allowed(kind: &str) -> &'static [&'static str] {
    const RW: &[&str] = &["project", "environment", "service", "token_env"];
    match kind {
        "railway.deploys" | "railway.restart" | "railway.redeploy" | "railway.rollback" => RW,
        "railway.variable.set" => &[
            "project",
            "environment",
            "service",
            "token_env",
            "variable",
            "value",
            "secret",
            "redeploy",
        ],
        "railway.variable.unset" => &[
            "project",
            "environment",
            "service",
            "token_env",
            "variable",
            "redeploy",
        ],
        "kubernetes.rollout_restart" => &["namespace", "deployment"],
        "kubernetes.scale" => &["namespace", "deployment", "replicas"],
        "kubernetes.status" => &["namespace", "deployment", "selector"],
        "kubernetes.logs" => &["namespace", "selector", "container", "tail_lines"],
        "http.check" => &["method", "url", "headers", "expect_status", "expect"],
        "http.call" => &[
            "method",
            "url",
            "headers",
            "expect_status",
            "expect",
            "body",
        ],
        "sql.flag" => &[
            "database_url_env",
            "table",
            "key_column",
            "value_column",
            "key",
            "value",
            "cast",
        ],
        _ => &[],
    }
}

/// The names of the parameters that are set.
fn given(p: &RawParams) -> Vec<&'static str> {
    let mut v = Vec::new();
    macro_rules! set {
        ($($f:ident),*) => { $( if p.$f.is_some() { v.push(stringify!($f)); } )* };
    }
    set!(
        project,
        environment,
        service,
        token_env,
        variable,
        value,
        secret,
        redeploy,
        namespace,
        deployment,
        replicas,
        selector,
        container,
        tail_lines,
        method,
        url,
        headers,
        body,
        expect_status,
        expect,
        database_url_env,
        table,
        key_column,
        value_column,
        key,
        cast
    );
    v
}

/// A SQL identifier, optionally schema-qualified: letters, digits, `_`.
fn ident(v: &str) -> Result<String, String> {
    let ok = v.split('.').count() <= 2
        && v.split('.').all(|p| {
            !p.is_empty()
                && p.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!(
            "`{v}` is not a plain SQL name (lower case, digits, `_`, optionally `schema.name`)"
        ))
    }
}

/// Checks that a template parses and names only declared arguments.
fn template(field: &str, t: &str, args: &[ArgSpec]) -> Result<String, String> {
    let env = minijinja::Environment::new();
    let tmpl = env
        .template_from_str(t)
        .map_err(|e| format!("{field}: template: {e}"))?;
    for v in tmpl.undeclared_variables(false) {
        if !args.iter().any(|a| a.name == v) {
            let names: Vec<&str> = args.iter().map(|a| a.name.as_str()).collect();
            return Err(format!(
                "{field}: `{{{{ {v} }}}}` is not an argument of this action (arguments: {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ));
        }
    }
    Ok(t.to_string())
}

fn need<T>(v: Option<T>, kind: &str, field: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("`{kind}` needs `params.{field}`"))
}

impl Kind {
    pub fn from_raw(kind: &str, p: RawParams, args: &[ArgSpec]) -> Result<Kind, String> {
        if !KINDS.contains(&kind) {
            let near = chatops_core::text::closest(kind, KINDS)
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default();
            return Err(format!(
                "unknown kind `{kind}`{near} (kinds: {})",
                KINDS.join(", ")
            ));
        }
        let extra: Vec<&str> = given(&p)
            .into_iter()
            .filter(|f| !allowed(kind).contains(f))
            .collect();
        if !extra.is_empty() {
            return Err(format!(
                "`{kind}` does not take {} (it takes {})",
                extra
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                allowed(kind).join(", ")
            ));
        }
        match kind.split('.').next().unwrap_or("") {
            "railway" => railway_kind(kind, &p, args),
            "kubernetes" => kube_kind(kind, &p, args),
            "http" => http_kind(kind, &p, args),
            _ => sql_kind(kind, &p, args),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Kind::RailwayDeploys(_) => "railway.deploys",
            Kind::RailwayRestart(_) => "railway.restart",
            Kind::RailwayRedeploy(_) => "railway.redeploy",
            Kind::RailwayRollback(_) => "railway.rollback",
            Kind::RailwayVariableSet { .. } => "railway.variable.set",
            Kind::RailwayVariableUnset { .. } => "railway.variable.unset",
            Kind::KubeRolloutRestart(_) => "kubernetes.rollout_restart",
            Kind::KubeScale { .. } => "kubernetes.scale",
            Kind::KubeStatus { .. } => "kubernetes.status",
            Kind::KubeLogs { .. } => "kubernetes.logs",
            Kind::HttpCheck(_) => "http.check",
            Kind::HttpCall { .. } => "http.call",
            Kind::SqlFlag { .. } => "sql.flag",
        }
    }

    /// Whether the kind changes something.
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Kind::RailwayDeploys(_)
                | Kind::KubeStatus { .. }
                | Kind::KubeLogs { .. }
                | Kind::HttpCheck(_)
        )
    }

    /// The system an error names ("Railway did not answer…").
    pub fn system(&self) -> &'static str {
        match self.name().split('.').next().unwrap_or("") {
            "railway" => "Railway",
            "kubernetes" => "Kubernetes",
            "http" => "HTTP",
            _ => "PostgreSQL",
        }
    }

    /// Every environment variable the kind reads when it runs.
    pub fn env_vars(&self) -> Vec<String> {
        let rw = |t: &RailwayTarget| t.token_env.iter().cloned().collect::<Vec<_>>();
        let http = |h: &HttpCheck| {
            let mut v = env_refs(&h.url);
            for (_, val) in &h.headers {
                v.extend(env_refs(val));
            }
            v
        };
        match self {
            Kind::RailwayDeploys(t)
            | Kind::RailwayRestart(t)
            | Kind::RailwayRedeploy(t)
            | Kind::RailwayRollback(t)
            | Kind::RailwayVariableSet { target: t, .. }
            | Kind::RailwayVariableUnset { target: t, .. } => rw(t),
            Kind::HttpCheck(h) | Kind::HttpCall { request: h, .. } => http(h),
            Kind::SqlFlag {
                database_url_env, ..
            } => vec![database_url_env.clone()],
            _ => vec![],
        }
    }

    pub fn uses_kubernetes(&self) -> bool {
        self.name().starts_with("kubernetes.")
    }
}

fn railway_target(kind: &str, p: &RawParams) -> Result<RailwayTarget, String> {
    if let Some(t) = &p.token_env {
        env_name(t)?;
    }
    Ok(RailwayTarget {
        project: need(p.project.clone(), kind, "project")?,
        environment: need(p.environment.clone(), kind, "environment")?,
        service: need(p.service.clone(), kind, "service")?,
        token_env: p.token_env.clone(),
    })
}

fn railway_kind(kind: &str, p: &RawParams, args: &[ArgSpec]) -> Result<Kind, String> {
    let t = railway_target(kind, p)?;
    Ok(match kind {
        "railway.deploys" => Kind::RailwayDeploys(t),
        "railway.restart" => Kind::RailwayRestart(t),
        "railway.redeploy" => Kind::RailwayRedeploy(t),
        "railway.rollback" => Kind::RailwayRollback(t),
        "railway.variable.set" => Kind::RailwayVariableSet {
            target: t,
            variable: need(p.variable.clone(), kind, "variable")?,
            value: template(
                "value",
                &need(p.value.as_ref().map(|v| v.text()), kind, "value")?,
                args,
            )?,
            secret: p.secret.unwrap_or(false),
            redeploy: p.redeploy.unwrap_or(true),
        },
        _ => Kind::RailwayVariableUnset {
            target: t,
            variable: need(p.variable.clone(), kind, "variable")?,
            redeploy: p.redeploy.unwrap_or(true),
        },
    })
}

fn kube_kind(kind: &str, p: &RawParams, args: &[ArgSpec]) -> Result<Kind, String> {
    let target = || -> Result<KubeTarget, String> {
        Ok(KubeTarget {
            namespace: need(p.namespace.clone(), kind, "namespace")?,
            deployment: need(p.deployment.clone(), kind, "deployment")?,
        })
    };
    Ok(match kind {
        "kubernetes.rollout_restart" => Kind::KubeRolloutRestart(target()?),
        "kubernetes.scale" => Kind::KubeScale {
            target: target()?,
            replicas: template(
                "replicas",
                &need(p.replicas.as_ref().map(|v| v.text()), kind, "replicas")?,
                args,
            )?,
        },
        "kubernetes.status" => Kind::KubeStatus {
            target: target()?,
            selector: p.selector.clone(),
        },
        _ => {
            let tail = p.tail_lines.unwrap_or(50);
            if !(1..=500).contains(&tail) {
                return Err("`tail_lines` must be from 1 to 500".into());
            }
            Kind::KubeLogs {
                namespace: need(p.namespace.clone(), kind, "namespace")?,
                selector: need(p.selector.clone(), kind, "selector")?,
                container: p.container.clone(),
                tail_lines: tail,
            }
        }
    })
}

fn http_kind(kind: &str, p: &RawParams, args: &[ArgSpec]) -> Result<Kind, String> {
    let request = super::spec::http_check(super::raw::RawHttp {
        method: p.method.clone(),
        url: need(p.url.clone(), kind, "url")?,
        headers: p.headers.clone(),
        expect_status: p.expect_status,
        expect: p.expect.clone(),
    })?;
    Ok(match kind {
        "http.check" => Kind::HttpCheck(request),
        _ => Kind::HttpCall {
            request,
            body: p
                .body
                .as_deref()
                .map(|b| template("body", b, args))
                .transpose()?,
        },
    })
}

fn sql_kind(kind: &str, p: &RawParams, args: &[ArgSpec]) -> Result<Kind, String> {
    let env = need(p.database_url_env.clone(), kind, "database_url_env")?;
    env_name(&env)?;
    let cast = p.cast.clone().unwrap_or_else(|| "text".into());
    if ![
        "text",
        "boolean",
        "integer",
        "bigint",
        "jsonb",
        "timestamptz",
    ]
    .contains(&cast.as_str())
    {
        return Err(format!(
            "cast `{cast}`: one of text, boolean, integer, bigint, jsonb, timestamptz"
        ));
    }
    Ok(Kind::SqlFlag {
        database_url_env: env,
        table: ident(&need(p.table.clone(), kind, "table")?)?,
        key_column: ident(&need(p.key_column.clone(), kind, "key_column")?)?,
        value_column: ident(&need(p.value_column.clone(), kind, "value_column")?)?,
        key: template(
            "key",
            &need(p.key.as_ref().map(|v| v.text()), kind, "key")?,
            args,
        )?,
        value: template(
            "value",
            &need(p.value.as_ref().map(|v| v.text()), kind, "value")?,
            args,
        )?,
        cast,
    })
}

/// Fills a template with the arguments.
pub fn render(t: &str, ctx: &serde_json::Value) -> Result<String, String> {
    let env = minijinja::Environment::new();
    env.render_str(t, ctx).map_err(|e| e.to_string())
}
