//! Background work as leased job rows, driven one step at a time (`jobs::run_once`,
//! `outbox::run_once`) on a context with no worker running, so each step's effect is exact.
//! A crash mid-job is an attempt whose future is dropped (no renewal, nothing recorded); its
//! lease then runs out on the injectable clock.

use std::time::Duration;

use chatops_core::ids::IncidentTitle;
use chatops_core::jobs;
use chatops_core::Ctx;
use incident::declare::{create_incident, Declaration};
use incident::jobs::DeclaredReply;
use incident::Severity;
use julia::follow::{DeployFollow, DEPLOY_FOLLOW};
use serde_json::Value;
use sqlx::Row;
use testkit::app::INCIDENTS;
use testkit::*;

fn declaration(sev: Severity, title: &str) -> Declaration {
    Declaration {
        actor: "UDECL".into(),
        origin_channel: "CORIGIN".into(),
        severity: sev,
        title: IncidentTitle::parse(title).unwrap(),
        impact: None,
        commander: None,
        private: false,
        affects: Vec::new(),
        drill: false,
        drill_pages: false,
    }
}

async fn scalar(ctx: &Ctx, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn job_row(ctx: &Ctx, id: i64) -> (String, i64, Option<String>) {
    let r = sqlx::query("SELECT state, attempts, last_error FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2))
}

/// Delivers the outbox until nothing more goes out.
async fn deliver_all(ctx: &Ctx) {
    while chatops_core::outbox::run_once(ctx).await.unwrap() > 0 {}
}

fn texts(posts: &[Value]) -> Vec<String> {
    posts
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn war_room(ctx: &Ctx, id: i64) -> String {
    sqlx::query_scalar::<_, Option<String>>("SELECT channel_id FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
        .expect("war room recorded")
}

fn outcomes(ran: &[jobs::Ran]) -> Vec<&'static str> {
    ran.iter().map(|r| r.outcome).collect()
}

async fn a_crash_while_inviting_reruns_without_a_second_channel_or_post(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let id = create_incident(
        &ctx,
        &declaration(Severity::P1, "checkout is failing"),
        Some(DeclaredReply::Dm {
            user: "UDECL".into(),
        }),
    )
    .await
    .unwrap()
    .0;
    // The job was written with the incident.
    assert_eq!(
        scalar(
            &ctx,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'declaration' AND state = 'pending'"
        )
        .await,
        1
    );
    // Attempt 1 dies while inviting: the war room exists and is recorded, nothing is posted.
    slack.script(
        "conversations.invite",
        Behavior::Hang(Duration::from_secs(3)),
        1,
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(800), jobs::run_once(&ctx))
            .await
            .is_err(),
        "the first attempt hangs in conversations.invite"
    );
    assert_eq!(slack.calls_to("conversations.create").len(), 1);
    let room = war_room(&ctx, id).await;
    assert_eq!(
        scalar(
            &ctx,
            "SELECT COUNT(*) FROM outbox WHERE status <> 'reserved'"
        )
        .await,
        0
    );
    // Its lease still holds: nobody takes the job over yet.
    assert!(jobs::run_once(&ctx).await.unwrap().is_empty());
    // The lease (5 s) runs out: the next attempt finishes the declaration.
    ctx.clock.advance(Duration::from_secs(6));
    let ran = jobs::run_once(&ctx).await.unwrap();
    assert_eq!(outcomes(&ran), ["done"]);
    deliver_all(&ctx).await;
    assert_eq!(
        slack.calls_to("conversations.create").len(),
        1,
        "no second channel"
    );
    let declared: Vec<String> = texts(&slack.posts_in(&room))
        .into_iter()
        .filter(|t| t.contains("INC-1 declared [P1]"))
        .collect();
    assert_eq!(declared.len(), 1, "declared once: {declared:?}");
    assert_eq!(slack.posts_in(INCIDENTS).len(), 1, "announced once");
    assert_eq!(slack.calls_to("pins.add").len(), 1);
    assert_eq!(slack.posts_in("UDECL").len(), 1, "the declarer told once");
    assert_eq!(
        job_row(&ctx, 1).await,
        ("done".to_string(), 2, None),
        "done on the second attempt"
    );
    // Nothing left to run.
    assert!(jobs::run_once(&ctx).await.unwrap().is_empty());
}
on_both_stores!(
    crash_while_inviting,
    a_crash_while_inviting_reruns_without_a_second_channel_or_post
);

async fn a_war_room_created_by_a_lost_call_is_found_not_created_again(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let id = create_incident(&ctx, &declaration(Severity::P1, "queue stuck"), None)
        .await
        .unwrap()
        .0;
    let started = scalar(&ctx, "SELECT started_at FROM incidents WHERE id = 1").await / 1000;
    let name = messages::incident::war_room_name(id, started, "queue stuck", None);
    // Attempt 1 asked Slack for the war room; Slack made it; the process died before the answer
    // was recorded (the job says it asked, the incident has no channel).
    let made = reqwest::Client::new()
        .post(format!("{}/conversations.create", slack.base_url))
        .bearer_auth("xoxb-test-token")
        .json(&serde_json::json!({"name": name, "is_private": false}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let cid = made["channel"]["id"].as_str().unwrap().to_string();
    sqlx::query("UPDATE jobs SET attempts = 1, progress = '{\"war_room_asked\":true}'")
        .execute(&ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(outcomes(&jobs::run_once(&ctx).await.unwrap()), ["done"]);
    assert_eq!(
        war_room(&ctx, id).await,
        cid,
        "the lost channel is the war room"
    );
    assert_eq!(
        slack.calls_to("conversations.create").len(),
        1,
        "no second channel"
    );
    let list = slack.calls_to("conversations.list");
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].body["types"], "public_channel,private_channel",
        "form-encoded"
    );
    deliver_all(&ctx).await;
    assert_eq!(slack.posts_in(&cid).len(), 1, "declared in it");
    assert_eq!(
        slack.calls_to("conversations.invite")[0].body["channel"],
        cid.as_str()
    );
}
on_both_stores!(
    lost_war_room,
    a_war_room_created_by_a_lost_call_is_found_not_created_again
);

async fn a_rerun_after_the_posts_skips_every_finished_step(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let url = slack.response_url("decl");
    create_incident(
        &ctx,
        &declaration(Severity::P0, "everything is down"),
        Some(DeclaredReply::ResponseUrl { url }),
    )
    .await
    .unwrap();
    assert_eq!(outcomes(&jobs::run_once(&ctx).await.unwrap()), ["done"]);
    let rows = scalar(&ctx, "SELECT COUNT(*) FROM outbox").await;
    assert!(rows >= 4, "declared, pin, topic, announcement: {rows}");
    assert_eq!(slack.calls_to("conversations.invite").len(), 1);
    assert_eq!(slack.responses_to("decl").len(), 1);
    // The process died after the posts were queued but before the job was recorded done
    // (its answer through response_url not yet sent): the job is due again, lease expired.
    sqlx::query("UPDATE jobs SET state = 'pending', finished_at = NULL, lease_token = 'dead', lease_until = 1")
        .execute(&ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(outcomes(&jobs::run_once(&ctx).await.unwrap()), ["done"]);
    assert_eq!(
        slack.calls_to("conversations.create").len(),
        1,
        "no channel"
    );
    assert_eq!(slack.calls_to("conversations.invite").len(), 1, "no invite");
    assert_eq!(
        scalar(&ctx, "SELECT COUNT(*) FROM outbox").await,
        rows,
        "nothing posted twice"
    );
    assert_eq!(
        slack.responses_to("decl").len(),
        2,
        "only the ephemeral answer is repeated"
    );
}
on_both_stores!(
    rerun_after_posts,
    a_rerun_after_the_posts_skips_every_finished_step
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_war_room_slack_keeps_refusing_is_retried_with_backoff_then_failed_and_shown_once() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &TestDb::sqlite().await,
        &slack,
        AppOptions::default()
            .env("JOBS_MAX_ATTEMPTS", "2")
            .env("JOBS_POLL_INTERVAL", "1h"),
    )
    .await;
    let ctx = app.ctx.clone();
    slack.fail_all("conversations.create", Behavior::Status(500, None));
    let ack = app
        .incident("declare P1 payments down", "UDECL", "C1")
        .await;
    assert!(ack["text"].as_str().unwrap().contains("INC-1"), "{ack}");
    // Attempt 1 (run by the app's worker, woken by the write, or by this step): a retry 1 s on.
    let first = eventually(Duration::from_secs(20), || async {
        let _ = jobs::run_once(&ctx).await.unwrap();
        let (state, attempts, err) = job_row(&ctx, 1).await;
        (state == "pending" && attempts == 1 && err.is_some()).then_some(err)
    })
    .await
    .expect("first attempt recorded");
    assert!(first.unwrap().contains("http_500"));
    let run_at = scalar(&ctx, "SELECT run_at FROM jobs WHERE id = 1").await;
    let wait = run_at - ctx.clock.now_ms();
    assert!((0..=1000).contains(&wait), "backoff 1 s, {wait} ms left");
    assert_eq!(slack.posts_in(INCIDENTS).len(), 0, "not announced yet");
    // Not due before its backoff.
    assert!(jobs::run_once(&ctx).await.unwrap().is_empty());
    // Attempt 2 is the last: announced without a war room, then failed for good.
    ctx.clock.advance(Duration::from_millis(1100));
    let ran = jobs::run_once(&ctx).await.unwrap();
    assert_eq!(outcomes(&ran), ["failed"]);
    let (state, attempts, err) = job_row(&ctx, 1).await;
    assert_eq!((state.as_str(), attempts), ("failed", 2));
    assert!(err.unwrap().contains("conversations.create: http_500"));
    app.drain_outbox().await;
    let posts = texts(&slack.posts_in(INCIDENTS));
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(
        posts[0].contains("INC-1 declared [P1]: payments down"),
        "{posts:?}"
    );
    assert!(
        posts[1].contains("INC-1 has no war room") && posts[1].contains("after 2 attempts"),
        "{posts:?}"
    );
    // Shown once: more steps add nothing.
    ctx.clock.advance(Duration::from_secs(120));
    assert!(jobs::run_once(&ctx).await.unwrap().is_empty());
    app.drain_outbox().await;
    assert_eq!(slack.posts_in(INCIDENTS).len(), 2);
    // Visible in /health/ready (degraded, still 200) and /metrics.
    let r = app.http.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "degraded", "{v}");
    assert_eq!(v["checks"]["jobs"]["status"], "failing", "{v}");
    assert_eq!(v["checks"]["jobs"]["failed_last_24h"], 1, "{v}");
    let m = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.lines().any(|l| l.starts_with("jobs{")
            && l.contains("kind=\"declaration\"")
            && l.contains("state=\"failed\"")
            && l.ends_with(" 1")),
        "{m}"
    );
    assert!(m.contains("jobs_oldest_due_age_seconds"), "{m}");
}

async fn a_deploy_follow_up_cut_short_is_finished_by_the_next_attempt_once(db: TestDb) {
    let w = Harness::builder()
        .store(db)
        .julia_api()
        .railway()
        .env("JULIA_SOURCE_TIMEOUT", "3s")
        .env("JULIA_FOLLOW_INTERVAL", "50ms")
        .worker()
        .await;
    let (ctx, slack, julia) = (w.ctx.clone(), w.slack.clone(), w.julia().clone());
    // What `/julia rollback julia-api` writes once Railway accepted the rollback.
    let job = DeployFollow {
        user: "UADMIN".into(),
        channel: "COPS".into(),
        response_url: String::new(),
        action: julia::Action::Rollback {
            service: "julia-api".into(),
            deployment: Some("s-api-d2".into()),
        },
        verb: "rollback".into(),
        service_id: "s-api".into(),
        service_name: "julia-api".into(),
        deployment: "s-api-d2".into(),
        by_id: false,
        deadline_ms: ctx.clock.now_ms() + 60_000,
    };
    {
        let mut conn = ctx.store.pool.acquire().await.unwrap();
        jobs::enqueue(&mut conn, &ctx, DEPLOY_FOLLOW, &job, ctx.clock.now_ms())
            .await
            .unwrap();
    }
    // Attempt 1 dies while waiting for /health/deep.
    julia.set_delay(Duration::from_secs(2));
    assert!(
        tokio::time::timeout(Duration::from_millis(700), jobs::run_once(&ctx))
            .await
            .is_err()
    );
    assert!(julia.hits() >= 1, "it got as far as /health/deep");
    deliver_all(&ctx).await;
    assert!(slack.posts_in("COPS").is_empty(), "no outcome yet");
    // The restarted process takes the job over once the lease ran out, and posts once.
    julia.set_delay(Duration::ZERO);
    ctx.clock.advance(Duration::from_secs(6));
    assert_eq!(outcomes(&jobs::run_once(&ctx).await.unwrap()), ["done"]);
    deliver_all(&ctx).await;
    let posts = texts(&slack.posts_in("COPS"));
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(
        posts[0].contains("deployment SUCCESS — healthy"),
        "{posts:?}"
    );
    assert_eq!(
        scalar(
            &ctx,
            "SELECT COUNT(*) FROM audit_log WHERE outcome = 'followed_healthy'"
        )
        .await,
        1
    );
    assert!(jobs::run_once(&ctx).await.unwrap().is_empty());
}
on_both_stores!(
    deploy_follow_crash,
    a_deploy_follow_up_cut_short_is_finished_by_the_next_attempt_once
);

async fn finished_jobs_are_pruned_after_a_week_failed_ones_kept(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let now = ctx.clock.now_ms();
    let week = jobs::KEEP_DONE.as_millis() as i64;
    for (state, finished) in [
        ("done", now - week - 1),
        ("done", now - week + 60_000),
        ("failed", now - 2 * week),
    ] {
        sqlx::query(
            "INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, progress, created_at, finished_at)
             VALUES ('postmortem', '{\"kind\":\"postmortem\",\"incident\":1}', $1, 0, 1, 5, '{}', 0, $2)",
        )
        .bind(state)
        .bind(finished)
        .execute(&ctx.store.pool)
        .await
        .unwrap();
    }
    assert_eq!(jobs::prune(&ctx, now).await.unwrap(), 1);
    assert_eq!(
        scalar(&ctx, "SELECT COUNT(*) FROM jobs WHERE state = 'failed'").await,
        1,
        "failed jobs stay for people to look at"
    );
    assert_eq!(scalar(&ctx, "SELECT COUNT(*) FROM jobs").await, 2);
}
on_both_stores!(
    prune_jobs,
    finished_jobs_are_pruned_after_a_week_failed_ones_kept
);

async fn an_outbox_row_held_by_a_dead_process_waits_one_short_lease(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let now = ctx.clock.now_ms();
    {
        let mut conn = ctx.store.pool.acquire().await.unwrap();
        for t in ["first", "second"] {
            chatops_core::outbox::enqueue(
                &mut conn,
                &chatops_core::outbox::OutboxItem::post("CWAR", &messages::Msg::text(t)),
                now,
            )
            .await
            .unwrap();
        }
    }
    // A process claimed the first row (5 s lease) and died.
    sqlx::query("UPDATE outbox SET lease_token = 'dead', lease_until = $1 WHERE id = 1")
        .bind(now + 5_000)
        .execute(&ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(
        chatops_core::outbox::run_once(&ctx).await.unwrap(),
        0,
        "held"
    );
    ctx.clock.advance(Duration::from_millis(5_100));
    deliver_all(&ctx).await;
    assert_eq!(texts(&slack.posts_in("CWAR")), ["first", "second"]);
}
on_both_stores!(
    outbox_dead_lease,
    an_outbox_row_held_by_a_dead_process_waits_one_short_lease
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbox_lease_is_renewed_while_a_slow_post_is_in_flight() {
    let slack = FakeSlack::start().await;
    let db = TestDb::sqlite().await; // kept: the file goes with it
    let ctx = worker_ctx(
        &db,
        &slack,
        AppOptions::default().env("OUTBOX_LEASE", "600ms"),
    )
    .await;
    {
        let mut conn = ctx.store.pool.acquire().await.unwrap();
        chatops_core::outbox::enqueue(
            &mut conn,
            &chatops_core::outbox::OutboxItem::post("CSLOW", &messages::Msg::text("slow")),
            ctx.clock.now_ms(),
        )
        .await
        .unwrap();
    }
    slack.set_delay(Duration::from_millis(1500));
    let c2 = ctx.clone();
    let first = tokio::spawn(async move { chatops_core::outbox::run_once(&c2).await.unwrap() });
    // Well past the 600 ms lease, the post still in flight: the lease was renewed, so a second
    // worker does not take the row.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let until = scalar(
        &ctx,
        "SELECT COALESCE(lease_until, 0) FROM outbox WHERE id = 1",
    )
    .await;
    assert!(until > ctx.clock.now_ms(), "lease renewed");
    assert_eq!(chatops_core::outbox::run_once(&ctx).await.unwrap(), 0);
    assert_eq!(first.await.unwrap(), 1);
    assert_eq!(slack.posts_in("CSLOW").len(), 1, "posted once");
}
