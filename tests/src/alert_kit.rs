//! Helpers of the alert tests (`tests/alerts.rs`, `tests/alert_actions.rs`): Alertmanager
//! payloads, the bearer token, reading the alert message back from the fake Slack.

use std::time::Duration;

use serde_json::{json, Value};

use crate::app::INCIDENTS;
use crate::{eventually, AppOptions, TestApp};

pub const WAIT: Duration = Duration::from_secs(10);
pub const TOKEN: &str = "alerts-token-5f1c0d9a7e2b";

pub fn opts() -> AppOptions {
    AppOptions::default().env("ALERTS_TOKEN", TOKEN)
}

pub async fn send(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.http
        .post(app.url(path))
        .bearer_auth(TOKEN)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// POSTs an Alertmanager notification and returns the answer's JSON (asserting 200).
pub async fn notify(app: &TestApp, body: &Value) -> Value {
    let r = send(app, "/alerts/alertmanager", body).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

pub fn am_alert(status: &str, instance: &str, extra: Value) -> Value {
    let mut labels = json!({"alertname": "DiskFull", "instance": instance, "severity": "critical"});
    if let Some(o) = extra.as_object() {
        for (k, v) in o {
            labels[k] = v.clone();
        }
    }
    json!({"status": status, "labels": labels,
           "annotations": {"summary": format!("{instance} disk 95%")},
           "startsAt": "2026-11-30T10:00:00.123Z",
           "endsAt": if status == "firing" { "0001-01-01T00:00:00Z" } else { "2026-11-30T10:20:00Z" },
           "generatorURL": "http://prom:9090/graph?g0.expr=disk", "fingerprint": format!("{:0>16}", instance.len() * 7 + instance.as_bytes()[instance.len() - 1] as usize)})
}

/// An Alertmanager (payload v4) notification of the group `alertname`.
pub fn am(status: &str, alertname: &str, alerts: Vec<Value>) -> Value {
    let alerts: Vec<Value> = alerts
        .into_iter()
        .map(|mut a| {
            a["labels"]["alertname"] = alertname.into();
            a
        })
        .collect();
    json!({"receiver": "chatops", "status": status, "alerts": alerts,
           "groupLabels": {"alertname": alertname}, "commonLabels": {"alertname": alertname, "severity": "critical"},
           "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "version": "4",
           "groupKey": format!("{{}}:{{alertname=\"{alertname}\"}}"), "truncatedAlerts": 0,
           "notification_reason": "new alerts added", "routeLabels": {}})
}

pub fn body_of(v: &Value) -> String {
    format!("{}{}", v["text"].as_str().unwrap_or(""), v["blocks"])
}

/// Every mrkdwn text object in a message (where Slack would format and ping).
pub fn mrkdwn_texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if o.get("type").and_then(Value::as_str) == Some("mrkdwn") {
                out.push(
                    o.get("text")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                );
            }
            o.values().for_each(|x| mrkdwn_texts(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| mrkdwn_texts(x, out)),
        _ => {}
    }
}

pub fn buttons(msg: &Value) -> Vec<String> {
    msg["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .map(|e| e["action_id"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The channel's only alert-group message as it reads now (its header says FIRING or RESOLVED).
pub fn only_message(app: &TestApp) -> Value {
    let m: Vec<Value> = app
        .slack
        .messages_in(INCIDENTS)
        .into_iter()
        .filter(|m| {
            let h = m["blocks"][0]["text"]["text"].as_str().unwrap_or("");
            h.contains("[FIRING]") || h.contains("[RESOLVED]")
        })
        .collect();
    assert_eq!(
        m.len(),
        1,
        "one message: {m:?} of {:?}",
        app.slack.messages_in(INCIDENTS)
    );
    m.into_iter().next().unwrap()
}

pub fn click(action: &str, value: &str, user: &str, rid: &str, app: &TestApp) -> Value {
    json!({"type": "block_actions", "user": {"id": user, "username": "ana"}, "trigger_id": format!("trig.{rid}"),
           "channel": {"id": INCIDENTS, "name": "incidents"}, "response_url": app.slack.response_url(rid),
           "actions": [{"action_id": action, "value": value}]})
}

pub async fn reply(app: &TestApp, rid: &str) -> String {
    let r = eventually(WAIT, || async {
        app.slack.responses_to(rid).into_iter().next()
    })
    .await
    .expect("a reply");
    r["text"].as_str().unwrap_or("").to_string()
}

/// Alerts of the group `alertname` for `instances`, all in `status`, sent; the answer's JSON.
pub async fn send_group(app: &TestApp, status: &str, alertname: &str, instances: &[&str]) -> Value {
    let alerts = instances
        .iter()
        .map(|i| am_alert(status, i, json!({})))
        .collect();
    notify(app, &am(status, alertname, alerts)).await
}

/// The alert message's text and blocks as one string.
pub fn message_text(app: &TestApp) -> String {
    body_of(&only_message(app))
}
