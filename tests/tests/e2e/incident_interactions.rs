//! The incident lifecycle's interactions end to end against the fake Slack: modals, buttons
//! and reactions, roles and severity changes with their restrictions, both locales, mentions
//! typed in a title, templates from `TEMPLATES_DIR` (see `incidents.rs`).

use serde_json::{json, Value};
use testkit::app::INCIDENTS;
use testkit::incident_kit::*;
use testkit::*;

#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn modals_buttons_and_reactions(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    // `declare` alone opens the modal.
    let v = app.incident("declare", "U1", "CORIGIN").await;
    assert_eq!(v, Value::Null, "empty ack");
    let open = slack.calls_to("views.open");
    assert_eq!(open[0].body["view"]["callback_id"], "incident_declare");
    assert!(open[0].body["trigger_id"]
        .as_str()
        .unwrap()
        .starts_with("trig."));
    // A too-short title comes back as a field error; nothing is declared.
    let submit = |title: &str| {
        json!({"type": "view_submission", "user": {"id": "U1"}, "view": {"callback_id": "incident_declare", "private_metadata": "CORIGIN",
               "state": {"values": {"title": {"title_input": {"type": "plain_text_input", "value": title}},
                                     "severity": {"severity_select": {"type": "static_select", "selected_option": {"value": "P1"}}},
                                     "impact": {"impact_input": {"type": "plain_text_input", "value": "doctors get no replies"}},
                                     "commander": {"commander_select": {"type": "users_select", "selected_user": "U0ANA"}}}}}})
    };
    let r = app.interaction(&submit("ab")).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["response_action"], "errors");
    assert!(body["errors"]["title"]
        .as_str()
        .unwrap()
        .contains("3 to 150"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 0);
    // A good one declares, with the chosen commander and impact.
    let r = app.interaction(&submit("Julia not replying")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.text().await.unwrap().is_empty(),
        "empty body closes the modal"
    );
    eventually(WAIT, || async { (app.scalar("SELECT COUNT(*) FROM incidents WHERE commander = 'U0ANA' AND impact = 'doctors get no replies'").await == 1).then_some(()) }).await.expect("declared from the modal");
    let room = eventually(WAIT, || async {
        sqlx::query_scalar::<_, Option<String>>("SELECT channel_id FROM incidents WHERE id = 1")
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap()
    })
    .await
    .expect("war room");
    app.drain_outbox().await;
    // Buttons: "I'm on it".
    let click = |action: &str, value: &str| {
        json!({"type": "block_actions", "user": {"id": "U7"}, "trigger_id": "trig.btn", "channel": {"id": room},
               "response_url": slack.response_url("btn"), "actions": [{"action_id": action, "value": value}]})
    };
    app.interaction(&click("incident_ack", "1")).await;
    eventually(WAIT, || async {
        (app.scalar(
            "SELECT COUNT(*) FROM incident_roles WHERE role = 'responder' AND user_id = 'U7'",
        )
        .await
            == 1)
            .then_some(())
    })
    .await
    .expect("responder");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'responder' AND actor = 'U7'")
            .await,
        1
    );
    // "Post update" opens the update modal; its submission posts the update.
    app.interaction(&click("incident_update_open", "1")).await;
    let opened = eventually(WAIT, || async {
        slack
            .calls_to("views.open")
            .into_iter()
            .find(|c| c.body["view"]["callback_id"] == "incident_update")
    })
    .await;
    assert!(opened.is_some());
    let upd = json!({"type": "view_submission", "user": {"id": "U7"}, "view": {"callback_id": "incident_update", "private_metadata": "1",
            "state": {"values": {"status": {"status_select": {"selected_option": {"value": "identified"}}},
                                  "findings": {"findings_input": {"value": "evolution lost its session"}},
                                  "actions": {"actions_input": {"value": null}}, "eta": {"eta_input": {"value": "15 min"}}}}}});
    let r = app.interaction(&upd).await;
    assert!(r.text().await.unwrap().is_empty());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents WHERE status = 'identified' AND eta = '15 min'")
            .await,
        1
    );
    // Missing findings -> field error.
    let mut bad = upd.clone();
    bad["view"]["state"]["values"]["findings"]["findings_input"]["value"] = Value::Null;
    let body: Value = app.interaction(&bad).await.json().await.unwrap();
    assert_eq!(body["errors"]["findings"], "Required.");
    // A :pushpin: reaction in the war room adds the message to the timeline.
    let ev = json!({"type": "event_callback", "event_id": "EvPin1", "event": {"type": "reaction_added", "user": "U7", "reaction": "pushpin",
                     "item": {"type": "message", "channel": room, "ts": "1700000000.000123"}, "event_ts": "1.1"}});
    app.event(&ev).await;
    eventually(WAIT, || async {
        (app.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'pinned_message'")
            .await
            == 1)
            .then_some(())
    })
    .await
    .expect("pinned on timeline");
    // Resolve modal with a missing resolution.
    let res = json!({"type": "view_submission", "user": {"id": "U7"}, "view": {"callback_id": "incident_resolve", "private_metadata": "1",
            "state": {"values": {"resolution": {"resolution_input": {"value": ""}}}}}});
    let body: Value = app.interaction(&res).await.json().await.unwrap();
    assert_eq!(body["response_action"], "errors");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents WHERE status = 'resolved'")
            .await,
        0
    );
}
on_both_stores!(modals, modals_buttons_and_reactions);

