//! `chatops doctor` end to end through its library entry point (`doctor::run`, what
//! the binary prints): loopback fakes of Slack, Railway, Evolution and Julia's API, a real
//! PostgreSQL holding Julia's tables, the bot's store on SQLite and PostgreSQL, a real Redis.
//! Every failure mode the issue names, each with its reason and fix; nothing written anywhere;
//! no secret in the report. `bot/tests/doctor_binary.rs` runs the real binary; the doctor's Railway
//! operations are validated against Railway's schema with the bot's (`tests/julia.rs`).

use std::time::Duration;

use doctor::{self, Report, Status};
use bot::Settings as Config;
use serde_json::json;
use sqlx::postgres::PgPool;
use testkit::fake_evolution::FakeEvolution;
use testkit::fake_julia::FakeJulia;
use testkit::fake_railway::FakeRailway;
use testkit::*;

const SLACK_TOKEN: &str = "xoxb-doctor-secret-0001";
const SIGNING: &str = "signing-secret-doctor-0002";
const APP_TOKEN: &str = "xapp-doctor-secret-0008";
const RW_ACCOUNT: &str = "rw-account-secret-0003";
const RW_PROJECT: &str = "rw-project-secret-0004";
const EVO_KEY: &str = "evo-key";
const HOOK: &str = "https://julia.example/webhooks/evolution";

struct H {
    slack: FakeSlack,
    julia: FakeJulia,
    evo: FakeEvolution,
    rw: FakeRailway,
    jdb_url: String,
    jdb: PgPool,
    /// Julia's database lives as long as the harness (dropped with the last `TestDb` clone).
    _jdb_db: TestDb,
    store: TestDb,
    redis: Redis,
    pairs: Vec<(String, String)>,
}

/// Every integration configured and healthy.
async fn harness() -> H {
    let slack = FakeSlack::start().await;
    slack.set_valid_token(SLACK_TOKEN);
    slack.set_channel("CINCIDENTS", "incidents", false, true);
    slack.set_usergroup("SADMINS", &["UADMIN"]);
    slack.set_usergroup("SONCALL", &["U1", "U2"]);
    slack.set_socket_url("ws://127.0.0.1:9/socket-never-dialed");
    let julia = FakeJulia::start().await;
    let evo = FakeEvolution::start().await;
    evo.state.lock().unwrap().webhook = json!({"id": "w1", "url": HOOK, "enabled": true,
        "events": ["MESSAGES_UPSERT"], "webhookByEvents": false, "webhookBase64": false, "headers": null});
    let rw = FakeRailway::start().await;
    rw.state.lock().unwrap().tokens = Some((RW_ACCOUNT.into(), RW_PROJECT.into()));
    let (jdb_info, jdb) = testkit::julia_db::julia_database().await;
    let store = TestDb::sqlite().await;
    chatops_core::Store::connect_and_migrate(&store.url)
        .await
        .unwrap();
    let redis = Redis::start();
    let pairs = [
        ("SLACK_SIGNING_SECRET", SIGNING),
        ("SLACK_BOT_TOKEN", SLACK_TOKEN),
        ("SLACK_APP_TOKEN", APP_TOKEN),
        ("SLACK_API_URL", &slack.base_url),
        ("INCIDENTS_CHANNEL", "CINCIDENTS"),
        ("CHATOPS_ADMIN_GROUP", "SADMINS"),
        ("ESCALATION_USERGROUP", "SONCALL"),
        ("DATABASE_URL", &store.url),
        ("REDIS_URL", &redis.url()),
        ("JULIA_DATABASE_URL", &jdb_info.url),
        ("JULIA_BASE_URL", &julia.base_url),
        ("APP_ENV", "production"),
        ("SUPABASE_PROJECT_REF", "ref123"),
        ("JULIA_REDIS_URL", &redis.url()),
        ("RAILWAY_API_URL", &rw.url),
        ("RAILWAY_API_TOKEN", RW_ACCOUNT),
        ("RAILWAY_PROJECT_ID", "p1"),
        ("RAILWAY_ENVIRONMENT_ID", "e1"),
        ("EVOLUTION_API_URL", &evo.base_url),
        ("EVOLUTION_API_KEY", EVO_KEY),
        ("EVOLUTION_INSTANCE", "julia"),
        ("EVOLUTION_WEBHOOK_URL", HOOK),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    H {
        slack,
        julia,
        evo,
        rw,
        jdb_url: jdb_info.url.clone(),
        jdb,
        _jdb_db: jdb_info,
        store,
        redis,
        pairs,
    }
}

impl H {
    /// Runs the doctor with the harness's configuration, `set` overriding it (an empty value
    /// unsets a variable).
    async fn doctor(&self, set: &[(&str, &str)]) -> Report {
        let mut pairs = self.pairs.clone();
        for (k, v) in set {
            pairs.retain(|(pk, _)| pk != k);
            pairs.push((k.to_string(), v.to_string()));
        }
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let config = Config::from_pairs(&refs).expect("config");
        let report = doctor::run(
            &config,
            &doctor::Options {
                timeout: Duration::from_secs(2),
            },
        )
        .await;
        assert_no_secret(&report.render());
        report
    }
}

fn assert_no_secret(text: &str) {
    for s in [
        SLACK_TOKEN,
        SIGNING,
        APP_TOKEN,
        RW_ACCOUNT,
        RW_PROJECT,
        "jdb-pass-0005",
    ] {
        assert!(!text.contains(s), "secret {s} printed:\n{text}");
    }
}

/// The check, which must have `status`; returns it for more assertions.
fn expect<'a>(r: &'a Report, system: &str, name: &str, status: Status) -> &'a doctor::Check {
    let c = r
        .get(system, name)
        .unwrap_or_else(|| panic!("no check {system}/{name}:\n{}", r.render()));
    assert_eq!(c.status, status, "{system}/{name}:\n{}", r.render());
    c
}

