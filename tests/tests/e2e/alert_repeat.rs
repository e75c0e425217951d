//! A firing Alertmanager group that has had no notification for longer than its repeat interval
//! (`ALERT_REPEAT_INTERVAL`, Alertmanager's 4h by default) is re-checked against
//! `GET /api/v2/alerts` (#25): one durable job per group, superseded by each newer notification,
//! run once, through a restart.

use std::time::Duration;

use chatops_core::Ctx;
use serde_json::{json, Value};
use testkit::alert_kit::*;
use testkit::app::INCIDENTS;
use testkit::fake_alertmanager::FakeAlertmanager;
use testkit::*;

const H: u64 = 3600;

fn group_message(slack: &FakeSlack) -> String {
    let m: Vec<Value> = slack
        .messages_in(INCIDENTS)
        .into_iter()
        .filter(|m| {
            let h = m["blocks"][0]["text"]["text"].as_str().unwrap_or("");
            h.contains("[FIRING]") || h.contains("[RESOLVED]")
        })
        .collect();
    assert_eq!(m.len(), 1, "{m:?}");
    body_of(&m[0])
}

fn gets(fake: &FakeAlertmanager) -> usize {
    fake.requests()
        .iter()
        .filter(|(m, _, _)| m == "GET")
        .count()
}

async fn firing(ctx: &Ctx, g: i64, instance: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!(
        "SELECT COUNT(*) FROM alerts WHERE group_id = {g} AND status = 'firing' AND labels LIKE '%\"{instance}\"%'"
    ))
    .fetch_one(&ctx.store.pool)
    .await
    .unwrap()
    .get(0)
}

/// Runs due jobs, then delivers the outbox, in the restarted process (no worker of its own).
async fn step(ctx: &std::sync::Arc<Ctx>) {
    chatops_core::jobs::run_once(ctx).await.unwrap();
    for _ in 0..20 {
        chatops_core::outbox::run_once(ctx).await.unwrap();
        ctx.clock.advance(Duration::from_secs(2));
    }
}

/// db-1's resolution never arrives (Alertmanager could not deliver it). A repeat at 3h
/// supersedes the first check; after a restart the one check left runs once, 4h10m after the
/// last notification, and the message shows what Alertmanager holds.
async fn a_group_quiet_past_its_repeat_interval_is_rechecked_once(db: TestDb) {
    let fake = FakeAlertmanager::start().await;
    let slack = FakeSlack::start().await;
    let o = opts().env("ALERTMANAGER_URL", &fake.base_url);
    let app = spawn_app(&db, &slack, o.clone()).await;
    let g = send_group(&app, "firing", "DiskFull", &["db-1", "db-2"]).await["group"]
        .as_i64()
        .unwrap();
    app.ctx.clock.advance(Duration::from_secs(3 * H));
    let mut repeat = am(
        "firing",
        "DiskFull",
        vec![
            am_alert("firing", "db-1", json!({})),
            am_alert("firing", "db-2", json!({})),
        ],
    );
    repeat["notification_reason"] = "repeat interval elapsed".into();
    notify(&app, &repeat).await;
    fake.set_alerts(vec![
        json!({"alertname": "DiskFull", "instance": "db-2", "severity": "critical"}),
    ]);
    // 4h15m after the first notification, 1h15m after the repeat: nothing is asked yet.
    app.ctx.clock.advance(Duration::from_secs(H + 15 * 60));
    app.settle().await;
    assert_eq!(gets(&fake), 0, "{:?}", fake.requests());
    assert!(group_message(&slack).contains("2 / 2"));
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'alert_repeat_check' AND state = 'pending'"
        )
        .await,
        1,
        "one check per group"
    );
    app.kill();

    // Another process, 4h10m after the repeat.
    let ctx = worker_ctx(&db, &slack, o).await;
    ctx.clock
        .advance(Duration::from_secs(3 * H + 4 * H + 10 * 60 + 1));
    step(&ctx).await;
    assert_eq!(gets(&fake), 1, "{:?}", fake.requests());
    let (_, path, _) = fake
        .requests()
        .into_iter()
        .find(|(m, _, _)| m == "GET")
        .unwrap();
    assert!(path.contains("filter=alertname%3D%22DiskFull%22"), "{path}");
    assert_eq!(firing(&ctx, g, "db-1").await, 0);
    assert_eq!(firing(&ctx, g, "db-2").await, 1);
    let t = group_message(&slack);
    assert!(t.contains("1 / 2"), "{t}");
    // Once: a later step asks nothing more.
    ctx.clock.advance(Duration::from_secs(8 * H));
    step(&ctx).await;
    assert_eq!(gets(&fake), 1);
}
on_both_stores!(
    quiet_group,
    a_group_quiet_past_its_repeat_interval_is_rechecked_once
);

/// Everything resolved in Alertmanager and `ALERT_REPEAT_INTERVAL=30m`: the group quiet for
/// 40 minutes reads RESOLVED.
async fn a_quiet_group_all_gone_reads_resolved(db: TestDb) {
    let fake = FakeAlertmanager::start().await;
    let slack = FakeSlack::start().await;
    let o = opts()
        .env("ALERTMANAGER_URL", &fake.base_url)
        .env("ALERT_REPEAT_INTERVAL", "30m");
    let app = spawn_app(&db, &slack, o).await;
    send_group(&app, "firing", "DiskFull", &["db-1"]).await;
    app.ctx.clock.advance(Duration::from_secs(39 * 60));
    app.settle().await;
    assert_eq!(gets(&fake), 0, "{:?}", fake.requests());
    app.ctx.clock.advance(Duration::from_secs(2 * 60));
    app.settle().await;
    assert_eq!(gets(&fake), 1, "{:?}", fake.requests());
    let t = group_message(&slack);
    assert!(t.contains("[RESOLVED]"), "{t}");
}
on_both_stores!(quiet_all_gone, a_quiet_group_all_gone_reads_resolved);
