//! The buttons on an alert message: Silence (a real silence, checked by the strict fake
//! Alertmanager) and its expiry, Acknowledge, Declare (linked both ways), and auto-declaration.
//! Every test runs on both stores.

use serde_json::{json, Value};
use testkit::alert_kit::*;
use testkit::app::INCIDENTS;
use testkit::fake_alertmanager::{rfc3339_ms, FakeAlertmanager};
use testkit::*;

/// An app with `ALERTMANAGER_URL` and one firing group labelled `cluster="prod"`.
async fn silence_setup(db: &TestDb) -> (TestApp, FakeAlertmanager, i64) {
    let slack = FakeSlack::start().await;
    let am_fake = FakeAlertmanager::start().await;
    let app = spawn_app(
        db,
        &slack,
        opts().env("ALERTMANAGER_URL", &am_fake.base_url),
    )
    .await;
    let mut n = am(
        "firing",
        "DiskFull",
        vec![am_alert("firing", "db-1", json!({"cluster": "prod"}))],
    );
    n["groupLabels"] = json!({"alertname": "DiskFull", "cluster": "prod"});
    let g = notify(&app, &n).await["group"].as_i64().unwrap();
    app.drain_outbox().await;
    (app, am_fake, g)
}

async fn silence_creates_a_real_silence_that_only_its_author_expires(db: TestDb) {
    let (app, am_fake, g) = silence_setup(&db).await;
    let r = app
        .interaction(&click(
            "alert_silence",
            &format!("{g}:3600"),
            "U1",
            "s1",
            &app,
        ))
        .await;
    assert_eq!(r.status(), 200);
    let text = reply(&app, "s1").await;
    let silences = am_fake.silences();
    assert_eq!(silences.len(), 1, "{:?}", am_fake.requests());
    let s = &silences[0];
    assert!(text.contains(&s.id), "{text}");
    assert_eq!(
        s.body["matchers"],
        json!([{"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true},
               {"name": "cluster", "value": "prod", "isRegex": false, "isEqual": true},
               {"name": "severity", "value": "critical", "isRegex": false, "isEqual": true}])
    );
    assert_eq!(s.body["createdBy"], "slack:U1");
    let comment = s.body["comment"].as_str().unwrap();
    assert!(
        comment.contains("DiskFull") && comment.contains("#incidents") && comment.contains("ana"),
        "{comment}"
    );
    let ms = |k: &str| rfc3339_ms(s.body[k].as_str().unwrap());
    assert_eq!(ms("endsAt") - ms("startsAt"), 3_600_000);
    app.drain_outbox().await;
    let m = only_message(&app);
    assert!(
        body_of(&m).contains("Silenced by <@U1>") && body_of(&m).contains(&s.id),
        "{}",
        body_of(&m)
    );
    assert!(buttons(&m).contains(&"alert_expire".to_string()));
    // While silenced the bot does not post about the group.
    let calls = app.slack.calls().len();
    let r = send_group(&app, "firing", "DiskFull", &["db-1", "db-2"]).await;
    assert_eq!(r["outcome"], "silenced");
    app.drain_outbox().await;
    assert_eq!(app.slack.calls().len(), calls, "nothing sent to Slack");
    // Someone else cannot expire it.
    app.interaction(&click("alert_expire", &g.to_string(), "U2", "s2", &app))
        .await;
    assert!(reply(&app, "s2").await.contains("Only <@U1>"));
    assert!(!am_fake.silences()[0].expired);
    // Its author can: the Alertmanager silence is expired too (both alerts still fire there).
    am_fake.set_alerts(vec![
        json!({"alertname": "DiskFull", "instance": "db-1", "severity": "critical"}),
        json!({"alertname": "DiskFull", "instance": "db-2", "severity": "critical"}),
    ]);
    app.interaction(&click("alert_expire", &g.to_string(), "U1", "s3", &app))
        .await;
    assert!(reply(&app, "s3").await.contains("Silence expired"));
    assert!(am_fake.silences()[0].expired);
    let delete = format!("/api/v2/silence/{}", s.id);
    assert!(am_fake
        .requests()
        .iter()
        .any(|(m, p, _)| m == "DELETE" && *p == delete));
    app.drain_outbox().await;
    assert!(buttons(&only_message(&app)).contains(&"alert_silence".to_string()));
}
on_both_stores!(
    silence,
    silence_creates_a_real_silence_that_only_its_author_expires
);

async fn a_refused_silence_is_said_and_acknowledge_names_who_looked(db: TestDb) {
    let (app, am_fake, g) = silence_setup(&db).await;
    // A failing Alertmanager: said so, and the bot-side mute still holds.
    am_fake.fail_with(Some(500));
    app.interaction(&click(
        "alert_silence",
        &format!("{g}:14400"),
        "U1",
        "s4",
        &app,
    ))
    .await;
    let t = reply(&app, "s4").await;
    assert!(
        t.contains("Alertmanager did not create the silence") && t.contains("HTTP 500"),
        "{t}"
    );
    let muted = format!(
        "SELECT COUNT(*) FROM alert_groups WHERE id = {g} AND silenced_until IS NOT NULL AND silence_id IS NULL"
    );
    assert_eq!(app.scalar(&muted).await, 1);
    // Acknowledge names who looked; a second click says who did.
    app.interaction(&click("alert_ack", &g.to_string(), "U3", "s5", &app))
        .await;
    eventually(WAIT, || async {
        (app.scalar("SELECT COUNT(*) FROM alert_groups WHERE acked_by = 'U3'")
            .await
            == 1)
            .then_some(())
    })
    .await
    .expect("acknowledged");
    app.drain_outbox().await;
    assert!(body_of(&only_message(&app)).contains("Acknowledged by <@U3>"));
    app.interaction(&click("alert_ack", &g.to_string(), "U4", "s6", &app))
        .await;
    assert!(reply(&app, "s6")
        .await
        .contains("Already acknowledged by <@U3>"));
}
on_both_stores!(
    refused_silence,
    a_refused_silence_is_said_and_acknowledge_names_who_looked
);

/// Clicks Declare on group `g`; returns the declare form Slack was asked to open.
async fn open_declare_form(app: &TestApp, g: i64) -> Value {
    app.interaction(&click("alert_declare", &g.to_string(), "U1", "d1", app))
        .await;
    eventually(WAIT, || async {
        app.slack.calls_to("views.open").into_iter().next()
    })
    .await
    .expect("the declare form")
    .body["view"]
        .clone()
}

fn submit_declare(meta: &str) -> Value {
    json!({"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": "incident_declare", "private_metadata": meta,
        "state": {"values": {"title": {"title_input": {"type": "plain_text_input", "value": "DiskFull"}},
                             "severity": {"severity_select": {"type": "static_select", "selected_option": {"value": "P1"}}},
                             "impact": {"impact_input": {"type": "plain_text_input", "value": null}},
                             "commander": {"commander_select": {"type": "users_select", "selected_user": null}}}}}})
}

