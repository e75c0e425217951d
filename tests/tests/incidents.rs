//! The incident lifecycle end to end against the fake Slack.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::app::INCIDENTS;
use testkit::*;

const WAIT: Duration = Duration::from_secs(10);

fn text_of(v: &Value) -> String {
    v["text"].as_str().unwrap_or_default().to_string()
}

/// Declares and waits until the war room exists and the outbox is drained. Returns its channel id.
async fn declare(app: &TestApp, text: &str, user: &str) -> Option<String> {
    let ack = app.incident(text, user, "CORIGIN").await;
    assert!(
        text_of(&ack).contains("declared") && text_of(&ack).contains("Setting up the war room"),
        "{ack}"
    );
    let rid = ack["_response_id"].as_str().unwrap().to_string();
    let reply = eventually(WAIT, || async {
        app.slack.responses_to(&rid).into_iter().next()
    })
    .await
    .expect("declared reply");
    assert!(text_of(&reply).contains("declared"), "{reply}");
    app.drain_outbox().await;
    let id = app.scalar("SELECT MAX(id) FROM incidents").await;
    let r =
        sqlx::query_scalar::<_, Option<String>>("SELECT channel_id FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap();
    r
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    messages::utc_ymd_hm(secs)[..10].replace('-', "")
}

async fn declare_p1_creates_a_war_room_and_announces_it(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default().env("INCIDENT_RESPONDERS", "URESP1,URESP2"),
    )
    .await;
    let room = declare(&app, "declare P1 Evolução fora do ar", "UDECL")
        .await
        .expect("war room");
    let create = &slack.calls_to("conversations.create")[0].body;
    assert_eq!(
        create["name"],
        format!("inc-{}-1-evolucao-fora-do-ar", today())
    );
    assert_eq!(create["is_private"], false);
    let invite = &slack.calls_to("conversations.invite")[0].body;
    assert_eq!(invite["channel"], room.as_str());
    let users = invite["users"].as_str().unwrap();
    for u in ["UDECL", "URESP1", "URESP2"] {
        assert!(users.contains(u), "{users}");
    }
    // Declared message in the war room, pinned; topic set.
    let posts = slack.posts_in(&room);
    assert!(
        text_of(&posts[0]).contains("INC-1 declared [P1]"),
        "{}",
        posts[0]
    );
    assert!(posts[0]["blocks"]
        .to_string()
        .contains("incident_update_open"));
    let pin = &slack.calls_to("pins.add")[0].body;
    assert_eq!(pin["channel"], room.as_str());
    // The ts of the declared post (Slack's: Unix seconds, a dot, six digits).
    let ts = pin["timestamp"].as_str().unwrap();
    assert!(ts.len() == 17 && ts.as_bytes()[10] == b'.', "{ts}");
    let topic = slack.calls_to("conversations.setTopic");
    let t = topic.last().unwrap().body["topic"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        t.starts_with("P1 · Investigating · IC <@UDECL> · next update"),
        "{t}"
    );
    // Announcement in the incidents channel links the war room.
    let ann = slack.posts_in(INCIDENTS);
    assert_eq!(ann.len(), 1);
    assert!(text_of(&ann[0]).contains(&format!("<#{room}>")));
    // The timeline has the declaration.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM timeline WHERE incident_id = 1 AND kind = 'declared'")
            .await,
        1
    );
}
on_both_stores!(declare_p1, declare_p1_creates_a_war_room_and_announces_it);

#[tokio::test]
async fn a_taken_name_gets_a_numbered_suffix_and_ids_increase() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    slack.take_channel_name(&format!("inc-{}-1-db-down", today()));
    declare(&app, "declare sev1 db down", "U1")
        .await
        .expect("room");
    let names: Vec<String> = slack
        .calls_to("conversations.create")
        .iter()
        .map(|c| c.body["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        vec![
            format!("inc-{}-1-db-down", today()),
            format!("inc-{}-1-db-down-2", today())
        ]
    );
    declare(&app, "declare P0 second one", "U1")
        .await
        .expect("room");
    assert_eq!(app.scalar("SELECT MAX(id) FROM incidents").await, 2);
}

