//! `/julia …` end to end: a real PostgreSQL holding Julia's tables, loopback fakes of Railway,
//! Evolution and Julia's health endpoints, the bot's store on SQLite.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::postgres::PgPool;
use sqlx::Row;
use testkit::app::INCIDENTS;
use testkit::fake_evolution::FakeEvolution;
use testkit::fake_julia::FakeJulia;
use testkit::fake_railway::FakeRailway;
use testkit::*;

const ADMIN: &str = "UADMIN";
const OTHER: &str = "UOTHER";
const CH: &str = "COPS";
const SECRETS: &[&str] = &["rw-secret-token", "evo-key", "SECRETQRCODE", "iVBORw0KGgo"];

struct H {
    app: TestApp,
    slack: FakeSlack,
    julia: FakeJulia,
    evo: FakeEvolution,
    rw: FakeRailway,
    jdb: PgPool,
    /// Owns Julia's test database: dropping the harness drops it.
    _jdb_guard: TestDb,
}

async fn harness(extra: &[(&str, &str)]) -> H {
    harness_on(TestDb::sqlite().await, extra).await
}

async fn harness_on(store: TestDb, extra: &[(&str, &str)]) -> H {
    let slack = FakeSlack::start().await;
    let julia = FakeJulia::start().await;
    let evo = FakeEvolution::start().await;
    let rw = FakeRailway::start().await;
    // Connected as the tables' owner (not a superuser), as the contract's §6.1 asks.
    let jdb_info = testkit::julia_db::julia_db().await;
    let jdb = jdb_info.admin.clone();
    let mut opts = AppOptions::default()
        .env("JULIA_DATABASE_URL", &jdb_info.owner_url)
        .env("JULIA_BASE_URL", &julia.base_url)
        .env("APP_ENV", "production")
        .env("SUPABASE_PROJECT_REF", "ref123")
        .env("RAILWAY_API_URL", &rw.url)
        .env("RAILWAY_API_TOKEN", "rw-secret-token")
        .env("JULIA_RAILWAY_PROJECT_ID", "p1")
        .env("JULIA_RAILWAY_ENVIRONMENT_ID", "e1")
        .env("EVOLUTION_API_URL", &evo.base_url)
        .env("EVOLUTION_API_KEY", "evo-key")
        .env("EVOLUTION_INSTANCE", "julia")
        .env(
            "EVOLUTION_WEBHOOK_URL",
            "https://julia.example/webhooks/evolution",
        )
        .env(
            "EVOLUTION_WEBHOOK_EVENTS",
            "MESSAGES_UPSERT,CONNECTION_UPDATE",
        )
        .env("CHATOPS_ADMINS", ADMIN)
        .env("JULIA_SOURCE_TIMEOUT", "1s")
        .env("JULIA_WATCH_INTERVAL", "1h")
        .env("JULIA_FOLLOW_INTERVAL", "100ms")
        .env("JULIA_FOLLOW_LIMIT", "3s");
    for (k, v) in extra {
        opts = opts.env(k, v);
    }
    let app = spawn_app(&store, &slack, opts).await;
    H {
        app,
        slack,
        julia,
        evo,
        rw,
        jdb,
        _jdb_guard: jdb_info.db,
    }
}

impl H {
    /// Runs a command and returns (response id, first response_url message).
    async fn run(&self, text: &str, user: &str) -> (String, Value) {
        let ack = self.app.julia(text, user, CH).await;
        assert_eq!(ack["response_type"], "ephemeral", "{ack}");
        let rid = ack["_response_id"].as_str().unwrap().to_string();
        let msg = self.wait_response(&rid, 1).await;
        (rid, msg)
    }

    async fn wait_response(&self, rid: &str, n: usize) -> Value {
        eventually(Duration::from_secs(10), || async {
            let r = self.slack.responses_to(rid);
            (r.len() >= n).then(|| r[n - 1].clone())
        })
        .await
        .unwrap_or_else(|| panic!("no response #{n} to {rid}"))
    }

    /// A privileged command up to its confirmation prompt; returns the token.
    async fn request(&self, text: &str, user: &str) -> (String, Value) {
        let (_, msg) = self.run(text, user).await;
        let token = token_of(&msg).unwrap_or_else(|| panic!("no confirmation in {msg}"));
        (token, msg)
    }

