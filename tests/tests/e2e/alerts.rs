//! Alert intake end to end: Alertmanager's webhook and the generic body in, one Slack message
//! per group updated in place, floods, and bad input. The buttons are in `alert_actions.rs`.
//! Every test runs on both stores.

use serde_json::{json, Value};
use testkit::alert_kit::*;
use testkit::app::INCIDENTS;
use testkit::*;

async fn firing_and_repeats_are_one_message(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    let r = send_group(&app, "firing", "DiskFull", &["db-1"]).await;
    assert_eq!(
        (r["outcome"].as_str(), r["firing"].as_i64()),
        (Some("posted"), Some(1)),
        "{r}"
    );
    app.drain_outbox().await;
    let m = only_message(&app);
    let t = body_of(&m);
    assert!(
        t.contains("[FIRING] DiskFull") && t.contains("db-1 disk 95%"),
        "{t}"
    );
    assert!(
        t.contains("1 / 1") && t.contains("Severity: critical"),
        "{t}"
    );
    assert!(
        t.contains("<http://prom:9090/graph?g0.expr=disk|Source>"),
        "{t}"
    );
    assert!(t.contains("<http://alertmanager:9093|Alertmanager>"), "{t}");
    assert_eq!(
        buttons(&m),
        [
            "alert_declare",
            "alert_ack",
            "alert_silence",
            "alert_silence"
        ]
    );
    // Repeated firing: the same message, updated (never re-posted).
    let r = send_group(&app, "firing", "DiskFull", &["db-1"]).await;
    assert_eq!(r["outcome"], "updated");
    app.drain_outbox().await;
    assert_eq!(slack.posts_in(INCIDENTS).len(), 1);
    let t = message_text(&app);
    assert!(t.contains("Notifications*\\n2"), "{t}");
}
on_both_stores!(firing, firing_and_repeats_are_one_message);

async fn a_group_of_three_resolves_on_the_same_message(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    send_group(&app, "firing", "DiskFull", &["db-1"]).await;
    app.drain_outbox().await;
    send_group(&app, "firing", "DiskFull", &["db-1", "db-2", "db-3"]).await;
    app.drain_outbox().await;
    let t = message_text(&app);
    assert!(
        t.contains("3 / 3") && t.contains("db-2 — db-2 disk 95%") && t.contains("db-3"),
        "{t}"
    );
    // Resolved: on the same message, without the silence buttons.
    let r = send_group(&app, "resolved", "DiskFull", &["db-1", "db-2", "db-3"]).await;
    assert_eq!(
        (r["firing"].as_i64(), r["alerts"].as_i64()),
        (Some(0), Some(3))
    );
    app.drain_outbox().await;
    let m = only_message(&app);
    let t = body_of(&m);
    assert!(
        t.contains("[RESOLVED] DiskFull") && t.contains("0 / 3") && t.contains("Resolved"),
        "{t}"
    );
    assert_eq!(buttons(&m), ["alert_declare"]);
    assert_eq!(slack.posts_in(INCIDENTS).len(), 1, "never re-posted");
    assert!(slack.updates_in(INCIDENTS).len() >= 2);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alert_groups").await, 1);
    let resolved = app
        .scalar("SELECT COUNT(*) FROM alerts WHERE status = 'resolved'")
        .await;
    assert_eq!(resolved, 3);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM alert_notifications").await,
        3
    );
}
on_both_stores!(
    group_of_three,
    a_group_of_three_resolves_on_the_same_message
);

async fn a_big_or_flapping_group_is_one_message(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    // 500 alerts in one group.
    let many: Vec<Value> = (0..500)
        .map(|i| am_alert("firing", &format!("node-{i:03}"), json!({})))
        .collect();
    let mut big = am("firing", "NodeDown", many);
    for (i, a) in big["alerts"].as_array_mut().unwrap().iter_mut().enumerate() {
        a["fingerprint"] = format!("{i:016x}").into();
    }
    assert_eq!(notify(&app, &big).await["firing"], 500);
    // A flapping group.
    for i in 0..30 {
        let st = if i % 2 == 0 { "firing" } else { "resolved" };
        send_group(&app, st, "Flappy", &["web-1"]).await;
    }
    app.drain_outbox().await;
    let posts = slack.posts_in(INCIDENTS);
    assert_eq!(posts.len(), 2);
    let t = body_of(&posts[0]);
    assert!(
        t.contains("500 / 500") && t.contains("… and 492 more"),
        "{t}"
    );
    // The flapping group's one message shows its last state.
    let flappy = slack
        .messages_in(INCIDENTS)
        .into_iter()
        .find(|m| body_of(m).contains("Flappy"))
        .unwrap();
    assert!(
        body_of(&flappy).contains("[RESOLVED] Flappy"),
        "{}",
        body_of(&flappy)
    );
    assert!(
        body_of(&flappy).contains("Notifications*\\n30"),
        "{}",
        body_of(&flappy)
    );
}
on_both_stores!(big_group, a_big_or_flapping_group_is_one_message);

