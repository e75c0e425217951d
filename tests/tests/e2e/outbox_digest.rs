//! A backlog of announcements in one channel goes out as one combined message (Slack allows
//! about one post per second per channel), with each row recorded as delivered by it. Driven
//! step by step (`outbox::run_once`) on a context with no worker running.

use std::time::Duration;

use chatops_core::ids::{IncidentId, IncidentTitle, UserId};
use chatops_core::jobs;
use chatops_core::outbox::{self, enqueue_digest, OutboxItem};
use chatops_core::Ctx;
use incident::declare::{create_incident, Declaration};
use incident::lifecycle::{update, UpdateInput};
use incident::Severity;
use messages::Msg;
use serde_json::Value;
use sqlx::Row;
use testkit::app::INCIDENTS;
use testkit::*;

fn declaration(title: &str) -> Declaration {
    Declaration {
        actor: "UDECL".into(),
        origin_channel: "CORIGIN".into(),
        severity: Severity::P1,
        title: IncidentTitle::parse(title).unwrap(),
        impact: None,
        commander: None,
        private: false,
        affects: Vec::new(),
        drill: false,
        drill_pages: false,
    }
}

async fn deliver_all(ctx: &Ctx) {
    while outbox::run_once(ctx).await.unwrap() > 0 {}
}

fn text(p: &Value) -> String {
    p["text"].as_str().unwrap_or_default().to_string()
}

