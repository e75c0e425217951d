//! Julia's health endpoints: `/health/deep` and `/health/circuits`.

use std::time::Duration;

use serde_json::Value;

use crate::julia_config::JuliaConfig;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HealthError {
    #[error("JULIA_BASE_URL is not set")]
    Unconfigured,
    #[error("no answer from Julia in {0} s")]
    Timeout(u64),
    #[error("Julia could not be reached")]
    Network,
    #[error("Julia answered HTTP {0} without a JSON body")]
    BadBody(u16),
}

/// One `checks.*` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: String,
    pub status: String,
    /// Other fields, compact (`message`, `missing`, `current`…).
    pub detail: String,
}

impl Check {
    pub fn failing(&self) -> bool {
        !matches!(
            self.status.as_str(),
            "ok" | "skipped" | "warning" | "pending"
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deep {
    pub http_status: u16,
    pub status: String,
    pub deploy_safe: bool,
    pub message: Option<String>,
    pub checks: Vec<Check>,
}

impl Deep {
    /// healthy ⇔ HTTP 200, `status == "healthy"` and `deploy_safe`.
    pub fn healthy(&self) -> bool {
        self.http_status == 200 && self.status == "healthy" && self.deploy_safe
    }
    pub fn failing(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| c.failing()).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Circuit {
    pub name: String,
    pub state: String,
    pub failures: i64,
    pub last_error: Option<String>,
}

#[derive(Clone)]
pub struct HealthClient {
    http: reqwest::Client,
    base: Option<String>,
    timeout: Duration,
}

impl HealthClient {
    pub fn new(cfg: &JuliaConfig) -> Self {
        let timeout = cfg.source_timeout;
        HealthClient {
            http: reqwest::Client::builder()
                .connect_timeout(timeout)
                .timeout(timeout)
                .build()
                .expect("http client"),
            base: cfg.base_url.clone(),
            timeout,
        }
    }

    pub fn configured(&self) -> bool {
        self.base.is_some()
    }

    async fn get(&self, path: &str) -> Result<(u16, Value), HealthError> {
        let started = std::time::Instant::now();
        let r = self.get_once(path).await;
        crate::upstream::record("julia_health", started, r.is_ok());
        r
    }

    async fn get_once(&self, path: &str) -> Result<(u16, Value), HealthError> {
        let base = self.base.as_deref().ok_or(HealthError::Unconfigured)?;
        let secs = self.timeout.as_secs().max(1);
        let map = |e: reqwest::Error| {
            if e.is_timeout() {
                HealthError::Timeout(secs)
            } else {
                HealthError::Network
            }
        };
        let resp = self
            .http
            .get(format!("{base}{path}"))
            .send()
            .await
            .map_err(map)?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(map)?;
        let v: Value = serde_json::from_str(&text).map_err(|_| HealthError::BadBody(status))?;
        Ok((status, v))
    }

    pub async fn deep(&self) -> Result<Deep, HealthError> {
        let (code, v) = self.get("/health/deep").await?;
        let mut checks = Vec::new();
        if let Some(obj) = v.get("checks").and_then(Value::as_object) {
            for (name, c) in obj {
                let status = c
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_string();
                let detail = match c.as_object() {
                    Some(o) => o
                        .iter()
                        .filter(|(k, v)| {
                            k.as_str() != "status" && !v.is_null() && *v != &Value::Array(vec![])
                        })
                        .map(|(k, v)| format!("{k}={}", compact(v)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    None => String::new(),
                };
                checks.push(Check {
                    name: name.clone(),
                    status,
                    detail,
                });
            }
        }
        Ok(Deep {
            http_status: code,
            status: v
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_string(),
            deploy_safe: v
                .get("deploy_safe")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            message: v.get("message").and_then(Value::as_str).map(String::from),
            checks,
        })
    }

    pub async fn circuits(&self) -> Result<Vec<Circuit>, HealthError> {
        let (code, v) = self.get("/health/circuits").await?;
        let obj = v
            .get("circuits")
            .and_then(Value::as_object)
            .ok_or(HealthError::BadBody(code))?;
        Ok(obj
            .iter()
            .map(|(k, c)| Circuit {
                name: c
                    .get("nome")
                    .and_then(Value::as_str)
                    .unwrap_or(k)
                    .to_string(),
                state: c
                    .get("estado")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_string(),
                failures: c
                    .get("falhas_consecutivas")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
                last_error: c
                    .get("ultimo_erro_tipo")
                    .and_then(Value::as_str)
                    .map(String::from),
            })
            .collect())
    }
}

fn compact(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    s.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deep(http: u16, status: &str, safe: bool) -> Deep {
        Deep {
            http_status: http,
            status: status.into(),
            deploy_safe: safe,
            message: None,
            checks: vec![],
        }
    }

    #[test]
    fn healthy_needs_200_healthy_and_deploy_safe() {
        assert!(deep(200, "healthy", true).healthy());
        assert!(!deep(503, "healthy", true).healthy());
        assert!(!deep(200, "unhealthy", true).healthy());
        assert!(!deep(200, "healthy", false).healthy());
        assert!(!deep(503, "CRITICAL", false).healthy());
        let c = |s: &str| Check {
            name: "x".into(),
            status: s.into(),
            detail: String::new(),
        };
        assert!(c("CRITICAL").failing() && c("error").failing());
        assert!(
            !c("ok").failing()
                && !c("warning").failing()
                && !c("pending").failing()
                && !c("skipped").failing()
        );
    }
}
