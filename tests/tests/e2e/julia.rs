//! `/julia …` end to end: a real PostgreSQL holding Julia's tables, loopback fakes of Railway,
//! Evolution and Julia's health endpoints, the bot's store on SQLite (`Harness::for_julia`).
//! This file: the privileged controls (pause, resume, jobs kill), who may use them, their
//! confirmations, and the Railway operations checked against Railway's schema. Also
//! `julia_status.rs` (reading), `julia_deploys.rs`, `julia_watcher.rs`, `julia_safety.rs`.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::Row;
use testkit::app::INCIDENTS;
use testkit::harness::*;
use testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn pause_and_resume_change_exactly_the_described_rows() {
    let h = Harness::for_julia().spawn().await;
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM feature_flags").await, 0);
    let (token, prompt) = h.request("pause evolution flapping --handoff", ADMIN).await;
    let p = text_of(&prompt);
    assert!(
        p.contains("production") && p.contains("ref123"),
        "confirmation names env and ref: {p}"
    );
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM feature_flags").await,
        0,
        "nothing before confirmation"
    );
    let done = text_of(&h.click("julia_confirm", &token, ADMIN).await);
    assert!(
        done.contains("Julia paused")
            && done.contains("\"enabled\": true")
            && done.contains("within 30 s"),
        "{done}"
    );
    let r =
        sqlx::query("SELECT value::text, updated_by FROM feature_flags WHERE key = 'safe_mode'")
            .fetch_one(h.jdb())
            .await
            .unwrap();
    let v: Value = serde_json::from_str(&r.get::<String, _>(0)).unwrap();
    assert_eq!(v, json!({"enabled": true, "mode": "handoff"}));
    assert_eq!(r.get::<String, _>(1), ADMIN);
    let r = sqlx::query("SELECT status, motivo, alterado_por, alterado_via FROM julia_status ORDER BY created_at DESC LIMIT 1")
        .fetch_one(h.jdb())
        .await
        .unwrap();
    assert_eq!(
        (
            r.get::<String, _>(0),
            r.get::<String, _>(1),
            r.get::<String, _>(2),
            r.get::<String, _>(3)
        ),
        (
            "pausado".into(),
            "evolution flapping".into(),
            ADMIN.into(),
            "slack".into()
        )
    );
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM julia_status").await, 3);
    // Announced in the incidents channel through the outbox.
    let post = eventually(Duration::from_secs(10), || async {
        h.slack.posts_in(INCIDENTS).into_iter().next()
    })
    .await
    .unwrap();
    let announced = text_of(&post);
    assert!(
        announced.contains(
            "EMERGENCY PAUSE of Julia (safe_mode on) — evolution flapping — by <@UADMIN>"
        ) && announced.contains("inbound messages go to a human")
            && announced.contains("chip warming is NOT stopped"),
        "{post}"
    );
    // Pausing a paused Julia changes nothing.
    let again = h.run("pause still bad", ADMIN).await;
    assert!(text_of(&again).contains("already paused"), "{again}");
    assert!(token_of(&again).is_none());
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM julia_status").await, 3);
    // Status reports the pause from safe_mode.
    let st = h.run("status", "UANY").await;
    assert!(text_of(&st).contains("PAUSED"), "{st}");
    // Resume.
    let done = text_of(&h.confirm("resume fixed").await);
    assert!(
        done.contains("Julia resumed") && done.contains("\"enabled\": false"),
        "{done}"
    );
    let v: String =
        sqlx::query_scalar("SELECT value::text FROM feature_flags WHERE key = 'safe_mode'")
            .fetch_one(h.jdb())
            .await
            .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&v).unwrap(),
        json!({"enabled": false, "mode": "wait"})
    );
    assert_eq!(
        h.jscalar(
            "SELECT COUNT(*) FROM julia_status WHERE status = 'ativo' AND alterado_via = 'slack'"
        )
        .await,
        1
    );
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM julia_status").await, 4);
    // Audit: requested, confirmed, done for both.
    let audit = h.app.scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('julia.pause', 'julia.resume') AND outcome = 'done' AND before_value IS NOT NULL AND after_value IS NOT NULL").await;
    assert_eq!(audit, 2);
    let a = h.run("audit", "UANY").await;
    assert!(
        text_of(&a).contains("julia.pause") && text_of(&a).contains("unchanged"),
        "{a}"
    );
    h.assert_no_secrets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_guard_mismatch_refuses() {
    let h = Harness::for_julia().env("APP_ENV", "staging").spawn().await;
    let msg = h.run("pause test", ADMIN).await;
    let t = text_of(&msg);
    assert!(
        t.contains("hard guard") && t.contains("`staging`") && t.contains("`production`"),
        "{t}"
    );
    assert!(token_of(&msg).is_none());
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM feature_flags").await, 0);
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM julia_status").await, 2);
    assert_eq!(
        h.app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE outcome = 'refused_guard'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_admins_are_refused_and_told_who_may() {
    let h = Harness::for_julia()
        .env("CHATOPS_ADMIN_GROUP", "SADMINS")
        .spawn()
        .await;
    h.slack.set_usergroup("SADMINS", &["UGROUPIE"]);
    for cmd in [
        "pause x",
        "restart julia-api",
        "rollback julia-api",
        "jobs kill abc",
        "evolution restart",
        "webhook reset",
    ] {
        let msg = h.run(cmd, OTHER).await;
        let t = text_of(&msg);
        assert!(
            t.contains("restricted") && t.contains("<@UADMIN>") && t.contains("SADMINS"),
            "{cmd}: {t}"
        );
    }
    assert_eq!(
        h.app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE actor = 'UOTHER' AND outcome = 'refused'")
            .await,
        6
    );
    // A member of the admin group may.
    let (token, _) = h.request("pause by group", "UGROUPIE").await;
    assert!(!token.is_empty());
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM feature_flags").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmations_are_single_use_per_user_and_expire() {
    let h = Harness::for_julia().spawn().await;
    let (token, _) = h.request("pause test", ADMIN).await;
    // Someone else cannot use it (and does not consume it).
    assert!(text_of(&h.click("julia_confirm", &token, OTHER).await)
        .contains("Only the person who asked"));
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM feature_flags").await, 0);
    assert!(text_of(&h.click("julia_confirm", &token, ADMIN).await).contains("Julia paused"));
    assert!(text_of(&h.click("julia_confirm", &token, ADMIN).await).contains("already used"));
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM julia_status WHERE alterado_via = 'slack'")
            .await,
        1
    );
    // Cancel.
    let (token, _) = h.request("resume ok", ADMIN).await;
    assert!(text_of(&h.click("julia_cancel", &token, ADMIN).await).contains("Cancelled"));
    assert!(text_of(&h.click("julia_confirm", &token, ADMIN).await).contains("already used"));
    // Expiry after 5 minutes.
    let (token, _) = h.request("resume ok", ADMIN).await;
    h.app.ctx.clock.advance(Duration::from_secs(301));
    assert!(text_of(&h.click("julia_confirm", &token, ADMIN).await).contains("expired"));
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM julia_status WHERE alterado_via = 'slack'")
            .await,
        1
    );
    assert_eq!(
        h.app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE outcome = 'cancelled'")
            .await,
        1
    );
    // Every refused click is audited, with who clicked.
    for (outcome, actor, n) in [
        ("rejected_click_not_yours", OTHER, 1),
        ("rejected_click_used", ADMIN, 2),
        ("rejected_click_expired", ADMIN, 1),
    ] {
        let sql = format!(
            "SELECT COUNT(*) FROM audit_log WHERE outcome = '{outcome}' AND actor = '{actor}'"
        );
        assert_eq!(h.app.scalar(&sql).await, n, "{outcome}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_graphql_operation_validates_against_the_schema() {
    let schema =
        testkit::graphql_check::Schema::load(testkit::specs::path(testkit::specs::RAILWAY_SCHEMA));
    // The bot's operations and `chatops doctor`'s.
    let ops = clients::railway::OPERATIONS
        .iter()
        .chain(doctor::RAILWAY_OPERATIONS);
    for op in ops {
        let errors = schema.validate(op);
        assert!(errors.is_empty(), "{op}\n{errors:?}");
    }
    // The validator catches the documented mistakes.
    assert!(!schema
        .validate("mutation { deploymentRollback(id: \"x\") { id } }")
        .is_empty());
    assert!(!schema
        .validate("mutation { deploymentRedeploy(id: \"x\") }")
        .is_empty());
    assert!(!schema.validate("query { deployment { id } }").is_empty());
    assert!(!schema
        .validate("query { deployment(id: \"x\", nope: 1) { id nope } }")
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_kill_marks_the_job_failed() {
    let h = Harness::for_julia().spawn().await;
    let id: String = sqlx::query_scalar(
        "INSERT INTO job_executions (job_name, started_at, status) VALUES ('stuck', now() - interval '2 hours', 'running') RETURNING id::text",
    )
    .fetch_one(h.jdb())
    .await
    .unwrap();
    let done = text_of(&h.confirm(&format!("jobs kill {id}")).await);
    assert!(done.contains("marked `error`"), "{done}");
    let r = sqlx::query(
        "SELECT status, finished_at IS NOT NULL, error FROM job_executions WHERE id::text = $1",
    )
    .bind(&id)
    .fetch_one(h.jdb())
    .await
    .unwrap();
    assert_eq!(r.get::<String, _>(0), "error");
    assert!(r.get::<bool, _>(1));
    assert!(r.get::<String, _>(2).contains(ADMIN));
    // Now finished: refused at once, no confirmation.
    let again = h.run(&format!("jobs kill {id}"), ADMIN).await;
    assert!(token_of(&again).is_none(), "{again}");
    assert!(
        text_of(&again).contains("is `error`, not `running`"),
        "{again}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_sets_julias_flag_cache_when_redis_is_configured() {
    let redis = Redis::start();
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let h = Harness::for_julia()
        .env("JULIA_REDIS_URL", &url)
        .spawn()
        .await;
    assert_eq!(redis.cmd("SET feature_flag:safe_mode cached EX 30"), "+OK");
    let done = text_of(&h.confirm("pause now").await);
    assert!(done.contains("applies now"), "{done}");
    // As Julia's own flag writer does: the new value, with a 30 s TTL (not a DEL that a reader
    // could race by re-caching the old value).
    let cached = redis.get("feature_flag:safe_mode").expect("cached");
    assert_eq!(
        serde_json::from_str::<Value>(&cached).unwrap(),
        json!({"enabled": true, "mode": "wait"}),
        "{cached}"
    );
    let ttl: i64 = redis.cmd("TTL feature_flag:safe_mode")[1..]
        .trim()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&ttl), "ttl {ttl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_flow_on_a_postgres_store_in_portuguese() {
    let h = Harness::for_julia()
        .store(TestDb::postgres().await)
        .env("CHATOPS_LOCALE", "pt-BR")
        .spawn()
        .await;
    let st = h.run("status", "UANY").await;
    assert!(text_of(&st).contains("Estado de pausa"), "{st}");
    let (token, prompt) = h.request("pause teste", ADMIN).await;
    assert!(text_of(&prompt).contains("Confirme"), "{prompt}");
    assert!(text_of(&h.click("julia_confirm", &token, OTHER).await).contains("Só quem pediu"));
    assert!(text_of(&h.click("julia_confirm", &token, ADMIN).await).contains("Julia pausada"));
    assert!(text_of(&h.click("julia_confirm", &token, ADMIN).await).contains("já foi usada"));
    let post = eventually(Duration::from_secs(10), || async {
        h.slack.posts_in(INCIDENTS).into_iter().next()
    })
    .await
    .unwrap();
    assert!(text_of(&post).contains("PAUSA DE EMERGÊNCIA"), "{post}");
    let a = h.run("audit", "UANY").await;
    assert!(
        text_of(&a).contains("julia.pause") && text_of(&a).contains("done"),
        "{a}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_name_the_configured_command() {
    let h = Harness::for_julia()
        .env("JULIA_COMMAND", "/julia-staging")
        .spawn()
        .await;
    let id = uuid::Uuid::new_v4();
    let ack = h
        .app
        .command_as("/julia-staging", &format!("jobs kill {id}"), ADMIN, CH)
        .await;
    let rid = ack["_response_id"].as_str().unwrap().to_string();
    let t = text_of(&h.wait_response(&rid, 1).await);
    assert!(
        t.contains("`/julia-staging jobs` lists") && !t.contains("`/julia "),
        "{t}"
    );
}