/// (id, status, result_ts, delivered_with) of the outbox rows in `channel`, oldest first.
async fn rows(ctx: &Ctx, channel: &str) -> Vec<(i64, String, Option<String>, Option<i64>)> {
    sqlx::query(
        "SELECT id, status, result_ts, delivered_with FROM outbox WHERE channel = $1 ORDER BY id",
    )
    .bind(channel)
    .fetch_all(&ctx.store.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

async fn five_incidents_declared_at_once_are_announced_in_one_message(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    for n in 1..=5 {
        create_incident(&ctx, &declaration(&format!("outage part {n}")), None)
            .await
            .unwrap();
    }
    // The five declarations finish (war rooms, posts queued) before anything is delivered.
    while !jobs::run_once(&ctx).await.unwrap().is_empty() {}
    deliver_all(&ctx).await;
    let posts = slack.posts_in(INCIDENTS);
    assert_eq!(
        posts.len(),
        1,
        "one message: {:?}",
        posts.iter().map(text).collect::<Vec<_>>()
    );
    let t = text(&posts[0]);
    assert!(t.starts_with("5 incidents declared"), "{t}");
    let rooms: Vec<String> = sqlx::query("SELECT channel_id FROM incidents ORDER BY id")
        .fetch_all(&ctx.store.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    assert_eq!(rooms.len(), 5);
    for (n, room) in rooms.iter().enumerate() {
        let key = format!("INC-{}", n + 1);
        assert!(t.contains(&key), "{key} in {t}");
        assert!(
            t.contains(&format!("<#{room}>")),
            "war room of {key} linked"
        );
        assert!(t.contains(&format!("outage part {}", n + 1)));
        // Each war room still gets its own declared message.
        assert_eq!(slack.posts_in(room).len(), 1, "declared post in {room}");
    }
    // Every announcement row is recorded as delivered by that one message.
    let ann = rows(&ctx, INCIDENTS).await;
    assert_eq!(ann.len(), 5);
    let head = ann[0].0;
    let ts = ann[0].2.clone().expect("ts recorded");
    for (i, (_, status, row_ts, with)) in ann.iter().enumerate() {
        assert_eq!(status, "sent");
        assert_eq!(row_ts.as_deref(), Some(ts.as_str()));
        assert_eq!(*with, if i == 0 { None } else { Some(head) });
    }
    // An update of INC-4 is threaded under the combined message (and posted in its war room).
    update(
        &ctx,
        &UserId::new("UIC"),
        IncidentId(4),
        UpdateInput {
            status: None,
            findings: "replica lag back to normal".into(),
            actions: None,
            eta: None,
            affects: Vec::new(),
        },
    )
    .await
    .unwrap();
    deliver_all(&ctx).await;
    let posts = slack.posts_in(INCIDENTS);
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[1]["thread_ts"], ts.as_str());
    assert!(text(&posts[1]).contains("INC-4"), "{}", text(&posts[1]));
    assert!(text(&posts[1]).contains("replica lag back to normal"));
}

testkit::on_both_stores!(
    five_at_once,
    five_incidents_declared_at_once_are_announced_in_one_message
);

async fn queue(ctx: &Ctx, text: &str, digest: bool) -> i64 {
    let mut conn = ctx.store.pool.acquire().await.unwrap();
    let item = OutboxItem::post(INCIDENTS, &Msg::text(text));
    let now = ctx.clock.now_ms();
    if digest {
        enqueue_digest(&mut conn, &item, &format!("line of {text}"), now)
            .await
            .unwrap()
    } else {
        outbox::enqueue(&mut conn, &item, now).await.unwrap()
    }
}

async fn only_an_unbroken_run_of_three_or_more_is_combined_and_order_is_kept(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    // Two announcements, another message, three announcements.
    for (t, d) in [
        ("A", true),
        ("B", true),
        ("X", false),
        ("C", true),
        ("D", true),
        ("E", true),
    ] {
        queue(&ctx, t, d).await;
    }
    deliver_all(&ctx).await;
    let texts: Vec<String> = slack.posts_in(INCIDENTS).iter().map(text).collect();
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert_eq!(
        &texts[..3],
        ["A", "B", "X"],
        "fewer than 3 in a row go one by one, in order"
    );
    assert!(
        texts[3].starts_with("3 incidents declared:\nline of C\nline of D\nline of E"),
        "{}",
        texts[3]
    );
    // Two due alone: two posts.
    queue(&ctx, "F", true).await;
    queue(&ctx, "G", true).await;
    deliver_all(&ctx).await;
    let texts: Vec<String> = slack.posts_in(INCIDENTS).iter().map(text).collect();
    assert_eq!(&texts[4..], ["F", "G"]);
}

testkit::on_both_stores!(
    unbroken_runs,
    only_an_unbroken_run_of_three_or_more_is_combined_and_order_is_kept
);

async fn a_combined_post_cut_short_or_refused_loses_nothing_and_posts_once(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    for n in 0..25 {
        queue(&ctx, &format!("N{n:02}"), true).await;
    }
    // The process dies while posting the first combined message (20 rows, the most in one).
    slack.script(
        "chat.postMessage",
        Behavior::Hang(Duration::from_secs(3)),
        1,
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(800), outbox::run_once(&ctx))
            .await
            .is_err()
    );
    let leased: i64 = sqlx::query("SELECT COUNT(*) FROM outbox WHERE lease_token IS NOT NULL")
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        leased, 20,
        "the head and the 19 rows behind it, under one lease"
    );
    // While that lease holds nothing goes out in the channel.
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 0);
    // Then Slack rate-limits the next try: every row is released, nothing is marked sent.
    ctx.clock.advance(Duration::from_secs(6));
    slack.script("chat.postMessage", Behavior::Status(429, Some(1)), 1);
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 1);
    let r = rows(&ctx, INCIDENTS).await;
    assert!(
        r.iter().all(|(_, s, _, w)| s == "pending" && w.is_none()),
        "{r:?}"
    );
    // After the Retry-After: 20 in one message, then the 5 left in another.
    ctx.clock.advance(Duration::from_secs(2));
    deliver_all(&ctx).await;
    let posts = slack.posts_in(INCIDENTS);
    let ok: Vec<String> = posts[2..].iter().map(text).collect();
    assert_eq!(ok.len(), 2, "{ok:?}");
    assert!(ok[0].starts_with("20 incidents declared"), "{}", ok[0]);
    assert!(ok[1].starts_with("5 incidents declared"), "{}", ok[1]);
    for n in 0..25 {
        let line = format!("line of N{n:02}");
        assert_eq!(
            ok.iter().filter(|t| t.contains(&line)).count(),
            1,
            "{line} once"
        );
    }
    let r = rows(&ctx, INCIDENTS).await;
    assert!(r.iter().all(|(_, s, _, _)| s == "sent"));
    // Slack refusing the channel for good fails every row of the message, once each.
    slack.fail_all("chat.postMessage", Behavior::OkFalse("channel_not_found"));
    for n in 0..4 {
        queue(&ctx, &format!("M{n}"), true).await;
    }
    deliver_all(&ctx).await;
    let failed: i64 = sqlx::query("SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND last_error = 'channel_not_found' AND attempts = 1")
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(failed, 4);
}

testkit::on_both_stores!(
    cut_short_or_refused,
    a_combined_post_cut_short_or_refused_loses_nothing_and_posts_once
);
