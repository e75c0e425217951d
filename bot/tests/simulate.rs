//! `chatops simulate` prints what the bot would post, using the real grammar and flows, on a
//! throwaway in-memory store unless `--store` names a real one. Runs the real binary.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use testkit::{FakeSlack, TempDir};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `chatops simulate <args>` in `dir` with only `env` set (no DATABASE_URL unless given).
fn simulate_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_chatops"))
        .current_dir(dir)
        .arg("simulate")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .expect("chatops runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn simulate_ok(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let r = simulate_in(dir, args, env);
    assert_eq!(
        r.code, 0,
        "{args:?}\nstdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
    r
}

#[test]
fn simulate_declare_prints_the_war_room_posts_and_blocks() {
    let tmp = TempDir::new("chatops-test-sim");
    let r = simulate_ok(
        tmp.path(),
        &[
            "/incident declare P1 Evolução fora do ar",
            "--user",
            "U0ANA",
            "--json",
        ],
        &[],
    );
    let out = &r.stdout;
    assert!(out.contains("→ create channel #inc-"), "{out}");
    // INC-1 is the seeded incident, so this one is INC-2.
    assert!(out.contains("-2-evolucao-fora-do-ar"), "{out}");
    assert!(out.contains("→ invite U0ANA to "), "{out}");
    assert!(out.contains("→ post to CINCIDENTS"), "{out}");
    assert!(
        out.contains("\"action_id\": \"incident_update_open\""),
        "--json prints Block Kit: {out}"
    );
    // The seed's own posts are not part of the transcript.
    assert!(!out.contains("Example: WhatsApp replies delayed"), "{out}");
    assert!(
        r.stderr.contains("store: throwaway, in memory"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_default_store_is_throwaway_seeded_and_never_the_configured_one() {
    let tmp = TempDir::new("chatops-test-sim");
    let configured = tmp.path().join("configured.db");
    let database_url = format!("sqlite://{}", configured.display());
    let env = [("DATABASE_URL", database_url.as_str())];

    // The seed gives update/status/list something to act on: INC-1 with war room CSIM0001.
    let r = simulate_ok(tmp.path(), &["/incident list"], &env);
    assert!(r.stdout.contains("INC-1"), "{}", r.stdout);
    assert!(
        r.stdout.contains("Example: WhatsApp replies delayed"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("Seeded: INC-1"), "{}", r.stderr);
    let r = simulate_ok(
        tmp.path(),
        &[
            "/incident update identified bad deploy",
            "--channel",
            "CSIM0001",
        ],
        &env,
    );
    assert!(r.stdout.contains("→ post to CSIM0001"), "{}", r.stdout);
    assert!(
        r.stdout.contains("INC-1 update [Identified]"),
        "{}",
        r.stdout
    );

    // Several commands in one run share the store; the next run starts afresh.
    let r = simulate_ok(
        tmp.path(),
        &[
            "/incident declare P2 kept only for this run",
            "/incident list",
        ],
        &env,
    );
    let list = r.stdout.split("$ /incident list").nth(1).unwrap();
    assert!(list.contains("kept only for this run"), "{}", r.stdout);
    let r = simulate_ok(tmp.path(), &["/incident list"], &env);
    assert!(!r.stdout.contains("kept only for this run"), "{}", r.stdout);

    // --no-seed starts empty.
    let r = simulate_ok(tmp.path(), &["/incident list", "--no-seed"], &env);
    assert!(!r.stdout.contains("INC-1"), "{}", r.stdout);

    // Neither DATABASE_URL's file nor the default ./data/chatops.db was created.
    assert!(!configured.exists(), "simulate wrote to DATABASE_URL");
    assert!(
        !tmp.path().join("data").exists(),
        "simulate wrote to ./data"
    );
}

#[test]
fn writing_to_a_real_store_needs_store_and_is_said_loudly() {
    let tmp = TempDir::new("chatops-test-sim");
    let real = format!("sqlite://{}/real.db", tmp.path().display());
    let r = simulate_ok(
        tmp.path(),
        &[
            "/incident declare P2 persisted on purpose",
            "--store",
            &real,
        ],
        &[],
    );
    assert!(r.stderr.contains("writing to a REAL store"), "{}", r.stderr);
    assert!(r.stderr.contains(&real), "{}", r.stderr);
    assert!(!r.stderr.contains("throwaway, in memory"), "{}", r.stderr);
    // The real store keeps it, and is not seeded.
    let r = simulate_ok(tmp.path(), &["/incident list", "--store", &real], &[]);
    assert!(r.stdout.contains("persisted on purpose"), "{}", r.stdout);
    assert!(!r.stdout.contains("Example: WhatsApp"), "{}", r.stdout);
    // A password in the URL is never printed, not even when the store is unreachable.
    let r = simulate_in(
        tmp.path(),
        &[
            "/incident list",
            "--store",
            "postgres://chatops:hunter2secret@127.0.0.1:1/chatops",
        ],
        &[],
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("REAL store"), "{}", r.stderr);
    assert!(!r.stderr.contains("hunter2secret"), "{}", r.stderr);
    assert!(!r.stdout.contains("hunter2secret"), "{}", r.stdout);
}

#[test]
fn usage_errors_exit_non_zero() {
    let tmp = TempDir::new("chatops-test-sim");
    let r = simulate_in(tmp.path(), &["/incident updte x"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("Did you mean `update`?"), "{}", r.stdout);
    assert!(r.stderr.contains("usage error"), "{}", r.stderr);
    let r = simulate_in(tmp.path(), &["incident list"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a slash command"), "{}", r.stderr);
    let r = simulate_in(tmp.path(), &["/deploy now"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does not know `/deploy`"), "{}", r.stderr);
    // A good command after a bad one still runs; the exit code reports the bad one.
    let r = simulate_in(tmp.path(), &["/julia stauts", "/incident list"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("Open incidents"), "{}", r.stdout);
    // No command at all: clap's usage error.
    let r = simulate_in(tmp.path(), &[], &[]);
    assert_eq!(r.code, 2);
    // Help is not an error.
    simulate_ok(tmp.path(), &["/incident help"], &[]);
    simulate_ok(tmp.path(), &["/incident"], &[]);
}

/// A `chatops serve` child, killed when dropped (also when the test fails).
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_after_simulate_on_the_default_store_posts_nothing_for_simulated_incidents() {
    let tmp = TempDir::new("chatops-test-sim");
    let dir = tmp.path();
    // Reminders due after one second, so a stored incident would be reminded at once.
    let fast = [("INCIDENT_CADENCE_P1", "1s")];
    // 1. The newcomer's simulation, on the default store (DATABASE_URL unset, ./data beside).
    simulate_ok(
        dir,
        &["/incident declare P1 simulated only", "--user", "UISOLATED"],
        &fast,
    );
    // 2. The positive control: the same, written on purpose to the store serve will use.
    simulate_ok(
        dir,
        &[
            "/incident declare P1 written on purpose",
            "--user",
            "UREAL",
            "--store",
            "sqlite://./data/chatops.db",
        ],
        &fast,
    );
    // 3. serve on the default store (./data/chatops.db in the same folder).
    let slack = FakeSlack::start().await;
    let log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let _serve = Serve(
        Command::new(env!("CARGO_BIN_EXE_chatops"))
            .current_dir(dir)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SLACK_SIGNING_SECRET", testkit::app::SECRET)
            .env("SLACK_BOT_TOKEN", "xoxb-test-token")
            .env("SLACK_API_URL", &slack.base_url)
            .env("BIND_ADDR", "127.0.0.1")
            .env("PORT", "0")
            .env("INCIDENTS_CHANNEL", "CINCIDENTS")
            .env("INCIDENT_CADENCE_P1", "1s")
            .env("REMINDER_POLL_INTERVAL", "100ms")
            .env("OUTBOX_POLL_INTERVAL", "100ms")
            .env("OUTBOX_CHANNEL_INTERVAL", "10ms")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("chatops serve starts"),
    );
    // The stored incident is reminded: serve runs, reads this store and posts.
    let reminded = testkit::eventually(Duration::from_secs(30), || async {
        slack
            .calls_to("chat.postMessage")
            .iter()
            .any(|c| c.body.to_string().contains("<@UREAL>"))
            .then_some(())
    })
    .await;
    let serve_log = std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default();
    assert!(
        reminded.is_some(),
        "serve never reminded the stored incident; log:\n{serve_log}"
    );
    // Nothing for the simulated incidents (neither the user's nor the seeded one).
    for c in slack.calls() {
        let body = c.body.to_string();
        assert!(
            !body.contains("UISOLATED")
                && !body.contains("USEED")
                && !body.contains("simulated only")
                && !body.contains("Example: WhatsApp"),
            "serve posted for a simulated incident: {} {body}",
            c.method
        );
    }
    // The store holds the one incident written with --store, nothing else.
    let store =
        chatops_core::Store::connect(&format!("sqlite://{}/data/chatops.db", dir.display()))
            .await
            .unwrap();
    let titles: Vec<String> = sqlx::query_scalar("SELECT title FROM incidents")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(titles, vec!["written on purpose".to_string()]);
    store.pool.close().await;
}