    /// Clicks a button; returns the response id its answer goes to.
    async fn click(&self, action: &str, value: &str, user: &str) -> String {
        let rid = uuid::Uuid::new_v4().simple().to_string();
        let p = json!({
            "type": "block_actions", "user": {"id": user}, "channel": {"id": CH},
            "container": {"type": "message", "channel_id": CH, "is_ephemeral": true},
            "response_url": self.slack.response_url(&rid),
            "actions": [{"action_id": action, "value": value, "type": "button"}]
        });
        // Signed at the app's clock (tests may move it forward).
        let form = serde_urlencoded::to_string([("payload", p.to_string())]).unwrap();
        let ts = self.app.ctx.clock.now_secs();
        let r = self
            .app
            .post_signed_at(
                "/slack/interactions",
                &form,
                "application/x-www-form-urlencoded",
                ts,
            )
            .await;
        assert_eq!(r.status(), 200);
        rid
    }

    async fn confirm(&self, text: &str) -> Value {
        let (token, _) = self.request(text, ADMIN).await;
        let rid = self.click("julia_confirm", &token, ADMIN).await;
        self.wait_response(&rid, 1).await
    }

    async fn jscalar(&self, sql: &str) -> i64 {
        sqlx::query(sql)
            .fetch_one(&self.jdb)
            .await
            .unwrap()
            .get::<i64, _>(0)
    }

    /// No secret in any Slack call or response.
    fn assert_no_secrets(&self) {
        let mut all = String::new();
        for c in self.slack.calls() {
            all.push_str(&c.body.to_string());
        }
        for (_, r) in self.slack.responses() {
            all.push_str(&r.to_string());
        }
        for s in SECRETS {
            assert!(!all.contains(s), "secret {s} reached Slack");
        }
    }
}

fn text_of(v: &Value) -> String {
    let mut t = v["text"].as_str().unwrap_or("").to_string();
    t.push_str(&v["blocks"].to_string());
    t
}

