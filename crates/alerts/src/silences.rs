//! Alertmanager's silences API v2 (`api/v2/openapi.yaml`): `POST /api/v2/silences` creates one
//! (`{"silenceID": "<uuid>"}`), `DELETE /api/v2/silence/{id}` expires it (200, empty body;
//! 200 again when already expired). Matchers are the group's labels, each an exact
//! `name = value` (`isRegex: false`, `isEqual: true`).

use std::time::Duration;

use serde_json::{json, Value};

use super::payload::Labels;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SilenceError {
    #[error("Alertmanager did not answer in {0} s")]
    Timeout(u64),
    #[error("Alertmanager could not be reached")]
    Network,
    #[error("Alertmanager answered HTTP {0}: {1}")]
    Refused(u16, String),
    #[error("Alertmanager answered without a silence id")]
    BadBody,
}

/// RFC 3339 in UTC with milliseconds, as Alertmanager writes its own times.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The body of `POST /api/v2/silences`.
pub fn silence_body(
    labels: &Labels,
    starts_ms: i64,
    ends_ms: i64,
    created_by: &str,
    comment: &str,
) -> Value {
    let matchers: Vec<Value> = labels
        .iter()
        .map(|(k, v)| json!({"name": k, "value": v, "isRegex": false, "isEqual": true}))
        .collect();
    json!({
        "matchers": matchers,
        "startsAt": rfc3339(starts_ms),
        "endsAt": rfc3339(ends_ms),
        "createdBy": created_by,
        "comment": comment,
    })
}

pub struct Alertmanager {
    base: String,
    timeout: Duration,
    token: Option<String>,
    http: reqwest::Client,
}

impl Alertmanager {
    /// `token`: sent as `Authorization: Bearer <token>` (`ALERTMANAGER_TOKEN`).
    pub fn new(base: &str, timeout: Duration, token: Option<String>) -> Self {
        Alertmanager {
            base: base.trim_end_matches('/').to_string(),
            timeout,
            token,
            http: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .unwrap_or_default(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    fn error(&self, e: reqwest::Error) -> SilenceError {
        if e.is_timeout() {
            SilenceError::Timeout(self.timeout.as_secs().max(1))
        } else {
            SilenceError::Network
        }
    }

    async fn refused(r: reqwest::Response) -> SilenceError {
        let code = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        // Alertmanager's 400/422 bodies are JSON strings or {code, message}: keep the reason.
        let reason = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| {
                v.as_str()
                    .map(String::from)
                    .or_else(|| v.get("message").and_then(Value::as_str).map(String::from))
            })
            .unwrap_or(text);
        SilenceError::Refused(code, reason.chars().take(200).collect())
    }

    /// Creates the silence; returns its id.
    pub async fn create(&self, body: &Value) -> Result<String, SilenceError> {
        let r = self
            .request(reqwest::Method::POST, "/api/v2/silences")
            .json(body)
            .send()
            .await
            .map_err(|e| self.error(e))?;
        if !r.status().is_success() {
            return Err(Self::refused(r).await);
        }
        let v: Value = r.json().await.map_err(|_| SilenceError::BadBody)?;
        v.get("silenceID")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .ok_or(SilenceError::BadBody)
    }

    /// Expires the silence. `Ok(true)`: expired now; `Ok(false)`: it was already expired or is
    /// unknown. Since v0.26 Alertmanager answers 200 for an expired silence and 404 for an
    /// unknown one; before, both were a 500 whose text is `silence <id> already expired` or
    /// `not found` (`api/v2/api.go` `deleteSilenceHandler` with `silence.Silences.Expire`
    /// returning `ErrNotFound`/"already expired" unchecked, v0.25.0).
    pub async fn expire(&self, id: &str) -> Result<bool, SilenceError> {
        let r = self
            .request(reqwest::Method::DELETE, &format!("/api/v2/silence/{id}"))
            .send()
            .await
            .map_err(|e| self.error(e))?;
        match r.status().as_u16() {
            200..=299 => Ok(true),
            404 => Ok(false),
            500 => match Self::refused(r).await {
                SilenceError::Refused(_, why)
                    if why.contains("already expired") || why.contains("not found") =>
                {
                    Ok(false)
                }
                e => Err(e),
            },
            _ => Err(Self::refused(r).await),
        }
    }

    /// The alerts Alertmanager holds now whose labels include every one of `labels`
    /// (`GET /api/v2/alerts?filter=name="value"`, firing ones only: Alertmanager keeps no
    /// resolved alert in this list). `active`, `silenced` and `inhibited` are all asked for.
    pub async fn firing(&self, labels: &Labels) -> Result<Vec<Labels>, SilenceError> {
        let mut q: Vec<(&str, String)> = labels
            .iter()
            .map(|(k, v)| ("filter", format!("{k}={}", quote(v))))
            .collect();
        for k in ["active", "silenced", "inhibited", "unprocessed"] {
            q.push((k, "true".into()));
        }
        let r = self
            .request(reqwest::Method::GET, "/api/v2/alerts")
            .query(&q)
            .send()
            .await
            .map_err(|e| self.error(e))?;
        if !r.status().is_success() {
            return Err(Self::refused(r).await);
        }
        let v: Vec<Value> = r.json().await.map_err(|_| SilenceError::BadBody)?;
        Ok(v.iter()
            .filter(|a| a.pointer("/status/state").and_then(Value::as_str) != Some("resolved"))
            .filter_map(|a| serde_json::from_value::<Labels>(a.get("labels")?.clone()).ok())
            .filter(|l| labels.iter().all(|(k, v)| l.get(k) == Some(v)))
            .collect())
    }
}

/// A matcher value in Alertmanager's filter syntax: double-quoted, `\\` and `"` escaped.
fn quote(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_one_exact_matcher_per_label() {
        let mut l = Labels::new();
        l.insert("alertname".into(), "DiskFull".into());
        l.insert("instance".into(), "db-1".into());
        let b = silence_body(
            &l,
            1_740_823_500_000,
            1_740_827_100_000,
            "slack:U1",
            "from #ops",
        );
        assert_eq!(
            b,
            json!({"matchers": [
                {"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true},
                {"name": "instance", "value": "db-1", "isRegex": false, "isEqual": true}],
              "startsAt": "2025-03-01T10:05:00.000Z", "endsAt": "2025-03-01T11:05:00.000Z",
              "createdBy": "slack:U1", "comment": "from #ops"})
        );
    }
}
