//! Alertmanager as it really is on the wire (#25): its API behind a bearer token, silences that
//! match every shared label, `truncatedAlerts`, big bodies, v0.25's 500 on an unknown silence,
//! the flood limit per source, and a group that resolved while silenced.

use serde_json::{json, Value};
use testkit::alert_kit::*;
use testkit::app::INCIDENTS;
use testkit::fake_alertmanager::FakeAlertmanager;
use testkit::*;

async fn with_am(db: &TestDb, fake: &FakeAlertmanager, extra: &[(&str, &str)]) -> TestApp {
    let slack = FakeSlack::start().await;
    let mut o = opts().env("ALERTMANAGER_URL", &fake.base_url);
    for (k, v) in extra {
        o = o.env(k, v);
    }
    spawn_app(db, &slack, o).await
}

async fn silence_click(app: &TestApp, g: i64, rid: &str) -> String {
    app.interaction(&click(
        "alert_silence",
        &format!("{g}:3600"),
        "U1",
        rid,
        app,
    ))
    .await;
    reply(app, rid).await
}

async fn the_api_token_is_sent_as_bearer(db: TestDb) {
    let fake = FakeAlertmanager::start().await;
    fake.state.lock().unwrap().bearer = Some("am-proxy-token-7c1e".into());
    let app = with_am(&db, &fake, &[("ALERTMANAGER_TOKEN", "am-proxy-token-7c1e")]).await;
    let g = send_group(&app, "firing", "DiskFull", &["db-1"]).await["group"]
        .as_i64()
        .unwrap();
    let t = silence_click(&app, g, "b1").await;
    let s = fake.silences();
    assert_eq!(s.len(), 1, "{t} {:?}", fake.requests());
    assert!(t.contains(&s[0].id), "{t}");
    assert!(!t.contains("am-proxy-token"), "{t}");
}
on_both_stores!(bearer, the_api_token_is_sent_as_bearer);

