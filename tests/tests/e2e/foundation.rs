//! The signed receiver, usage help, dedupe, the outbox and Redis, end to end.

use std::time::Duration;

use serde_json::json;
use testkit::app::{now_secs, SECRET};
use testkit::*;

const FORM: &str = "application/x-www-form-urlencoded";

fn help_form(text: &str) -> String {
    serde_urlencoded::to_string([
        ("command", "/incident"),
        ("text", text),
        ("user_id", "U1"),
        ("channel_id", "C1"),
        ("response_url", "http://127.0.0.1:9/none"),
    ])
    .unwrap()
}

async fn forged_stale_and_unsigned_requests_get_401(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let body = help_form("declare P1 forged incident");
    // Forged: signed with another secret.
    let ts = now_secs().to_string();
    let forged = chatops_core::signature::sign("not-the-secret", &ts, body.as_bytes());
    let r = app
        .http
        .post(app.url("/slack/commands"))
        .header("content-type", FORM)
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", forged)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().is_empty(), "no detail in a 401");
    // Stale and future-dated. The exact 300/301 s edge is pinned with a fixed clock in
    // crates/core/src/signature.rs; here a margin keeps a second ticking mid-request from mattering.
    for ts in [now_secs() - 305, now_secs() + 305] {
        let r = app.post_signed_at("/slack/commands", &body, FORM, ts).await;
        assert_eq!(r.status(), 401);
    }
    // Unsigned, and v1 signatures.
    let r = app
        .http
        .post(app.url("/slack/events"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let sig = chatops_core::signature::sign(SECRET, &ts, body.as_bytes()).replace("v0=", "v1=");
    let r = app
        .http
        .post(app.url("/slack/interactions"))
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", sig)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Nothing happened: with every worker driven to the end (jobs, outbox), no incident, no
    // job, no Slack call.
    app.settle().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, 0);
    assert!(slack.calls().is_empty());
    // A valid request passes.
    let r = app
        .post_signed("/slack/commands", &help_form("help"), FORM)
        .await;
    assert_eq!(r.status(), 200);
}
on_both_stores!(
    forged_stale_unsigned,
    forged_stale_and_unsigned_requests_get_401
);

#[tokio::test]
async fn oversized_bodies_get_413_and_garbage_gets_400() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let big = "a".repeat(1024 * 1024 + 10);
    let r = app
        .post_signed("/slack/events", &big, "application/json")
        .await;
    assert_eq!(r.status(), 413);
    let r = app
        .post_signed("/slack/events", "{not json", "application/json")
        .await;
    assert_eq!(r.status(), 400);
    let r = app
        .post_signed("/slack/interactions", "payload=%7Bbroken", FORM)
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn url_verification_answers_the_challenge() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let r = app
        .event(&json!({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}))
        .await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        v["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    // Unknown event envelopes and interaction types are acknowledged with 200.
    assert_eq!(
        app.event(&json!({"type": "app_rate_limited", "minute_rate_limited": 1}))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.interaction(&json!({"type": "something_new", "user": {"id": "U1"}}))
            .await
            .status(),
        200
    );
}

async fn empty_and_unknown_commands_get_usage_help(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let v = app.incident("", "U1", "C1").await;
    assert_eq!(v["response_type"], "ephemeral");
    assert!(v["text"]
        .as_str()
        .unwrap()
        .contains("/incident declare <P0|P1|P2|P3>"));
    let v = app.incident("updte db slow", "U1", "C1").await;
    let t = v["text"].as_str().unwrap();
    assert!(t.contains("Did you mean `update`?"), "{t}");
    // One usage line and where the rest is, not the whole help.
    assert!(
        t.contains(
            "Usage: `/incident update [INC-n] [investigating|identified|monitoring] <text>`"
        ),
        "{t}"
    );
    assert!(t.ends_with("`/incident help` for all commands."), "{t}");
    assert!(!t.contains("/incident declare"), "{t}");
    let v = app.julia("status now", "U1", "C1").await;
    let t = v["text"].as_str().unwrap();
    assert!(t.starts_with("Usage: `/julia status`"), "{t}");
    assert!(t.ends_with("`/julia help` for all commands."), "{t}");
    // A command the bot is not set up for: the variable to set, not the other command's help.
    let v = app
        .command_as("/incidente", "declare P1 db down", "U1", "C1")
        .await;
    let t = v["text"].as_str().unwrap();
    assert!(t.contains("does not answer to `/incidente`"), "{t}");
    assert!(t.contains("set `INCIDENT_COMMAND=/incidente`"), "{t}");
    assert!(!t.contains("declare <P0"), "{t}");
    let v = app.command_as("/julia-staging", "status", "U1", "C1").await;
    let t = v["text"].as_str().unwrap();
    assert!(t.contains("set `JULIA_COMMAND=/julia-staging`"), "{t}");
    let v = app.julia("help", "U1", "C1").await;
    assert!(v["text"]
        .as_str()
        .unwrap()
        .contains("/julia pause <reason>"));
    let v = app.julia("rolback julia-api", "U1", "C1").await;
    assert!(v["text"]
        .as_str()
        .unwrap()
        .contains("Did you mean `rollback`?"));
    let v = app.incident("declare P9 db down", "U1", "C1").await;
    assert!(v["text"]
        .as_str()
        .unwrap()
        .contains("`P9` is not a severity"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 0);
}
on_both_stores!(usage_help, empty_and_unknown_commands_get_usage_help);

#[tokio::test]
async fn staging_command_names_come_from_configuration() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &TestDb::sqlite().await,
        &slack,
        AppOptions::default().env("JULIA_COMMAND", "/julia-staging"),
    )
    .await;
    let v = app.command_as("/julia-staging", "help", "U1", "C1").await;
    assert!(v["text"]
        .as_str()
        .unwrap()
        .contains("/julia-staging status"));
}

