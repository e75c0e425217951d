//! The stability watch before resolving (#28): the move to Monitoring starts a watch for each
//! affected component with a health check (Julia's `/health/deep`, an `http` check); it holds
//! (the war room hears it with a Resolve button, the commander by DM) or fails (what and when;
//! nothing resolved or reopened), one durable job per check, continued by another process
//! without a check run twice.

use std::sync::Arc;
use std::time::Duration;

use chatops_core::Ctx;
use serde_json::{json, Value};
use testkit::fake_http::FakeHttp;
use testkit::fake_julia::FakeJulia;
use testkit::harness::button_value;
use testkit::incident_kit::*;
use testkit::*;

fn all(v: &Value) -> String {
    format!("{}{}", v["text"].as_str().unwrap_or(""), v["blocks"])
}

fn posts_with(slack: &FakeSlack, channel: &str, needle: &str) -> Vec<Value> {
    slack
        .posts_in(channel)
        .into_iter()
        .filter(|p| all(p).contains(needle))
        .collect()
}

async fn status(ctx: &Ctx) -> (String, Option<i64>) {
    sqlx::query_as("SELECT status, resolved_at FROM incidents WHERE id = 1")
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
}

/// A components file with one component checked by `http <shop>/health`.
fn shop_components(shop: &FakeHttp) -> (TempDir, String) {
    let dir = TempDir::new("chatops-test-recovery");
    let file = dir.path().join("components.yml");
    std::fs::write(
        &file,
        format!(
            "systems:\n  - id: shop\n    name: Shop\n    components:\n      - id: shop-api\n        name: Shop API\n        rto: 10m\n        check: http {}/health\n",
            shop.base_url
        ),
    )
    .unwrap();
    let path = file.to_str().unwrap().to_string();
    (dir, path)
}

async fn step(ctx: &Arc<Ctx>) {
    for _ in 0..3 {
        chatops_core::jobs::run_once(ctx).await.unwrap();
        for _ in 0..10 {
            chatops_core::outbox::run_once(ctx).await.unwrap();
        }
    }
}

/// julia-api (check: Julia's /health/deep) in Monitoring with a 2-minute watch every 30 s:
/// five checks, the bot restarted after the third; it holds once, with a Resolve button in the
/// war room and by DM to the commander; the incident stays in Monitoring.
async fn a_watch_holds_through_a_restart_and_offers_resolve(db: TestDb) {
    let julia = FakeJulia::start().await;
    let slack = FakeSlack::start().await;
    let o = AppOptions::default()
        .env("COMPONENTS_FILE", &components_file())
        .env("JULIA_BASE_URL", &julia.base_url)
        .env("RECOVERY_WATCH", "2m")
        .env("RECOVERY_WATCH_INTERVAL", "30s");
    let app = spawn_app(&db, &slack, o.clone()).await;
    let room = declare(
        &app,
        "declare P1 --affects julia-api:major API down",
        "UDECL",
    )
    .await
    .expect("war room");
    app.settle().await;
    let hits_before = julia.hits();
    app.incident("update monitoring fix deployed", "UDECL", &room)
        .await;
    app.settle().await;
    let started = posts_with(&slack, &room, "Stability watch");
    assert_eq!(started.len(), 1, "{:?}", slack.posts_in(&room));
    assert!(
        all(&started[0]).contains("every 30s for 2m")
            && all(&started[0]).contains("API: Julia /health/deep"),
        "{}",
        all(&started[0])
    );
    assert_eq!(
        julia.hits() - hits_before,
        1,
        "the first check runs at once"
    );
    for n in 2..=3 {
        app.ctx.clock.advance(Duration::from_secs(30));
        app.settle().await;
        assert_eq!(julia.hits() - hits_before, n);
    }
    assert!(posts_with(&slack, &room, "has been stable").is_empty());
    app.kill();

    // Another process continues the watch: one check per interval, never two.
    let ctx = worker_ctx(&db, &slack, o).await;
    ctx.clock.advance(Duration::from_secs(90));
    step(&ctx).await;
    assert_eq!(julia.hits() - hits_before, 4);
    ctx.clock.advance(Duration::from_secs(30));
    step(&ctx).await;
    assert_eq!(julia.hits() - hits_before, 5);
    let held = posts_with(&slack, &room, "has been stable");
    assert_eq!(held.len(), 1, "{:?}", slack.posts_in(&room));
    let t = all(&held[0]);
    assert!(
        t.contains("API has been stable for 2m (5 checks of Julia /health/deep passed)"),
        "{t}"
    );
    assert_eq!(
        button_value(&held[0], "incident_resolve_open").as_deref(),
        Some("1"),
        "{t}"
    );
    assert_eq!(posts_with(&slack, "UDECL", "has been stable").len(), 1);
    assert_eq!(status(&ctx).await, ("monitoring".to_string(), None));
    // Over: nothing more is checked or said.
    ctx.clock.advance(Duration::from_secs(600));
    step(&ctx).await;
    assert_eq!(julia.hits() - hits_before, 5);
    assert_eq!(posts_with(&slack, &room, "has been stable").len(), 1);
}
on_both_stores!(
    watch_holds,
    a_watch_holds_through_a_restart_and_offers_resolve
);