fn token_of(v: &Value) -> Option<String> {
    v["blocks"].as_array()?.iter().find_map(|b| {
        b["elements"]
            .as_array()?
            .iter()
            .find(|e| e["action_id"] == "julia_confirm")
            .and_then(|e| e["value"].as_str().map(String::from))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_every_source() {
    let h = harness(&[]).await;
    sqlx::raw_sql(
        "INSERT INTO fila_mensagens (cliente_id, status, created_at) VALUES (gen_random_uuid(), 'pendente', now() - interval '10 minutes'), (gen_random_uuid(), 'pendente', now());
         INSERT INTO fila_mensagens (cliente_id, status, enviada_em) VALUES (gen_random_uuid(), 'enviada', now() - interval '1 minute');
         INSERT INTO job_executions (job_name, started_at, status) VALUES ('sync_chips', now() - interval '45 minutes', 'running');
         INSERT INTO job_executions (job_name, started_at, finished_at, status, error) VALUES ('sync_chips', now() - interval '1 hour', now(), 'error', 'boom');",
    )
    .execute(&h.jdb)
    .await
    .unwrap();
    let (_, msg) = h.run("status", "UANY").await;
    let t = text_of(&msg);
    for want in [
        "Running",
        "install", // the latest non-heartbeat julia_status row
        "Scheduler heartbeat",
        "`healthy`",
        "`evolution`: open",         // open circuit
        "`julia`: open (connected)", // Evolution state
        "`julia-api`: SUCCESS",
        "ddddddd", // commit of the latest deployment
        "2 pending",
        "1 sent in the last 5 min",
        "`sync_chips` running for",
        "`sync_chips` ×1",
    ] {
        assert!(t.contains(want), "missing {want:?} in {t}");
    }
    h.assert_no_secrets();
    // Railway got the project's token as Bearer.
    assert_eq!(
        h.rw.requests()[0].bearer.as_deref(),
        Some("Bearer rw-secret-token")
    );
    assert!(h.rw.requests()[0].project_token.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_source_does_not_delay_status() {
    let h = harness(&[]).await;
    h.evo.set_delay(Duration::from_secs(10));
    let start = Instant::now();
    let (_, msg) = h.run("status", "UANY").await;
    let took = start.elapsed();
    assert!(took < Duration::from_millis(1800), "status took {took:?}");
    let t = text_of(&msg);
    assert!(t.contains("Evolution: no answer in 1 s"), "{t}");
    assert!(
        t.contains("`julia-api`: SUCCESS") && t.contains("`healthy`"),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn pause_and_resume_change_exactly_the_described_rows() {
    let h = harness(&[]).await;
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
    let rid = h.click("julia_confirm", &token, ADMIN).await;
    let done = text_of(&h.wait_response(&rid, 1).await);
    assert!(
        done.contains("Julia paused")
            && done.contains("\"enabled\": true")
            && done.contains("within 30 s"),
        "{done}"
    );
    let r =
        sqlx::query("SELECT value::text, updated_by FROM feature_flags WHERE key = 'safe_mode'")
            .fetch_one(&h.jdb)
            .await
            .unwrap();
    let v: Value = serde_json::from_str(&r.get::<String, _>(0)).unwrap();
    assert_eq!(v, json!({"enabled": true, "mode": "handoff"}));
    assert_eq!(r.get::<String, _>(1), ADMIN);
    let r = sqlx::query("SELECT status, motivo, alterado_por, alterado_via FROM julia_status ORDER BY created_at DESC LIMIT 1")
        .fetch_one(&h.jdb)
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
    let (_, again) = h.run("pause still bad", ADMIN).await;
    assert!(text_of(&again).contains("already paused"), "{again}");
    assert!(token_of(&again).is_none());
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM julia_status").await, 3);
    // Status reports the pause from safe_mode.
    let (_, st) = h.run("status", "UANY").await;
    assert!(text_of(&st).contains("PAUSED"), "{st}");
    // Resume.
    let done = text_of(&h.confirm("resume fixed").await);
    assert!(
        done.contains("Julia resumed") && done.contains("\"enabled\": false"),
        "{done}"
    );
    let v: String =
        sqlx::query_scalar("SELECT value::text FROM feature_flags WHERE key = 'safe_mode'")
            .fetch_one(&h.jdb)
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
    let (_, a) = h.run("audit", "UANY").await;
    assert!(
        text_of(&a).contains("julia.pause") && text_of(&a).contains("unchanged"),
        "{a}"
    );
    h.assert_no_secrets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_guard_mismatch_refuses() {
    let h = harness(&[("APP_ENV", "staging")]).await;
    let (_, msg) = h.run("pause test", ADMIN).await;
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
    let h = harness(&[("CHATOPS_ADMIN_GROUP", "SADMINS")]).await;
    h.slack.set_usergroup("SADMINS", &["UGROUPIE"]);
    for cmd in [
        "pause x",
        "restart julia-api",
        "rollback julia-api",
        "jobs kill abc",
        "evolution restart",
        "webhook reset",
    ] {
        let (_, msg) = h.run(cmd, OTHER).await;
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
    let h = harness(&[]).await;
    let (token, _) = h.request("pause test", ADMIN).await;
    // Someone else cannot use it (and does not consume it).
    let rid = h.click("julia_confirm", &token, OTHER).await;
    assert!(text_of(&h.wait_response(&rid, 1).await).contains("Only the person who asked"));
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM feature_flags").await, 0);
    let rid = h.click("julia_confirm", &token, ADMIN).await;
    assert!(text_of(&h.wait_response(&rid, 1).await).contains("Julia paused"));
    let rid = h.click("julia_confirm", &token, ADMIN).await;
    assert!(text_of(&h.wait_response(&rid, 1).await).contains("already used"));
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM julia_status WHERE alterado_via = 'slack'")
            .await,
        1
    );
    // Cancel.
    let (token, _) = h.request("resume ok", ADMIN).await;
    let rid = h.click("julia_cancel", &token, ADMIN).await;
    assert!(text_of(&h.wait_response(&rid, 1).await).contains("Cancelled"));
    let rid = h.click("julia_confirm", &token, ADMIN).await;
    assert!(text_of(&h.wait_response(&rid, 1).await).contains("already used"));
    // Expiry after 5 minutes.
    let (token, _) = h.request("resume ok", ADMIN).await;
    h.app.ctx.clock.advance(Duration::from_secs(301));
    let rid = h.click("julia_confirm", &token, ADMIN).await;
    assert!(text_of(&h.wait_response(&rid, 1).await).contains("expired"));
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
async fn rollback_picks_the_newest_older_success_and_follows_it() {
    let h = harness(&[]).await;
    let (token, prompt) = h.request("rollback julia-api", ADMIN).await;
    assert!(text_of(&prompt).contains("s-api-d4 → s-api-d2"), "{prompt}");
    let rid = h.click("julia_confirm", &token, ADMIN).await;
    let started = text_of(&h.wait_response(&rid, 1).await);
    assert!(started.contains("Railway accepted `rollback`"), "{started}");
    let rb: Vec<_> =
        h.rw.requests()
            .into_iter()
            .filter(|r| r.query.contains("deploymentRollback"))
            .collect();
    assert_eq!(rb.len(), 1);
    assert_eq!(rb[0].variables, json!({"id": "s-api-d2"}));
    // The outcome is posted in the channel.
    let post = eventually(Duration::from_secs(10), || async {
        h.slack.posts_in(CH).into_iter().next()
    })
    .await
    .expect("outcome posted");
    assert!(
        text_of(&post).contains("deployment SUCCESS — healthy"),
        "{post}"
    );
    // An explicit id, and refusals.
    let (_, prompt) = h.request("rollback julia-worker s-worker-d1", ADMIN).await;
    assert!(text_of(&prompt).contains("→ s-worker-d1"));
    let (_, msg) = h.run("rollback julia-worker nope", ADMIN).await;
    assert!(text_of(&msg).contains("Cannot roll back"), "{msg}");
    let (_, msg) = h.run("rollback julia-web", ADMIN).await;
    let t = text_of(&msg);
    assert!(
        t.contains("Unknown service")
            && t.contains("`julia-api`, `julia-worker`, `julia-scheduler`"),
        "{t}"
    );
    h.rw.state
        .lock()
        .unwrap()
        .deployments
        .iter_mut()
        .for_each(|(_, d)| d["canRollback"] = false.into());
    let (_, msg) = h.run("rollback julia-api", ADMIN).await;
    assert!(text_of(&msg).contains("canRollback = false"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_health_after_a_deploy_offers_a_rollback() {
    let h = harness(&[("JULIA_FOLLOW_LIMIT", "1s")]).await;
    h.julia.set_healthy(false);
    let done = text_of(&h.confirm("restart julia-worker").await);
    assert!(done.contains("Railway accepted `restart`"), "{done}");
    let r: Vec<_> =
        h.rw.requests()
            .into_iter()
            .filter(|r| r.query.contains("deploymentRestart"))
            .collect();
    assert_eq!(r[0].variables, json!({"id": "s-worker-d4"}));
    let post = eventually(Duration::from_secs(10), || async {
        h.slack.posts_in(CH).into_iter().next()
    })
    .await
    .expect("outcome");
    let t = text_of(&post);
    assert!(
        t.contains("/health/deep fails")
            && t.contains("julia_rollback_prompt")
            && t.contains("`redis`"),
        "{t}"
    );
    // Redeploy sends deploymentRedeploy with a selection.
    let done = text_of(&h.confirm("redeploy julia-api").await);
    assert!(done.contains("s-api-new"), "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn railway_errors_are_reported_without_claiming_success() {
    let h = harness(&[]).await;
    let (token, _) = h.request("restart julia-api", ADMIN).await;
    h.rw.fail_with(Some("Not Authorized"));
    let rid = h.click("julia_confirm", &token, ADMIN).await;
    let t = text_of(&h.wait_response(&rid, 1).await);
    assert!(
        t.contains("Railway") && t.contains("Not Authorized") && t.contains("RAILWAY_API_TOKEN"),
        "{t}"
    );
    assert!(!t.contains("accepted"));
    let (_, msg) = h.run("deploys", "UANY").await;
    assert!(text_of(&msg).contains("Not Authorized"));
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
async fn deploys_lists_the_last_deployments_and_says_what_to_set_when_unconfigured() {
    let h = harness(&[]).await;
    let (_, msg) = h.run("deploys julia-api", "UANY").await;
    let t = text_of(&msg);
    let d4 = t.find("s-api-d4").unwrap();
    let d1 = t.find("s-api-d1").unwrap();
    assert!(d4 < d1, "newest first: {t}");
    assert!(t.contains("can roll back") && t.contains("FAILED"), "{t}");

    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let ack = app.julia("deploys", "UANY", CH).await;
    let rid = ack["_response_id"].as_str().unwrap().to_string();
    let r = eventually(Duration::from_secs(5), || async {
        slack.responses_to(&rid).into_iter().next()
    })
    .await
    .unwrap();
    assert!(
        text_of(&r).contains("RAILWAY_API_TOKEN or RAILWAY_TOKEN"),
        "{r}"
    );
    let ack = app.julia("status", "UANY", CH).await;
    let rid = ack["_response_id"].as_str().unwrap().to_string();
    let r = eventually(Duration::from_secs(5), || async {
        slack.responses_to(&rid).into_iter().next()
    })
    .await
    .unwrap();
    assert!(
        text_of(&r).contains("JULIA_DATABASE_URL") && text_of(&r).contains("EVOLUTION_API_URL"),
        "{r}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_subcommands() {
    let h = harness(&[]).await;
    let (_, m) = h.run("health", "UANY").await;
    let t = text_of(&m);
    assert!(
        t.contains("`redis`: ok") && t.contains("`schema_version`: ok"),
        "{t}"
    );
    h.julia.set_healthy(false);
    let (_, m) = h.run("health", "UANY").await;
    assert!(
        text_of(&m).contains(":x: `redis`: error — message=Connection refused"),
        "{m}"
    );
    let (_, m) = h.run("circuits", "UANY").await;
    assert!(text_of(&m).contains("`claude`: closed") && text_of(&m).contains("`evolution`: open"));
    let (_, m) = h.run("queue", "UANY").await;
    assert!(text_of(&m).contains("0 pending"), "{m}");
    let (_, m) = h.run("jobs", "UANY").await;
    assert!(
        text_of(&m).contains("No job running for over 30 min"),
        "{m}"
    );
    let (_, m) = h.run("evolution", "UANY").await;
    assert!(text_of(&m).contains("open (connected)"), "{m}");
    let (_, m) = h.run("webhook", "UANY").await;
    assert!(text_of(&m).contains("No webhook configured"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn julia_db_refusing_connections_is_named() {
    let h = harness(&[(
        "JULIA_DATABASE_URL",
        "postgres://postgres:pw@127.0.0.1:9/nope",
    )])
    .await;
    let (_, m) = h.run("queue", "UANY").await;
    let t = text_of(&m);
    assert!(t.contains("Supabase") && !t.contains(":pw@"), "{t}");
    let (_, m) = h.run("pause x", ADMIN).await;
    let t = text_of(&m);
    assert!(
        t.contains("Julia's database") && t.contains("nothing was changed"),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_kill_marks_the_job_failed() {
    let h = harness(&[]).await;
    let id: String = sqlx::query_scalar(
        "INSERT INTO job_executions (job_name, started_at, status) VALUES ('stuck', now() - interval '2 hours', 'running') RETURNING id::text",
    )
    .fetch_one(&h.jdb)
    .await
    .unwrap();
    let done = text_of(&h.confirm(&format!("jobs kill {id}")).await);
    assert!(done.contains("marked `error`"), "{done}");
    let r = sqlx::query(
        "SELECT status, finished_at IS NOT NULL, error FROM job_executions WHERE id::text = $1",
    )
    .bind(&id)
    .fetch_one(&h.jdb)
    .await
    .unwrap();
    assert_eq!(r.get::<String, _>(0), "error");
    assert!(r.get::<bool, _>(1));
    assert!(r.get::<String, _>(2).contains(ADMIN));
    // Now finished: refused at once, no confirmation.
    let (_, again) = h.run(&format!("jobs kill {id}"), ADMIN).await;
    assert!(token_of(&again).is_none(), "{again}");
    assert!(
        text_of(&again).contains("is `error`, not `running`"),
        "{again}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolution_qr_restart_and_webhook_reset() {
    let h = harness(&[]).await;
    h.evo.set_state("connecting");
    let (_, m) = h.run("evolution qr", OTHER).await;
    assert!(text_of(&m).contains("restricted"), "{m}");
    assert!(h.slack.uploads().is_empty());
    let (_, m) = h.run("evolution qr", ADMIN).await;
    let t = text_of(&m);
    assert!(
        t.contains("only you can see it") && t.contains("direct messages"),
        "{t}"
    );
    assert_eq!(m["response_type"], "ephemeral");
    let uploads = h.slack.uploads();
    assert_eq!(uploads.len(), 1);
    assert!(uploads[0].1.starts_with(b"\x89PNG"));
    // The image goes to the requester's DM, never to a channel (tests/wire.rs has the details).
    let complete = h.slack.calls_to("files.completeUploadExternal");
    assert_eq!(complete[0].body["channel_id"], format!("D{ADMIN}"));
    assert!(h.slack.calls_to("chat.postMessage").is_empty());
    // Restart from `close` is a failure reported as such.
    h.evo.set_state("close");
    let t = text_of(&h.confirm("evolution restart").await);
    assert!(
        t.contains("Evolution") && t.contains("failed") && t.contains("evolution qr"),
        "{t}"
    );
    h.evo.set_state("open");
    let t = text_of(&h.confirm("evolution restart").await);
    assert!(t.contains("restarted"), "{t}");
    assert!(h
        .evo
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/instance/restart/julia"));
    // Webhook reset with the nested v2 body, read back.
    let t = text_of(&h.confirm("webhook reset").await);
    assert!(t.contains("read back"), "{t}");
    let set = h
        .evo
        .requests()
        .into_iter()
        .find(|r| r.path == "/webhook/set/julia")
        .unwrap();
    assert_eq!(
        set.body,
        json!({"webhook": {"enabled": true, "url": "https://julia.example/webhooks/evolution", "byEvents": false, "base64": false, "events": ["MESSAGES_UPSERT", "CONNECTION_UPDATE"]}})
    );
    assert!(h
        .evo
        .requests()
        .iter()
        .all(|r| r.apikey.as_deref() == Some("evo-key")));
    h.assert_no_secrets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_alerts_once_and_recovers_once() {
    let h = harness(&[("JULIA_WATCH_INTERVAL", "150ms")]).await;
    h.julia.set_healthy(false);
    let alert = eventually(Duration::from_secs(10), || async {
        h.slack
            .posts_in(INCIDENTS)
            .into_iter()
            .find(|p| text_of(p).contains("[FIRING] Julia health"))
    })
    .await
    .expect("alert");
    let t = text_of(&alert);
    // The alert intake's message: its buttons plus the watcher's own.
    assert!(
        t.contains("alert_declare")
            && t.contains("alert_silence")
            && t.contains("julia_pause_prompt")
            && t.contains("Rollback julia-api")
            && t.contains("`redis`"),
        "{t}"
    );
    let hits = h.julia.hits();
    eventually(Duration::from_secs(5), || async {
        (h.julia.hits() >= hits + 4).then_some(())
    })
    .await
    .unwrap();
    let alerts = |h: &H| {
        h.slack
            .posts_in(INCIDENTS)
            .into_iter()
            .filter(|p| text_of(p).contains("Julia health"))
            .count()
    };
    h.app.drain_outbox().await;
    assert_eq!(alerts(&h), 1, "not repeated while the state holds");
    h.julia.set_healthy(true);
    // The recovery updates the same message in place.
    eventually(Duration::from_secs(10), || async {
        h.slack
            .updates_in(INCIDENTS)
            .into_iter()
            .find(|p| text_of(p).contains("[RESOLVED] Julia health"))
    })
    .await
    .expect("recovery");
    let hits = h.julia.hits();
    eventually(Duration::from_secs(5), || async {
        (h.julia.hits() >= hits + 4).then_some(())
    })
    .await
    .unwrap();
    h.app.drain_outbox().await;
    let recov = h
        .slack
        .updates_in(INCIDENTS)
        .into_iter()
        .filter(|p| text_of(p).contains("[RESOLVED] Julia health"))
        .count();
    assert_eq!((alerts(&h), recov), (1, 1));
    // The pause button from the alert leads to a confirmation for admins.
    let rid = h.click("julia_pause_prompt", "watcher", ADMIN).await;
    assert!(token_of(&h.wait_response(&rid, 1).await).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn railway_rate_limits_are_waited_out() {
    let h = harness(&[("JULIA_SOURCE_TIMEOUT", "3s")]).await;
    h.rw.state.lock().unwrap().rate_limited = 1;
    let before = h.rw.requests().len();
    let (_, m) = h.run("deploys julia-api", "UANY").await;
    assert!(text_of(&m).contains("s-api-d4"), "{m}");
    assert!(h.rw.requests().len() >= before + 3, "the 429 was retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_sets_julias_flag_cache_when_redis_is_configured() {
    let redis = Redis::start();
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let h = harness(&[("JULIA_REDIS_URL", &url)]).await;
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
async fn one_replica_watches_at_a_time() {
    let store = TestDb::postgres().await;
    let slack = FakeSlack::start().await;
    let julia = FakeJulia::start().await;
    julia.set_healthy(false);
    let opts = AppOptions::default()
        .env("JULIA_BASE_URL", &julia.base_url)
        .env("JULIA_WATCH_INTERVAL", "100ms")
        .env("JULIA_SOURCE_TIMEOUT", "1s");
    let a = spawn_app(&store, &slack, opts.clone()).await;
    let b = spawn_app(&store, &slack, opts).await;
    eventually(Duration::from_secs(10), || async {
        (julia.hits() >= 12).then_some(())
    })
    .await
    .unwrap();
    a.drain_outbox().await;
    let alerts = slack
        .posts_in(INCIDENTS)
        .into_iter()
        .filter(|p| text_of(p).contains("Julia health"))
        .count();
    assert_eq!(alerts, 1);
    assert_eq!(
        a.scalar("SELECT COUNT(*) FROM leases WHERE name = 'julia_watcher'")
            .await,
        1
    );
    // Only the holder polls: about one check per interval, not two.
    let start = julia.hits();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let per_second = julia.hits() - start;
    assert!(
        per_second <= 13,
        "{per_second} checks in 1 s with a 100 ms interval: both replicas polled"
    );
    b.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_flow_on_a_postgres_store_in_portuguese() {
    let h = harness_on(TestDb::postgres().await, &[("CHATOPS_LOCALE", "pt-BR")]).await;
    let (_, st) = h.run("status", "UANY").await;
    assert!(text_of(&st).contains("Estado de pausa"), "{st}");
    let (token, prompt) = h.request("pause teste", ADMIN).await;
    assert!(text_of(&prompt).contains("Confirme"), "{prompt}");
    let rid = h.click("julia_confirm", &token, OTHER).await;
    assert!(text_of(&h.wait_response(&rid, 1).await).contains("Só quem pediu"));
    let rid = h.click("julia_confirm", &token, ADMIN).await;
    assert!(text_of(&h.wait_response(&rid, 1).await).contains("Julia pausada"));
    let rid = h.click("julia_confirm", &token, ADMIN).await;
    assert!(text_of(&h.wait_response(&rid, 1).await).contains("já foi usada"));
    let post = eventually(Duration::from_secs(10), || async {
        h.slack.posts_in(INCIDENTS).into_iter().next()
    })
    .await
    .unwrap();
    assert!(text_of(&post).contains("PAUSA DE EMERGÊNCIA"), "{post}");
    let (_, a) = h.run("audit", "UANY").await;
    assert!(
        text_of(&a).contains("julia.pause") && text_of(&a).contains("done"),
        "{a}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_alerts_on_evolution_not_open() {
    let h = harness(&[("JULIA_WATCH_INTERVAL", "150ms")]).await;
    h.evo.set_state("close");
    let alert = eventually(Duration::from_secs(10), || async {
        h.slack
            .posts_in(INCIDENTS)
            .into_iter()
            .find(|p| text_of(p).contains("Evolution state `close`"))
    })
    .await
    .expect("evolution alert");
    assert!(text_of(&alert).contains("julia_pause_prompt"));
    h.evo.set_state("open");
    eventually(Duration::from_secs(10), || async {
        h.slack
            .updates_in(INCIDENTS)
            .into_iter()
            .find(|p| text_of(p).contains("Evolution is open again"))
    })
    .await
    .expect("evolution recovery");
    h.app.drain_outbox().await;
    let n = h
        .slack
        .posts_in(INCIDENTS)
        .into_iter()
        .filter(|p| text_of(p).contains("Evolution state"))
        .count();
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolution_errors_name_the_fix() {
    let h = harness(&[("EVOLUTION_API_KEY", "wrong")]).await;
    let (_, m) = h.run("evolution", "UANY").await;
    assert!(text_of(&m).contains("HTTP 401"), "{m}");
    let h = harness(&[("EVOLUTION_INSTANCE", "nope")]).await;
    let t = text_of(&h.confirm("webhook reset").await);
    assert!(
        t.contains("does not exist") && t.contains("EVOLUTION_INSTANCE"),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_name_the_configured_command() {
    let h = harness(&[("JULIA_COMMAND", "/julia-staging")]).await;
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
