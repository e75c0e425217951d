//! The on-call rotation (#15): handoffs, overrides; and the paging ladder's durability: a
//! restart in the middle of it, two replicas. Time moves with the app's clock.

use std::time::Duration;

use testkit::app::INCIDENTS;
use testkit::paging::*;
use testkit::*;

async fn a_handoff_moves_the_rotation(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let t = oncall_text(&app).await;
    assert!(
        t.contains(&format!("On call now: <@{ANA}>")) && t.contains(&format!("Next: <@{BIA}>")),
        "{t}"
    );
    assert!(
        t.contains("mon 09:00") && t.contains("America/Sao_Paulo"),
        "{t}"
    );
    ::paging::run_once(&app.ctx).await.unwrap();
    app.settle().await;
    assert!(s.slack.posts_in(BIA).is_empty(), "no handoff yet");
    app.ctx.clock.advance(Duration::from_secs(7 * 86_400 + 60));
    ::paging::run_once(&app.ctx).await.unwrap();
    ::paging::run_once(&app.ctx).await.unwrap();
    app.settle().await;
    let t = oncall_text(&app).await;
    assert!(
        t.contains(&format!("On call now: <@{BIA}>")) && t.contains(&format!("Next: <@{ANA}>")),
        "{t}"
    );
    let dms = texts_in(&s.slack, BIA);
    assert_eq!(dms.len(), 1, "one handoff DM: {dms:?}");
    assert!(dms[0].contains("You are on call now"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'oncall.handoff'")
            .await,
        1
    );
    // A replica started after the handoff agrees and sends nothing more.
    let other = s.app(&db).await;
    ::paging::run_once(&other.ctx).await.unwrap();
    app.settle().await;
    assert!(oncall_text(&other)
        .await
        .contains(&format!("On call now: <@{BIA}>")));
    assert_eq!(texts_in(&s.slack, BIA).len(), 1);
}
on_both_stores!(handoff, a_handoff_moves_the_rotation);

async fn an_override_works_and_expires(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let bad = app
        .incident("oncall set <@UZED0009> for ever", ANA, "CORIGIN")
        .await;
    assert!(bad.to_string().contains("oncall set"), "usage help: {bad}");
    let r = app
        .incident("oncall set <@UZED0009> for 1h", ANA, "CORIGIN")
        .await;
    assert!(
        r.to_string().contains("<@UZED0009> is on call until"),
        "{r}"
    );
    app.settle().await;
    assert_eq!(
        texts_in(&s.slack, "UZED0009").len(),
        1,
        "DM to the new on-call"
    );
    assert_eq!(
        count_in(&s.slack, INCIDENTS, "<@UZED0009> is on call until"),
        1
    );
    let audit: (String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT actor, before_value, after_value FROM audit_log WHERE action = 'oncall.override'",
    )
    .fetch_one(&app.ctx.store.pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        (ANA.into(), Some(ANA.into()), Some("UZED0009".into()))
    );
    let t = oncall_text(&app).await;
    assert!(
        t.contains("On call now: <@UZED0009>") && t.contains("override until"),
        "{t}"
    );
    // Pages go to the override first, the rotation's person second.
    let (_, room) = declare(&app, "declare P0 during the override").await;
    assert_eq!(count_in(&s.slack, &room, "on call: <@UZED0009>"), 1);
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app).await;
    assert_eq!(count_in(&s.slack, &room, "paged <@UZED0009> by DM"), 1);
    app.incident("ack", "UZED0009", &room).await;
    // It expires: back to the rotation, whose person is told.
    app.ctx.clock.advance(56 * MIN);
    ::paging::run_once(&app.ctx).await.unwrap();
    app.settle().await;
    let t = oncall_text(&app).await;
    assert!(
        t.contains(&format!("On call now: <@{ANA}>")) && !t.contains("override"),
        "{t}"
    );
    assert_eq!(count_in(&s.slack, ANA, "You are on call now"), 1);
    ::paging::run_once(&app.ctx).await.unwrap();
    app.settle().await;
    assert_eq!(count_in(&s.slack, ANA, "You are on call now"), 1, "once");
}
on_both_stores!(override_, an_override_works_and_expires);

