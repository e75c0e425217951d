//! A post whose earlier attempt's outcome is unknown (the process died, or the answer timed
//! out) is looked for in the channel before it is posted again: every post carries its row id
//! in its message metadata. Driven step by step (`outbox::run_once`), no worker running.
//!
//! The fake Slack posts a message when the call arrives and answers after `set_delay`, so a
//! call cut short has reached the channel, as on Slack when the answer is lost.

use std::time::Duration;

use chatops_core::outbox::{self, enqueue_digest, OutboxItem};
use chatops_core::Ctx;
use messages::Msg;
use serde_json::Value;
use sqlx::Row;
use testkit::app::INCIDENTS;
use testkit::*;

async fn queue(ctx: &Ctx, item: &OutboxItem) -> i64 {
    let mut conn = ctx.store.pool.acquire().await.unwrap();
    outbox::enqueue(&mut conn, item, ctx.clock.now_ms())
        .await
        .unwrap()
}

/// One delivery step cut short while the post is in flight (the process dies).
async fn crash_mid_post(ctx: &Ctx, slack: &FakeSlack) {
    slack.set_delay(Duration::from_secs(3));
    assert!(
        tokio::time::timeout(Duration::from_millis(800), outbox::run_once(ctx))
            .await
            .is_err(),
        "the step was in flight"
    );
    slack.set_delay(Duration::ZERO);
    // The dead process's lease runs out.
    ctx.clock.advance(Duration::from_secs(6));
}

async fn row(ctx: &Ctx, id: i64) -> (String, Option<String>, Option<i64>, Option<String>) {
    let r = sqlx::query(
        "SELECT status, result_ts, attempt_started_at, last_error FROM outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&ctx.store.pool)
    .await
    .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

fn posts_with(slack: &FakeSlack, channel: &str, text: &str) -> Vec<Value> {
    slack
        .posts_in(channel)
        .into_iter()
        .filter(|p| p["text"] == text)
        .collect()
}

async fn a_post_cut_short_by_a_crash_is_found_and_not_posted_again(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let top = queue(&ctx, &OutboxItem::post(INCIDENTS, &Msg::text("top"))).await;
    crash_mid_post(&ctx, &slack).await;
    assert_eq!(row(&ctx, top).await.0, "pending");
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 1);
    let posts = posts_with(&slack, INCIDENTS, "top");
    assert_eq!(posts.len(), 1, "not posted again");
    let m = &posts[0]["metadata"];
    assert_eq!(m["event_type"], outbox::EVENT_TYPE);
    assert_eq!(m["event_payload"]["row"], top);
    // Read as Slack reads it: a GET with query arguments, metadata asked for.
    let h = slack.calls_to("conversations.history");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].transport, "query");
    assert_eq!(h[0].body["channel"], INCIDENTS);
    assert_eq!(h[0].body["include_all_metadata"], "true");
    let (status, ts, unknown, note) = row(&ctx, top).await;
    assert_eq!(status, "sent");
    assert!(ts.is_some(), "the ts Slack gave the post is recorded");
    assert_eq!(unknown, None);
    assert_eq!(note.as_deref(), Some("found already posted"));
    // A reply in its thread, cut short the same way: looked for in the thread.
    let reply = queue(
        &ctx,
        &OutboxItem::post(INCIDENTS, &Msg::text("reply")).reply_to(top),
    )
    .await;
    crash_mid_post(&ctx, &slack).await;
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 1);
    assert_eq!(posts_with(&slack, INCIDENTS, "reply").len(), 1);
    let r = slack.calls_to("conversations.replies");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].body["ts"], ts.unwrap().as_str());
    assert_eq!(row(&ctx, reply).await.0, "sent");
}

on_both_stores!(
    crash_found,
    a_post_cut_short_by_a_crash_is_found_and_not_posted_again
);

async fn a_lost_answer_is_checked_before_the_retry(db: TestDb) {
    let slack = FakeSlack::start().await;
    // SLACK_TIMEOUT is 2 s in tests: the answer comes too late, the post is in the channel.
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let id = queue(&ctx, &OutboxItem::post("CWATCH", &Msg::text("slow"))).await;
    slack.set_delay(Duration::from_millis(2500));
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 1);
    let (status, _, unknown, error) = row(&ctx, id).await;
    assert_eq!(
        (status.as_str(), error.as_deref()),
        ("pending", Some("timeout"))
    );
    assert!(unknown.is_some(), "the outcome is unknown");
    slack.set_delay(Duration::ZERO);
    ctx.clock.advance(Duration::from_secs(1));
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 1);
    assert_eq!(
        posts_with(&slack, "CWATCH", "slow").len(),
        1,
        "no second post"
    );
    assert_eq!(row(&ctx, id).await.0, "sent");
}

