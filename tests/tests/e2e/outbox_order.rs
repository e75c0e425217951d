//! A channel's owed posts reach Slack in the order their rows were made, whatever order their
//! transactions commit in, and with some of them retried on the way. Driven step by step
//! (`outbox::run_once`), no worker running.

use std::time::Duration;

use chatops_core::outbox::{self, OutboxItem};
use chatops_core::Ctx;
use messages::Msg;
use sqlx::Row;
use testkit::*;

const CHANNEL: &str = "CORDER";

fn post(n: usize) -> OutboxItem {
    OutboxItem::post(CHANNEL, &Msg::text(format!("post {n}")))
}

async fn queue(ctx: &Ctx, n: usize) {
    let mut tx = ctx.store.begin().await.unwrap();
    outbox::enqueue(&mut tx, &post(n), ctx.clock.now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn texts(slack: &FakeSlack) -> Vec<String> {
    slack
        .posts_in(CHANNEL)
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn pending(ctx: &Ctx) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
        .get(0)
}

async fn posts_reach_slack_in_row_order(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let mut made = 0;
    if db.postgres {
        // Two declarations finishing at once: the first takes its row, the second takes the
        // next one and commits first (SQLite has one writer at a time: no such race there).
        let mut first = ctx.store.begin().await.unwrap();
        outbox::enqueue(&mut first, &post(0), ctx.clock.now_ms())
            .await
            .unwrap();
        queue(&ctx, 1).await;
        outbox::run_once(&ctx).await.unwrap();
        assert_eq!(
            texts(&slack),
            Vec::<String>::new(),
            "nothing goes out before the older row is committed"
        );
        first.commit().await.unwrap();
        made = 2;
    }
    for n in made..30 {
        queue(&ctx, n).await;
    }
    // The head fails once (5xx, retried after a backoff), later one is rate limited (429).
    slack.script("chat.postMessage", Behavior::Status(500, None), 1);
    let mut steps = 0;
    while pending(&ctx).await > 0 {
        outbox::run_once(&ctx).await.unwrap();
        if texts(&slack).len() == 5 {
            slack.script("chat.postMessage", Behavior::Status(429, Some(2)), 1);
        }
        ctx.clock.advance(Duration::from_secs(61));
        steps += 1;
        assert!(steps < 200, "still pending after {steps} steps");
    }
    // Every call, the refused ones too (a refused post is tried again before the next one).
    let mut calls = texts(&slack);
    assert_eq!(calls.len(), 32, "30 posts and two tried again: {calls:?}");
    calls.dedup();
    let expected: Vec<String> = (0..30).map(|n| format!("post {n}")).collect();
    assert_eq!(calls, expected);
}

testkit::on_both_stores!(row_order, posts_reach_slack_in_row_order);
