//! What the catalog's parts share, below them all: an action's argument specs, the checks
//! (guards, follow-ups, `http.check`), and the names of environment variables they read.
//! [`super::catalog`] builds them from the file; [`super::kinds`] and [`super::args`] use them.

use std::time::Duration;

use serde_json::Value;

use super::raw::RawHttp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgSpec {
    pub name: String,
    pub ty: ArgType,
    /// Never shown, logged or audited: only "changed".
    pub secret: bool,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgType {
    Int {
        min: i64,
        max: i64,
    },
    Enum(Vec<String>),
    /// The whole value must match.
    String {
        pattern: String,
    },
}

impl ArgSpec {
    /// `replicas:int 0..10`, `mode:on|off`, `key:string /^[A-Z_]+$/` (for help).
    pub fn usage(&self) -> String {
        let t = match &self.ty {
            ArgType::Int { min, max } => format!("{min}..{max}"),
            ArgType::Enum(v) => v.join("|"),
            ArgType::String { pattern } => format!("/{pattern}/"),
        };
        let secret = if self.secret { ", secret" } else { "" };
        format!("<{}: {t}{secret}>", self.name)
    }
}

/// An HTTP request whose answer must match: status and JSON pointers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HttpCheck {
    pub method: String,
    /// May hold `${VAR}` (read from the environment when sent).
    pub url: String,
    /// Header name -> value, `${VAR}` read from the environment when sent.
    pub headers: Vec<(String, String)>,
    pub expect_status: u16,
    pub expect: Vec<(String, Value)>,
}

/// One value from PostgreSQL that must equal `expect`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SqlCheck {
    pub database_url_env: String,
    pub query: String,
    pub expect: Value,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Http(HttpCheck),
    Sql(SqlCheck),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FollowUp {
    pub check: Check,
    pub within: Duration,
    pub every: Duration,
}

/// The `VAR` of every `${VAR}` in `s`.
pub fn env_refs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let tail = &rest[i + 2..];
        match tail.find('}') {
            Some(j) => {
                out.push(tail[..j].to_string());
                rest = &tail[j + 1..];
            }
            None => break,
        }
    }
    out
}

pub fn env_name(v: &str) -> Result<(), String> {
    let ok = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{v}` is not an environment variable name (upper case, digits, `_`)"
        ))
    }
}

/// An HTTP check as the file gives it (`guard`, `follow_up`, `http.check`, `http.call`), checked.
pub fn http_check(h: RawHttp) -> Result<HttpCheck, String> {
    let method = h.method.unwrap_or_else(|| "GET".into()).to_uppercase();
    if !["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
        return Err(format!("method `{method}` is not an HTTP method"));
    }
    url_ok(&h.url)?;
    let mut expect = Vec::new();
    for (k, v) in h.expect.unwrap_or_default() {
        if !(k.is_empty() || k.starts_with('/')) {
            return Err(format!(
                "expect: `{k}` is not a JSON pointer (it starts with `/`, e.g. `/delivery_disabled`)"
            ));
        }
        expect.push((k, v));
    }
    Ok(HttpCheck {
        method,
        url: h.url,
        headers: h.headers.unwrap_or_default().into_iter().collect(),
        expect_status: h.expect_status.unwrap_or(200),
        expect,
    })
}

/// `http(s)://…` after `${VAR}`s (read at run time) are set aside.
pub fn url_ok(url: &str) -> Result<(), String> {
    // A variable may hold the base URL (`${KUMON_BASE_URL}/health`): its scheme comes at run time.
    let mut probe = if url.starts_with("${") {
        format!("http://{url}")
    } else {
        url.to_string()
    };
    for v in env_refs(url) {
        probe = probe.replace(&format!("${{{v}}}"), "x");
    }
    if !(probe.starts_with("http://") || probe.starts_with("https://")) {
        return Err(format!("url `{url}` must start with http:// or https://"));
    }
    reqwest::Url::parse(&probe).map_err(|e| format!("url `{url}`: {e}"))?;
    Ok(())
}