async fn declare_from_an_alert_links_both_ways(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    // A `warning` alert: the form is prefilled with P3 (ALERT_SEVERITY_MAP's default).
    let mut n = am(
        "firing",
        "DiskFull",
        vec![am_alert("firing", "db-1", json!({"severity": "warning"}))],
    );
    n["commonLabels"]["severity"] = "warning".into();
    let g = notify(&app, &n).await["group"].as_i64().unwrap();
    app.drain_outbox().await;
    let view = open_declare_form(&app, g).await;
    assert!(
        view.to_string().contains(r#""initial_value":"DiskFull""#),
        "{view}"
    );
    let blocks = view["blocks"].as_array().unwrap();
    let sev = blocks.iter().find(|b| b["block_id"] == "severity").unwrap();
    assert_eq!(sev["element"]["initial_option"]["value"], "P3", "{view}");
    let meta = view["private_metadata"].as_str().unwrap().to_string();
    assert_eq!(meta, format!("{INCIDENTS}|alert:{g}"));
    // Submitted (as P1): declared, and linked both ways.
    let r = app.interaction(&submit_declare(&meta)).await;
    assert!(r.text().await.unwrap().is_empty());
    app.settle().await;
    let id = app.scalar("SELECT id FROM incidents").await;
    let linked = format!("SELECT alert_group_id FROM incidents WHERE id = {id}");
    assert_eq!(app.scalar(&linked).await, g);
    let linked = format!("SELECT incident_id FROM alert_groups WHERE id = {g}");
    assert_eq!(app.scalar(&linked).await, id);
    assert!(message_text(&app).contains(&format!("Declared as *INC-{id}*")));
    assert!(!buttons(&only_message(&app)).contains(&"alert_declare".to_string()));
    // Later firings and the resolution go to the incident's timeline and its war room.
    send_group(&app, "firing", "DiskFull", &["db-1", "db-2"]).await;
    send_group(&app, "resolved", "DiskFull", &["db-1", "db-2"]).await;
    app.drain_outbox().await;
    let events: Vec<String> =
        sqlx::query_scalar("SELECT text FROM timeline WHERE kind = 'alert' ORDER BY id")
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
    let room: String = sqlx::query_scalar("SELECT channel_id FROM incidents")
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap();
    let room_posts: Vec<String> = slack.posts_in(&room).iter().map(body_of).collect();
    assert!(
        room_posts.iter().any(|p| p.contains("2 of 2 firing")),
        "{room_posts:?}"
    );
    assert!(
        room_posts
            .iter()
            .any(|p| p.contains("resolved (all 2 alerts)")),
        "{room_posts:?}"
    );
    // Declaring again says where it went.
    app.interaction(&click("alert_declare", &g.to_string(), "U2", "d2", &app))
        .await;
    assert!(reply(&app, "d2")
        .await
        .contains(&format!("already declared as *INC-{id}*")));
}
on_both_stores!(declare_link, declare_from_an_alert_links_both_ways);

async fn groups_labelled_chatops_declare_are_declared_by_the_bot(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts().env("ALERTS_AUTO_DECLARE", "on")).await;
    let mut n = am(
        "firing",
        "ApiDown",
        vec![am_alert(
            "firing",
            "api-1",
            json!({"chatops_declare": "P0"}),
        )],
    );
    n["commonLabels"]["chatops_declare"] = "P0".into();
    // Alertmanager in HA sends the notification twice, possibly at once.
    let (a, b) = tokio::join!(notify(&app, &n), notify(&app, &n));
    assert_eq!(a["group"], b["group"]);
    // An unlabelled group is not declared.
    send_group(&app, "firing", "DiskFull", &["db-1"]).await;
    app.settle().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 1);
    let row = sqlx::query_as::<_, (i64, String, String, String, Option<String>)>(
        "SELECT id, severity, declared_by, title, channel_id FROM incidents",
    )
    .fetch_one(&app.ctx.store.pool)
    .await
    .unwrap();
    assert_eq!(
        (row.1.as_str(), row.2.as_str(), row.3.as_str()),
        ("P0", "chatops", "ApiDown")
    );
    assert!(row.4.is_some(), "a P0 gets its war room");
    let g = a["group"].as_i64().unwrap();
    let linked = format!("SELECT incident_id FROM alert_groups WHERE id = {g}");
    assert_eq!(app.scalar(&linked).await, row.0);
    let linked = format!("SELECT alert_group_id FROM incidents WHERE id = {}", row.0);
    assert_eq!(app.scalar(&linked).await, g);
    // The bot is not invited to its own war room.
    let invites = slack.calls_to("conversations.invite");
    assert!(invites
        .iter()
        .all(|c| !c.body["users"].as_str().unwrap_or("").contains("chatops")));
    // Announced like any declaration.
    let announced = slack.posts_in(INCIDENTS);
    assert!(announced
        .iter()
        .any(|p| body_of(p).contains("ApiDown") && body_of(p).contains("INC-")));
}
on_both_stores!(
    auto_declare,
    groups_labelled_chatops_declare_are_declared_by_the_bot
);
