//! Paging on the wire, round 2 (#25): how Evolution really answers and really posts. A slow
//! `sendText` is not a failure; an ack survives a store failure (5xx, Evolution retries); only
//! the pager instance's messages count; a reply older than the page, or a LID nobody quotes,
//! acknowledges nothing; a reply quoting the page acknowledges it whatever the sender shows;
//! by-events webhooks (`…/messages-upsert`) are heard.

use std::time::Duration;

use serde_json::Value;
use testkit::app::INCIDENTS;
use testkit::fake_evolution::{incoming_lid_reply, incoming_text};
use testkit::paging::*;
use testkit::*;

async fn post(app: &TestApp, path: &str, body: &Value) -> u16 {
    app.http
        .post(app.url(path))
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&app.ctx.store.pool).await.unwrap();
}

fn hook() -> String {
    format!("/pager/evolution/{TOKEN}")
}

async fn acked_by(app: &TestApp, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT acked_by FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap()
}

/// Declares a P0 and runs the ladder past the primary's window: Ana is paged.
async fn paged(app: &TestApp) -> (i64, String) {
    let (id, room) = declare(app, "declare P0 checkout is down").await;
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(app).await;
    (id, room)
}

async fn a_slow_but_successful_send_is_not_a_failure(db: TestDb) {
    let s = Setup::new().await;
    // Julia's 3 s source timeout, shortened; the send takes longer than it and would take
    // longer still with a link preview of the war-room link.
    let app = spawn_app(
        &db,
        &s.slack,
        s.options()
            .env("JULIA_SOURCE_TIMEOUT", "1s")
            .env("PAGER_SEND_TIMEOUT", "10s"),
    )
    .await;
    s.evo
        .set_send_wait(Duration::from_millis(1500), Duration::from_secs(30));
    let (_, room) = paged(&app).await;
    assert_eq!(s.evo.sent_to(ANA_PHONE).len(), 1, "the page went out");
    let bodies = s.evo.send_bodies();
    assert_eq!(
        bodies[0]["linkPreview"],
        Value::Bool(false),
        "{}",
        bodies[0]
    );
    assert_eq!(count_in(&s.slack, &room, "failed"), 0);
    assert_eq!(
        count_in(
            &s.slack,
            &room,
            &format!("paged <@{ANA}> by WhatsApp and DM")
        ),
        1
    );
    // The secondary keeps the window.
    assert!(s.evo.sent_to(BIA_PHONE).is_empty() && s.slack.posts_in(BIA).is_empty());
}
on_both_stores!(slow_send, a_slow_but_successful_send_is_not_a_failure);

async fn no_answer_in_time_is_unconfirmed_and_the_ladder_keeps_its_window(db: TestDb) {
    let s = Setup::new().await;
    let app = spawn_app(&db, &s.slack, s.options().env("PAGER_SEND_TIMEOUT", "1s")).await;
    s.evo.set_send_wait(Duration::from_secs(3), Duration::ZERO);
    let (id, room) = paged(&app).await;
    assert_eq!(
        count_in(&s.slack, &room, "failed"),
        0,
        "{:?}",
        texts_in(&s.slack, &room)
    );
    assert_eq!(
        count_in(
            &s.slack,
            &room,
            &format!("WhatsApp page to <@{ANA}> not confirmed")
        ),
        1
    );
    assert!(s.slack.posts_in(BIA).is_empty(), "no early escalation");
    assert_eq!(count_in(&s.slack, INCIDENTS, "could not page"), 0);
    // The page may have reached Ana: her reply acknowledges it.
    s.evo.set_send_wait(Duration::ZERO, Duration::ZERO);
    let at = app.ctx.clock.now_secs();
    let r = post(
        &app,
        &hook(),
        &incoming_text("julia", ANA_PHONE, "ack", "U1", at),
    )
    .await;
    assert_eq!(r, 200);
    assert_eq!(acked_by(&app, id).await.as_deref(), Some(ANA));
}
on_both_stores!(
    unconfirmed_send,
    no_answer_in_time_is_unconfirmed_and_the_ladder_keeps_its_window
);

async fn a_store_failure_answers_5xx_and_the_retry_acknowledges(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, _) = paged(&app).await;
    let body = incoming_text("julia", ANA_PHONE, "ack", "DB1", app.ctx.clock.now_secs());
    // The acknowledgment cannot be written (its timeline event has nowhere to go).
    exec(&app, "ALTER TABLE timeline RENAME TO timeline_gone").await;
    let r = post(&app, &hook(), &body).await;
    exec(&app, "ALTER TABLE timeline_gone RENAME TO timeline").await;
    assert!((500..600).contains(&r), "Evolution must retry: {r}");
    assert_eq!(acked_by(&app, id).await, None);
    // Evolution sends the same message again: it acknowledges.
    assert_eq!(post(&app, &hook(), &body).await, 200);
    assert_eq!(acked_by(&app, id).await.as_deref(), Some(ANA));
    let answers = s.evo.sent_to(ANA_PHONE);
    assert!(
        answers[1].contains(&format!("INC-{id} acknowledged")),
        "{answers:?}"
    );
}
on_both_stores!(
    ack_store_failure,
    a_store_failure_answers_5xx_and_the_retry_acknowledges
);