async fn updates_in_the_war_room_and_by_id_elsewhere(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let room = declare(&app, "declare P1 Julia silent", "U1")
        .await
        .unwrap();
    let ann_ts = slack
        .calls_to("chat.postMessage")
        .into_iter()
        .find(|c| c.body["channel"] == INCIDENTS)
        .map(|_| ())
        .is_some();
    assert!(ann_ts);
    // In the war room, no id needed.
    let v = app
        .incident("update identified bad deploy of julia-worker", "U2", &room)
        .await;
    assert!(text_of(&v).contains("update posted"), "{v}");
    app.drain_outbox().await;
    let last = slack.posts_in(&room).last().unwrap().clone();
    assert!(text_of(&last).contains("[Identified]"), "{last}");
    assert!(text_of(&last).contains("bad deploy"));
    // A thread reply under the announcement in the incidents channel.
    let inc_posts = slack.posts_in(INCIDENTS);
    let reply = inc_posts.last().unwrap();
    assert!(reply["thread_ts"].as_str().is_some(), "{reply}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents WHERE status = 'identified'")
            .await,
        1
    );
    // By id from elsewhere.
    let v = app
        .incident("update INC-1 monitoring rolled back", "U2", "CELSEWHERE")
        .await;
    assert!(text_of(&v).contains("update posted"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents WHERE status = 'monitoring'")
            .await,
        1
    );
    // An invalid move is refused with the allowed ones, and changes nothing.
    let v = app
        .incident(
            "update INC-1 investigating back to square one",
            "U2",
            "CELSEWHERE",
        )
        .await;
    assert!(
        text_of(&v).contains(
            "cannot move from monitoring to investigating. Allowed: monitoring, resolved"
        ),
        "{v}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'update'")
            .await,
        2
    );
    // Outside a war room without an id: which incident?
    let v = app.incident("update something", "U2", "CELSEWHERE").await;
    assert!(
        text_of(&v).contains("Which incident?") && text_of(&v).contains("INC-1 [P1] Julia silent"),
        "{v}"
    );
    // Unknown id.
    let v = app.incident("status INC-99", "U2", "CELSEWHERE").await;
    assert!(text_of(&v).contains("INC-99 does not exist"));
    // List and status.
    let v = app.incident("list", "U2", "CELSEWHERE").await;
    assert!(
        text_of(&v).contains("INC-1") && text_of(&v).contains("Monitoring"),
        "{v}"
    );
}
on_both_stores!(updates, updates_in_the_war_room_and_by_id_elsewhere);

async fn resolve_posts_the_resolution_and_uploads_the_postmortem(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let room = declare(&app, "declare P1 Evolution down", "U1")
        .await
        .unwrap();
    app.incident("note restarted the evolution container", "U1", &room)
        .await;
    let v = app
        .incident("resolve reconnected the WhatsApp instance", "U1", &room)
        .await;
    assert!(text_of(&v).contains("resolved"), "{v}");
    // The post-mortem draft is a job written with the resolution: run it, then deliver.
    app.settle().await;
    let last = slack
        .posts_in(&room)
        .into_iter()
        .find(|p| text_of(p).contains("INC-1 resolved"))
        .expect("resolved in war room");
    assert!(last["blocks"]
        .to_string()
        .contains("reconnected the WhatsApp instance"));
    let broadcast = slack
        .posts_in(INCIDENTS)
        .into_iter()
        .find(|p| text_of(p).contains("INC-1 resolved"))
        .expect("resolved in channel");
    assert_eq!(broadcast["reply_broadcast"], true);
    // The post-mortem: files v2 flow, with the timeline in it.
    let get = slack.calls_to("files.getUploadURLExternal");
    assert_eq!(get.len(), 1);
    assert_eq!(get[0].body["filename"], "INC-1-postmortem.md");
    let uploads = slack.uploads();
    let md = String::from_utf8(uploads[0].1.clone()).unwrap();
    assert!(md.contains("# Post-mortem: INC-1"), "{md}");
    assert!(md.contains("| declared: P1 Evolution down (U1) |"), "{md}");
    assert!(md.contains("note: restarted the evolution container"));
    assert!(md.contains("## Action items"));
    let complete = &slack.calls_to("files.completeUploadExternal")[0].body;
    assert_eq!(complete["channel_id"], room.as_str());
    // Updating a resolved incident says so and changes nothing; reopen works.
    let v = app.incident("update more news", "U1", &room).await;
    assert!(text_of(&v).contains("INC-1 is resolved"), "{v}");
    let v = app.incident("reopen", "U1", &room).await;
    assert!(text_of(&v).contains("Reopened by"), "{v}");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM incidents WHERE status = 'investigating' AND resolved_at IS NULL"
        )
        .await,
        1
    );
}
on_both_stores!(
    resolve,
    resolve_posts_the_resolution_and_uploads_the_postmortem
);

