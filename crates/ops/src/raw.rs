//! The runbook file as written (`RUNBOOKS_FILE`): YAML structures with the line of each node
//! (`Spanned`), before [`super::catalog`] checks them. Unknown keys are refused, so a typo in a
//! key is an error with its line rather than a silently ignored setting.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub systems: Vec<Spanned<RawSystem>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSystem {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// User ids (`U…`) and user group ids (`S…`); absent: `CHATOPS_ADMINS` / `CHATOPS_ADMIN_GROUP`.
    pub admins: Option<Spanned<Vec<String>>>,
    /// The channel id where writes are announced.
    pub announce: Option<Spanned<String>>,
    pub guard: Option<Spanned<RawCheck>>,
    pub actions: Vec<Spanned<RawAction>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// Changes something (default false). Writes are privileged and confirmed by default.
    pub writes: Option<bool>,
    /// Only the system's admins (default: `writes`).
    pub privileged: Option<bool>,
    /// A confirmation button first (default: `writes`).
    pub confirm: Option<bool>,
    #[serde(default)]
    pub args: Vec<Spanned<RawArg>>,
    pub kind: Spanned<String>,
    pub params: Option<Spanned<RawParams>>,
    pub follow_up: Option<Spanned<RawFollowUp>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArg {
    pub name: String,
    /// `int`, `enum` or `string`.
    #[serde(rename = "type")]
    pub ty: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub values: Option<Vec<String>>,
    pub pattern: Option<String>,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub description: String,
}

/// Every parameter any kind takes; each kind says which it needs and refuses the others.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParams {
    // Railway
    pub project: Option<String>,
    pub environment: Option<String>,
    pub service: Option<String>,
    /// A variable holding a Railway project token for this project (else the bot's token).
    pub token_env: Option<String>,
    pub variable: Option<String>,
    pub value: Option<Scalar>,
    pub secret: Option<bool>,
    pub redeploy: Option<bool>,
    // Kubernetes
    pub namespace: Option<String>,
    pub deployment: Option<String>,
    pub replicas: Option<Scalar>,
    pub selector: Option<String>,
    pub container: Option<String>,
    pub tail_lines: Option<i64>,
    // HTTP
    pub method: Option<String>,
    pub url: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub body: Option<String>,
    pub expect_status: Option<u16>,
    pub expect: Option<BTreeMap<String, serde_json::Value>>,
    // SQL
    pub database_url_env: Option<String>,
    pub table: Option<String>,
    pub key_column: Option<String>,
    pub value_column: Option<String>,
    pub key: Option<Scalar>,
    pub cast: Option<String>,
}

/// A scalar written as a string, a number or a boolean (`replicas: 3`, `value: "true"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Scalar {
    pub fn text(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Str(s) => s.clone(),
        }
    }
}

/// A guard or a follow-up check: exactly one of `http` and `sql`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub http: Option<RawHttp>,
    pub sql: Option<RawSql>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    pub method: Option<String>,
    pub url: String,
    pub headers: Option<BTreeMap<String, String>>,
    pub expect_status: Option<u16>,
    /// JSON pointer (`/delivery_disabled`) -> expected value.
    pub expect: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSql {
    /// The variable holding the PostgreSQL URL (never the URL itself: it has a password).
    pub database_url_env: String,
    /// One row, one column.
    pub query: String,
    pub expect: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFollowUp {
    pub http: Option<RawHttp>,
    pub sql: Option<RawSql>,
    /// How long to keep checking (`60s`).
    pub within: String,
    /// How often (`5s` by default).
    pub every: Option<String>,
}
