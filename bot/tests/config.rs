//! The real `chatops` binary, run in a temporary folder with a clean environment: `.env`
//! loading, `check-config` reporting every mistake at once, `serve` agreeing with it, the
//! error texts of a store that cannot be reached, and the start-up log.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use testkit::TempDir;

/// A folder of its own per test, removed when the test ends (on failure too).
fn temp_dir() -> TempDir {
    TempDir::new("chatops-test-config")
}

fn write(dir: &TempDir, name: &str, text: &str) {
    std::fs::write(dir.path().join(name), text).unwrap();
}

/// `chatops <args>` in `dir` with only PATH and `env` set.
fn chatops(dir: &TempDir, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chatops"));
    c.args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn run(dir: &TempDir, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = chatops(dir, args, env).output().expect("chatops runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn dot_env_is_read_by_every_subcommand_without_overriding_the_environment() {
    let dir = temp_dir();
    write(
        &dir,
        ".env",
        "# copied from .env.example\n\
         SLACK_SIGNING_SECRET=from-dotenv-8f74\n\
         export SLACK_BOT_TOKEN=\"xoxb-from-dotenv\"\n\
         INCIDENTS_CHANNEL=C0INCIDENTS\n\
         PORT=4000\n\
         DATABASE_URL=sqlite://./store/chatops.db\n\
         CHATOPS_ADMINS=\"U0ANA, U0BOB\"\n",
    );
    // check-config: the values are the file's, except PORT, which the environment sets.
    let (code, out, err) = run(&dir, &["check-config"], &[("PORT", "4001")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("SLACK_SIGNING_SECRET       = [redacted]"),
        "{out}"
    );
    assert!(out.contains("PORT                       = 4001"), "{out}");
    assert!(
        out.contains("INCIDENTS_CHANNEL          = C0INCIDENTS"),
        "{out}"
    );
    assert!(
        out.contains("CHATOPS_ADMINS             = U0ANA,U0BOB"),
        "{out}"
    );
    assert!(
        out.contains("Read from: .env: 5 variables read; already set in the environment, so not taken from it: PORT"),
        "{out}"
    );
    assert!(out.contains("No problems found."), "{out}");
    for secret in ["from-dotenv-8f74", "xoxb-from-dotenv"] {
        assert!(!out.contains(secret), "{out}");
    }
    // migrate: DATABASE_URL from the file creates the store inside the folder.
    let (code, out, err) = run(&dir, &["migrate"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(dir.path().join("store/chatops.db").exists());
    // Without a .env, the secret is unset and check-config says the server would not start.
    std::fs::remove_file(dir.path().join(".env")).unwrap();
    let (code, out, _) = run(&dir, &["check-config"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no .env in the current folder"), "{out}");
    assert!(
        out.contains("error: SLACK_SIGNING_SECRET: not set"),
        "{out}"
    );
}

#[test]
fn a_dot_env_line_that_cannot_be_read_is_named_by_number_not_content() {
    let dir = temp_dir();
    write(
        &dir,
        ".env",
        "SLACK_SIGNING_SECRET=abc\nSLACK_BOT_TOKEN=xoxb-s3cr3t value\n",
    );
    let (code, out, _) = run(&dir, &["check-config"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error: .env: line 2 cannot be read"), "{out}");
    assert!(!out.contains("s3cr3t"), "{out}");
}

#[test]
fn check_config_reports_every_mistake_in_one_run() {
    let dir = temp_dir();
    let (code, out, _) = run(
        &dir,
        &["check-config"],
        &[
            ("SLACK_SIGNING_SECRET", "signing-s3cr3t"),
            ("SLACK_BOT_TOKEN", "xapp-1-A0-bot-s3cr3t"),
            ("SLACK_APP_TOKEN", "xoxb-1-2-app-s3cr3t"),
            ("INCIDENTS_CHANNEL", "#incidents"),
            ("CHATOPS_ADMINS", "ana, @bob"),
            ("INCIDENT_CADENSE_P1", "20m"),
            ("INCIDENT_CADENCE_P2", "banana"),
            ("PORT", "99999"),
            ("DATABASE_URL", "mysql://bot:db-s3cr3t@db:3306/chatops"),
        ],
    );
    assert_eq!(code, 1, "{out}");
    let expected = [
        "error: SLACK_BOT_TOKEN: must start with `xoxb-`; this is an app-level token (`xapp-…`): it goes in SLACK_APP_TOKEN",
        "error: SLACK_APP_TOKEN: must start with `xapp-`; this is a bot token (`xoxb-…`): it goes in SLACK_BOT_TOKEN",
        "error: PORT: `99999` is out of range: use 0 to 65535",
        "error: DATABASE_URL: unsupported database URL scheme `mysql`",
        "error: INCIDENTS_CHANNEL: `#incidents` is a channel name, not a channel id: in Slack open the channel, click its name at the top, and copy the Channel ID",
        "error: CHATOPS_ADMINS: `ana`, `@bob` are not user ids; a user id looks like `U0123ABCD`",
        "error: INCIDENT_CADENCE_P2: `banana` is not a cadence; use a number and a unit: `90s`, `15m`, `1h`, `1h30m`, `500ms`, or `off` for no reminders",
        "warning: INCIDENT_CADENSE_P1: not a variable the bot reads; did you mean `INCIDENT_CADENCE_P1`?",
    ];
    for e in expected {
        assert!(out.contains(e), "missing {e:?} in:\n{out}");
    }
    assert!(out.contains("7 errors, 1 warning:"), "{out}");
    assert!(
        out.contains("PORT                       = 3000   <- invalid, default used"),
        "{out}"
    );
    assert!(out.contains("The server would not start"), "{out}");
    assert!(!out.contains("s3cr3t"), "a secret leaked:\n{out}");
    // serve refuses the same configuration, listing the same problems.
    let (code, _, err) = run(
        &dir,
        &["serve"],
        &[
            ("SLACK_SIGNING_SECRET", "signing-s3cr3t"),
            ("PORT", "99999"),
            ("INCIDENTS_CHANNEL", "#incidents"),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: PORT: `99999` is out of range")
            && err.contains("error: INCIDENTS_CHANNEL: `#incidents` is a channel name"),
        "{err}"
    );
}

#[test]
fn check_config_and_serve_agree_on_a_missing_signing_secret() {
    let dir = temp_dir();
    let (code, out, _) = run(&dir, &["check-config"], &[]);
    assert_eq!(code, 1, "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("error: SLACK_SIGNING_SECRET"))
        .unwrap_or_else(|| panic!("{out}"))
        .trim()
        .to_string();
    assert!(
        line.contains("not set: without it every request from Slack would be refused"),
        "{line}"
    );
    let (code, _, err) = run(&dir, &["serve"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&line),
        "serve says {err:?}, check-config {line:?}"
    );
    // simulate does not need the secret: no Slack request comes in.
    let (code, out, err) = run(
        &dir,
        &["simulate", "/incident list"],
        &[("DATABASE_URL", "sqlite://./sim.db")],
    );
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn an_unreachable_store_names_the_variable_host_port_and_cause() {
    let dir = temp_dir();
    let port = closed_port();
    let url = format!("postgres://bot:db-s3cr3t@127.0.0.1:{port}/chatops");
    let (code, out, err) = run(
        &dir,
        &["serve"],
        &[
            ("SLACK_SIGNING_SECRET", "x"),
            ("PORT", "0"),
            ("BIND_ADDR", "127.0.0.1"),
            ("DATABASE_URL", &url),
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    let expected = format!(
        "cannot start: DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:{port} (database `chatops`): connection refused"
    );
    assert!(err.contains(&expected), "{err}");
    assert!(!err.contains("pool timed out"), "{err}");
    assert!(!err.contains("s3cr3t") && !out.contains("s3cr3t"), "{err}");
    // migrate says the same.
    let (code, _, err) = run(&dir, &["migrate"], &[("DATABASE_URL", &url)]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:{port} (database `chatops`): connection refused"
        )),
        "{err}"
    );
}

#[test]
fn the_start_up_log_says_what_runs() {
    let dir = temp_dir();
    write(&dir, ".env", "INCIDENTS_CHANNEL=C0INCIDENTS\n");
    let mut child = chatops(
        &dir,
        &["serve"],
        &[
            ("SLACK_SIGNING_SECRET", "x"),
            ("SLACK_BOT_TOKEN", "xoxb-s3cr3t"),
            ("PORT", "0"),
            ("BIND_ADDR", "127.0.0.1"),
            ("DATABASE_URL", "sqlite://./data/chatops.db"),
            ("JULIA_BASE_URL", "http://127.0.0.1:9"),
            ("LOG_FORMAT", "text"),
            ("RUST_LOG", "info"),
            ("INCIDENT_CADENSE_P1", "20m"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("chatops serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !log.contains("feature julia flag cache") && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            log.push_str(&l);
            log.push('\n');
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    for expected in [
        "configuration: .env: 1 variable read",
        "store: SQLite file ./data/chatops.db",
        "redis: off (REDIS_URL unset: dedupe in the store, no rate limit)",
        "slack: HTTP: Slack calls /slack/commands, /slack/events, /slack/interactions (SLACK_APP_TOKEN unset, so no Socket Mode)",
        "feature posting to Slack: on",
        "feature incident announcements: on",
        "feature socket mode: off, set SLACK_APP_TOKEN",
        "feature julia health: on",
        "feature julia railway: off, set RAILWAY_API_TOKEN or RAILWAY_TOKEN, JULIA_RAILWAY_PROJECT_ID, JULIA_RAILWAY_ENVIRONMENT_ID",
        "configuration: not a variable the bot reads; did you mean `INCIDENT_CADENCE_P1`?",
        "listening on 127.0.0.1:",
    ] {
        assert!(log.contains(expected), "missing {expected:?} in:\n{log}");
    }
    assert!(!log.contains("s3cr3t"), "{log}");
}