async fn a_burst_of_500_groups_posts_at_most_the_limit_and_one_summary(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    for i in 0..500 {
        let r = send_group(&app, "firing", &format!("Burst{i:03}"), &["x-1"]).await;
        let outcome = r["outcome"].as_str().unwrap_or("").to_string();
        assert!(outcome == "posted" || outcome == "summarised", "{r}");
    }
    app.drain_outbox().await;
    // The limit is a rolling minute: no 60 s holds more than 10 group posts.
    let posted: Vec<i64> = sqlx::query_scalar(
        "SELECT posted_at FROM alert_groups WHERE posted_at IS NOT NULL ORDER BY posted_at",
    )
    .fetch_all(&app.ctx.store.pool)
    .await
    .unwrap();
    for (i, t) in posted.iter().enumerate() {
        let in_minute = posted[..=i].iter().filter(|p| **p > t - 60_000).count();
        assert!(
            in_minute <= 10,
            "{in_minute} posts in the minute before {t}"
        );
    }
    // At most one summary per calendar minute the burst spanned; every group posted or listed.
    let minutes = app
        .scalar("SELECT COUNT(DISTINCT created_at / 60000) FROM alert_groups")
        .await;
    let summaries = app.scalar("SELECT COUNT(*) FROM alert_summaries").await;
    assert!(
        (1..=minutes).contains(&summaries),
        "{summaries} summaries over {minutes} minutes"
    );
    let group_posts = posted.len() as i64;
    let listed = app
        .scalar("SELECT COUNT(*) FROM alert_groups WHERE summary_id IS NOT NULL")
        .await;
    assert_eq!(listed, 500 - group_posts);
    let posts = slack.posts_in(INCIDENTS);
    assert_eq!(posts.len() as i64, group_posts + summaries);
    assert!(posts.len() <= 22, "{} posts for 500 groups", posts.len());
    // The summary, updated in place, lists the rest.
    let summary = slack
        .messages_in(INCIDENTS)
        .into_iter()
        .find(|m| body_of(m).contains("Alert flood"))
        .expect("summary");
    let t = body_of(&summary);
    assert!(
        t.contains("more alert groups") && t.contains("Burst") && t.contains("more"),
        "{t}"
    );
}
on_both_stores!(
    burst,
    a_burst_of_500_groups_posts_at_most_the_limit_and_one_summary
);

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
    let t = message_text(&app);
    assert!(
        t.contains("[RESOLVED] checkout page down") && t.contains("sa-east-1"),
        "{t}"
    );
    assert!(
        t.contains("Source: uptime") && t.contains("<https://status.example.com/checkout|Source>"),
        "{t}"
    );
}
on_both_stores!(generic, generic_alerts_group_by_dedup_key);

async fn post_raw(app: &TestApp, auth: Option<&str>, body: String) -> reqwest::Response {
    let mut r = app
        .http
        .post(app.url("/alerts/alertmanager"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    r.send().await.unwrap()
}

async fn bad_alert_input_is_refused_and_changes_nothing(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    let good = am(
        "firing",
        "DiskFull",
        vec![am_alert("firing", "db-1", json!({}))],
    )
    .to_string();
    // Token: missing, wrong, or the wrong scheme.
    assert_eq!(post_raw(&app, None, good.clone()).await.status(), 401);
    assert_eq!(
        post_raw(&app, Some("Bearer alerts-token-wrong"), good.clone())
            .await
            .status(),
        401
    );
    assert_eq!(
        post_raw(&app, Some("Basic YWxlcnRzOnRva2Vu"), good.clone())
            .await
            .status(),
        401
    );
    // Malformed body, unknown status: 400 with the reason.
    let bearer = Some("Bearer alerts-token-5f1c0d9a7e2b");
    let r = post_raw(&app, bearer, "{\"status\": \"firing\", ".into()).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("malformed body"));
    let mut bad: Value = serde_json::from_str(&good).unwrap();
    bad["status"] = "exploded".into();
    let r = post_raw(&app, bearer, bad.to_string()).await;
    assert_eq!(r.status(), 400);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("unknown status `exploded`"));
    let r = send(
        &app,
        "/alerts/generic",
        &json!({"summary": "x", "sevrity": "critical"}),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("unknown field `sevrity`"));
    // Over 1 MiB but a bad body: 400 (the alert routes take up to 8 MiB; `alert_wire.rs`).
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
    assert_eq!(post_raw(&app, bearer, big).await.status(), 400);
    app.drain_outbox().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alert_groups").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, 0);
    assert!(slack.posts_in(INCIDENTS).is_empty());
    // Without ALERTS_TOKEN the intake is off.
    let off = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let r = off
        .http
        .post(off.url("/alerts/generic"))
        .bearer_auth(TOKEN)
        .json(&json!({"summary": "x"}));
    assert_eq!(r.send().await.unwrap().status(), 404);
}
on_both_stores!(bad_input, bad_alert_input_is_refused_and_changes_nothing);

async fn labels_and_annotations_never_ping_or_format(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    let mut hostile = am(
        "firing",
        "<!channel> *DiskFull*",
        vec![am_alert("firing", "<@U0BOSS>", json!({}))],
    );
    let summary = "<!here> _wake_ ~up~ `now` <https://evil.example|click>";
    hostile["alerts"][0]["annotations"]["summary"] = summary.into();
    hostile["commonAnnotations"]["summary"] = summary.into();
    notify(&app, &hostile).await;
    app.drain_outbox().await;
    let m = only_message(&app);
    let text = m["text"].as_str().unwrap();
    for bad in ["<!channel>", "<!here>", "<@U0BOSS>", "<https://evil"] {
        assert!(!text.contains(bad), "{bad} in {text}");
    }
    let mut md = Vec::new();
    mrkdwn_texts(&m["blocks"], &mut md);
    for t in &md {
        for bad in ["<!channel>", "<!here>", "U0BOSS", "evil.example", "_wake_"] {
            assert!(!t.contains(bad), "{bad} in mrkdwn {t}");
        }
    }
    // Shown as typed, in plain text.
    assert!(
        m["blocks"].to_string().contains("<!here> _wake_"),
        "{}",
        m["blocks"]
    );
}
on_both_stores!(hostile, labels_and_annotations_never_ping_or_format);