/// Grouped by `alertname` only, team a's DiskFull: the silence names team a, so team b's
/// DiskFull still notifies.
async fn a_silence_matches_every_shared_label(db: TestDb) {
    let fake = FakeAlertmanager::start().await;
    let app = with_am(&db, &fake, &[]).await;
    let mut n = am(
        "firing",
        "DiskFull",
        vec![
            am_alert("firing", "db-1", json!({"team": "a", "cluster": "prod"})),
            am_alert("firing", "db-2", json!({"team": "a", "cluster": "prod"})),
        ],
    );
    n["commonLabels"] =
        json!({"alertname": "DiskFull", "severity": "critical", "team": "a", "cluster": "prod"});
    let g = notify(&app, &n).await["group"].as_i64().unwrap();
    silence_click(&app, g, "m1").await;
    let s = fake.silences();
    assert_eq!(s.len(), 1, "{:?}", fake.requests());
    let matchers: Vec<(String, String)> = s[0].body["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(
                (m["isRegex"].clone(), m["isEqual"].clone()),
                (json!(false), json!(true))
            );
            (
                m["name"].as_str().unwrap().into(),
                m["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    for want in [
        ("alertname", "DiskFull"),
        ("team", "a"),
        ("cluster", "prod"),
    ] {
        assert!(
            matchers.contains(&(want.0.into(), want.1.into())),
            "{want:?} not in {matchers:?}"
        );
    }
    // Not the per-alert label: the silence covers the group.
    assert!(
        !matchers.iter().any(|(k, _)| k == "instance"),
        "{matchers:?}"
    );
}
on_both_stores!(shared_labels, a_silence_matches_every_shared_label);

async fn a_truncated_group_shows_the_rest_and_is_never_resolved(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    let mut n = am(
        "firing",
        "DiskFull",
        vec![
            am_alert("firing", "db-1", json!({})),
            am_alert("firing", "db-2", json!({})),
        ],
    );
    n["truncatedAlerts"] = json!(5);
    let g = notify(&app, &n).await["group"].as_i64().unwrap();
    app.drain_outbox().await;
    assert!(
        message_text(&app).contains("+5 not shown"),
        "{}",
        message_text(&app)
    );
    // The two sent resolve; five others may still fire: still FIRING.
    let mut n = am(
        "resolved",
        "DiskFull",
        vec![
            am_alert("resolved", "db-1", json!({})),
            am_alert("resolved", "db-2", json!({})),
        ],
    );
    n["truncatedAlerts"] = json!(5);
    notify(&app, &n).await;
    app.drain_outbox().await;
    let t = message_text(&app);
    assert!(
        t.contains("[FIRING] DiskFull") && t.contains("+5 not shown"),
        "{t}"
    );
    let status = format!("SELECT COUNT(*) FROM alert_groups WHERE id = {g} AND status = 'firing' AND resolved_at IS NULL");
    assert_eq!(app.scalar(&status).await, 1);
    // Nothing left out any more, all resolved: RESOLVED.
    send_group(&app, "resolved", "DiskFull", &["db-1", "db-2"]).await;
    app.drain_outbox().await;
    let t = message_text(&app);
    assert!(
        t.contains("[RESOLVED] DiskFull") && !t.contains("not shown"),
        "{t}"
    );
}
on_both_stores!(
    truncated,
    a_truncated_group_shows_the_rest_and_is_never_resolved
);

/// A big outage's body (2 MiB) is taken; over 8 MiB is refused (413).
async fn a_large_outage_body_is_accepted_up_to_8_mib(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    let big = |mib: usize| {
        let mut a = am_alert("firing", "db-1", json!({}));
        a["annotations"]["details"] = "x".repeat(mib * 1024 * 1024).into();
        am("firing", "Outage", vec![a])
    };
    let r = send(&app, "/alerts/alertmanager", &big(2)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alert_groups").await, 1);
    // Over 8 MiB: 413 (or the connection cut while the rest of the body was being sent).
    let r = app
        .http
        .post(app.url("/alerts/alertmanager"))
        .bearer_auth(TOKEN)
        .json(&big(9))
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status(), 413);
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alert_groups").await, 1);
}
on_both_stores!(big_body, a_large_outage_body_is_accepted_up_to_8_mib);

/// Alertmanager 0.25 answers 500 "silence not found" for a silence it no longer knows.
async fn an_old_alertmanager_500_on_a_gone_silence_is_already_expired(db: TestDb) {
    let fake = FakeAlertmanager::start().await;
    fake.state.lock().unwrap().before_v026 = true;
    let app = with_am(&db, &fake, &[]).await;
    let g = send_group(&app, "firing", "DiskFull", &["db-1"]).await["group"]
        .as_i64()
        .unwrap();
    silence_click(&app, g, "o1").await;
    assert_eq!(fake.silences().len(), 1);
    // Gone from Alertmanager (garbage-collected, or another replica's state).
    fake.state.lock().unwrap().silences.clear();
    app.interaction(&click("alert_expire", &g.to_string(), "U1", "o2", &app))
        .await;
    let t = reply(&app, "o2").await;
    assert!(
        t.contains("already expired") && !t.contains("did not"),
        "{t}"
    );
    let q = format!("SELECT COUNT(*) FROM alert_groups WHERE id = {g} AND silenced_until IS NULL AND silence_id IS NULL");
    assert_eq!(app.scalar(&q).await, 1);
    // A real failure is still said.
    silence_click(&app, g, "o3").await;
    fake.fail_with(Some(503));
    app.interaction(&click("alert_expire", &g.to_string(), "U1", "o4", &app))
        .await;
    assert!(reply(&app, "o4").await.contains("did not expire"));
}
on_both_stores!(
    old_am,
    an_old_alertmanager_500_on_a_gone_silence_is_already_expired
);

fn generic(summary: &str, severity: &str) -> Value {
    json!({"summary": summary, "severity": severity, "source": "exporter", "dedup_key": summary})
}

/// A flood from one source takes its own limit only; the summary lists the worst first.
async fn a_flood_from_one_source_leaves_the_others_their_posts(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts().env("ALERTS_MAX_POSTS_PER_MINUTE", "2")).await;
    for (s, sev) in [
        ("F1", "warning"),
        ("F2", "warning"),
        ("F3", "warning"),
        ("F4", "critical"),
        ("F5", "warning"),
        ("F6", "info"),
    ] {
        let r = send(&app, "/alerts/generic", &generic(s, sev)).await;
        assert_eq!(r.status(), 200);
    }
    let r = send_group(&app, "firing", "DiskFull", &["db-1"]).await;
    assert_eq!(r["outcome"], "posted", "{r}");
    app.drain_outbox().await;
    let summary = slack
        .messages_in(INCIDENTS)
        .into_iter()
        .find(|m| body_of(m).contains("Alert flood"))
        .expect("summary");
    let t = body_of(&summary);
    let at = |s: &str| {
        t.find(&format!(" {s}"))
            .unwrap_or_else(|| panic!("{s} in {t}"))
    };
    // Critical first, then the warnings newest first, then the unmapped severity.
    assert!(
        at("F4") < at("F5") && at("F5") < at("F3") && at("F3") < at("F6"),
        "{t}"
    );
    assert!(!t.contains("DiskFull"), "{t}");
}
on_both_stores!(
    per_source,
    a_flood_from_one_source_leaves_the_others_their_posts
);