/// A component checked by `http <url>`: the second check answers 503; the war room and the
/// commander hear what failed and when; the incident is neither resolved nor reopened, and the
/// watch checks nothing more.
async fn a_failing_watch_says_what_failed_and_changes_nothing(db: TestDb) {
    let shop = FakeHttp::start().await;
    shop.answer("GET", "/health", 200, json!({"ok": true}));
    let (_dir, file) = shop_components(&shop);
    let slack = FakeSlack::start().await;
    let o = AppOptions::default()
        .env("COMPONENTS_FILE", &file)
        .env("RECOVERY_WATCH", "2m")
        .env("RECOVERY_WATCH_INTERVAL", "30s");
    let app = spawn_app(&db, &slack, o).await;
    let room = declare(
        &app,
        "declare P1 --affects shop-api:major Shop down",
        "UDECL",
    )
    .await
    .expect("war room");
    app.incident("update monitoring restarted", "UDECL", &room)
        .await;
    app.settle().await;
    let started = posts_with(&slack, &room, "Stability watch");
    assert!(
        all(&started[0]).contains(&format!("Shop API: GET {}/health", shop.base_url)),
        "{started:?}"
    );
    assert_eq!(shop.requests().len(), 1);

    shop.answer("GET", "/health", 503, json!({"ok": false}));
    app.ctx.clock.advance(Duration::from_secs(30));
    app.settle().await;
    let failed = posts_with(&slack, &room, "Stability watch failed");
    assert_eq!(failed.len(), 1, "{:?}", slack.posts_in(&room));
    let t = all(&failed[0]);
    assert!(
        t.contains("Shop API — GET")
            && t.contains("/health failed at ")
            && t.contains("UTC (30s into the 2m watch): HTTP 503")
            && t.contains("Nothing was resolved or reopened"),
        "{t}"
    );
    assert_eq!(
        posts_with(&slack, "UDECL", "Stability watch failed").len(),
        1
    );
    assert_eq!(status(&app.ctx).await, ("monitoring".to_string(), None));
    app.ctx.clock.advance(Duration::from_secs(300));
    app.settle().await;
    assert_eq!(shop.requests().len(), 2, "no check after the failure");
    assert!(posts_with(&slack, &room, "has been stable").is_empty());
}
on_both_stores!(
    watch_fails,
    a_failing_watch_says_what_failed_and_changes_nothing
);

