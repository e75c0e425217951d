//! The bot's log lines: one per slash command, with its outcome and latency, written through
//! the process's non-blocking writer (captured here); lines dropped when that writer's queue is
//! full are counted on `/metrics`.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chatops_core::config::LogFormat;
use serde_json::Value;
use testkit::{on_both_stores, spawn_app, AppOptions, FakeSlack, TestDb};

/// Everything the process's logger wrote, as the log collector would read it from stdout.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }
}

/// The process-wide logger of this test binary: JSON at the default filter, through the same
/// non-blocking writer `chatops serve` uses, into a capture.
fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        use tracing_subscriber::util::SubscriberInitExt;
        let c = Capture::default();
        let (writer, guard) =
            bot::telemetry::non_blocking(c.clone(), bot::telemetry::LOG_QUEUE_BYTES);
        std::mem::forget(guard); // lives as long as the test binary
        let filter = tracing_subscriber::EnvFilter::new(bot::telemetry::DEFAULT_FILTER);
        bot::telemetry::subscriber(LogFormat::Json, filter, writer, false)
            .try_init()
            .expect("the only logger of this binary");
        c
    })
}

/// Waits until the writer thread has written everything logged before this call: a marker
/// line goes through the same FIFO queue.
async fn written(c: &Capture) {
    let marker = uuid::Uuid::new_v4().to_string();
    tracing::info!(marker = %marker, "test marker");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !c.lines().iter().any(|l| l["marker"] == marker.as_str()) {
        assert!(
            Instant::now() < deadline,
            "the log writer never wrote the marker"
        );
        tokio::task::yield_now().await;
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The lines that name `user`.
fn lines_of(c: &Capture, user: &str) -> Vec<Value> {
    c.lines()
        .into_iter()
        .filter(|l| l["user"] == user)
        .collect()
}

fn assert_one_line(lines: &[Value], subcommand: &str, outcome: &str) {
    assert_eq!(lines.len(), 1, "one line per command, got {lines:#?}");
    let l = &lines[0];
    assert_eq!(l["message"], "command", "{l}");
    assert_eq!(l["level"], "INFO", "{l}");
    assert_eq!(l["route"], "commands", "{l}");
    assert_eq!(l["command"], "incident", "{l}");
    assert_eq!(l["subcommand"], subcommand, "{l}");
    assert_eq!(l["outcome"], outcome, "{l}");
    let ms = l["latency_ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("latency_ms: {l}"));
    assert!((0.0..2500.0).contains(&ms), "{l}");
}

async fn one_line_per_command(db: TestDb) {
    let c = capture();
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let cases = [
        ("help", "help", "ok"),
        ("declare P9 db down", "declare", "usage"),
        ("frobnicate now", "other", "usage"),
        ("list", "list", "ok"),
    ];
    for (text, subcommand, outcome) in cases {
        let user = format!("U{}", uuid::Uuid::new_v4().simple()).to_uppercase();
        let ack = app.incident(text, &user, "C1").await;
        assert!(ack["text"].is_string(), "{text}: {ack}");
        written(c).await;
        assert_one_line(&lines_of(c, &user), subcommand, outcome);
    }
    // No request id, body or signature in the line: what it says is the command's labels.
    let user = format!("U{}", uuid::Uuid::new_v4().simple()).to_uppercase();
    app.incident("help", &user, "C1").await;
    written(c).await;
    let line = lines_of(c, &user)[0].to_string();
    assert!(!line.contains("v0="), "{line}");
    assert!(!line.contains("response_url"), "{line}");
}
on_both_stores!(
    one_line_per_command_with_outcome_and_latency,
    one_line_per_command
);

/// A writer that blocks until released: the log collector stalled.
struct Stalled(Arc<(Mutex<bool>, std::sync::Condvar)>);

impl Write for Stalled {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let (lock, cv) = &*self.0;
        let mut released = lock.lock().unwrap();
        while !*released {
            released = cv.wait(released).unwrap();
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_dropped_when_the_writer_stalls_are_counted_on_metrics() {
    capture();
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let get_metrics = || async {
        let r = app.http.get(app.url("/metrics")).send().await.unwrap();
        r.text().await.unwrap()
    };
    let before = metric(&get_metrics().await, bot::telemetry::DROPPED_METRIC)
        .expect("the counter is exposed before anything is dropped");

    let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let (writer, guard) = bot::telemetry::non_blocking(Stalled(gate.clone()), 200);
    let filter = tracing_subscriber::EnvFilter::new("info");
    let sub = bot::telemetry::subscriber(LogFormat::Text, filter, writer.clone(), false);
    let logged = Instant::now();
    tracing::subscriber::with_default(sub, || {
        for i in 0..100 {
            tracing::info!(i, "a line the stalled writer cannot take");
        }
    });
    // Logging never waited for the stalled writer.
    assert!(logged.elapsed() < Duration::from_secs(2));
    // One batch is in the stalled writer's hands and one more waits, each at most 200 bytes
    // (two lines): the rest were dropped.
    let dropped = writer.dropped_lines() as f64;
    assert!(dropped >= 95.0, "dropped {dropped}");

    let after = metric(&get_metrics().await, bot::telemetry::DROPPED_METRIC).unwrap();
    assert!(
        after - before >= dropped,
        "before {before}, after {after}, dropped {dropped}"
    );
    let text = get_metrics().await;
    assert!(
        text.contains(&format!(
            "# TYPE {} counter",
            bot::telemetry::DROPPED_METRIC
        )),
        "{text}"
    );

    let (lock, cv) = &*gate;
    *lock.lock().unwrap() = true;
    cv.notify_all();
    drop(guard);
}

/// A secret `/ops` argument PostgreSQL cannot cast (its error quotes the value): no log line
/// holds it (the reply, audit and announcement are checked in `e2e/ops_safety.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_ops_argument_is_in_no_log_line() {
    use testkit::ops_harness::{harness_with, text, ADMIN, ANNOUNCE};
    const SECRET: &str = "sk-LOGGEDnowhere0123456789";
    let c = capture();
    let flags = TestDb::postgres().await;
    let pool = sqlx::PgPool::connect(&flags.url).await.unwrap();
    sqlx::query("CREATE TABLE limits (name text PRIMARY KEY, value integer NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    let catalog = format!(
        r#"systems:
  - name: quota
    admins: [{ADMIN}]
    announce: {ANNOUNCE}
    actions:
      - name: set-limit
        writes: true
        confirm: false
        args:
          - {{name: limit, type: string, pattern: "[A-Za-z0-9-]{{4,60}}", secret: true}}
        kind: sql.flag
        params: {{database_url_env: LIMITS_DATABASE_URL, table: limits, key_column: name,
                  value_column: value, key: tenant-a, value: "{{{{ limit }}}}", cast: integer}}
"#
    );
    let h = harness_with(
        TestDb::sqlite().await,
        &catalog,
        &[("LIMITS_DATABASE_URL", flags.url.as_str())],
    )
    .await;
    let failed = text(&h.run(&format!("quota set-limit {SECRET}"), ADMIN).await);
    assert!(failed.contains("*PostgreSQL* failed"), "{failed}");
    h.app.settle().await;
    written(c).await;
    let all = String::from_utf8_lossy(&c.0.lock().unwrap()).to_string();
    assert!(
        all.contains(r#""command":"ops""#),
        "the command was logged: {all}"
    );
    assert!(!all.contains(SECRET), "the secret was logged: {all}");
}

/// A WhatsApp `ack` that acknowledges nothing is logged with why (#25): a sender shown only as a
/// LID that quotes no page, a reply older than the page. No line holds the phone number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_whatsapp_ack_is_logged_with_its_reason_and_no_number() {
    use testkit::fake_evolution::{incoming_lid_reply, incoming_text};
    use testkit::paging::{declare, page, Setup, ANA_PHONE, MIN, TOKEN};
    let c = capture();
    let s = Setup::new().await;
    let app = s.app(&TestDb::sqlite().await).await;
    declare(&app, "declare P0 logged acks").await;
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app).await;
    let now = app.ctx.clock.now_secs();
    let hook = app.url(&format!("/pager/evolution/{TOKEN}"));
    for body in [
        incoming_lid_reply("julia", "123456789012345@lid", "ack", "LOGLID1", now, None),
        incoming_text("julia", ANA_PHONE, "ack", "LOGOLD1", now - 600),
    ] {
        let r = app.http.post(&hook).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    written(c).await;
    let dropped: Vec<Value> = c
        .lines()
        .into_iter()
        .filter(|l| l["message"] == "paging: a WhatsApp ack was dropped")
        .collect();
    let why = |id: &str| {
        dropped
            .iter()
            .find(|l| l["wa_message"] == id)
            .map(|l| l["reason"].as_str().unwrap_or("").to_string())
            .unwrap_or_else(|| panic!("no line for {id}: {dropped:#?}"))
    };
    assert!(why("LOGLID1").contains("LID"), "{dropped:#?}");
    assert!(why("LOGOLD1").contains("before the reply"), "{dropped:#?}");
    let all = String::from_utf8(c.0.lock().unwrap().clone()).unwrap();
    assert!(!all.contains(ANA_PHONE) && !all.contains("999990001"));
}
