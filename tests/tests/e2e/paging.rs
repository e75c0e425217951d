//! Acknowledgment and paging (#15) against the fake Slack and the fake Evolution: the ladder,
//! acks from Slack and WhatsApp, Evolution failures. Time moves with the app's clock; the paging
//! worker is driven with `run_once` (`testkit::paging::page`).

use std::time::Duration;

use serde_json::{json, Value};
use testkit::app::INCIDENTS;
use testkit::fake_evolution::incoming_text;
use testkit::paging::*;
use testkit::*;

async fn no_ack_pages_the_primary_by_whatsapp_and_dm_after_the_window(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, room) = declare(&app, "declare P0 checkout is down").await;
    // The on-call is mentioned in the war room at once, with the Acknowledge button.
    let notice = texts_in(&s.slack, &room)
        .into_iter()
        .find(|t| t.contains("on call"))
        .expect("on-call notice");
    assert!(notice.contains(&format!("<@{ANA}>")), "{notice}");
    assert!(notice.contains("incident_acknowledge"), "{notice}");
    let declared = &s.slack.posts_in(&room)[0];
    assert!(declared["blocks"]
        .to_string()
        .contains("incident_acknowledge"));
    // Not before the window.
    app.ctx.clock.advance(4 * MIN);
    page(&app).await;
    assert!(s.evo.sent().is_empty(), "no page before the window");
    assert!(s.slack.posts_in(ANA).is_empty());
    app.ctx.clock.advance(MIN + Duration::from_secs(1));
    page(&app).await;
    let wa = s.evo.sent_to(ANA_PHONE);
    assert_eq!(wa.len(), 1, "one WhatsApp page: {wa:?}");
    let text = &wa[0];
    for part in [
        &format!("INC-{id}"),
        "P0",
        "checkout is down",
        "Unacknowledged for 5m",
        &format!("app_redirect?channel={room}"),
        "Reply ack",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    let dm = s.slack.posts_in(ANA);
    assert_eq!(dm.len(), 1, "one DM");
    let dm = dm[0].to_string();
    assert!(
        dm.contains(&format!("INC-{id}"))
            && dm.contains("incident_acknowledge")
            && dm.contains("incident_ack\""),
        "{dm}"
    );
    assert_eq!(
        count_in(
            &s.slack,
            &room,
            &format!("paged <@{ANA}> by WhatsApp and DM")
        ),
        1
    );
    // Nobody else yet.
    assert!(s.evo.sent_to(BIA_PHONE).is_empty());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'paged'")
            .await,
        1
    );
    assert_no_numbers(&s.slack);
}
on_both_stores!(
    primary,
    no_ack_pages_the_primary_by_whatsapp_and_dm_after_the_window
);

async fn then_the_secondary_then_the_commanders(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (_, room) = declare(&app, "declare P0 nothing sends").await;
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app).await;
    assert_eq!(s.evo.sent_to(ANA_PHONE).len(), 1);
    assert!(
        s.evo.sent_to(BIA_PHONE).is_empty(),
        "secondary waits a window"
    );
    app.ctx.clock.advance(5 * MIN);
    page(&app).await;
    assert_eq!(s.evo.sent_to(BIA_PHONE).len(), 1, "secondary");
    assert_eq!(s.slack.posts_in(BIA).len(), 1);
    assert!(s.evo.sent_to(CAIO_PHONE).is_empty());
    assert_eq!(count_in(&s.slack, &room, "secondary on call"), 1);
    app.ctx.clock.advance(5 * MIN);
    page(&app).await;
    assert_eq!(s.evo.sent_to(CAIO_PHONE).len(), 1, "commander");
    assert_eq!(s.slack.posts_in(CAIO).len(), 1);
    assert_eq!(count_in(&s.slack, &room, "incident commanders"), 1);
    app.ctx.clock.advance(5 * MIN);
    page(&app).await;
    assert_eq!(count_in(&s.slack, &room, "nobody acknowledged"), 1);
    assert_eq!(count_in(&s.slack, INCIDENTS, "nobody acknowledged"), 1);
    // Nobody was paged twice, and it stops there.
    app.ctx.clock.advance(60 * MIN);
    page(&app).await;
    assert_eq!(s.evo.sent().len(), 3);
    assert_eq!(s.slack.posts_in(ANA).len(), 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM pages").await, 3);
    assert_no_numbers(&s.slack);
}
on_both_stores!(ladder, then_the_secondary_then_the_commanders);