#[tokio::test]
async fn a_failed_upload_posts_the_postmortem_as_a_message() {
    let slack = FakeSlack::start().await;
    slack.fail_all(
        "files.getUploadURLExternal",
        Behavior::OkFalse("missing_scope"),
    );
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let room = declare(&app, "declare P0 everything down", "U1")
        .await
        .unwrap();
    app.incident("resolve fixed", "U1", &room).await;
    app.drain_outbox().await;
    let pm = slack
        .posts_in(&room)
        .into_iter()
        .find(|p| text_of(p).contains("# Post-mortem: INC-1"));
    assert!(pm.is_some(), "post-mortem posted as a message");
}

#[tokio::test]
async fn without_a_war_room_the_incident_lives_in_the_channel_and_the_declarer_is_told_why() {
    let slack = FakeSlack::start().await;
    slack.fail_all(
        "conversations.create",
        Behavior::Body(json!({"ok": false, "error": "missing_scope", "needed": "channels:manage"})),
    );
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let ack = app
        .incident("declare P1 scheduler stuck", "U1", "CORIGIN")
        .await;
    let rid = ack["_response_id"].as_str().unwrap().to_string();
    let reply = eventually(WAIT, || async {
        slack.responses_to(&rid).into_iter().next()
    })
    .await
    .unwrap();
    assert!(
        text_of(&reply).contains("could not be created (Slack said `missing_scope`)"),
        "{reply}"
    );
    app.drain_outbox().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents WHERE channel_id IS NULL AND war_room_error = 'missing_scope'").await, 1);
    let posts = slack.posts_in(INCIDENTS);
    assert!(text_of(&posts[0]).contains("INC-1 declared [P1]"));
    // Updates go to its thread.
    app.incident("update INC-1 found it", "U1", "CX").await;
    app.drain_outbox().await;
    let posts = slack.posts_in(INCIDENTS);
    assert_eq!(posts.len(), 2);
    assert!(posts[1]["thread_ts"].is_string());
    // P2 never gets a war room.
    let before = slack.calls_to("conversations.create").len();
    declare(&app, "declare P2 slow dashboard", "U1").await;
    assert_eq!(slack.calls_to("conversations.create").len(), before);
}

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

async fn a_declaration_cut_short_by_a_crash_is_finished_after_restart(db: TestDb) {
    // The incident row and its job were committed, then the bot died (its lease ran out) before
    // the war room and the posts.
    let slack = FakeSlack::start().await;
    let ctx_store = chatops_core::Store::connect_and_migrate(&db.url).await.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    sqlx::query("UPDATE counters SET value = 1 WHERE name = 'incident'")
        .execute(&ctx_store.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO incidents (id, title, severity, status, commander, declared_by, is_private, origin_channel, started_at, last_update_at)
         VALUES (1, 'cut short', 'P1', 'investigating', 'UDECL', 'UDECL', 0, 'CORIGIN', $1, $1)",
    )
    .bind(now - 120_000)
    .execute(&ctx_store.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, lease_token, lease_until, progress, created_at)
         VALUES ('declaration', '{\"kind\":\"declaration\",\"incident\":1}', 'pending', $1, 1, 5, 'dead-process', $2, '{}', $1)",
    )
    .bind(now - 120_000)
    .bind(now - 1)
    .execute(&ctx_store.pool)
    .await
    .unwrap();
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let room = eventually(WAIT, || async {
        sqlx::query_scalar::<_, Option<String>>(
            "SELECT channel_id FROM incidents WHERE id = 1 AND announce_outbox_id IS NOT NULL",
        )
        .fetch_optional(&app.ctx.store.pool)
        .await
        .unwrap()
        .flatten()
    })
    .await
    .expect("declaration finished");
    app.drain_outbox().await;
    assert!(text_of(&slack.posts_in(&room)[0]).contains("INC-1 declared [P1]: cut short"));
    assert_eq!(slack.posts_in(INCIDENTS).len(), 1, "announced once");
    assert_eq!(slack.calls_to("conversations.create").len(), 1);
}
on_both_stores!(
    declaration_recovery,
    a_declaration_cut_short_by_a_crash_is_finished_after_restart
);