on_both_stores!(lost_answer, a_lost_answer_is_checked_before_the_retry);

async fn a_post_that_never_reached_slack_is_posted_once_after_the_check(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let id = queue(&ctx, &OutboxItem::post(INCIDENTS, &Msg::text("never sent"))).await;
    // A process claimed it and died before calling Slack.
    sqlx::query("UPDATE outbox SET lease_token = 'dead', lease_until = 1, attempt_started_at = $1")
        .bind(ctx.clock.now_ms() - 1000)
        .execute(&ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 1);
    assert_eq!(slack.calls_to("conversations.history").len(), 1);
    assert_eq!(posts_with(&slack, INCIDENTS, "never sent").len(), 1);
    let (status, _, unknown, note) = row(&ctx, id).await;
    assert_eq!((status.as_str(), unknown, note), ("sent", None, None));
    // A post delivered without trouble is never checked.
    queue(&ctx, &OutboxItem::post(INCIDENTS, &Msg::text("plain"))).await;
    outbox::run_once(&ctx).await.unwrap();
    assert_eq!(slack.calls_to("conversations.history").len(), 1);
}

on_both_stores!(
    never_reached,
    a_post_that_never_reached_slack_is_posted_once_after_the_check
);

async fn without_history_access_the_post_goes_out_again(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    // An installation without `channels:history`: the check is refused; at-least-once.
    let scopes = testkit::fake_slack::manifest_bot_scopes();
    let fewer: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "channels:history")
        .collect();
    slack.set_scopes(&fewer);
    queue(&ctx, &OutboxItem::post(INCIDENTS, &Msg::text("twice"))).await;
    crash_mid_post(&ctx, &slack).await;
    outbox::run_once(&ctx).await.unwrap();
    assert_eq!(posts_with(&slack, INCIDENTS, "twice").len(), 2);
    // A direct message (a user id) cannot be read: posted again without asking.
    queue(&ctx, &OutboxItem::post("UDECL", &Msg::text("dm"))).await;
    crash_mid_post(&ctx, &slack).await;
    outbox::run_once(&ctx).await.unwrap();
    assert_eq!(posts_with(&slack, "UDECL", "dm").len(), 2);
    assert_eq!(slack.calls_to("conversations.history").len(), 1);
}

on_both_stores!(
    no_history_access,
    without_history_access_the_post_goes_out_again
);

async fn a_combined_announcement_cut_short_is_found_with_every_row_it_carried(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let item = OutboxItem::post(INCIDENTS, &Msg::text(format!("A{n}")));
        let mut conn = ctx.store.pool.acquire().await.unwrap();
        let line = format!("line {n}");
        let id = enqueue_digest(&mut conn, &item, &line, ctx.clock.now_ms()).await;
        ids.push(id.unwrap());
    }
    crash_mid_post(&ctx, &slack).await;
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 1);
    let posts = slack.posts_in(INCIDENTS);
    assert_eq!(posts.len(), 1, "one combined message, not posted again");
    assert_eq!(
        posts[0]["metadata"]["event_payload"]["with"],
        serde_json::json!(&ids[1..])
    );
    let mut tss = Vec::new();
    for id in &ids {
        let (status, ts, _, _) = row(&ctx, *id).await;
        assert_eq!(status, "sent");
        tss.push(ts.unwrap());
    }
    assert!(tss.iter().all(|t| *t == tss[0]), "{tss:?}");
}

on_both_stores!(
    combined_found,
    a_combined_announcement_cut_short_is_found_with_every_row_it_carried
);

async fn a_rate_limited_check_waits_and_posts_nothing_meanwhile(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let id = queue(&ctx, &OutboxItem::post(INCIDENTS, &Msg::text("held"))).await;
    crash_mid_post(&ctx, &slack).await;
    slack.script("conversations.history", Behavior::Status(429, Some(2)), 1);
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 1);
    let (status, _, unknown, error) = row(&ctx, id).await;
    assert_eq!(
        (status.as_str(), error.as_deref()),
        ("pending", Some("ratelimited"))
    );
    assert!(unknown.is_some(), "still to be checked");
    assert_eq!(
        posts_with(&slack, INCIDENTS, "held").len(),
        1,
        "nothing posted"
    );
    // Not due before the Retry-After.
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 0);
    ctx.clock.advance(Duration::from_secs(3));
    assert_eq!(outbox::run_once(&ctx).await.unwrap(), 1);
    assert_eq!(slack.calls_to("conversations.history").len(), 2);
    assert_eq!(
        posts_with(&slack, INCIDENTS, "held").len(),
        1,
        "found, not repeated"
    );
    assert_eq!(row(&ctx, id).await.0, "sent");
}

on_both_stores!(
    check_rate_limited,
    a_rate_limited_check_waits_and_posts_nothing_meanwhile
);