fn reaction_event(id: &str) -> serde_json::Value {
    json!({"type": "event_callback", "team_id": "T1", "event_id": id, "event_time": 1,
           "event": {"type": "reaction_added", "user": "U1", "reaction": "thumbsup",
                     "item": {"type": "message", "channel": "C1", "ts": "1.2"}, "event_ts": "1.3"}})
}

async fn a_retried_event_is_handled_once(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let ev = reaction_event("Ev0001");
    // Slack's retries, three in parallel.
    let (a, b, c) = tokio::join!(app.event(&ev), app.event(&ev), app.event(&ev));
    assert!([a.status(), b.status(), c.status()]
        .iter()
        .all(|s| *s == 200));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM processed_events WHERE event_id = 'Ev0001'")
            .await,
        1
    );
}
on_both_stores!(retried_event, a_retried_event_is_handled_once);

async fn an_outbox_row_written_before_a_crash_is_delivered_after_restart(db: TestDb) {
    // Slack hangs: the first app writes the post and dies before delivering it.
    let slack = FakeSlack::start().await;
    slack.fail_all("chat.postMessage", Behavior::Hang(Duration::from_secs(30)));
    let app = spawn_app(&db, &slack, AppOptions::default().env("OUTBOX_LEASE", "1s")).await;
    {
        let mut conn = app.ctx.store.pool.acquire().await.unwrap();
        let item = chatops_core::outbox::OutboxItem::post(
            "CWAR",
            &messages::Msg::text("survives a crash"),
        );
        chatops_core::outbox::enqueue(&mut conn, &item, app.ctx.clock.now_ms())
            .await
            .unwrap();
    }
    app.ctx.outbox_wake.notify_one();
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.kill();
    slack.heal("chat.postMessage");
    let before = slack.posts_in("CWAR").len();
    let app2 = spawn_app(&db, &slack, AppOptions::default().env("OUTBOX_LEASE", "1s")).await;
    app2.drain_outbox().await;
    let posts = slack.posts_in("CWAR");
    assert_eq!(posts.len(), before + 1, "delivered once after restart");
    assert_eq!(posts.last().unwrap()["text"], "survives a crash");
    assert_eq!(
        app2.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            .await,
        1
    );
}
on_both_stores!(
    outbox_crash,
    an_outbox_row_written_before_a_crash_is_delivered_after_restart
);

async fn a_429_retry_after_is_honoured(db: TestDb) {
    let slack = FakeSlack::start().await;
    slack.script("chat.postMessage", Behavior::Status(429, Some(2)), 1);
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    {
        let mut conn = app.ctx.store.pool.acquire().await.unwrap();
        let item =
            chatops_core::outbox::OutboxItem::post("C429", &messages::Msg::text("after the wait"));
        chatops_core::outbox::enqueue(&mut conn, &item, app.ctx.clock.now_ms())
            .await
            .unwrap();
    }
    app.ctx.outbox_wake.notify_one();
    app.drain_outbox().await;
    let calls = slack.calls_to("chat.postMessage");
    assert_eq!(calls.len(), 2, "one 429, one success");
    let waited = calls[1].at - calls[0].at;
    assert!(waited >= Duration::from_millis(1900), "waited {waited:?}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            .await,
        1
    );
}
on_both_stores!(retry_after, a_429_retry_after_is_honoured);

#[tokio::test]
async fn a_post_that_keeps_failing_is_recorded_with_its_error() {
    let slack = FakeSlack::start().await;
    slack.fail_all("chat.postMessage", Behavior::OkFalse("channel_not_found"));
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    {
        let mut conn = app.ctx.store.pool.acquire().await.unwrap();
        let item = chatops_core::outbox::OutboxItem::post("CGONE", &messages::Msg::text("x"));
        chatops_core::outbox::enqueue(&mut conn, &item, app.ctx.clock.now_ms())
            .await
            .unwrap();
    }
    app.ctx.outbox_wake.notify_one();
    app.drain_outbox().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND last_error = 'channel_not_found'").await, 1);
    assert_eq!(
        slack.calls_to("chat.postMessage").len(),
        1,
        "a permanent error is not retried"
    );
}