/// Resolving during the watch stops it: no check runs after (the incident was resolved by a
/// person; the watch said nothing either way).
async fn resolving_stops_the_watch(db: TestDb) {
    let shop = FakeHttp::start().await;
    shop.answer("GET", "/health", 200, json!({"ok": true}));
    let (_dir, file) = shop_components(&shop);
    let slack = FakeSlack::start().await;
    let o = AppOptions::default()
        .env("COMPONENTS_FILE", &file)
        .env("RECOVERY_WATCH", "2m");
    let app = spawn_app(&db, &slack, o).await;
    let room = declare(
        &app,
        "declare P1 --affects shop-api:major Shop down",
        "UDECL",
    )
    .await
    .expect("war room");
    app.incident("update monitoring restarted", "UDECL", &room)
        .await;
    app.settle().await;
    app.incident("resolve restarted for good", "UDECL", &room)
        .await;
    app.settle().await;
    let checks = shop.requests().len();
    assert_eq!(checks, 1);
    app.ctx.clock.advance(Duration::from_secs(300));
    app.settle().await;
    assert_eq!(
        shop.requests().len(),
        checks,
        "no check after the resolution"
    );
    assert!(posts_with(&slack, &room, "has been stable").is_empty());
    assert!(posts_with(&slack, &room, "Stability watch failed").is_empty());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM stability_watches WHERE state = 'stopped' AND checks = 1")
            .await,
        1
    );
}
on_both_stores!(watch_stops, resolving_stops_the_watch);

/// `check: ops shop/guard`: the runbook catalog's guard of the system, run by `/ops`'s own check
/// code (its JSON expectation included); a watch of one minute holds after three checks.
async fn a_catalog_guard_is_a_health_check(db: TestDb) {
    let shop = FakeHttp::start().await;
    shop.answer("GET", "/health", 200, json!({"environment": "production"}));
    let dir = TempDir::new("chatops-test-recovery-ops");
    let components = dir.path().join("components.yml");
    std::fs::write(
        &components,
        "systems:\n  - id: shop\n    name: Shop\n    components:\n      - id: shop-api\n        name: Shop API\n        rto: 10m\n        check: ops shop/guard\n",
    )
    .unwrap();
    let runbooks = dir.path().join("runbooks.yml");
    std::fs::write(
        &runbooks,
        "systems:\n  - name: shop\n    description: the shop\n    guard:\n      http:\n        url: ${SHOP_URL}/health\n        expect:\n          /environment: production\n    actions:\n      - name: health\n        description: the health endpoint\n        kind: http.check\n        params:\n          url: ${SHOP_URL}/health\n",
    )
    .unwrap();
    let slack = FakeSlack::start().await;
    let o = AppOptions::default()
        .env("COMPONENTS_FILE", components.to_str().unwrap())
        .env("RUNBOOKS_FILE", runbooks.to_str().unwrap())
        .env("SHOP_URL", &shop.base_url)
        .env("RECOVERY_WATCH", "1m")
        .env("RECOVERY_WATCH_INTERVAL", "30s");
    let app = spawn_app(&db, &slack, o).await;
    let room = declare(
        &app,
        "declare P1 --affects shop-api:major Shop down",
        "UDECL",
    )
    .await
    .expect("war room");
    app.incident("update monitoring restarted", "UDECL", &room)
        .await;
    app.settle().await;
    let started = posts_with(&slack, &room, "Stability watch");
    assert!(
        all(&started[0]).contains("Shop API: /ops shop guard"),
        "{started:?}"
    );
    for _ in 0..2 {
        app.ctx.clock.advance(Duration::from_secs(30));
        app.settle().await;
    }
    assert_eq!(shop.requests().len(), 3);
    let held = posts_with(&slack, &room, "has been stable");
    assert_eq!(held.len(), 1, "{:?}", slack.posts_in(&room));
    assert!(
        all(&held[0])
            .contains("Shop API has been stable for 1m (3 checks of /ops shop guard passed)"),
        "{}",
        all(&held[0])
    );
}
on_both_stores!(watch_ops_guard, a_catalog_guard_is_a_health_check);
