//! Hostile input end to end: forged, replayed, future-dated, unsigned, wrong-version, truncated
//! and oversized requests (401/413, nothing handled, no secret in the logs), and command text
//! that tries to be structure (control characters, 10 kB, unicode, mentions, SQL, mrkdwn
//! broadcasts, template syntax). Basic 401 cases: foundation.rs; julia permissions and
//! confirmations: julia.rs.

use std::io::{Read, Write};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use testkit::app::{now_secs, SECRET};
use testkit::*;

const FORM: &str = "application/x-www-form-urlencoded";

static LOGS: OnceLock<&'static Mutex<Vec<u8>>> = OnceLock::new();

struct Sink;
impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        LOGS.get().unwrap().lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything the app logs (at debug) in this test binary goes to a buffer.
fn capture_logs() {
    LOGS.get_or_init(|| Box::leak(Box::new(Mutex::new(Vec::new()))));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "debug,hyper=info,h2=info",
        ))
        .with_writer(|| Sink)
        .json()
        .try_init();
}

fn logs() -> String {
    String::from_utf8_lossy(&LOGS.get().unwrap().lock().unwrap()).into_owned()
}

fn form(text: &str) -> String {
    serde_urlencoded::to_string([
        ("command", "/incident"),
        ("text", text),
        ("user_id", "U1"),
        ("channel_id", "C1"),
        ("response_url", "http://127.0.0.1:9/none"),
    ])
    .unwrap()
}

