//! The two bodies `/alerts/*` accept, parsed into one [`Incoming`] group update. Raw JSON stops
//! here: a body that does not parse is a [`BadAlert`] with the reason (answered 400, nothing
//! stored, nothing posted).
//!
//! - Alertmanager's webhook, payload version 4 (`notify/webhook/webhook.go` `Message`,
//!   `template/template.go` `Data`/`Alert`): `status`, `groupKey`, `groupLabels`,
//!   `commonLabels`, `commonAnnotations`, `externalURL`, `alerts[]` with `status`, `labels`,
//!   `annotations`, `startsAt`, `endsAt`, `generatorURL`, `fingerprint`. Unknown keys ignored.
//! - The generic body for uptime checkers and scripts: `summary` (required), `severity`,
//!   `status` (`firing`|`resolved`, default `firing`), `dedup_key`, `source`, `url`, `details`.
//!   Unknown keys are refused (a typo would otherwise be lost silently).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// Why a body was refused (the 400's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadAlert(pub String);

pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq)]
pub struct IncomingAlert {
    pub fingerprint: String,
    pub firing: bool,
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub generator_url: Option<String>,
}

/// One notification about one alert group.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// `alertmanager`, `julia`, or the generic body's `source`.
    pub source: String,
    /// Unique per group: `am:<groupKey>`, `generic:<source>:<dedup_key>`, `julia:<check>`.
    pub group_key: String,
    pub title: String,
    pub severity: Option<String>,
    pub summary: Option<String>,
    /// The labels a silence matches on (Alertmanager's `commonLabels` and `groupLabels`).
    pub match_labels: Labels,
    pub source_url: Option<String>,
    pub external_url: Option<String>,
    /// Alertmanager's top-level `status == resolved`: every alert of the group is resolved
    /// (never when some were left out).
    pub all_resolved: bool,
    /// Alertmanager's `truncatedAlerts`: alerts of the group `max_alerts` left out of the body.
    pub truncated: i64,
    pub alerts: Vec<IncomingAlert>,
    /// Extra buttons on the group's message (the health watcher's), Block Kit JSON.
    pub extra_actions: Vec<Value>,
    /// `chatops_declare="P1"` on the group: auto-declare (when `ALERTS_AUTO_DECLARE` is on).
    pub declare: Option<String>,
}

fn firing(status: &str) -> Result<bool, BadAlert> {
    match status {
        "firing" => Ok(true),
        "resolved" => Ok(false),
        other => Err(BadAlert(format!(
            "unknown status `{}`: use `firing` or `resolved`",
            other.chars().take(40).collect::<String>()
        ))),
    }
}

/// RFC 3339 -> epoch ms; Alertmanager's zero time (`0001-01-01T00:00:00Z`) is `None`.
fn time(field: &str, s: &str) -> Result<Option<i64>, BadAlert> {
    if s.is_empty() || s.starts_with("0001-01-01") {
        return Ok(None);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| Some(t.timestamp_millis()))
        .map_err(|_| BadAlert(format!("`{field}` is not an RFC 3339 time")))
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmMessage {
    status: String,
    group_key: String,
    #[serde(default)]
    group_labels: Labels,
    #[serde(default)]
    common_labels: Labels,
    #[serde(default)]
    common_annotations: Labels,
    #[serde(default, rename = "externalURL")]
    external_url: String,
    #[serde(default)]
    truncated_alerts: u64,
    alerts: Vec<AmAlert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmAlert {
    status: String,
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default, rename = "generatorURL")]
    generator_url: String,
    #[serde(default)]
    fingerprint: String,
}

