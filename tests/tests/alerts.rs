//! Alert intake end to end: Alertmanager's webhook and the generic body in, one Slack message
//! per group updated in place, floods, the buttons (Declare, Acknowledge, Silence with a real
//! Alertmanager silence), auto-declaration, and bad input. Every test runs on both stores.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::app::INCIDENTS;
use testkit::fake_alertmanager::FakeAlertmanager;
use testkit::*;

const WAIT: Duration = Duration::from_secs(10);
const TOKEN: &str = "alerts-token-5f1c0d9a7e2b";

fn opts() -> AppOptions {
    AppOptions::default().env("ALERTS_TOKEN", TOKEN)
}

async fn send(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.http
        .post(app.url(path))
        .bearer_auth(TOKEN)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// POSTs an Alertmanager notification and returns the answer's JSON (asserting 200).
async fn notify(app: &TestApp, body: &Value) -> Value {
    let r = send(app, "/alerts/alertmanager", body).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn am_alert(status: &str, instance: &str, extra: Value) -> Value {
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
fn am(status: &str, alertname: &str, alerts: Vec<Value>) -> Value {
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

fn body_of(v: &Value) -> String {
    format!("{}{}", v["text"].as_str().unwrap_or(""), v["blocks"])
}

/// Every mrkdwn text object in a message (where Slack would format and ping).
fn mrkdwn_texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if o.get("type").and_then(Value::as_str) == Some("mrkdwn") {
                out.push(o.get("text").and_then(Value::as_str).unwrap_or("").to_string());
            }
            o.values().for_each(|x| mrkdwn_texts(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| mrkdwn_texts(x, out)),
        _ => {}
    }
}

fn buttons(msg: &Value) -> Vec<String> {
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
fn only_message(app: &TestApp) -> Value {
    let m: Vec<Value> = app
        .slack
        .messages_in(INCIDENTS)
        .into_iter()
        .filter(|m| {
            let h = m["blocks"][0]["text"]["text"].as_str().unwrap_or("");
            h.contains("[FIRING]") || h.contains("[RESOLVED]")
        })
        .collect();
    assert_eq!(m.len(), 1, "one message: {m:?} of {:?}", app.slack.messages_in(INCIDENTS));
    m.into_iter().next().unwrap()
}

fn click(action: &str, value: &str, user: &str, rid: &str, app: &TestApp) -> Value {
    json!({"type": "block_actions", "user": {"id": user, "username": "ana"}, "trigger_id": format!("trig.{rid}"),
           "channel": {"id": INCIDENTS, "name": "incidents"}, "response_url": app.slack.response_url(rid),
           "actions": [{"action_id": action, "value": value}]})
}

async fn reply(app: &TestApp, rid: &str) -> String {
    let r = eventually(WAIT, || async { app.slack.responses_to(rid).into_iter().next() })
        .await
        .expect("a reply");
    r["text"].as_str().unwrap_or("").to_string()
}

async fn alertmanager_group_is_one_message_updated_in_place(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    // Firing.
    let r = notify(&app, &am("firing", "DiskFull", vec![am_alert("firing", "db-1", json!({}))])).await;
    assert_eq!((r["outcome"].as_str(), r["firing"].as_i64()), (Some("posted"), Some(1)), "{r}");
    app.drain_outbox().await;
    let m = only_message(&app);
    let t = body_of(&m);
    assert!(t.contains("[FIRING] DiskFull") && t.contains("db-1 disk 95%"), "{t}");
    assert!(t.contains("1 / 1") && t.contains("Severity: critical"), "{t}");
    assert!(t.contains("<http://prom:9090/graph?g0.expr=disk|Source>") && t.contains("<http://alertmanager:9093|Alertmanager>"), "{t}");
    assert_eq!(buttons(&m), ["alert_declare", "alert_ack", "alert_silence", "alert_silence"]);
    // Repeated firing: the same message, updated (never re-posted).
    let r = notify(&app, &am("firing", "DiskFull", vec![am_alert("firing", "db-1", json!({}))])).await;
    assert_eq!(r["outcome"], "updated");
    app.drain_outbox().await;
    assert_eq!(slack.posts_in(INCIDENTS).len(), 1);
    assert!(body_of(&only_message(&app)).contains("Notifications*\\n2"), "{}", body_of(&only_message(&app)));
    // A group of 3.
    let three = vec![
        am_alert("firing", "db-1", json!({})),
        am_alert("firing", "db-2", json!({})),
        am_alert("firing", "db-3", json!({})),
    ];
    notify(&app, &am("firing", "DiskFull", three)).await;
    app.drain_outbox().await;
    let t = body_of(&only_message(&app));
    assert!(t.contains("3 / 3") && t.contains("db-2 — db-2 disk 95%") && t.contains("db-3"), "{t}");
    // Resolved: on the same message, without the silence buttons.
    let resolved = vec![
        am_alert("resolved", "db-1", json!({})),
        am_alert("resolved", "db-2", json!({})),
        am_alert("resolved", "db-3", json!({})),
    ];
    let r = notify(&app, &am("resolved", "DiskFull", resolved)).await;
    assert_eq!((r["firing"].as_i64(), r["alerts"].as_i64()), (Some(0), Some(3)));
    app.drain_outbox().await;
    let m = only_message(&app);
    let t = body_of(&m);
    assert!(t.contains("[RESOLVED] DiskFull") && t.contains("0 / 3") && t.contains("Resolved"), "{t}");
    assert_eq!(buttons(&m), ["alert_declare"]);
    assert_eq!(slack.posts_in(INCIDENTS).len(), 1, "never re-posted");
    assert!(!slack.updates_in(INCIDENTS).is_empty());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alert_groups").await, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alerts WHERE status = 'resolved'").await, 3);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alert_notifications").await, 4);
}
on_both_stores!(group_message, alertmanager_group_is_one_message_updated_in_place);

async fn a_flood_never_means_a_post_per_alert(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    // 500 alerts in one group: one message.
    let many: Vec<Value> = (0..500)
        .map(|i| am_alert("firing", &format!("node-{i:03}"), json!({})))
        .collect();
    let mut big = am("firing", "NodeDown", many);
    for (i, a) in big["alerts"].as_array_mut().unwrap().iter_mut().enumerate() {
        a["fingerprint"] = format!("{i:016x}").into();
    }
    let r = notify(&app, &big).await;
    assert_eq!(r["firing"], 500);
    // A flapping group: one message, however many notifications.
    for i in 0..30 {
        let st = if i % 2 == 0 { "firing" } else { "resolved" };
        notify(&app, &am(st, "Flappy", vec![am_alert(st, "web-1", json!({}))])).await;
    }
    // 500 groups in a burst: at most 10 posts a minute, the rest in one summary per minute.
    for i in 0..500 {
        let r = notify(&app, &am("firing", &format!("Burst{i:03}"), vec![am_alert("firing", "x-1", json!({}))])).await;
        assert!(matches!(r["outcome"].as_str(), Some("posted") | Some("summarised")), "{r}");
    }
    app.drain_outbox().await;
    let posts = slack.posts_in(INCIDENTS);
    let big_posts = posts.iter().filter(|p| body_of(p).contains("NodeDown")).count();
    let flappy = posts.iter().filter(|p| body_of(p).contains("Flappy")).count();
    assert_eq!((big_posts, flappy), (1, 1));
    assert!(body_of(&posts[0]).contains("500 / 500") && body_of(&posts[0]).contains("… and 492 more"), "{}", body_of(&posts[0]));
    // Per minute window: at most 10 group posts (all groups counted), one summary per window
    // that overflowed, and every group either posted or listed.
    // The limit is a rolling minute: no 60 s holds more than 10 group posts.
    let posted: Vec<i64> = sqlx::query_scalar(
        "SELECT posted_at FROM alert_groups WHERE posted_at IS NOT NULL ORDER BY posted_at",
    )
    .fetch_all(&app.ctx.store.pool)
    .await
    .unwrap();
    for (i, t) in posted.iter().enumerate() {
        let in_minute = posted[..=i].iter().filter(|p| **p > t - 60_000).count();
        assert!(in_minute <= 10, "{in_minute} posts in the minute before {t}");
    }
    // At most one summary per calendar minute the burst spanned.
    let minutes = app
        .scalar("SELECT COUNT(DISTINCT created_at / 60000) FROM alert_groups")
        .await;
    let summaries = app.scalar("SELECT COUNT(*) FROM alert_summaries").await;
    assert!((1..=minutes).contains(&summaries), "{summaries} summaries over {minutes} minutes");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM alert_groups WHERE post_outbox_id IS NULL AND summary_id IS NULL").await,
        0
    );
    let group_posts = app.scalar("SELECT COUNT(*) FROM alert_groups WHERE post_outbox_id IS NOT NULL").await;
    assert_eq!(posts.len() as i64, group_posts + summaries, "one post per posted group, one per summary");
    assert!(posts.len() <= 22, "{} posts for 502 groups", posts.len());
    let listed = app.scalar("SELECT COUNT(*) FROM alert_groups WHERE summary_id IS NOT NULL").await;
    assert_eq!(listed, 502 - group_posts);
    // The summary, updated in place, lists the rest.
    let summary = slack
        .messages_in(INCIDENTS)
        .into_iter()
        .find(|m| body_of(m).contains("Alert flood"))
        .expect("summary");
    let t = body_of(&summary);
    assert!(t.contains("more alert groups") && t.contains("Burst010") && t.contains("more"), "{t}");
}
on_both_stores!(flood, a_flood_never_means_a_post_per_alert);

async fn silence_creates_a_real_silence_that_only_its_author_expires(db: TestDb) {
    let slack = FakeSlack::start().await;
    let am_fake = FakeAlertmanager::start().await;
    let app = spawn_app(&db, &slack, opts().env("ALERTMANAGER_URL", &am_fake.base_url)).await;
    let mut n = am("firing", "DiskFull", vec![am_alert("firing", "db-1", json!({"cluster": "prod"}))]);
    n["groupLabels"] = json!({"alertname": "DiskFull", "cluster": "prod"});
    let g = notify(&app, &n).await["group"].as_i64().unwrap();
    app.drain_outbox().await;
    let r = app.interaction(&click("alert_silence", &format!("{g}:3600"), "U1", "s1", &app)).await;
    assert_eq!(r.status(), 200);
    let text = reply(&app, "s1").await;
    let silences = am_fake.silences();
    assert_eq!(silences.len(), 1, "{:?}", am_fake.requests());
    let s = &silences[0];
    assert!(text.contains(&s.id), "{text}");
    assert_eq!(
        s.body["matchers"],
        json!([{"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true},
               {"name": "cluster", "value": "prod", "isRegex": false, "isEqual": true}])
    );
    assert_eq!(s.body["createdBy"], "slack:U1");
    let comment = s.body["comment"].as_str().unwrap();
    assert!(comment.contains("DiskFull") && comment.contains("#incidents") && comment.contains("ana"), "{comment}");
    let ms = |k: &str| testkit::fake_alertmanager::rfc3339_ms(s.body[k].as_str().unwrap());
    assert_eq!(ms("endsAt") - ms("startsAt"), 3_600_000);
    app.drain_outbox().await;
    let m = only_message(&app);
    assert!(body_of(&m).contains("Silenced by <@U1>") && body_of(&m).contains(&s.id), "{}", body_of(&m));
    assert!(buttons(&m).contains(&"alert_expire".to_string()));
    // While silenced the bot does not post about the group.
    let calls = slack.calls().len();
    let r = notify(&app, &am("firing", "DiskFull", vec![am_alert("firing", "db-2", json!({"cluster": "prod"}))])).await;
    assert_eq!(r["outcome"], "silenced");
    app.drain_outbox().await;
    assert_eq!(slack.calls().len(), calls, "nothing sent to Slack");
    // Someone else cannot expire it.
    app.interaction(&click("alert_expire", &g.to_string(), "U2", "s2", &app)).await;
    assert!(reply(&app, "s2").await.contains("Only <@U1>"));
    assert!(!am_fake.silences()[0].expired);
    // Its author can: the Alertmanager silence is expired too.
    app.interaction(&click("alert_expire", &g.to_string(), "U1", "s3", &app)).await;
    assert!(reply(&app, "s3").await.contains("Silence expired"));
    assert!(am_fake.silences()[0].expired);
    assert!(am_fake
        .requests()
        .iter()
        .any(|(m, p, _)| m == "DELETE" && *p == format!("/api/v2/silence/{}", s.id)));
    app.drain_outbox().await;
    assert!(buttons(&only_message(&app)).contains(&"alert_silence".to_string()));
    // A failing Alertmanager: said so, and the bot-side mute still holds.
    am_fake.fail_with(Some(500));
    app.interaction(&click("alert_silence", &format!("{g}:14400"), "U1", "s4", &app)).await;
    let t = reply(&app, "s4").await;
    assert!(t.contains("Alertmanager did not create the silence") && t.contains("HTTP 500"), "{t}");
    assert_eq!(app.scalar(&format!("SELECT COUNT(*) FROM alert_groups WHERE id = {g} AND silenced_until IS NOT NULL AND silence_id IS NULL")).await, 1);
    // Acknowledge names who looked.
    app.interaction(&click("alert_ack", &g.to_string(), "U3", "s5", &app)).await;
    eventually(WAIT, || async {
        (app.scalar("SELECT COUNT(*) FROM alert_groups WHERE acked_by = 'U3'").await == 1).then_some(())
    })
    .await
    .expect("acknowledged");
    app.drain_outbox().await;
    assert!(body_of(&only_message(&app)).contains("Acknowledged by <@U3>"));
}
on_both_stores!(silence, silence_creates_a_real_silence_that_only_its_author_expires);

async fn declare_from_an_alert_links_both_ways(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    // A `warning` alert: the form is prefilled with P3 (ALERT_SEVERITY_MAP's default).
    let mut n = am("firing", "DiskFull", vec![am_alert("firing", "db-1", json!({"severity": "warning"}))]);
    n["commonLabels"]["severity"] = "warning".into();
    let g = notify(&app, &n).await["group"].as_i64().unwrap();
    app.drain_outbox().await;
    app.interaction(&click("alert_declare", &g.to_string(), "U1", "d1", &app)).await;
    let view = eventually(WAIT, || async { slack.calls_to("views.open").into_iter().next() })
        .await
        .expect("the declare form")
        .body["view"]
        .clone();
    let v = view.to_string();
    assert!(v.contains(r#""initial_value":"DiskFull""#), "{v}");
    let sev = view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block_id"] == "severity")
        .unwrap();
    assert_eq!(sev["element"]["initial_option"]["value"], "P3", "{v}");
    let meta = view["private_metadata"].as_str().unwrap().to_string();
    assert_eq!(meta, format!("{INCIDENTS}|alert:{g}"));
    let submit = json!({"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": "incident_declare", "private_metadata": meta,
        "state": {"values": {"title": {"title_input": {"type": "plain_text_input", "value": "DiskFull"}},
                             "severity": {"severity_select": {"type": "static_select", "selected_option": {"value": "P1"}}},
                             "impact": {"impact_input": {"type": "plain_text_input", "value": null}},
                             "commander": {"commander_select": {"type": "users_select", "selected_user": null}}}}}});
    let r = app.interaction(&submit).await;
    assert!(r.text().await.unwrap().is_empty());
    app.settle().await;
    let id = app.scalar("SELECT id FROM incidents").await;
    assert_eq!(app.scalar(&format!("SELECT alert_group_id FROM incidents WHERE id = {id}")).await, g);
    assert_eq!(app.scalar(&format!("SELECT incident_id FROM alert_groups WHERE id = {g}")).await, id);
    assert!(body_of(&only_message(&app)).contains(&format!("Declared as *INC-{id}*")));
    assert!(!buttons(&only_message(&app)).contains(&"alert_declare".to_string()));
    // Later firings and the resolution go to the incident's timeline and its war room.
    let room: String = sqlx::query_scalar("SELECT channel_id FROM incidents")
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap();
    notify(&app, &am("firing", "DiskFull", vec![am_alert("firing", "db-1", json!({})), am_alert("firing", "db-2", json!({}))])).await;
    notify(&app, &am("resolved", "DiskFull", vec![am_alert("resolved", "db-1", json!({})), am_alert("resolved", "db-2", json!({}))])).await;
    app.drain_outbox().await;
    let events: Vec<String> = sqlx::query_scalar("SELECT text FROM timeline WHERE kind = 'alert' ORDER BY id")
        .fetch_all(&app.ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(
        events,
        [
            "declared from alert DiskFull (1 of 1 firing, source alertmanager)".to_string(),
            "alert DiskFull: 2 of 2 firing".into(),
            "alert DiskFull resolved (2 alerts)".into()
        ]
    );
    let room_posts: Vec<String> = slack.posts_in(&room).iter().map(body_of).collect();
    assert!(room_posts.iter().any(|p| p.contains("2 of 2 firing")), "{room_posts:?}");
    assert!(room_posts.iter().any(|p| p.contains("resolved (all 2 alerts)")), "{room_posts:?}");
    // Declaring again says where it went.
    app.interaction(&click("alert_declare", &g.to_string(), "U2", "d2", &app)).await;
    assert!(reply(&app, "d2").await.contains(&format!("already declared as *INC-{id}*")));
}
on_both_stores!(declare_link, declare_from_an_alert_links_both_ways);

async fn groups_labelled_chatops_declare_are_declared_by_the_bot(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts().env("ALERTS_AUTO_DECLARE", "on")).await;
    let mut n = am("firing", "ApiDown", vec![am_alert("firing", "api-1", json!({"chatops_declare": "P0"}))]);
    n["commonLabels"]["chatops_declare"] = "P0".into();
    // Alertmanager in HA sends the notification twice, possibly at once.
    let (a, b) = tokio::join!(notify(&app, &n), notify(&app, &n));
    assert_eq!(a["group"], b["group"]);
    // An unlabelled group is not declared.
    notify(&app, &am("firing", "DiskFull", vec![am_alert("firing", "db-1", json!({}))])).await;
    app.settle().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 1);
    let row = sqlx::query_as::<_, (i64, String, String, String, Option<String>)>(
        "SELECT id, severity, declared_by, title, channel_id FROM incidents",
    )
    .fetch_one(&app.ctx.store.pool)
    .await
    .unwrap();
    assert_eq!((row.1.as_str(), row.2.as_str(), row.3.as_str()), ("P0", "chatops", "ApiDown"));
    assert!(row.4.is_some(), "a P0 gets its war room");
    let g = a["group"].as_i64().unwrap();
    assert_eq!(app.scalar(&format!("SELECT incident_id FROM alert_groups WHERE id = {g}")).await, row.0);
    assert_eq!(app.scalar(&format!("SELECT alert_group_id FROM incidents WHERE id = {}", row.0)).await, g);
    // The bot is not invited to its own war room.
    assert!(slack
        .calls_to("conversations.invite")
        .iter()
        .all(|c| !c.body["users"].as_str().unwrap_or("").contains("chatops")));
    // Announced like any declaration.
    assert!(slack.posts_in(INCIDENTS).iter().any(|p| body_of(p).contains("ApiDown") && body_of(p).contains("INC-")));
}
on_both_stores!(auto_declare, groups_labelled_chatops_declare_are_declared_by_the_bot);

async fn generic_alerts_group_by_dedup_key(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    let body = json!({"summary": "checkout page down", "severity": "critical", "status": "firing",
                      "dedup_key": "checkout", "source": "uptime", "url": "https://status.example.com/checkout",
                      "details": {"region": "sa-east-1", "http": 503}});
    let r = send(&app, "/alerts/generic", &body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["outcome"], "posted");
    send(&app, "/alerts/generic", &body).await;
    let mut resolved = body.clone();
    resolved["status"] = "resolved".into();
    send(&app, "/alerts/generic", &resolved).await;
    app.drain_outbox().await;
    assert_eq!(slack.posts_in(INCIDENTS).len(), 1);
    let t = body_of(&only_message(&app));
    assert!(t.contains("[RESOLVED] checkout page down") && t.contains("sa-east-1") && t.contains("Source: uptime"), "{t}");
    assert!(t.contains("<https://status.example.com/checkout|Source>"), "{t}");
}
on_both_stores!(generic, generic_alerts_group_by_dedup_key);

async fn bad_alert_input_is_refused_and_changes_nothing(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    let good = am("firing", "DiskFull", vec![am_alert("firing", "db-1", json!({}))]);
    let post = |auth: Option<&'static str>, body: String| {
        let mut r = app
            .http
            .post(app.url("/alerts/alertmanager"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        r.send()
    };
    // Token: missing, wrong, or the wrong scheme.
    assert_eq!(post(None, good.to_string()).await.unwrap().status(), 401);
    assert_eq!(post(Some("Bearer alerts-token-wrong"), good.to_string()).await.unwrap().status(), 401);
    assert_eq!(post(Some("Basic YWxlcnRzOnRva2Vu"), good.to_string()).await.unwrap().status(), 401);
    // Malformed body, unknown status: 400 with the reason.
    let bearer = Some("Bearer alerts-token-5f1c0d9a7e2b");
    let r = post(bearer, "{\"status\": \"firing\", ".into()).await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("malformed body"));
    let mut bad = good.clone();
    bad["status"] = "exploded".into();
    let r = post(bearer, bad.to_string()).await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("unknown status `exploded`"));
    let mut bad = good.clone();
    bad["alerts"][0]["status"] = "pending".into();
    assert_eq!(post(bearer, bad.to_string()).await.unwrap().status(), 400);
    let r = send(&app, "/alerts/generic", &json!({"summary": "x", "sevrity": "critical"})).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("unknown field `sevrity`"));
    // Over 1 MiB: 413.
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
    assert_eq!(post(bearer, big).await.unwrap().status(), 413);
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.drain_outbox().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alert_groups").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, 0);
    assert!(slack.posts_in(INCIDENTS).is_empty());
    // Labels and annotations are data: no ping, no formatting.
    let mut hostile = am("firing", "<!channel> *DiskFull*", vec![am_alert("firing", "<@U0BOSS>", json!({}))]);
    hostile["alerts"][0]["annotations"]["summary"] = "<!here> _wake_ ~up~ `now` <https://evil.example|click>".into();
    hostile["commonAnnotations"]["summary"] = hostile["alerts"][0]["annotations"]["summary"].clone();
    notify(&app, &hostile).await;
    app.drain_outbox().await;
    let m = only_message(&app);
    let text = m["text"].as_str().unwrap();
    assert!(!text.contains("<!channel>") && !text.contains("<!here>") && !text.contains("<@U0BOSS>") && !text.contains("<https://evil"), "{text}");
    let mut md = Vec::new();
    mrkdwn_texts(&m["blocks"], &mut md);
    for t in &md {
        assert!(!t.contains("<!channel>") && !t.contains("<!here>") && !t.contains("U0BOSS") && !t.contains("evil.example") && !t.contains("_wake_"), "{t}");
    }
    assert!(m["blocks"].to_string().contains("<!here> _wake_"), "shown as typed, in plain text");
    // Without ALERTS_TOKEN the intake is off.
    let off = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let r = off.http.post(off.url("/alerts/generic")).bearer_auth(TOKEN).json(&json!({"summary": "x"})).send().await.unwrap();
    assert_eq!(r.status(), 404);
}
on_both_stores!(bad_input, bad_alert_input_is_refused_and_changes_nothing);