async fn raw(app: &TestApp, path: &str, body: &str, ts: &str, sig: Option<&str>) -> u16 {
    let mut r = app
        .http
        .post(app.url(path))
        .header("content-type", FORM)
        .header("x-slack-request-timestamp", ts);
    if let Some(s) = sig {
        r = r.header("x-slack-signature", s);
    }
    r.body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // over 80 lines: test-like table: one hostile request after another
async fn hostile_requests_are_refused_and_leave_no_secret_in_the_logs() {
    capture_logs();
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let body = form("declare P1 hostile");
    let ts = now_secs().to_string();
    let good = chatops_core::signature::sign(SECRET, &ts, body.as_bytes());
    let mut sigs = vec![good.clone()];
    for path in ["/slack/commands", "/slack/events", "/slack/interactions"] {
        // Forged (another secret), replayed (301 s old), future-dated, unsigned, v1=.
        let forged = chatops_core::signature::sign("guessed-secret", &ts, body.as_bytes());
        assert_eq!(raw(&app, path, &body, &ts, Some(&forged)).await, 401);
        // The 300/301 s edge is unit-tested with a fixed clock; a margin avoids second-tick races.
        for t in [now_secs() - 305, now_secs() + 305] {
            let t = t.to_string();
            let s = chatops_core::signature::sign(SECRET, &t, body.as_bytes());
            assert_eq!(
                raw(&app, path, &body, &t, Some(&s)).await,
                401,
                "{path} at {t}"
            );
            sigs.push(s);
        }
        assert_eq!(raw(&app, path, &body, &ts, None).await, 401);
        assert_eq!(
            raw(
                &app,
                path,
                &body,
                &ts,
                Some(&good.replacen("v0=", "v1=", 1))
            )
            .await,
            401
        );
        // Truncated: signed over the whole body, a part sent.
        assert_eq!(
            raw(&app, path, &body[..body.len() / 2], &ts, Some(&good)).await,
            401
        );
        // Garbage signature and timestamp.
        assert_eq!(raw(&app, path, &body, "now", Some("v0=zz")).await, 401);
        // Oversized: 413 before anything else.
        let big = "a".repeat(1024 * 1024 + 1);
        let s = chatops_core::signature::sign(SECRET, &ts, big.as_bytes());
        assert_eq!(raw(&app, path, &big, &ts, Some(&s)).await, 413);
        sigs.push(forged);
    }
    // A body cut short of its Content-Length (the client goes away): never a 2xx.
    let addr = app.addr;
    let (ts2, good2) = (ts.clone(), good.clone());
    let answer = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let head = format!(
            "POST /slack/commands HTTP/1.1\r\nhost: x\r\ncontent-type: {FORM}\r\nx-slack-request-timestamp: {ts2}\r\nx-slack-signature: {good2}\r\ncontent-length: 4000\r\n\r\n"
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(b"command=%2Fincident&text=declare").unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    })
    .await
    .unwrap();
    assert!(!answer.starts_with("HTTP/1.1 2"), "{answer}");
    // Every worker driven to the end (jobs, outbox): nothing was handled.
    app.settle().await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents").await,
        0,
        "nothing handled"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM jobs").await, 0, "no job");
    assert!(slack.calls().is_empty(), "no Slack call");
    // A valid request for contrast, so the logs have something handled in them.
    assert_eq!(
        raw(
            &app,
            "/slack/commands",
            &form("help"),
            &ts,
            Some(&chatops_core::signature::sign(
                SECRET,
                &ts,
                form("help").as_bytes()
            ))
        )
        .await,
        200
    );
    let log = logs();
    assert!(log.contains("request refused"), "refusals are logged");
    for secret in [SECRET, "xoxb-test-token"] {
        assert!(!log.contains(secret), "the log carries {secret}");
    }
    for s in &sigs {
        let hex = s.trim_start_matches("v0=");
        assert!(!log.contains(hex), "the log carries a signature");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_text_is_data_and_never_pings_the_channel() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let title = "<!channel> <!here|here> <!everyone> db down '; DROP TABLE incidents; -- {{user}} ${SLACK_BOT_TOKEN} \u{0}\u{7}\u{1b}[31m <#C999|x> <@U999> 🚨 ação";
    let v = app
        .incident(&format!("declare P2 {title}"), "U1", "C1")
        .await;
    assert_eq!(v["response_type"], "ephemeral", "{v}");
    app.drain_outbox().await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents").await,
        1,
        "declared, table intact"
    );
    app.incident(
        "note INC-1 <!here> look {{7*7}} `code` *bold* <https://evil|click>",
        "U1",
        "C1",
    )
    .await;
    app.incident(
        &format!("update INC-1 identified <!channel> {}", "x".repeat(200)),
        "U1",
        "C1",
    )
    .await;
    // 10 kB of text: refused as too long, nothing posted for it.
    let v = app
        .incident(&format!("note INC-1 {}", "é".repeat(10_000)), "U1", "C1")
        .await;
    assert!(v["text"].as_str().unwrap().contains("3000"), "{v}");
    app.drain_outbox().await;
    let posted = slack.calls();
    assert!(!posted.is_empty());
    for c in &posted {
        let s = c.body.to_string();
        for b in ["<!channel", "<!here", "<!everyone", "\\u0000", "\\u001b"] {
            assert!(!s.contains(b), "{} carries {b}: {s}", c.method);
        }
    }
    // The text arrived as data: the words are there, escaped.
    assert!(posted
        .iter()
        .any(|c| c.body.to_string().contains("DROP TABLE incidents")));
    assert!(posted
        .iter()
        .any(|c| c.body.to_string().contains("{{user}}")));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invisible_titles_are_refused_bidi_overrides_removed_and_marks_folded() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    // Only zero-width and invisible characters: refused, nothing declared.
    for title in [
        "\u{200B}\u{200B}\u{200B}\u{200B}",
        "\u{200D}\u{200C}\u{3164}\u{FE0F}\u{2800}",
    ] {
        let v = app
            .incident(&format!("declare P1 {title}"), "U1", "C1")
            .await;
        let t = v["text"].as_str().unwrap();
        assert!(
            t.contains("The title must be 3 to 150 characters (it has 0)")
                || t.contains("The title has no visible characters"),
            "{t}"
        );
        assert!(t.ends_with("`/incident help` for all commands."), "{t}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 0);
    // Bidi overrides removed from the stored title and every post; combining marks fold
    // away in the war room's name.
    let v = app
        .incident(
            "declare P1 z\u{337}a\u{337}l\u{337}g\u{337}o\u{337} \u{202E}nwod bd\u{202C} api",
            "U1",
            "C1",
        )
        .await;
    assert!(v["text"].as_str().unwrap().contains("declared"), "{v}");
    // The war room is set up after the ack: wait for the declarer's reply, then the posts.
    let rid = v["_response_id"].as_str().unwrap().to_string();
    eventually(Duration::from_secs(10), || async {
        app.slack.responses_to(&rid).into_iter().next()
    })
    .await
    .expect("declared reply");
    app.drain_outbox().await;
    let title: String = sqlx::query_scalar("SELECT title FROM incidents WHERE id = 1")
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(
        title,
        "z\u{337}a\u{337}l\u{337}g\u{337}o\u{337} nwod bd api"
    );
    let create = &slack.calls_to("conversations.create")[0].body;
    let name = create["name"].as_str().unwrap();
    assert!(name.ends_with("-1-zalgo-nwod-bd-api"), "{name}");
    for c in slack.calls() {
        let s = c.body.to_string();
        assert!(!s.contains('\u{202E}') && !s.contains("\\u202e"), "{s}");
    }
}