async fn an_ack_stops_the_ladder_and_the_time_to_ack_is_kept(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, room) = declare(&app, "declare P0 payments failing").await;
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app).await;
    assert_eq!(s.evo.sent_to(ANA_PHONE).len(), 1);
    app.ctx.clock.advance(2 * MIN);
    let r = app.incident("ack", ANA, &room).await;
    assert!(r.to_string().contains("acknowledged"), "{r}");
    app.settle().await;
    let (by, at, started): (Option<String>, Option<i64>, i64) =
        sqlx::query_as("SELECT acked_by, acked_at, started_at FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap();
    assert_eq!(by.as_deref(), Some(ANA));
    let took = (at.unwrap() - started) / 1000;
    assert!((420..430).contains(&took), "time to ack {took}s");
    let event: String = sqlx::query_scalar(
        "SELECT text FROM timeline WHERE incident_id = $1 AND kind = 'acknowledged'",
    )
    .bind(id)
    .fetch_one(&app.ctx.store.pool)
    .await
    .unwrap();
    assert!(event.starts_with("after 42"), "{event}");
    assert_eq!(
        count_in(
            &s.slack,
            &room,
            &format!("Acknowledged by <@{ANA}> after 7m")
        ),
        1
    );
    // The ladder stopped: nobody else is paged, ever.
    app.ctx.clock.advance(30 * MIN);
    page(&app).await;
    assert!(s.evo.sent_to(BIA_PHONE).is_empty() && s.slack.posts_in(BIA).is_empty());
    // A second ack says who did it; an ack of a resolved incident says it is resolved.
    let again = app
        .incident(&format!("ack INC-{id}"), BIA, "CELSEWHERE")
        .await;
    assert!(
        again.to_string().contains("already acknowledged"),
        "{again}"
    );
    app.incident(&format!("resolve INC-{id} fixed"), "UDECL", "CORIGIN")
        .await;
    let (id2, _) = declare(&app, "declare P1 slow replies").await;
    app.incident(&format!("resolve INC-{id2} gone"), "UDECL", "CORIGIN")
        .await;
    let late = app
        .incident(&format!("ack INC-{id2}"), ANA, "CORIGIN")
        .await;
    assert!(late.to_string().contains("already resolved"), "{late}");
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM incidents WHERE id = {id2} AND acked_at IS NOT NULL"
        ))
        .await,
        0
    );
}
on_both_stores!(ack, an_ack_stops_the_ladder_and_the_time_to_ack_is_kept);

async fn the_buttons_acknowledge_too(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, room) = declare(&app, "declare P0 queue stuck").await;
    let click = |action: &str, user: &str| {
        json!({"type": "block_actions", "user": {"id": user}, "channel": {"id": room},
            "trigger_id": "t.1", "actions": [{"action_id": action, "value": id.to_string()}]})
    };
    let r = app.interaction(&click("incident_ack", BIA)).await;
    assert_eq!(r.status(), 200);
    eventually(Duration::from_secs(10), || async {
        (app.scalar(&format!(
            "SELECT COUNT(*) FROM incidents WHERE id = {id} AND acked_by = '{BIA}'"
        ))
        .await
            == 1)
            .then_some(())
    })
    .await
    .expect("I'm on it acknowledges");
    app.ctx.clock.advance(6 * MIN);
    page(&app).await;
    assert!(s.evo.sent().is_empty(), "acknowledged: no page");
    let (id2, _) = declare(&app, "declare P0 second thing").await;
    let r = app
        .interaction(&json!({"type": "block_actions", "user": {"id": ANA}, "channel": {"id": "CX"},
            "trigger_id": "t.2", "actions": [{"action_id": "incident_acknowledge", "value": id2.to_string()}]}))
        .await;
    assert_eq!(r.status(), 200);
    eventually(Duration::from_secs(10), || async {
        (app.scalar(&format!(
            "SELECT COUNT(*) FROM incidents WHERE id = {id2} AND acked_by = '{ANA}'"
        ))
        .await
            == 1)
            .then_some(())
    })
    .await
    .expect("Acknowledge acknowledges");
}
on_both_stores!(buttons, the_buttons_acknowledge_too);