fn fix(c: &doctor::Check) -> &str {
    c.fix.as_deref().expect("a failure names its fix")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn everything_configured_and_healthy_passes_and_nothing_is_written() {
    let h = harness().await;
    let status_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM julia_status")
        .fetch_one(&h.jdb)
        .await
        .unwrap();
    let r = h.doctor(&[]).await;
    let text = r.render();
    assert!(r.ok(), "{text}");
    assert_eq!(r.count(Status::Fail), 0, "{text}");
    assert_eq!(r.count(Status::Skip), 0, "{text}");
    assert_eq!(r.count(Status::Warn), 0, "{text}");
    let auth = expect(&r, "Slack", "auth.test", Status::Pass);
    assert!(
        auth.detail.contains("julia-chatops") && auth.detail.contains("Julia Ops"),
        "{text}"
    );
    expect(&r, "Slack", "token scopes", Status::Pass);
    assert!(expect(&r, "Slack", "INCIDENTS_CHANNEL", Status::Pass)
        .detail
        .contains("#incidents"));
    assert!(
        expect(&r, "Slack", "user group ESCALATION_USERGROUP", Status::Pass)
            .detail
            .contains("2 members")
    );
    expect(&r, "Slack", "Socket Mode", Status::Pass);
    expect(&r, "Slack", "user group CHATOPS_ADMIN_GROUP", Status::Pass);
    assert!(expect(&r, "Railway", "token", Status::Pass)
        .detail
        .contains("Authorization: Bearer"));
    assert!(expect(&r, "Railway", "project", Status::Pass)
        .detail
        .contains("remarkable-communication"));
    assert!(expect(&r, "Railway", "environment", Status::Pass)
        .detail
        .contains("production"));
    assert!(expect(&r, "Railway", "services", Status::Pass)
        .detail
        .contains("julia-scheduler"));
    expect(&r, "Evolution", "instance", Status::Pass);
    expect(&r, "Evolution", "webhook", Status::Pass);
    expect(&r, "Julia", "/health", Status::Pass);
    expect(&r, "Julia", "/health/deep", Status::Pass);
    expect(&r, "Julia", "hard guards", Status::Pass);
    expect(&r, "Julia", "database role", Status::Pass);
    expect(&r, "Julia", "Julia's Redis", Status::Pass);
    assert!(expect(&r, "Store", "database", Status::Pass)
        .detail
        .contains("all"));
    expect(&r, "Store", "Redis", Status::Pass);
    assert!(text.contains("0 failed"), "{text}");

    // Slack: the read methods went as GET with query arguments, and nothing else was called.
    let calls = h.slack.calls();
    let methods: Vec<&str> = calls.iter().map(|c| c.method.as_str()).collect();
    assert_eq!(
        methods.iter().filter(|m| **m == "auth.test").count(),
        1,
        "{methods:?}"
    );
    assert!(
        methods.iter().all(|m| matches!(
            *m,
            "auth.test" | "conversations.info" | "usergroups.users.list" | "apps.connections.open"
        )),
        "{methods:?}"
    );
    assert!(calls
        .iter()
        .all(|c| c.verb == "GET" || c.method == "apps.connections.open"));
    let open = h.slack.calls_to("apps.connections.open");
    assert_eq!(
        open[0].auth.as_deref(),
        Some(format!("Bearer {APP_TOKEN}").as_str())
    );
    let info = h.slack.calls_to("conversations.info");
    assert_eq!(info[0].body, json!({"channel": "CINCIDENTS"}));
    assert_eq!(
        info[0].auth.as_deref(),
        Some(format!("Bearer {SLACK_TOKEN}").as_str())
    );
    let groups: Vec<_> = h
        .slack
        .calls_to("usergroups.users.list")
        .into_iter()
        .map(|c| c.body["usergroup"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(groups, ["SADMINS", "SONCALL"]);
    // Railway: queries only, with the account token as Bearer and no project header.
    let rw = h.rw.requests();
    assert!(!rw.is_empty());
    for q in &rw {
        assert!(q.query.trim_start().starts_with("query"), "{}", q.query);
        assert_eq!(
            q.bearer.as_deref(),
            Some(format!("Bearer {RW_ACCOUNT}").as_str())
        );
        assert!(q.project_token.is_none());
    }
    // Evolution: reads only, with the key.
    for e in h.evo.requests() {
        assert_eq!(e.method, "GET", "{}", e.path);
        assert_eq!(e.apikey.as_deref(), Some(EVO_KEY));
    }
    // Julia's database: unchanged.
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM julia_status")
        .fetch_one(&h.jdb)
        .await
        .unwrap();
    assert_eq!(after, status_rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unconfigured_integrations_are_skipped_with_what_to_set() {
    let dir = std::env::temp_dir().join(format!("doctor-{}", uuid::Uuid::new_v4().simple()));
    let db = format!("sqlite://{}/chatops.db", dir.display());
    let config =
        Config::from_pairs(&[("SLACK_SIGNING_SECRET", SIGNING), ("DATABASE_URL", &db)]).unwrap();
    let r = doctor::run(&config, &doctor::Options::default()).await;
    let text = r.render();
    assert!(r.ok(), "nothing configured is not a failure:\n{text}");
    let skip = |system: &str, name: &str, var: &str| {
        let c = expect(&r, system, name, Status::Skip);
        assert!(
            c.detail.starts_with("skipped (not configured: set ") && c.detail.contains(var),
            "{text}"
        );
    };
    skip("Slack", "auth.test", "SLACK_BOT_TOKEN");
    skip("Railway", "token", "RAILWAY_PROJECT_ID");
    skip("Evolution", "instance", "EVOLUTION_API_URL");
    skip("Julia", "/health", "JULIA_BASE_URL");
    skip("Julia", "hard guards", "JULIA_DATABASE_URL");
    skip("Julia", "Julia's Redis", "JULIA_REDIS_URL");
    skip("Store", "Redis", "REDIS_URL");
    // A store that does not exist yet is a warning, and the doctor does not create it.
    assert!(expect(&r, "Store", "database", Status::Warn)
        .detail
        .contains("does not exist yet"));
    assert!(!dir.exists(), "the doctor created the store's folder");
    expect(&r, "Slack", "signing secret", Status::Pass);
    // Without the signing secret the server cannot start: a failure.
    let config = Config::from_pairs(&[("DATABASE_URL", &db)]).unwrap();
    let r = doctor::run(&config, &doctor::Options::default()).await;
    assert!(!r.ok());
    let c = expect(&r, "Slack", "signing secret", Status::Fail);
    assert!(fix(c).contains("SLACK_SIGNING_SECRET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_bad_token_fails_and_skips_the_rest() {
    let h = harness().await;
    let r = h
        .doctor(&[("SLACK_BOT_TOKEN", "xoxb-revoked-token-9")])
        .await;
    assert!(!r.ok());
    let c = expect(&r, "Slack", "auth.test", Status::Fail);
    assert!(c.detail.contains("invalid_auth"), "{}", r.render());
    assert!(fix(c).contains("SLACK_BOT_TOKEN"));
    let scopes = expect(&r, "Slack", "token scopes", Status::Skip);
    assert!(scopes.detail.contains("auth.test failed"));
    expect(&r, "Slack", "INCIDENTS_CHANNEL", Status::Skip);
    // The app-level token does not depend on the bot token.
    expect(&r, "Slack", "Socket Mode", Status::Pass);
    // The other systems are still checked.
    expect(&r, "Railway", "services", Status::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_missing_scopes_are_named() {
    let h = harness().await;
    let held: Vec<String> = testkit::fake_slack::manifest_bot_scopes()
        .into_iter()
        .filter(|s| s != "pins:write" && s != "usergroups:read")
        .collect();
    let held: Vec<&str> = held.iter().map(String::as_str).collect();
    h.slack.set_scopes(&held);
    let r = h.doctor(&[]).await;
    assert!(!r.ok());
    let c = expect(&r, "Slack", "token scopes", Status::Fail);
    assert_eq!(
        c.detail,
        "missing pins:write, usergroups:read",
        "{}",
        r.render()
    );
    assert!(fix(c).contains("reinstall"));
    // Without usergroups:read Slack refuses the group lookups, and the doctor says which scope.
    let g = expect(&r, "Slack", "user group CHATOPS_ADMIN_GROUP", Status::Fail);
    assert!(
        g.detail.contains("missing_scope") && g.detail.contains("usergroups:read"),
        "{}",
        r.render()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_channel_not_found_bot_not_member_and_unknown_user_group() {
    let h = harness().await;
    let r = h
        .doctor(&[
            ("INCIDENTS_CHANNEL", "CNOPE"),
            ("COMMANDER_USERGROUP", "SGHOST"),
        ])
        .await;
    let c = expect(&r, "Slack", "INCIDENTS_CHANNEL", Status::Fail);
    assert!(c.detail.contains("CNOPE") && c.detail.contains("not found"));
    assert!(fix(c).contains("INCIDENTS_CHANNEL"));
    let g = expect(&r, "Slack", "user group COMMANDER_USERGROUP", Status::Fail);
    assert!(g.detail.contains("SGHOST") && g.detail.contains("no such user group"));
    assert!(fix(g).contains("COMMANDER_USERGROUP"));
    expect(&r, "Slack", "user group CHATOPS_ADMIN_GROUP", Status::Pass);

    // A public channel the bot was never invited to.
    h.slack.set_channel("CINCIDENTS", "incidents", false, false);
    let r = h.doctor(&[]).await;
    let c = expect(&r, "Slack", "INCIDENTS_CHANNEL", Status::Fail);
    assert!(c.detail.contains("not a member"), "{}", r.render());
    assert!(fix(c).contains("/invite @julia-chatops"), "{}", r.render());
    // A private channel the bot is not in is invisible: not found.
    h.slack.set_channel("CINCIDENTS", "incidents", true, false);
    let r = h.doctor(&[]).await;
    assert!(expect(&r, "Slack", "INCIDENTS_CHANNEL", Status::Fail)
        .detail
        .contains("not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_user_token_fails_and_an_empty_group_is_a_warning() {
    let h = harness().await;
    h.slack.set_usergroup("SONCALL", &[]);
    let r = h.doctor(&[]).await;
    let g = expect(&r, "Slack", "user group ESCALATION_USERGROUP", Status::Warn);
    assert!(g.detail.contains("no members"), "{}", r.render());
    assert!(r.ok(), "a warning does not fail the run");
    // A user token (xoxp-) passes auth.test but has no bot_id.
    h.slack.script(
        "auth.test",
        Behavior::Body(json!({"ok": true, "user": "ana", "user_id": "UANA", "team": "Julia Ops", "team_id": "T0JULIA"})),
        1,
    );
    let r = h.doctor(&[]).await;
    let c = expect(&r, "Slack", "auth.test", Status::Fail);
    assert!(c.detail.contains("not a bot token"), "{}", r.render());
    assert!(fix(c).contains("Bot User OAuth Token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_mode_token_failures() {
    let h = harness().await;
    // A bot token where the app-level token belongs: the configuration itself refuses it
    // (check-config and doctor stop there with exit 2), saying where it goes.
    let e = Config::from_pairs(&[("SLACK_APP_TOKEN", SLACK_TOKEN)]).unwrap_err();
    assert!(
        e.problem.contains("it goes in SLACK_BOT_TOKEN"),
        "{}",
        e.problem
    );
    // An app-level token Slack does not know.
    let fresh = FakeSlack::start().await;
    let r = h
        .doctor(&[
            ("SLACK_API_URL", &fresh.base_url),
            ("INCIDENTS_CHANNEL", ""),
        ])
        .await;
    assert!(expect(&r, "Slack", "Socket Mode", Status::Fail)
        .detail
        .contains("invalid_auth"));
    // Not configured: skipped, HTTP is used.
    let r = h.doctor(&[("SLACK_APP_TOKEN", "")]).await;
    expect(&r, "Slack", "Socket Mode", Status::Skip);
}

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
    let last = h.rw.requests().pop().unwrap();
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
    let before = h.rw.requests().len();
    let r = h.doctor(&[("RAILWAY_TOKEN", RW_PROJECT)]).await;
    let both = expect(&r, "Railway", "both tokens", Status::Warn);
    let sent = &h.rw.requests()[before..];
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
        .rw
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
    let wrong = format!("{}/api/v2", h.evo.base_url);
    let r = h.doctor(&[("EVOLUTION_API_URL", &wrong)]).await;
    let c = expect(&r, "Evolution", "instance", Status::Fail);
    assert!(c.detail.contains("no such route"), "{}", r.render());
    assert!(fix(c).contains("EVOLUTION_API_URL"));

    let r = h.doctor(&[("EVOLUTION_API_KEY", "wrong-key-1")]).await;
    assert!(fix(expect(&r, "Evolution", "instance", Status::Fail)).contains("EVOLUTION_API_KEY"));

    h.evo.state.lock().unwrap().webhook["url"] =
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
    h.evo.state.lock().unwrap().webhook["url"] = json!(HOOK);
    h.evo.state.lock().unwrap().webhook["enabled"] = json!(false);
    let r = h.doctor(&[]).await;
    assert!(expect(&r, "Evolution", "webhook", Status::Fail)
        .detail
        .contains("disabled"));
    h.evo.state.lock().unwrap().webhook["enabled"] = json!(true);
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

    h.evo.state.lock().unwrap().webhook = serde_json::Value::Null;
    h.evo.set_state("close");
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
    h.julia.set_healthy(false);
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
        sqlx::query(&sql).execute(&h.jdb).await.unwrap();
    }
    let (scheme, rest) = h.jdb_url.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    let url = format!("{scheme}://{role}:jdb-pass-0005@{host}");
    let r = h.doctor(&[("JULIA_DATABASE_URL", &url)]).await;
    let owner = h.doctor(&[]).await;
    // The role is the server's, not the test database's: removed before anything can fail.
    sqlx::query(&format!("DROP OWNED BY {role}"))
        .execute(&h.jdb)
        .await
        .unwrap();
    sqlx::query(&format!("DROP ROLE {role}"))
        .execute(&h.jdb)
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
    chatops_core::Store::connect_and_migrate(&db.url).await.unwrap();
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
    h.rw.set_delay(Duration::from_secs(30));
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

#[test]
fn the_doctor_reads_the_scopes_of_manifest_yml() {
    assert_eq!(
        doctor::slack::manifest_bot_scopes(),
        testkit::fake_slack::manifest_bot_scopes()
    );
}
