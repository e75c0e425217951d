//! The real `chatops doctor` binary against loopback fakes: its exit code, what it prints, and
//! that no configured secret reaches stdout or stderr, whatever fails. The individual checks
//! and failure modes are in `tests/tests/e2e/doctor.rs`.

use std::process::Output;

use testkit::fake_evolution::FakeEvolution;
use testkit::fake_julia::FakeJulia;
use testkit::fake_railway::FakeRailway;
use testkit::{FakeSlack, TestDb};

const SECRETS: &[&str] = &[
    "xoxb-doctor-binary-secret",
    "signing-doctor-binary-secret",
    "xapp-doctor-binary-secret",
    "rw-doctor-binary-secret",
    "evo-doctor-binary-secret",
    "jdb-doctor-binary-pw",
    "redis-doctor-binary-pw",
    "store-doctor-binary-pw",
];

async fn doctor(env: &[(&str, &str)]) -> (Output, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_chatops"));
    cmd.args(["doctor", "--timeout", "2s"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("chatops binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s} printed:\n{text}");
    }
    (out, text)
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_exit_non_zero_with_reasons_and_fixes_and_no_secret() {
    let slack = FakeSlack::start().await;
    slack.set_valid_token("xoxb-some-other-token");
    let rw = FakeRailway::start().await;
    rw.state.lock().unwrap().tokens = Some(("rw-another".into(), "rw-project".into()));
    let evo = FakeEvolution::start().await;
    let julia = FakeJulia::start().await;
    julia.set_healthy(false);
    let (p1, p2, p3) = (closed_port(), closed_port(), closed_port());
    let jdb = format!("postgres://julia:jdb-doctor-binary-pw@127.0.0.1:{p1}/postgres");
    let redis = format!("redis://:redis-doctor-binary-pw@127.0.0.1:{p2}");
    let store = format!("postgres://chatops:store-doctor-binary-pw@127.0.0.1:{p3}/chatops");
    let (out, text) = doctor(&[
        ("SLACK_SIGNING_SECRET", "signing-doctor-binary-secret"),
        ("SLACK_BOT_TOKEN", "xoxb-doctor-binary-secret"),
        ("SLACK_APP_TOKEN", "xapp-doctor-binary-secret"),
        ("SLACK_API_URL", &slack.base_url),
        ("INCIDENTS_CHANNEL", "CINCIDENTS"),
        ("DATABASE_URL", &store),
        ("REDIS_URL", &redis),
        ("JULIA_DATABASE_URL", &jdb),
        ("JULIA_REDIS_URL", &redis),
        ("JULIA_BASE_URL", &julia.base_url),
        ("APP_ENV", "production"),
        ("SUPABASE_PROJECT_REF", "ref123"),
        ("RAILWAY_API_URL", &rw.url),
        ("RAILWAY_API_TOKEN", "rw-doctor-binary-secret"),
        ("RAILWAY_PROJECT_ID", "p1"),
        ("RAILWAY_ENVIRONMENT_ID", "e1"),
        ("EVOLUTION_API_URL", &evo.base_url),
        ("EVOLUTION_API_KEY", "evo-doctor-binary-secret"),
        ("EVOLUTION_INSTANCE", "julia"),
    ])
    .await;
    println!("{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
    for line in [
        "FAIL  auth.test",
        "invalid_auth",
        "FAIL  Socket Mode",
        "FAIL  token",
        "Not Authorized",
        "FAIL  instance",
        "Evolution refused the API key",
        "FAIL  /health/deep",
        "FAIL  hard guards",
        "FAIL  database",
        "chatops:***@127.0.0.1",
        "FAIL  Redis",
        "fix: copy the Bot User OAuth Token",
        "fix: set EVOLUTION_API_KEY",
        "then run `chatops doctor` again",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    // Read-only: nothing was posted, no Railway mutation, no Evolution write.
    assert!(slack
        .calls()
        .iter()
        .all(|c| c.method == "auth.test" || c.method == "apps.connections.open"));
    assert!(rw
        .requests()
        .iter()
        .all(|q| q.query.trim_start().starts_with("query")));
    assert!(evo.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_partial_setup_exits_zero_and_names_what_is_not_configured() {
    let slack = FakeSlack::start().await;
    slack.set_channel("CINCIDENTS", "incidents", false, true);
    let db = TestDb::sqlite().await;
    chatops_core::Store::connect_and_migrate(&db.url)
        .await
        .unwrap();
    let (out, text) = doctor(&[
        ("SLACK_SIGNING_SECRET", "signing-doctor-binary-secret"),
        ("SLACK_BOT_TOKEN", "xoxb-doctor-binary-secret"),
        ("SLACK_API_URL", &slack.base_url),
        ("INCIDENTS_CHANNEL", "CINCIDENTS"),
        ("DATABASE_URL", &db.url),
    ])
    .await;
    println!("{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
    for line in [
        "PASS  auth.test",
        "PASS  token scopes",
        "PASS  INCIDENTS_CHANNEL",
        "PASS  database",
        "skipped (not configured: set JULIA_BASE_URL)",
        "skipped (not configured: set RAILWAY_API_TOKEN or RAILWAY_TOKEN",
        "skipped (not configured: set EVOLUTION_API_URL",
        "0 failed",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}

#[tokio::test]
async fn a_bad_timeout_is_a_usage_error() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_chatops"))
        .args(["doctor", "--timeout", "soon"])
        .env_clear()
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("`soon` is not a duration"), "{err}");
}
