//! The real `chatops` binary, at its default logging (text on stdout through the non-blocking
//! writer): a command's one line and the shutdown lines are all written when Railway's SIGTERM
//! stops the process (the queue is flushed before exit, nothing logged is lost).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use testkit::app::{now_secs, SECRET};

/// The bot process, killed when dropped: a failing test leaves no bot running.
struct Bot(Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom (real binary, SIGTERM)
async fn sigterm_flushes_every_queued_log_line() {
    let dir = std::env::temp_dir().join(format!("chatops-sigterm-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("stdout.log");
    let port = free_port();
    let mut bot = Bot(Command::new(env!("CARGO_BIN_EXE_chatops"))
        .arg("serve")
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_API_URL", "http://127.0.0.1:9")
        .env("BIND_ADDR", "127.0.0.1")
        .env("PORT", port.to_string())
        .stdout(Stdio::from(std::fs::File::create(&out).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .expect("chatops binary"));
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http
        .get(format!("{base}/health"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(Instant::now() < deadline, "the bot never answered /health");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body = serde_urlencoded::to_string([
        ("command", "/incident"),
        ("text", "declare P9 db down"),
        ("user_id", "USIGTERM"),
        ("channel_id", "C1"),
        ("response_url", "http://127.0.0.1:9/r"),
    ])
    .unwrap();
    let ts = now_secs().to_string();
    let r = http
        .post(format!("{base}/slack/commands"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &ts)
        .header(
            "x-slack-signature",
            chatops_core::signature::sign(SECRET, &ts, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let term = Command::new("kill")
        .args(["-TERM", &bot.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = bot.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the bot did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status}");

    let log = std::fs::read_to_string(&out).unwrap();
    let commands: Vec<&str> = log.lines().filter(|l| l.contains("USIGTERM")).collect();
    assert_eq!(commands.len(), 1, "one line for the command:\n{log}");
    let line = commands[0];
    for field in [
        " command ",
        "outcome=\"usage\"",
        "subcommand=\"declare\"",
        "latency_ms=",
    ] {
        assert!(line.contains(field), "{field} in {line}");
    }
    // Logged after the signal, the last just before the process exits: written all the same.
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.trim_end().ends_with("stopped"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