/// A label set's own fingerprint when the sender gave none (FNV-1a over sorted pairs).
fn fingerprint(labels: &Labels) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        for b in k.bytes().chain([0xff]).chain(v.bytes()).chain([0xfe]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn json_error(e: serde_json::Error) -> BadAlert {
    // serde's message names the field and the position; never the value itself.
    BadAlert(format!("malformed body: {e}"))
}

pub fn alertmanager(body: &[u8]) -> Result<Incoming, BadAlert> {
    let m: AmMessage = serde_json::from_slice(body).map_err(json_error)?;
    let top_firing = firing(&m.status)?;
    if m.group_key.trim().is_empty() {
        return Err(BadAlert("`groupKey` is empty".into()));
    }
    if m.alerts.is_empty() {
        return Err(BadAlert("`alerts` is empty".into()));
    }
    let mut alerts = Vec::with_capacity(m.alerts.len());
    for (i, a) in m.alerts.iter().enumerate() {
        let starts_at = time(&format!("alerts[{i}].startsAt"), &a.starts_at)?
            .ok_or_else(|| BadAlert(format!("`alerts[{i}].startsAt` is missing")))?;
        alerts.push(IncomingAlert {
            fingerprint: if a.fingerprint.trim().is_empty() {
                fingerprint(&a.labels)
            } else {
                a.fingerprint.trim().chars().take(64).collect()
            },
            firing: firing(&a.status)?,
            starts_at,
            ends_at: time(&format!("alerts[{i}].endsAt"), &a.ends_at)?,
            generator_url: Some(a.generator_url.clone()).filter(|u| !u.is_empty()),
            labels: a.labels.clone(),
            annotations: a.annotations.clone(),
        });
    }
    let first = &m.alerts[0];
    let label = |k: &str| {
        non_empty(m.group_labels.get(k))
            .or_else(|| non_empty(m.common_labels.get(k)))
            .or_else(|| non_empty(first.labels.get(k)))
    };
    let annotation = |k: &str| {
        non_empty(m.common_annotations.get(k)).or_else(|| {
            alerts
                .iter()
                .find(|a| a.firing)
                .or(alerts.first())
                .and_then(|a| non_empty(a.annotations.get(k)))
        })
    };
    // Every label the group's alerts share, not only those it is grouped by: grouped by
    // `alertname` alone, a silence on `groupLabels` would mute every team's `DiskFull`.
    // `commonLabels` always holds `groupLabels` (each alert of the group carries them); the
    // union keeps them even if a sender left one out.
    let mut match_labels = m.common_labels.clone();
    match_labels.extend(m.group_labels.clone());
    Ok(Incoming {
        source: "alertmanager".into(),
        group_key: format!("am:{}", m.group_key),
        title: label("alertname").unwrap_or_else(|| m.group_key.clone()),
        severity: label("severity"),
        summary: annotation("summary").or_else(|| annotation("description")),
        match_labels,
        source_url: alerts
            .iter()
            .find(|a| a.firing)
            .or(alerts.first())
            .and_then(|a| a.generator_url.clone()),
        external_url: Some(m.external_url.clone()).filter(|u| !u.is_empty()),
        // Left-out alerts may be firing: the sent ones' status says nothing about them.
        all_resolved: !top_firing && m.truncated_alerts == 0,
        truncated: m.truncated_alerts.min(i64::MAX as u64) as i64,
        declare: label("chatops_declare"),
        alerts,
        extra_actions: Vec::new(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Generic {
    summary: String,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    dedup_key: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    details: Option<Value>,
}

/// Longest `summary` accepted (it becomes a title and a header).
pub const SUMMARY_MAX: usize = 500;

pub fn generic(body: &[u8], now_ms: i64) -> Result<Incoming, BadAlert> {
    let g: Generic = serde_json::from_slice(body).map_err(json_error)?;
    let summary = g.summary.trim().to_string();
    if summary.is_empty() {
        return Err(BadAlert("`summary` is empty".into()));
    }
    if summary.chars().count() > SUMMARY_MAX {
        return Err(BadAlert(format!(
            "`summary` is longer than {SUMMARY_MAX} characters"
        )));
    }
    let is_firing = firing(g.status.as_deref().unwrap_or("firing"))?;
    if let Some(u) = &g.url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(BadAlert("`url` must be an http(s) URL".into()));
        }
    }
    let source = non_empty(g.source.as_ref()).unwrap_or_else(|| "generic".into());
    let dedup = non_empty(g.dedup_key.as_ref()).unwrap_or_else(|| summary.clone());
    let details = match g.details {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(v) => Some(serde_json::to_string_pretty(&v).unwrap_or_default()),
    };
    let mut annotations = Labels::new();
    annotations.insert("summary".into(), summary.clone());
    if let Some(d) = &details {
        annotations.insert("details".into(), d.chars().take(4000).collect());
    }
    let mut labels = Labels::new();
    labels.insert("source".into(), source.clone());
    labels.insert("dedup_key".into(), dedup.clone());
    Ok(Incoming {
        group_key: format!("generic:{source}:{dedup}"),
        title: summary.clone(),
        severity: non_empty(g.severity.as_ref()),
        summary: details,
        match_labels: Labels::new(),
        source_url: g.url.clone(),
        external_url: None,
        all_resolved: !is_firing,
        truncated: 0,
        alerts: vec![IncomingAlert {
            fingerprint: fingerprint(&labels),
            firing: is_firing,
            labels,
            annotations,
            starts_at: now_ms,
            ends_at: (!is_firing).then_some(now_ms),
            generator_url: g.url,
        }],
        extra_actions: Vec::new(),
        declare: None,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AM: &str = r#"{"receiver":"chatops","status":"firing","alerts":[
 {"status":"firing","labels":{"alertname":"DiskFull","instance":"db-1","severity":"critical"},
  "annotations":{"summary":"db-1 disk 95%"},"startsAt":"2025-03-01T10:00:00.123Z",
  "endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom:9090/graph","fingerprint":"1a2b3c4d5e6f7081"},
 {"status":"resolved","labels":{"alertname":"DiskFull","instance":"db-2"},
  "annotations":{"summary":"db-2 disk 96%"},"startsAt":"2025-03-01T09:40:00Z",
  "endsAt":"2025-03-01T10:04:30Z","generatorURL":"","fingerprint":"9f8e7d6c5b4a3921"}],
 "notification_reason":"new alerts added","groupLabels":{"alertname":"DiskFull"},
 "commonLabels":{"alertname":"DiskFull"},"commonAnnotations":{},"routeLabels":{},
 "externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{alertname=\"DiskFull\"}","truncatedAlerts":0}"#;

    #[test]
    fn the_contract_example_parses() {
        let i = alertmanager(AM.as_bytes()).unwrap();
        assert_eq!(i.group_key, "am:{}:{alertname=\"DiskFull\"}");
        assert_eq!(i.title, "DiskFull");
        assert_eq!(i.severity.as_deref(), Some("critical"));
        assert_eq!(i.summary.as_deref(), Some("db-1 disk 95%"));
        assert_eq!(i.alerts.len(), 2);
        assert!(i.alerts[0].firing && !i.alerts[1].firing);
        assert_eq!(i.alerts[0].ends_at, None);
        assert_eq!(i.alerts[0].starts_at, 1_740_823_200_123);
        assert_eq!(i.alerts[1].generator_url, None);
        assert_eq!(
            i.match_labels.get("alertname").map(String::as_str),
            Some("DiskFull")
        );
        assert_eq!(i.source_url.as_deref(), Some("http://prom:9090/graph"));
    }

    #[test]
    fn bad_bodies_name_the_reason() {
        let bad = |s: &str| alertmanager(s.as_bytes()).unwrap_err().0;
        assert!(bad("{").contains("malformed"));
        assert!(bad(&AM.replace(
            r#""status":"firing","alerts""#,
            r#""status":"burning","alerts""#
        ))
        .contains("unknown status `burning`"));
        assert!(
            bad(&AM.replace("2025-03-01T09:40:00Z", "yesterday")).contains("alerts[1].startsAt")
        );
        assert!(
            bad(r#"{"status":"firing","groupKey":"k","alerts":[]}"#).contains("`alerts` is empty")
        );
        let g = |s: &str| generic(s.as_bytes(), 0).unwrap_err().0;
        assert!(g(r#"{"summary":"x","status":"down"}"#).contains("unknown status"));
        assert!(g(r#"{"sumary":"x"}"#).contains("unknown field"));
        assert!(g(r#"{"summary":"  "}"#).contains("empty"));
        assert!(g(r#"{"summary":"x","url":"javascript:1"}"#).contains("http"));
    }

    #[test]
    fn generic_groups_by_source_and_dedup_key() {
        let a = generic(
            br#"{"summary":"site down","source":"uptime","dedup_key":"home"}"#,
            5,
        )
        .unwrap();
        let b = generic(br#"{"summary":"site still down","source":"uptime","dedup_key":"home","status":"resolved"}"#, 6).unwrap();
        assert_eq!(a.group_key, b.group_key);
        assert_eq!(a.alerts[0].fingerprint, b.alerts[0].fingerprint);
        assert!(a.alerts[0].firing && b.all_resolved);
    }
}
