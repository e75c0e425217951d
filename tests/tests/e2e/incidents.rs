//! The incident lifecycle end to end against the fake Slack: declaring (war room, invites,
//! announcement), updates, resolving with the post-mortem, a declaration finished after a
//! crash. `incident_interactions.rs`: modals, buttons, reactions, roles, locales, templates.

use serde_json::json;
use testkit::app::INCIDENTS;
use testkit::incident_kit::*;
use testkit::*;

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

async fn a_declaration_cut_short_by_a_crash_is_finished_after_restart(db: TestDb) {
    // The incident row and its job were committed, then the bot died (its lease ran out) before
    // the war room and the posts.
    let slack = FakeSlack::start().await;
    let ctx_store = chatops_core::Store::connect_and_migrate(&db.url)
        .await
        .unwrap();
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