async fn another_instances_message_does_not_acknowledge(db: TestDb) {
    let s = Setup::new().await;
    let app = spawn_app(
        &db,
        &s.slack,
        s.options().env("PAGER_EVOLUTION_INSTANCE", "pager"),
    )
    .await;
    s.evo.add_instance("pager");
    let (id, _) = paged(&app).await;
    let at = app.ctx.clock.now_secs();
    for (inst, msg) in [("julia", "I1"), ("", "I2")] {
        let mut b = incoming_text(inst, ANA_PHONE, "ack", msg, at);
        if inst.is_empty() {
            b.as_object_mut().unwrap().remove("instance");
        }
        assert_eq!(post(&app, &hook(), &b).await, 200);
        assert_eq!(acked_by(&app, id).await, None, "{inst:?}");
    }
    let b = incoming_text("pager", ANA_PHONE, "ack", "I3", at);
    assert_eq!(post(&app, &hook(), &b).await, 200);
    assert_eq!(acked_by(&app, id).await.as_deref(), Some(ANA));
}
on_both_stores!(
    other_instance,
    another_instances_message_does_not_acknowledge
);

async fn a_reply_older_than_the_page_does_not_acknowledge(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, _) = paged(&app).await;
    // An "ok" written a minute before the page (to something else), delivered late.
    let before = app.ctx.clock.now_secs() - 60;
    let b = incoming_text("julia", ANA_PHONE, "ok", "OLD1", before);
    assert_eq!(post(&app, &hook(), &b).await, 200);
    assert_eq!(acked_by(&app, id).await, None);
    assert_eq!(s.evo.sent_to(ANA_PHONE).len(), 1, "no answer to it");
    let b = incoming_text("julia", ANA_PHONE, "ok", "NEW1", app.ctx.clock.now_secs());
    assert_eq!(post(&app, &hook(), &b).await, 200);
    assert_eq!(acked_by(&app, id).await.as_deref(), Some(ANA));
}
on_both_stores!(
    stale_reply,
    a_reply_older_than_the_page_does_not_acknowledge
);

async fn a_lid_reply_quoting_the_page_acknowledges(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, room) = paged(&app).await;
    let at = app.ctx.clock.now_secs();
    // A LID that quotes nothing, and a hosted LID whose digits happen to be Ana's number: no
    // number is known, nothing is acknowledged.
    for (lid, msg) in [
        ("123456789012345@lid", "L1"),
        (&*format!("{ANA_PHONE}@hosted.lid"), "L2"),
    ] {
        let b = incoming_lid_reply("julia", lid, "ack", msg, at, None);
        assert_eq!(post(&app, &hook(), &b).await, 200);
        assert_eq!(acked_by(&app, id).await, None, "{lid}");
    }
    let page_msg: Option<String> = sqlx::query_scalar("SELECT wa_message_id FROM pages")
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap();
    let page_msg = page_msg.expect("the id sendText returned is kept");
    // Quoting the page: acknowledged by the person paged, answered on her number.
    let b = incoming_lid_reply(
        "julia",
        "123456789012345@lid",
        "ack",
        "L3",
        at,
        Some(&page_msg),
    );
    assert_eq!(post(&app, &hook(), &b).await, 200);
    assert_eq!(acked_by(&app, id).await.as_deref(), Some(ANA));
    app.settle().await;
    assert_eq!(count_in(&s.slack, &room, "(WhatsApp reply)"), 1);
    let answers = s.evo.sent_to(ANA_PHONE);
    assert!(
        answers[1].contains(&format!("INC-{id} acknowledged")),
        "{answers:?}"
    );
    assert_no_numbers(&s.slack);
}
on_both_stores!(lid_quote, a_lid_reply_quoting_the_page_acknowledges);

async fn a_by_events_webhook_is_heard(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, _) = paged(&app).await;
    let b = incoming_text("julia", ANA_PHONE, "ack", "E1", app.ctx.clock.now_secs());
    let path = format!("{}/messages-upsert", hook());
    assert_eq!(post(&app, &path, &b).await, 200);
    assert_eq!(acked_by(&app, id).await.as_deref(), Some(ANA));
    // The token still guards it.
    let wrong = "/pager/evolution/wrong-token-0123456789abcdef0123/messages-upsert";
    assert_eq!(post(&app, wrong, &b).await, 404);
}
on_both_stores!(by_events, a_by_events_webhook_is_heard);