#[tokio::test]
async fn health_ready_and_metrics() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let r = app.http.get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app.http.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["checks"]["store"]["status"], "ok");
    assert_eq!(v["checks"]["redis"]["status"], "not_configured");
    app.incident("help", "U1", "C1").await;
    let m = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("slack_requests_total"), "{m}");
    assert!(
        m.contains("commands_total{command=\"incident\",subcommand=\"help\",outcome=\"ok\"}"),
        "{m}"
    );
    assert!(
        m.contains("slack_ack_seconds_bucket{route=\"commands\""),
        "{m}"
    );
}

/// Times people take are measured in minutes: an ack 7 minutes after the declaration lands in
/// a bucket of its own on /metrics, not in `+Inf`.
#[tokio::test]
async fn time_to_ack_buckets_are_in_minutes() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let room = testkit::incident_kit::declare(&app, "declare P1 buckets in minutes", "U1")
        .await
        .expect("war room");
    app.ctx
        .clock
        .advance(std::time::Duration::from_secs(7 * 60));
    let r = app.incident("ack", "U1", &room).await;
    assert!(r.to_string().contains("cknowledged"), "{r}");
    let m = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let bucket = |le: &str| {
        m.lines()
            .find(|l| {
                l.starts_with("incident_time_to_ack_seconds_bucket{severity=\"P1\",le=\"")
                    && l.contains(&format!("le=\"{le}\""))
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
    };
    // Cumulative buckets (other tests of this process may ack too): ours is above 5 min.
    let (five, ten) = (bucket("300"), bucket("600"));
    assert!(
        matches!((five, ten), (Some(a), Some(b)) if b > a),
        "{five:?} {ten:?} {m}"
    );
}

/// `METRICS_TOKEN` set: `/metrics` only with the bearer token (401, nothing in the body,
/// without it or with another); unset: open.
#[tokio::test]
async fn metrics_need_the_bearer_token_when_one_is_set() {
    let slack = FakeSlack::start().await;
    let token = "metrics-scrape-0123456789";
    let opts = AppOptions::default().env("METRICS_TOKEN", token);
    let app = spawn_app(&TestDb::sqlite().await, &slack, opts).await;
    let get = |auth: Option<String>| {
        let mut rq = app.http.get(app.url("/metrics"));
        if let Some(a) = auth {
            rq = rq.header("authorization", a);
        }
        rq.send()
    };
    let r = get(None).await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().is_empty());
    let r = get(Some("Bearer wrong-token".into())).await.unwrap();
    assert_eq!(r.status(), 401);
    let r = get(Some(format!("Bearer {token}"))).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("# TYPE"));
    let open = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let r = open.http.get(open.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn redis_rate_limits_and_the_bot_survives_redis_going_away() {
    let mut redis = Redis::start();
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &TestDb::sqlite().await,
        &slack,
        AppOptions {
            redis_url: Some(redis.url()),
            ..Default::default()
        }
        .env("RATE_LIMIT_PER_MINUTE", "3"),
    )
    .await;
    let ready: serde_json::Value = app
        .http
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["checks"]["redis"]["status"], "ok");
    // Dedupe through Redis.
    app.event(&reaction_event("EvR1")).await;
    app.event(&reaction_event("EvR1")).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM processed_events").await, 1);
    // Rate limit: the 4th command in a minute is refused.
    for _ in 0..3 {
        let v = app.incident("list", "URATE", "C1").await;
        assert!(!v["text"].as_str().unwrap().contains("Slow down"), "{v}");
    }
    let v = app.incident("list", "URATE", "C1").await;
    assert!(v["text"].as_str().unwrap().contains("Slow down"), "{v}");
    // Help and usage errors are answered from the text alone: never limited, never counted.
    let v = app.incident("help", "URATE", "C1").await;
    assert!(
        v["text"].as_str().unwrap().contains("/incident declare"),
        "{v}"
    );
    let v = app.incident("frobnicate", "URATE", "C1").await;
    assert!(!v["text"].as_str().unwrap().contains("Slow down"), "{v}");
    // Redis stops mid-run.
    redis.stop();
    let v = app.incident("list", "URATE", "C1").await;
    assert!(
        !v["text"].as_str().unwrap().contains("Slow down"),
        "rate limit off, still serving: {v}"
    );
    let r = app.event(&reaction_event("EvR2")).await;
    assert_eq!(r.status(), 200);
    app.event(&reaction_event("EvR2")).await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM processed_events WHERE event_id = 'EvR2'")
            .await,
        1,
        "store dedupe"
    );
    let r = app.http.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ready: serde_json::Value = r.json().await.unwrap();
    assert_eq!(ready["status"], "degraded");
    assert_eq!(ready["checks"]["redis"]["status"], "degraded");
}