/// db-1 resolved while silenced (Alertmanager never sent it); expiring the silence asks
/// Alertmanager what still fires.
async fn expiring_a_silence_rechecks_what_still_fires(db: TestDb) {
    let fake = FakeAlertmanager::start().await;
    let app = with_am(&db, &fake, &[]).await;
    let g = send_group(&app, "firing", "DiskFull", &["db-1", "db-2"]).await["group"]
        .as_i64()
        .unwrap();
    silence_click(&app, g, "r1").await;
    fake.set_alerts(vec![
        json!({"alertname": "DiskFull", "instance": "db-2", "severity": "critical"}),
        json!({"alertname": "DiskFull", "instance": "web-9", "severity": "warning"}),
    ]);
    app.interaction(&click("alert_expire", &g.to_string(), "U1", "r2", &app))
        .await;
    reply(&app, "r2").await;
    assert!(fake
        .requests()
        .iter()
        .any(|(m, p, _)| m == "GET" && p.starts_with("/api/v2/alerts?") && p.contains("filter")));
    let st = |i: &str| {
        format!("SELECT COUNT(*) FROM alerts WHERE group_id = {g} AND status = 'firing' AND labels LIKE '%\"{i}\"%'")
    };
    assert_eq!(app.scalar(&st("db-1")).await, 0);
    assert_eq!(app.scalar(&st("db-2")).await, 1);
    app.drain_outbox().await;
    let t = message_text(&app);
    assert!(
        t.contains("[FIRING] DiskFull") && t.contains("1 / 2"),
        "{t}"
    );
    // All gone while silenced: RESOLVED once the silence ends.
    silence_click(&app, g, "r3").await;
    fake.set_alerts(vec![]);
    app.interaction(&click("alert_expire", &g.to_string(), "U1", "r4", &app))
        .await;
    reply(&app, "r4").await;
    app.drain_outbox().await;
    let t = message_text(&app);
    assert!(t.contains("[RESOLVED] DiskFull"), "{t}");
}
on_both_stores!(recheck, expiring_a_silence_rechecks_what_still_fires);

/// The same when the silence runs out by itself: a job due at its end re-checks the group.
async fn a_silence_that_runs_out_rechecks_too(db: TestDb) {
    let fake = FakeAlertmanager::start().await;
    let app = with_am(&db, &fake, &[]).await;
    let g = send_group(&app, "firing", "DiskFull", &["db-1", "db-2"]).await["group"]
        .as_i64()
        .unwrap();
    silence_click(&app, g, "e1").await;
    fake.set_alerts(vec![
        json!({"alertname": "DiskFull", "instance": "db-2", "severity": "critical"}),
    ]);
    // Before its end nothing is asked.
    app.settle().await;
    assert!(!fake.requests().iter().any(|(m, _, _)| m == "GET"));
    app.ctx.clock.advance(std::time::Duration::from_secs(3601));
    app.settle().await;
    let st = |i: &str| {
        format!("SELECT COUNT(*) FROM alerts WHERE group_id = {g} AND status = 'firing' AND labels LIKE '%\"{i}\"%'")
    };
    assert_eq!(app.scalar(&st("db-1")).await, 0);
    assert_eq!(app.scalar(&st("db-2")).await, 1);
    let t = message_text(&app);
    assert!(t.contains("1 / 2") && !t.contains("Silenced by"), "{t}");
}
on_both_stores!(runs_out, a_silence_that_runs_out_rechecks_too);
