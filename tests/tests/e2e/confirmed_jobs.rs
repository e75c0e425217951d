//! A confirmed `/julia` action is a job: carried out at once, and after a crash never repeated
//! blindly. Driven step by step (`jobs::run_once`, `outbox::run_once`), no worker running.

use std::sync::Arc;
use std::time::Duration;

use chatops_core::jobs::{self, ConfirmedAction};
use chatops_core::Ctx;
use julia::Action;
use serde_json::Value;
use sqlx::Row;
use testkit::fake_julia::FakeJulia;
use testkit::fake_railway::FakeRailway;
use testkit::*;

struct H {
    ctx: Arc<Ctx>,
    slack: FakeSlack,
    rw: FakeRailway,
    _julia: FakeJulia,
}

async fn harness(db: &TestDb) -> H {
    let slack = FakeSlack::start().await;
    let julia = FakeJulia::start().await;
    let rw = FakeRailway::start().await;
    let opts = AppOptions::default()
        .env("JULIA_BASE_URL", &julia.base_url)
        .env("RAILWAY_API_URL", &rw.url)
        .env("RAILWAY_API_TOKEN", "rw-secret-token")
        .env("JULIA_RAILWAY_PROJECT_ID", "p1")
        .env("JULIA_RAILWAY_ENVIRONMENT_ID", "e1")
        .env("JULIA_FOLLOW_INTERVAL", "1h");
    let ctx = worker_ctx(db, &slack, opts).await;
    H {
        ctx,
        slack,
        rw,
        _julia: julia,
    }
}

/// What a click on Confirm for `/julia restart julia-api` writes, `ago` after the click.
async fn confirmed_restart(ctx: &Ctx, ago: Duration) -> i64 {
    let now = ctx.clock.now_ms();
    let job = ConfirmedAction {
        user: "UADMIN".into(),
        channel: "COPS".into(),
        response_url: String::new(),
        action: Action::Restart {
            service: "julia-api".into(),
        },
        confirmed_at: now - ago.as_millis() as i64,
        // No secret values: the payload holds the whole action.
        token: None,
    };
    let mut conn = ctx.store.pool.acquire().await.unwrap();
    jobs::enqueue(&mut conn, ctx, julia::controls::CONFIRMED_ACTION, &job, now)
        .await
        .unwrap()
}

fn mutations(rw: &FakeRailway) -> usize {
    rw.requests()
        .iter()
        .filter(|r| r.query.trim_start().starts_with("mutation"))
        .count()
}

fn texts(slack: &FakeSlack) -> Vec<String> {
    slack
        .posts_in("COPS")
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn scalar(ctx: &Ctx, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
        .get(0)
}

async fn deliver_all(ctx: &Ctx) {
    while chatops_core::outbox::run_once(ctx).await.unwrap() > 0 {}
}

async fn a_restart_cut_short_by_a_crash_is_not_repeated_and_the_channel_is_told(db: TestDb) {
    let h = harness(&db).await;
    confirmed_restart(&h.ctx, Duration::ZERO).await;
    // Railway answers slowly: the process dies with the mutation in flight.
    h.rw.set_delay(Duration::from_secs(3));
    assert!(
        tokio::time::timeout(Duration::from_millis(800), jobs::run_once(&h.ctx))
            .await
            .is_err()
    );
    h.rw.set_delay(Duration::ZERO);
    let asked = mutations(&h.rw);
    assert!(asked <= 1, "{asked}");
    // The lease runs out; the next process takes the job over.
    h.ctx.clock.advance(Duration::from_secs(6));
    let ran = jobs::run_once(&h.ctx).await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].outcome, "done");
    deliver_all(&h.ctx).await;
    assert_eq!(mutations(&h.rw), asked, "not asked of Railway again");
    let t = texts(&h.slack);
    assert_eq!(t.len(), 1, "{t:?}");
    assert!(
        t[0].contains("restarted while carrying out `/julia restart julia-api`"),
        "{}",
        t[0]
    );
    assert!(t[0].contains("<@UADMIN>") && t[0].contains("/julia deploys"));
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'julia.restart' AND outcome = 'interrupted' AND actor = 'UADMIN'";
    assert_eq!(scalar(&h.ctx, audited).await, 1);
    // Nothing runs again.
    h.ctx.clock.advance(Duration::from_secs(60));
    assert!(jobs::run_once(&h.ctx).await.unwrap().is_empty());
}

on_both_stores!(
    cut_short,
    a_restart_cut_short_by_a_crash_is_not_repeated_and_the_channel_is_told
);

async fn an_action_the_bot_was_down_for_is_not_carried_out_late(db: TestDb) {
    let h = harness(&db).await;
    // Confirmed three minutes ago; the process died before starting it.
    confirmed_restart(&h.ctx, Duration::from_secs(180)).await;
    let ran = jobs::run_once(&h.ctx).await.unwrap();
    assert_eq!(ran[0].outcome, "done");
    deliver_all(&h.ctx).await;
    assert_eq!(mutations(&h.rw), 0, "no restart three minutes late");
    let t = texts(&h.slack);
    assert_eq!(t.len(), 1);
    assert!(t[0].contains("was not carried out"), "{}", t[0]);
    assert!(t[0].contains("Run the command again"));
}

on_both_stores!(
    too_late,
    an_action_the_bot_was_down_for_is_not_carried_out_late
);

async fn a_fresh_confirmed_action_is_carried_out_once(db: TestDb) {
    let h = harness(&db).await;
    let id = confirmed_restart(&h.ctx, Duration::from_secs(5)).await;
    let ran = jobs::run_job(&h.ctx, id).await.unwrap().expect("claimed");
    assert_eq!(ran.outcome, "done");
    assert_eq!(mutations(&h.rw), 1, "Railway asked to restart once");
    // Its follow-up is the next job; the action's own job is done and stays done.
    let follow = "SELECT COUNT(*) FROM jobs WHERE kind = 'deploy_follow' AND state = 'pending'";
    assert_eq!(scalar(&h.ctx, follow).await, 1);
    let progress: String = sqlx::query("SELECT progress FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&h.ctx.store.pool)
        .await
        .unwrap()
        .get(0);
    let p: Value = serde_json::from_str(&progress).unwrap();
    assert!(p["started"].is_i64(), "{p}");
    assert!(jobs::run_job(&h.ctx, id).await.unwrap().is_none());
}

on_both_stores!(fresh, a_fresh_confirmed_action_is_carried_out_once);