#[tokio::test]
async fn roles_severity_and_restrictions() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &TestDb::sqlite().await,
        &slack,
        AppOptions::default()
            .env("INCIDENT_RESTRICT_CHANGES", "true")
            .env("CHATOPS_ADMINS", "UADMIN"),
    )
    .await;
    let room = declare(&app, "declare P1 queue stuck", "UIC")
        .await
        .unwrap();
    // Someone else may not change severity.
    let v = app.incident("severity P0", "UOTHER", &room).await;
    assert!(
        text_of(&v).contains("Only the incident commander (<@UIC>)"),
        "{v}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents WHERE severity = 'P1'")
            .await,
        1
    );
    // The commander and admins may.
    let v = app.incident("severity P0", "UIC", &room).await;
    assert!(text_of(&v).contains("P1 → *P0*"), "{v}");
    let v = app.incident("commander <@UNEW|new>", "UADMIN", &room).await;
    assert!(text_of(&v).contains("Incident commander: <@UNEW>"), "{v}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents WHERE commander = 'UNEW' AND severity = 'P0'")
            .await,
        1
    );
    app.drain_outbox().await;
    let t = slack
        .calls_to("conversations.setTopic")
        .last()
        .unwrap()
        .body["topic"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(t.starts_with("P0 · Investigating · IC <@UNEW>"), "{t}");
}

#[tokio::test]
async fn both_locales_render() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &TestDb::sqlite().await,
        &slack,
        AppOptions::default().env("CHATOPS_LOCALE", "pt-BR"),
    )
    .await;
    let ack = app.incident("declare P1 Evolução caiu", "U1", "C1").await;
    assert!(text_of(&ack).contains("INC-1 declarado"), "{ack}");
    app.settle().await;
    let room =
        sqlx::query_scalar::<_, Option<String>>("SELECT channel_id FROM incidents WHERE id = 1")
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap()
            .expect("war room");
    let p = &slack.posts_in(&room)[0];
    assert!(text_of(p).contains("INC-1 declarado [P1]"), "{p}");
    assert!(p["blocks"].to_string().contains("Postar atualização"));
    let v = app.incident("", "U1", "C1").await;
    assert!(text_of(&v).contains("*Incidentes*"));
}

