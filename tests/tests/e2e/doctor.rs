//! `chatops doctor` end to end through its library entry point (`doctor::run`, what
//! the binary prints): loopback fakes of Slack, Railway, Evolution and Julia's API, a real
//! PostgreSQL holding Julia's tables, the bot's store on SQLite and PostgreSQL, a real Redis
//! (`testkit::doctor_kit`). Every failure mode the issue names, each with its reason and fix;
//! nothing written anywhere; no secret in the report. This file: the healthy case, what is
//! unconfigured, Slack; `doctor_integrations.rs`: Railway, Evolution, Julia, the store.
//! `bot/tests/doctor_binary.rs` runs the real binary; the doctor's Railway operations are
//! validated against Railway's schema with the bot's (`tests/julia.rs`).

use bot::Settings as Config;
use doctor::Status;
use serde_json::json;
use testkit::doctor_kit::*;
use testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn everything_configured_and_healthy_passes_and_nothing_is_written() {
    let h = harness().await;
    let status_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM julia_status")
        .fetch_one(h.jdb())
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
    let rw = h.rw().requests();
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
    for e in h.evo().requests() {
        assert_eq!(e.method, "GET", "{}", e.path);
        assert_eq!(e.apikey.as_deref(), Some(EVO_KEY));
    }
    // Julia's database: unchanged.
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM julia_status")
        .fetch_one(h.jdb())
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

#[test]
fn the_doctor_reads_the_scopes_of_manifest_yml() {
    assert_eq!(
        doctor::slack::manifest_bot_scopes(),
        testkit::fake_slack::manifest_bot_scopes()
    );
}