async fn a_whatsapp_reply_ack_from_the_right_number_acknowledges(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, room) = declare(&app, "declare P0 api 500s").await;
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app).await;
    let r = app
        .http
        .post(app.url(&format!("/pager/evolution/{TOKEN}")))
        .json(&incoming_text(
            "julia",
            ANA_PHONE,
            "ack",
            "MSG1",
            app.ctx.clock.now_secs(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.settle().await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM incidents WHERE id = {id} AND acked_by = '{ANA}'"
        ))
        .await,
        1
    );
    let answers = s.evo.sent_to(ANA_PHONE);
    assert_eq!(answers.len(), 2, "the page and the answer: {answers:?}");
    assert!(
        answers[1].contains(&format!("INC-{id} acknowledged")),
        "{}",
        answers[1]
    );
    assert_eq!(count_in(&s.slack, &room, "(WhatsApp reply)"), 1);
    // Evolution delivering the same message again changes nothing and answers nothing.
    app.http
        .post(app.url(&format!("/pager/evolution/{TOKEN}")))
        .json(&incoming_text(
            "julia",
            ANA_PHONE,
            "ack",
            "MSG1",
            app.ctx.clock.now_secs(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(s.evo.sent_to(ANA_PHONE).len(), 2);
    app.ctx.clock.advance(10 * MIN);
    page(&app).await;
    assert!(s.evo.sent_to(BIA_PHONE).is_empty(), "the ladder stopped");
    // Once resolved, a late "ok" is told so and changes nothing.
    app.incident(&format!("resolve INC-{id} fixed"), ANA, &room)
        .await;
    app.http
        .post(app.url(&format!("/pager/evolution/{TOKEN}")))
        .json(&incoming_text(
            "julia",
            ANA_PHONE,
            "ok",
            "MSG2",
            app.ctx.clock.now_secs(),
        ))
        .send()
        .await
        .unwrap();
    let answers = s.evo.sent_to(ANA_PHONE);
    assert_eq!(answers.len(), 3);
    assert!(
        answers[2].contains(&format!("INC-{id} is already resolved")),
        "{}",
        answers[2]
    );
}
on_both_stores!(
    whatsapp_ack,
    a_whatsapp_reply_ack_from_the_right_number_acknowledges
);

async fn the_same_reply_from_another_number_is_ignored(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, _) = declare(&app, "declare P0 login broken").await;
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app).await;
    let post = |token: &str, body: Value| {
        let url = app.url(&format!("/pager/evolution/{token}"));
        let http = app.http.clone();
        async move { http.post(url).json(&body).send().await.unwrap().status() }
    };
    // Another number, the right number saying something else, the bot's own message.
    assert_eq!(
        post(
            TOKEN,
            incoming_text(
                "julia",
                "5511977776666",
                "ack",
                "M1",
                app.ctx.clock.now_secs()
            )
        )
        .await,
        200
    );
    assert_eq!(
        post(
            TOKEN,
            incoming_text(
                "julia",
                ANA_PHONE,
                "who is this?",
                "M2",
                app.ctx.clock.now_secs()
            )
        )
        .await,
        200
    );
    let mut own = incoming_text("julia", ANA_PHONE, "ack", "M3", app.ctx.clock.now_secs());
    own["data"]["key"]["fromMe"] = true.into();
    assert_eq!(post(TOKEN, own).await, 200);
    // A wrong token is no route at all; an oversized body is refused.
    assert_eq!(
        post(
            "wrong-token-0123456789abcdef0123",
            incoming_text("julia", ANA_PHONE, "ack", "M4", app.ctx.clock.now_secs())
        )
        .await,
        404
    );
    let big = json!({"event": "messages.upsert", "pad": "x".repeat(300 * 1024)});
    assert_eq!(post(TOKEN, big).await, 413);
    let r = app
        .http
        .post(app.url(&format!("/pager/evolution/{TOKEN}")))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    app.settle().await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM incidents WHERE id = {id} AND acked_at IS NOT NULL"
        ))
        .await,
        0
    );
    assert_eq!(s.evo.sent().len(), 1, "only the page went out");
    assert!(s.evo.sent_to("5511977776666").is_empty());
}
on_both_stores!(other_number, the_same_reply_from_another_number_is_ignored);

async fn evolution_down_goes_to_the_next_step_at_once_and_says_why(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, room) = declare(&app, "declare P0 whatsapp itself").await;
    s.evo.set_state("close");
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app).await;
    // The primary by DM, the failure stated, and the secondary at once (no second window).
    assert_eq!(s.slack.posts_in(ANA).len(), 1);
    assert_eq!(
        count_in(
            &s.slack,
            &room,
            &format!("WhatsApp page to <@{ANA}> failed: Evolution is close")
        ),
        1
    );
    assert_eq!(s.slack.posts_in(BIA).len(), 1, "secondary at once");
    assert_eq!(
        count_in(&s.slack, &room, &format!("paged <@{ANA}> by DM")),
        1
    );
    assert!(s.evo.sent().is_empty());
    // WhatsApp fails for the secondary too: the commanders at once, by DM. They get their
    // window before "nobody acknowledged".
    assert_eq!(s.slack.posts_in(CAIO).len(), 1, "commanders at once");
    assert_eq!(count_in(&s.slack, &room, "nobody acknowledged"), 0);
    app.ctx.clock.advance(5 * MIN);
    page(&app).await;
    assert_eq!(count_in(&s.slack, &room, "nobody acknowledged"), 1);
    // Evolution back but failing on send: the failure is stated with no number in it.
    let s2 = Setup::new().await;
    let app2 = s2.app(&TestDb::sqlite().await).await;
    s2.evo.set_not_on_whatsapp(ANA_PHONE);
    let (_, room2) = declare(&app2, "declare P0 number gone").await;
    app2.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app2).await;
    let failed = texts_in(&s2.slack, &room2)
        .into_iter()
        .find(|t| t.contains("WhatsApp page to"))
        .expect("failure stated");
    assert!(
        failed.contains("HTTP 400") && failed.contains("+55 •••• 0001"),
        "{failed}"
    );
    assert_eq!(s2.evo.sent_to(BIA_PHONE).len(), 1, "secondary at once");
    assert_no_numbers(&s2.slack);
    assert_no_numbers(&s.slack);
    let _ = id;
}
on_both_stores!(
    evolution_down,
    evolution_down_goes_to_the_next_step_at_once_and_says_why
);

