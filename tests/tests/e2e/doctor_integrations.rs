//! `chatops doctor` on Railway, Evolution, Julia and the bot's own store: each failure mode
//! with its reason and fix, and a hanging service failing on its timeout alone (see
//! `doctor.rs`, `testkit::doctor_kit`).

use std::time::Duration;

use doctor::Status;
use serde_json::json;
use testkit::doctor_kit::*;
use testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn railway_failure_modes() {
    let h = harness().await;
    // Unknown project.
    let r = h.doctor(&[("RAILWAY_PROJECT_ID", "p9")]).await;
    let c = expect(&r, "Railway", "project", Status::Fail);
    assert!(
        c.detail.contains("p9") && c.detail.contains("not found"),
        "{}",
        r.render()
    );
    assert!(fix(c).contains("RAILWAY_PROJECT_ID"));
    expect(&r, "Railway", "services", Status::Skip);
    // A bad account token.
    let r = h
        .doctor(&[("RAILWAY_API_TOKEN", "rw-wrong-token-77")])
        .await;
    let c = expect(&r, "Railway", "token", Status::Fail);
    assert!(c.detail.contains("Not Authorized"), "{}", r.render());
    assert!(fix(c).contains("RAILWAY_API_TOKEN"));
    // A project token works through Project-Access-Token and matches the configured ids.
    let r = h
        .doctor(&[("RAILWAY_API_TOKEN", ""), ("RAILWAY_TOKEN", RW_PROJECT)])
        .await;
    assert!(expect(&r, "Railway", "token", Status::Pass)
        .detail
        .contains("Project-Access-Token"));
    expect(&r, "Railway", "services", Status::Pass);
    let last = h.rw().requests().pop().unwrap();
    assert!(last.bearer.is_none() && last.project_token.as_deref() == Some(RW_PROJECT));
    // ...but a project token of another environment than RAILWAY_ENVIRONMENT_ID is named.
    let r = h
        .doctor(&[
            ("RAILWAY_API_TOKEN", ""),
            ("RAILWAY_TOKEN", RW_PROJECT),
            ("RAILWAY_ENVIRONMENT_ID", "e2"),
        ])
        .await;
    assert!(expect(&r, "Railway", "token", Status::Fail)
        .detail
        .contains("environment e1"));
    // An account token put in RAILWAY_TOKEN.
    let r = h
        .doctor(&[("RAILWAY_API_TOKEN", ""), ("RAILWAY_TOKEN", RW_ACCOUNT)])
        .await;
    let c = expect(&r, "Railway", "token", Status::Fail);
    assert!(fix(c).contains("RAILWAY_API_TOKEN"), "{}", r.render());
    // Unknown environment; a service that is not there.
    let r = h.doctor(&[("RAILWAY_ENVIRONMENT_ID", "e9")]).await;
    let c = expect(&r, "Railway", "environment", Status::Fail);
    assert!(c.detail.contains("production (e1)"), "{}", r.render());
    let r = h
        .doctor(&[("JULIA_RAILWAY_SERVICES", "julia-api,julia-ghost")])
        .await;
    let c = expect(&r, "Railway", "services", Status::Fail);
    assert!(
        c.detail.contains("julia-ghost") && c.detail.contains("julia-worker"),
        "{}",
        r.render()
    );
    assert!(fix(c).contains("JULIA_RAILWAY_SERVICES"));
    // Both tokens: the doctor says which one the bot sends, and sends that one itself.
    let before = h.rw().requests().len();
    let r = h.doctor(&[("RAILWAY_TOKEN", RW_PROJECT)]).await;
    let both = expect(&r, "Railway", "both tokens", Status::Warn);
    let sent = &h.rw().requests()[before..];
    if both.detail.contains("RAILWAY_TOKEN is used") {
        assert!(sent
            .iter()
            .all(|q| q.project_token.is_some() && q.bearer.is_none()));
    } else {
        assert!(
            both.detail.contains("RAILWAY_API_TOKEN is used"),
            "{}",
            r.render()
        );
        assert!(sent
            .iter()
            .all(|q| q.bearer.is_some() && q.project_token.is_none()));
    }
    expect(&r, "Railway", "services", Status::Pass);
    // Half a configuration is a failure, not a skip.
    let r = h.doctor(&[("RAILWAY_PROJECT_ID", "")]).await;
    assert!(fix(expect(&r, "Railway", "token", Status::Fail)).contains("RAILWAY_PROJECT_ID"));
    // Never a mutation.
    assert!(h
        .rw()
        .requests()
        .iter()
        .all(|q| q.query.trim_start().starts_with("query")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolution_failure_modes() {
    let h = harness().await;
    let r = h.doctor(&[("EVOLUTION_INSTANCE", "julia-old")]).await;
    let c = expect(&r, "Evolution", "instance", Status::Fail);
    assert!(c.detail.contains("does not exist"), "{}", r.render());
    assert!(fix(c).contains("EVOLUTION_INSTANCE"));
    expect(&r, "Evolution", "webhook", Status::Skip);

    // A base URL that is not Evolution's root: a missing route, not a missing instance.
    let wrong = format!("{}/api/v2", h.evo().base_url);
    let r = h.doctor(&[("EVOLUTION_API_URL", &wrong)]).await;
    let c = expect(&r, "Evolution", "instance", Status::Fail);
    assert!(c.detail.contains("no such route"), "{}", r.render());
    assert!(fix(c).contains("EVOLUTION_API_URL"));

    let r = h.doctor(&[("EVOLUTION_API_KEY", "wrong-key-1")]).await;
    assert!(fix(expect(&r, "Evolution", "instance", Status::Fail)).contains("EVOLUTION_API_KEY"));

    h.evo().state.lock().unwrap().webhook["url"] =
        json!("https://old-host.example/hook?token=abc123");
    let r = h.doctor(&[]).await;
    let c = expect(&r, "Evolution", "webhook", Status::Fail);
    assert!(
        c.detail.contains("https://old-host.example/hook") && c.detail.contains(HOOK),
        "{}",
        r.render()
    );
    assert!(
        !c.detail.contains("abc123"),
        "a query string may hold a token"
    );
    assert!(fix(c).contains("/julia webhook reset"));

    // The right URL, but disabled; then enabled without the configured event.
    h.evo().state.lock().unwrap().webhook["url"] = json!(HOOK);
    h.evo().state.lock().unwrap().webhook["enabled"] = json!(false);
    let r = h.doctor(&[]).await;
    assert!(expect(&r, "Evolution", "webhook", Status::Fail)
        .detail
        .contains("disabled"));
    h.evo().state.lock().unwrap().webhook["enabled"] = json!(true);
    let r = h
        .doctor(&[(
            "EVOLUTION_WEBHOOK_EVENTS",
            "MESSAGES_UPSERT,CONNECTION_UPDATE",
        )])
        .await;
    let c = expect(&r, "Evolution", "webhook", Status::Fail);
    assert!(
        c.detail.contains("does not send CONNECTION_UPDATE"),
        "{}",
        r.render()
    );
    // Without EVOLUTION_WEBHOOK_URL the doctor shows where it points and says it cannot judge.
    let r = h.doctor(&[("EVOLUTION_WEBHOOK_URL", "")]).await;
    assert!(expect(&r, "Evolution", "webhook", Status::Warn)
        .detail
        .contains("set EVOLUTION_WEBHOOK_URL"));

    h.evo().state.lock().unwrap().webhook = serde_json::Value::Null;
    h.evo().set_state("close");
    let r = h.doctor(&[]).await;
    assert!(expect(&r, "Evolution", "webhook", Status::Fail)
        .detail
        .contains("no webhook"));
    let c = expect(&r, "Evolution", "instance", Status::Fail);
    assert!(fix(c).contains("/julia evolution qr"), "{}", r.render());
    // The fixes name the command as the workspace configured it.
    let r = h.doctor(&[("JULIA_COMMAND", "/jules")]).await;
    let c = expect(&r, "Evolution", "instance", Status::Fail);
    assert!(fix(c).contains("`/jules evolution qr`"), "{}", r.render());
    assert!(!r.render().contains("/julia "), "{}", r.render());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn julia_health_failing_and_unreachable() {
    let h = harness().await;
    h.julia().set_healthy(false);
    let r = h.doctor(&[]).await;
    expect(&r, "Julia", "/health", Status::Pass);
    let c = expect(&r, "Julia", "/health/deep", Status::Fail);
    assert!(
        c.detail.contains("HTTP 503") && c.detail.contains("redis=error"),
        "{}",
        r.render()
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let r = h.doctor(&[("JULIA_BASE_URL", &url)]).await;
    let c = expect(&r, "Julia", "/health", Status::Fail);
    assert!(fix(c).contains("JULIA_BASE_URL"));
    expect(&r, "Julia", "/health/deep", Status::Fail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn julia_guard_mismatch_and_unset_guards() {
    let h = harness().await;
    let r = h.doctor(&[("APP_ENV", "staging")]).await;
    let c = expect(&r, "Julia", "hard guards", Status::Fail);
    assert!(
        c.detail.contains("APP_ENV=staging") && c.detail.contains("environment=production"),
        "{}",
        r.render()
    );
    assert!(fix(c).contains("JULIA_DATABASE_URL"));
    // Supabase's transaction pooler cannot serve the bot: named before any connection is tried.
    let r = h
        .doctor(&[(
            "JULIA_DATABASE_URL",
            "postgresql://postgres.ref123:jdb-pass-0005@aws-0-sa-east-1.pooler.supabase.com:6543/postgres",
        )])
        .await;
    let c = expect(&r, "Julia", "database URL", Status::Fail);
    assert!(fix(c).contains("5432"), "{}", r.render());
    expect(&r, "Julia", "hard guards", Status::Skip);
    let r = h.doctor(&[("SUPABASE_PROJECT_REF", "")]).await;
    let c = expect(&r, "Julia", "hard guards", Status::Fail);
    assert!(
        c.detail.contains("SUPABASE_PROJECT_REF unset"),
        "{}",
        r.render()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn julia_rls_blind_role_is_named() {
    let h = harness().await;
    // As in Julia's real schema: row-level security on, no policy for this role.
    let role = format!("doctor_blind_{}", uuid::Uuid::new_v4().simple());
    for sql in [
        format!("CREATE ROLE {role} LOGIN PASSWORD 'jdb-pass-0005'"),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"),
        "ALTER TABLE app_settings ENABLE ROW LEVEL SECURITY".into(),
        "ALTER TABLE feature_flags ENABLE ROW LEVEL SECURITY".into(),
        "ALTER TABLE julia_status ENABLE ROW LEVEL SECURITY".into(),
        "ALTER TABLE fila_mensagens ENABLE ROW LEVEL SECURITY".into(),
    ] {
        sqlx::query(&sql).execute(h.jdb()).await.unwrap();
    }
    let (scheme, rest) = h.jdb_url().split_once("://").unwrap();
    let host = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    let url = format!("{scheme}://{role}:jdb-pass-0005@{host}");
    let r = h.doctor(&[("JULIA_DATABASE_URL", &url)]).await;
    let owner = h.doctor(&[]).await;
    // The role is the server's, not the test database's: removed before anything can fail.
    sqlx::query(&format!("DROP OWNED BY {role}"))
        .execute(h.jdb())
        .await
        .unwrap();
    sqlx::query(&format!("DROP ROLE {role}"))
        .execute(h.jdb())
        .await
        .unwrap();
    let c = expect(&r, "Julia", "database role", Status::Fail);
    assert!(
        c.detail.contains(&role)
            && c.detail
                .contains("app_settings, feature_flags, julia_status, fila_mensagens")
            && !c.detail.contains("job_executions"),
        "{}",
        r.render()
    );
    assert!(fix(c).contains("BYPASSRLS"));
    // Zero visible app_settings rows is "cannot see", not a mismatch.
    let g = expect(&r, "Julia", "hard guards", Status::Fail);
    assert!(g.detail.contains("row-level security"), "{}", r.render());
    // The owner (the test's superuser) sees everything.
    expect(&owner, "Julia", "database role", Status::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_unreachable_and_redis_down() {
    let mut h = harness().await;
    let r = h
        .doctor(&[(
            "DATABASE_URL",
            "postgres://chatops:db-pw-0006@127.0.0.1:1/chatops",
        )])
        .await;
    let c = expect(&r, "Store", "database", Status::Fail);
    assert!(
        c.detail.contains("PostgreSQL") && c.detail.contains("chatops:***@127.0.0.1:1"),
        "{}",
        r.render()
    );
    assert!(!r.render().contains("db-pw-0006"));
    assert!(fix(c).contains("DATABASE_URL"));
    h.redis.stop();
    let r = h.doctor(&[]).await;
    let c = expect(&r, "Store", "Redis", Status::Fail);
    assert!(fix(c).contains("REDIS_URL"), "{}", r.render());
    expect(&r, "Julia", "Julia's Redis", Status::Fail);
    let _ = &h.store;
}

async fn store_migrations(db: TestDb) {
    let h = harness().await;
    // A store that exists but was never migrated.
    let s = chatops_core::Store::connect(&db.url).await.unwrap();
    s.pool.close().await;
    let r = h.doctor(&[("DATABASE_URL", &db.url)]).await;
    let c = expect(&r, "Store", "database", Status::Fail);
    assert!(c.detail.contains("not applied"), "{}", r.render());
    assert!(fix(c).contains("chatops migrate"));
    chatops_core::Store::connect_and_migrate(&db.url)
        .await
        .unwrap();
    let r = h.doctor(&[("DATABASE_URL", &db.url)]).await;
    let c = expect(&r, "Store", "database", Status::Pass);
    assert!(c
        .detail
        .contains(if db.postgres { "PostgreSQL" } else { "SQLite" }));
}
on_both_stores!(store_migrations_are_checked, store_migrations);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_service_fails_on_its_timeout_and_does_not_hold_the_others() {
    let h = harness().await;
    h.slack.set_delay(Duration::from_secs(30));
    h.rw().set_delay(Duration::from_secs(30));
    let r = h.doctor(&[]).await;
    let c = expect(&r, "Slack", "auth.test", Status::Fail);
    assert!(
        c.detail.contains("no answer in 2 s") || c.detail.contains("did not answer"),
        "{}",
        r.render()
    );
    let c = expect(&r, "Railway", "project", Status::Fail);
    assert!(c.detail.contains("no answer"), "{}", r.render());
    expect(&r, "Evolution", "instance", Status::Pass);
    expect(&r, "Julia", "/health/deep", Status::Pass);
}