async fn a_restart_in_the_middle_of_the_ladder_neither_repeats_nor_skips(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    declare(&app, "declare P0 restart me").await;
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app).await;
    assert_eq!(s.evo.sent_to(ANA_PHONE).len(), 1);
    app.kill();
    // A new process (its clock starts at the real time again): 4 minutes after the primary's
    // page, then past the secondary's due time, then past the commanders'.
    let app = s.app(&db).await;
    app.ctx.clock.advance(9 * MIN);
    page(&app).await;
    assert!(
        s.evo.sent_to(BIA_PHONE).is_empty(),
        "the secondary's window still runs"
    );
    app.ctx.clock.advance(MIN + Duration::from_secs(5));
    page(&app).await;
    assert_eq!(
        s.evo.sent_to(BIA_PHONE).len(),
        1,
        "the secondary is not skipped"
    );
    app.ctx.clock.advance(5 * MIN);
    page(&app).await;
    assert_eq!(
        s.evo.sent_to(ANA_PHONE).len(),
        1,
        "the primary is not paged again"
    );
    assert_eq!(s.slack.posts_in(ANA).len(), 1);
    assert_eq!(
        s.evo.sent_to(BIA_PHONE).len(),
        1,
        "the secondary is not skipped"
    );
    assert_eq!(s.evo.sent_to(CAIO_PHONE).len(), 1, "then the commanders");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM pages").await, 3);
}
on_both_stores!(
    restart,
    a_restart_in_the_middle_of_the_ladder_neither_repeats_nor_skips
);

async fn two_replicas_page_once(db: TestDb) {
    let s = Setup::new().await;
    let a = s.app(&db).await;
    let b = s.app(&db).await;
    let (_, room) = declare(&a, "declare P0 twice").await;
    a.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    b.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    let (ra, rb) = tokio::join!(::paging::run_once(&a.ctx), ::paging::run_once(&b.ctx));
    ra.unwrap();
    rb.unwrap();
    page(&a).await;
    page(&b).await;
    assert_eq!(s.evo.sent_to(ANA_PHONE).len(), 1, "one WhatsApp page");
    assert_eq!(s.slack.posts_in(ANA).len(), 1, "one DM");
    assert_eq!(count_in(&s.slack, &room, &format!("paged <@{ANA}>")), 1);
    assert_eq!(
        a.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'paged'")
            .await,
        1
    );
}
on_both_stores!(replicas, two_replicas_page_once);

/// `chatops doctor` checks every id of the rotation with `users.info`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_rotation_ids_that_are_not_active_users() {
    use doctor::{self, Status};
    let slack = FakeSlack::start().await;
    slack.set_user("UANA0001", false);
    slack.set_user("UOLD0001", true);
    let db = TestDb::sqlite().await;
    let check = |rotation: &'static str| {
        let (slack, db) = (slack.clone(), db.clone());
        async move {
            let config = bot::Settings::from_pairs(&[
                ("SLACK_SIGNING_SECRET", "s"),
                ("SLACK_BOT_TOKEN", "xoxb-1"),
                ("SLACK_API_URL", &slack.base_url),
                ("DATABASE_URL", &db.url),
                ("ONCALL_ROTATION", rotation),
            ])
            .unwrap();
            let opts = doctor::Options {
                timeout: Duration::from_secs(2),
            };
            let r = doctor::run(&config, &opts).await;
            r.get("Slack", "ONCALL_ROTATION")
                .cloned()
                .expect("rotation check")
        }
    };
    let bad = check("UANA0001,UGONE001,UOLD0001").await;
    assert_eq!(bad.status, Status::Fail);
    assert!(
        bad.detail
            .contains("UGONE001 is not a user of this workspace")
            && bad.detail.contains("UOLD0001 is deactivated")
            && !bad.detail.contains("UANA0001"),
        "{}",
        bad.detail
    );
    assert!(bad.fix.unwrap().contains("ONCALL_ROTATION"));
    let good = check("UANA0001").await;
    assert_eq!(good.status, Status::Pass, "{}", good.detail);
}

/// `/incident status` says who acknowledged the incident and when, or that nobody has, and who
/// is on call now.
async fn status_shows_the_acknowledgment_and_who_is_on_call(db: TestDb) {
    let s = Setup::new().await;
    let app = s.app(&db).await;
    let (id, room) = declare(&app, "declare P0 payments failing").await;
    let before = app
        .incident(&format!("status INC-{id}"), BIA, "CELSEWHERE")
        .await;
    let before = before.to_string();
    assert!(before.contains("Not acknowledged yet"), "{before}");
    assert!(before.contains(&format!("On call: <@{ANA}>")), "{before}");
    assert!(!before.contains("Acknowledged by"), "{before}");

    app.ctx.clock.advance(2 * MIN);
    let r = app.incident("ack", ANA, &room).await;
    assert!(r.to_string().contains("acknowledged"), "{r}");
    app.settle().await;
    let after = app
        .incident(&format!("status INC-{id}"), BIA, "CELSEWHERE")
        .await;
    let after = after.to_string();
    assert!(
        after.contains(&format!("Acknowledged by <@{ANA}>")),
        "{after}"
    );
    assert!(!after.contains("Not acknowledged yet"), "{after}");
    let acked_at: i64 = sqlx::query_scalar("SELECT acked_at FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap();
    assert!(
        after.contains(&format!("<!date^{}^", acked_at / 1000)),
        "the time of the acknowledgment: {after}"
    );
}
on_both_stores!(
    status_acknowledgment,
    status_shows_the_acknowledgment_and_who_is_on_call
);