async fn a_page_no_channel_delivers_goes_to_the_incidents_channel(db: TestDb) {
    let s = Setup::new().await;
    let app = spawn_app(
        &db,
        &s.slack,
        s.options().env("ONCALL_ROTATION", "UNOPHONE,UBIA0002"),
    )
    .await;
    let (id, _) = declare(&app, "declare P0 lonely").await;
    // The DM fails for good (Slack refuses it) and there is no number.
    s.slack
        .script("chat.postMessage", Behavior::OkFalse("user_not_found"), 1);
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app).await;
    let warn = count_in(
        &s.slack,
        INCIDENTS,
        &format!("INC-{id} could not page <@UNOPHONE> by any channel"),
    );
    assert_eq!(warn, 1, "{:?}", texts_in(&s.slack, INCIDENTS));
    // And the ladder did not wait: the secondary is paged.
    assert_eq!(s.evo.sent_to(BIA_PHONE).len(), 1);
}
on_both_stores!(
    undeliverable,
    a_page_no_channel_delivers_goes_to_the_incidents_channel
);

async fn raising_the_severity_starts_the_ladder(db: TestDb) {
    let s = Setup::new().await;
    let app = spawn_app(&db, &s.slack, s.options().env("INCIDENT_ACK_P2", "off")).await;
    app.incident("declare P2 slow dashboards", "UDECL", "CORIGIN")
        .await;
    app.settle().await;
    app.ctx.clock.advance(30 * MIN);
    page(&app).await;
    assert!(s.evo.sent().is_empty(), "P2 has no window here");
    let r = app.incident("severity INC-1 P0", "UDECL", "CORIGIN").await;
    assert!(r.to_string().contains("P0"), "{r}");
    app.settle().await;
    app.ctx.clock.advance(4 * MIN);
    page(&app).await;
    assert!(s.evo.sent().is_empty(), "a P0's window from the change");
    app.ctx.clock.advance(MIN + Duration::from_secs(1));
    page(&app).await;
    assert_eq!(s.evo.sent_to(ANA_PHONE).len(), 1);
}
on_both_stores!(severity, raising_the_severity_starts_the_ladder);

async fn a_dm_slack_fails_for_a_moment_is_retried_and_whatsapp_not_sent_twice(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (_, room) = declare(&app, "declare P0 retry the dm").await;
    s.slack
        .script("chat.postMessage", Behavior::Status(500, None), 1);
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    // The app's own worker may take the retry (it is due 1 s later): either way the outcome
    // below is the same.
    eventually(Duration::from_secs(10), || async {
        ::paging::run_once(&app.ctx).await.unwrap();
        (s.evo.sent_to(ANA_PHONE).len() == 1).then_some(())
    })
    .await
    .expect("WhatsApp went out");
    // After the backoff the DM goes out; WhatsApp is not sent again.
    app.ctx.clock.advance(Duration::from_secs(3));
    page(&app).await;
    assert_eq!(
        s.slack.posts_in(ANA).len(),
        2,
        "the refused DM and its one retry"
    );
    assert_eq!(s.evo.sent_to(ANA_PHONE).len(), 1);
    assert_eq!(
        count_in(
            &s.slack,
            &room,
            &format!("paged <@{ANA}> by WhatsApp and DM")
        ),
        1
    );
    assert_eq!(
        app.scalar("SELECT attempts FROM pages").await,
        2,
        "one failed attempt, one that settled the page"
    );
}
on_both_stores!(
    dm_retry,
    a_dm_slack_fails_for_a_moment_is_retried_and_whatsapp_not_sent_twice
);