#[tokio::test]
async fn broadcast_mentions_typed_in_a_title_ping_nobody() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let room = declare(
        &app,
        "declare P1 <!channel> <!here> {{ x }} '; DROP TABLE incidents; --",
        "U1",
    )
    .await
    .unwrap();
    for p in slack
        .posts_in(&room)
        .into_iter()
        .chain(slack.posts_in(INCIDENTS))
    {
        let s = p.to_string();
        assert!(!s.contains("<!channel>") && !s.contains("<!here>"), "{s}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 1);
    let title = sqlx::query_scalar::<_, String>("SELECT title FROM incidents")
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(
        title,
        "<!channel> <!here> {{ x }} '; DROP TABLE incidents; --"
    );
}

#[tokio::test]
async fn templates_from_templates_dir_replace_the_builtin_ones() {
    let tmp = testkit::TempDir::new("chatops-tpl");
    let dir = tmp.path();
    std::fs::write(
        dir.join("declared.j2"),
        "{{ key }} DECLARED {{ severity }}: {{ title }} — IC {{ commander }}",
    )
    .unwrap();
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &TestDb::sqlite().await,
        &slack,
        AppOptions::default().env("TEMPLATES_DIR", dir.to_str().unwrap()),
    )
    .await;
    let room = declare(&app, "declare P1 custom template", "UTPL")
        .await
        .unwrap();
    let p = &slack.posts_in(&room)[0];
    assert_eq!(
        text_of(p),
        "INC-1 DECLARED P1: custom template — IC <@UTPL>"
    );
    // A broken template stops the configuration with the file and line.
    std::fs::write(dir.join("update.j2"), "ok\n{{ findings }\n").unwrap();
    let e = bot::Settings::from_pairs(&[("TEMPLATES_DIR", dir.to_str().unwrap())]).unwrap_err();
    assert_eq!(e.var, "TEMPLATES_DIR");
    assert!(e.problem.starts_with("update.j2 line 2:"), "{}", e.problem);
}

/// The timeline entries a `:pushpin:` on each `ts` in `room` records, in order.
async fn pin_entries(h: &harness::Harness, room: &str, stamps: &[&str]) -> Vec<String> {
    for (n, ts) in stamps.iter().enumerate() {
        let ev = json!({"type": "event_callback", "event_id": format!("EvPinThread{n}"), "event": {"type": "reaction_added", "user": "U7", "reaction": "pushpin",
                         "item": {"type": "message", "channel": room, "ts": ts}, "event_ts": "1.1"}});
        h.app.event(&ev).await;
    }
    eventually(WAIT, || async {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT text FROM timeline WHERE kind = 'pinned_message' ORDER BY id",
        )
        .fetch_all(&h.app.ctx.store.pool)
        .await
        .unwrap();
        (rows.len() == stamps.len()).then_some(rows)
    })
    .await
    .expect("pinned on the timeline")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushpin_on_a_thread_reply_keeps_that_reply() {
    let h = harness::Harness::builder().spawn().await;
    let room = declare(&h.app, "declare P1 Evolution down", "U1")
        .await
        .expect("war room");
    h.slack.add_message(
        &room,
        "1700000000.000100",
        "U7",
        "evolution lost its session",
    );
    h.slack.add_reply(
        &room,
        "1700000000.000200",
        "1700000000.000100",
        "U8",
        "restarted the worker, errors dropped",
    );
    // A reply in the thread and a message that is not there (deleted): the reply's own text,
    // and only the link for the other, never the message before it.
    // The two reactions are handled side by side: their timeline rows may come in either order.
    let entries = pin_entries(&h, &room, &["1700000000.000200", "1700000000.000150"]).await;
    let of = |stamp: &str| {
        entries
            .iter()
            .find(|e| e.contains(stamp))
            .cloned()
            .unwrap_or_else(|| panic!("no entry for {stamp}: {entries:?}"))
    };
    let reply = of("p1700000000000200");
    assert!(
        reply.starts_with("restarted the worker, errors dropped"),
        "{entries:?}"
    );
    let gone = of("p1700000000000150");
    assert!(!gone.contains("evolution lost its session"), "{entries:?}");
    let replies = h.slack.calls_to("conversations.replies");
    assert!(
        replies.iter().any(|r| r.body["ts"] == "1700000000.000200"),
        "{replies:?}"
    );
}
