//! Faults under load: a Slack that rate-limits then fails then hangs, PostgreSQL restarted,
//! Redis stopped and started. (The SIGKILL test runs the real binary: bot/tests/sigkill.rs.
//! Slack retrying one event 3 times in parallel: foundation.rs `a_retried_event_is_handled_once`.)

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use testkit::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn enqueue(app: &TestApp, channel: &str, text: &str) {
    let mut conn = app.ctx.store.pool.acquire().await.unwrap();
    let item = chatops_core::outbox::OutboxItem::post(channel, &messages::Msg::text(text));
    chatops_core::outbox::enqueue(&mut conn, &item, app.ctx.clock.now_ms())
        .await
        .unwrap();
    app.ctx.outbox_wake.notify_one();
}

/// `/incident help` acks in a loop until stopped: (count, non-200, slowest).
fn ack_load(app: &TestApp, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<(u64, u64, Duration)> {
    let (http, url) = (app.http.clone(), app.url("/slack/commands"));
    tokio::spawn(async move {
        let (mut n, mut bad, mut slowest) = (0u64, 0u64, Duration::ZERO);
        while !stop.load(Ordering::Relaxed) {
            let form = serde_urlencoded::to_string([
                ("command", "/incident"),
                ("text", "help"),
                ("user_id", "ULOAD"),
                ("channel_id", "C1"),
                ("response_url", "http://127.0.0.1:9/none"),
            ])
            .unwrap();
            let ts = app::now_secs().to_string();
            let sig = chatops_core::signature::sign(app::SECRET, &ts, form.as_bytes());
            let t = Instant::now();
            let r = http
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-slack-request-timestamp", ts)
                .header("x-slack-signature", sig)
                .body(form)
                .send()
                .await;
            slowest = slowest.max(t.elapsed());
            n += 1;
            if !r.is_ok_and(|r| r.status() == 200) {
                bad += 1;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (n, bad, slowest)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_429_then_500s_then_timeouts_loses_nothing_and_acks_stay_fast() {
    let slack = FakeSlack::start().await;
    // 10 s of 429 with Retry-After: 2.
    slack.fail_all("chat.postMessage", Behavior::Status(429, Some(2)));
    let opts = AppOptions::default()
        .env("OUTBOX_MAX_ATTEMPTS", "50")
        .env("SLACK_TIMEOUT", "1s");
    let app = spawn_app(&TestDb::sqlite().await, &slack, opts).await;
    let stop = Arc::new(AtomicBool::new(false));
    let load = ack_load(&app, stop.clone());
    let t0 = Instant::now();
    for i in 0..12 {
        enqueue(&app, &format!("CFAULT{}", i % 3), &format!("fault-{i:02}")).await;
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    // Then 500s for 3 s, then timeouts (no answer within SLACK_TIMEOUT) for 3 s.
    slack.fail_all("chat.postMessage", Behavior::Status(500, None));
    tokio::time::sleep(Duration::from_secs(3)).await;
    slack.fail_all("chat.postMessage", Behavior::Hang(Duration::from_secs(5)));
    tokio::time::sleep(Duration::from_secs(3)).await;
    slack.heal("chat.postMessage");
    let healed = Instant::now();
    stop.store(true, Ordering::Relaxed);
    let (acks, bad, slowest) = load.await.unwrap();
    let drained = eventually(Duration::from_secs(60), || async {
        (app.scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            .await
            == 0)
            .then_some(())
    })
    .await;
    assert!(drained.is_some(), "outbox did not drain after the outage");
    let calls = slack.calls_to("chat.postMessage");
    // The wait was honoured: during the 429 phase calls are at least ~2 s apart.
    let in_429: Vec<Instant> = calls
        .iter()
        .map(|c| c.at)
        .filter(|at| *at < t0 + Duration::from_secs(10))
        .collect();
    // (Calls of one batch, to different channels, leave together: gaps are either tiny or ≥ 2 s.)
    for w in in_429.windows(2) {
        let gap = w[1] - w[0];
        assert!(
            gap < Duration::from_millis(200) || gap >= Duration::from_millis(1900),
            "Retry-After not honoured: {gap:?}"
        );
    }
    assert!(
        in_429.len() <= 3 * 6,
        "{} calls in 10 s of 429",
        in_429.len()
    );
    // Nothing lost: every message posted (last call per text answered ok).
    for i in 0..12 {
        let t = format!("fault-{i:02}");
        assert!(
            calls.iter().any(|c| c.body["text"] == t.as_str()),
            "{t} never posted"
        );
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'failed'")
            .await,
        0
    );
    println!(
        "slack outage: {} postMessage calls ({} during the 429 phase), drained {:.1} s after healing; {acks} acks, {bad} non-200, slowest {:?}",
        calls.len(),
        in_429.len(),
        healed.elapsed().as_secs_f64(),
        slowest
    );
    assert_eq!(bad, 0, "acks failed during the Slack outage");
    assert!(slowest < Duration::from_secs(1), "slowest ack {slowest:?}");
}

/// A throwaway PostgreSQL cluster (initdb as the postgres user, as scripts/test.sh does).
struct Pg {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    port: u16,
}

impl Pg {
    fn run(&self, args: &[&str]) {
        let ctl = self.bin.join("pg_ctl");
        let root = unsafe_is_root();
        let mut cmd = if root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&ctl);
            c
        } else {
            std::process::Command::new(&ctl)
        };
        let st = cmd
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), "pg_ctl {args:?}");
    }
    fn start() -> Option<Pg> {
        let initdb = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin/initdb"))
            .filter(|p| p.exists())
            .max()?;
        let bin = initdb.parent().unwrap().to_path_buf();
        let dir =
            std::env::temp_dir().join(format!("chatops-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let root = unsafe_is_root();
        if root {
            std::process::Command::new("chown")
                .args(["-R", "postgres"])
                .arg(&dir)
                .status()
                .unwrap();
        }
        let mut c = if root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&initdb);
            c
        } else {
            std::process::Command::new(&initdb)
        };
        let st = c
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-A", "trust", "-U", "postgres"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        if !st.success() {
            return None;
        }
        let pg = Pg {
            bin,
            dir,
            port: free_port(),
        };
        pg.up();
        Some(pg)
    }
    fn up(&self) {
        let data = self.dir.join("data");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("pg.log");
        self.run(&[
            "-D",
            data.to_str().unwrap(),
            "-l",
            log.to_str().unwrap(),
            "-w",
            "-o",
            &opts,
            "start",
        ]);
    }
    fn down(&self) {
        let data = self.dir.join("data");
        self.run(&["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"]);
    }
    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let ctl = self.bin.join("pg_ctl");
        let mut c = if unsafe_is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&ctl);
            c
        } else {
            std::process::Command::new(&ctl)
        };
        let _ = c
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "stop"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn unsafe_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn text_of(v: &Value) -> String {
    v["text"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn postgres_restarted_under_load() {
    let Some(pg) = Pg::start() else {
        panic!("no PostgreSQL server binaries (scripts/test.sh installs them)");
    };
    let db = TestDb::external(&pg.url());
    let slack = FakeSlack::start().await;
    // Slack refuses posts for now, so rows stay pending across the outage.
    slack.fail_all("chat.postMessage", Behavior::Status(503, None));
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default().env("OUTBOX_MAX_ATTEMPTS", "50"),
    )
    .await;
    for i in 0..10 {
        enqueue(&app, &format!("CPG{}", i % 2), &format!("pg-{i:02}")).await;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let load = ack_load(&app, stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;

    pg.down();
    // During the outage: a command that needs the store answers 200 with a clear ephemeral error.
    let t = Instant::now();
    let v = app.incident("list", "U1", "C1").await;
    let waited = t.elapsed();
    assert_eq!(v["response_type"], "ephemeral", "{v}");
    assert!(text_of(&v).contains("database is unreachable"), "{v}");
    assert!(waited < Duration::from_secs(3), "answered in {waited:?}");
    let r = app.http.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let ready: Value = r.json().await.unwrap();
    let err = ready["checks"]["store"]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(
        err.starts_with(&format!(
            "PostgreSQL at 127.0.0.1:{} (database `postgres`): ",
            pg.port
        )),
        "the error names the store: {ready}"
    );
    assert!(!err.contains("pool timed out"), "{ready}");
    // An event cannot be deduplicated: Slack is asked to retry (503), nothing is lost.
    let ev = json!({"type": "event_callback", "event_id": "EvPG1", "event": {"type": "reaction_added", "user": "U1", "reaction": "eyes", "item": {"type": "message", "channel": "C1", "ts": "1.2"}}});
    assert_eq!(app.event(&ev).await.status(), 503);

    pg.up();
    slack.heal("chat.postMessage");
    // The pool recovers without a restart of the bot.
    let recovered = eventually(Duration::from_secs(20), || async {
        let v = app.incident("list", "U1", "C1").await;
        (!text_of(&v).contains("unreachable")).then_some(v)
    })
    .await
    .expect("the pool did not recover");
    assert!(
        !text_of(&recovered).contains("Something failed"),
        "{recovered}"
    );
    assert_eq!(app.event(&ev).await.status(), 200);
    let drained = eventually(Duration::from_secs(60), || async {
        (app.scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            .await
            == 0)
            .then_some(())
    })
    .await;
    assert!(
        drained.is_some(),
        "outbox rows written before the outage were not delivered"
    );
    for i in 0..10 {
        let t = format!("pg-{i:02}");
        assert!(
            slack
                .calls_to("chat.postMessage")
                .iter()
                .any(|c| c.body["text"] == t.as_str()),
            "{t} lost"
        );
    }
    stop.store(true, Ordering::Relaxed);
    let (acks, bad, slowest) = load.await.unwrap();
    println!(
        "postgres restart: {acks} help acks during the test, {bad} non-200, slowest {slowest:?}"
    );
    assert_eq!(bad, 0);
}

/// A throwaway redis-server on a fixed loopback port, restartable.
struct Redis {
    child: Option<std::process::Child>,
    port: u16,
}

impl Redis {
    fn start() -> Redis {
        let mut r = Redis {
            child: None,
            port: free_port(),
        };
        r.up();
        r
    }
    fn up(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/test.sh installs it)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }
    fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.down();
    }
}

fn reaction(id: &str) -> Value {
    json!({"type": "event_callback", "team_id": "T1", "event_id": id, "event_time": 1,
           "event": {"type": "reaction_added", "user": "U1", "reaction": "thumbsup",
                     "item": {"type": "message", "channel": "C1", "ts": "1.2"}, "event_ts": "1.3"}})
}

async fn ready(app: &TestApp) -> (u16, Value) {
    let r = app.http.get(app.url("/health/ready")).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_and_started_under_load() {
    let mut redis = Redis::start();
    let slack = FakeSlack::start().await;
    let opts = AppOptions {
        redis_url: Some(redis.url()),
        ..Default::default()
    }
    .env("RATE_LIMIT_PER_MINUTE", "0");
    let app = spawn_app(&TestDb::sqlite().await, &slack, opts).await;
    assert_eq!(ready(&app).await.1["checks"]["redis"]["status"], "ok");
    let stop = Arc::new(AtomicBool::new(false));
    let load = ack_load(&app, stop.clone());
    let events = Arc::new(AtomicU64::new(0));
    let send_events = |prefix: &'static str| {
        let app_url = app.url("/slack/events");
        let http = app.http.clone();
        let events = events.clone();
        async move {
            let mut bad = 0;
            for i in 0..20 {
                let ev = reaction(&format!("{prefix}{i}"));
                // Each event twice: the second is a duplicate.
                for _ in 0..2 {
                    let body = ev.to_string();
                    let ts = app::now_secs().to_string();
                    let sig = chatops_core::signature::sign(app::SECRET, &ts, body.as_bytes());
                    let r = http
                        .post(&app_url)
                        .header("content-type", "application/json")
                        .header("x-slack-request-timestamp", ts)
                        .header("x-slack-signature", sig)
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    if r.status() != 200 {
                        bad += 1;
                    }
                    events.fetch_add(1, Ordering::Relaxed);
                }
            }
            bad
        }
    };
    assert_eq!(send_events("EvUp").await, 0);
    redis.down();
    assert_eq!(
        send_events("EvDown").await,
        0,
        "events refused while Redis is down"
    );
    let (code, v) = ready(&app).await;
    assert_eq!(code, 200);
    assert_eq!(v["status"], "degraded");
    assert_eq!(v["checks"]["redis"]["status"], "degraded");
    redis.up();
    let back = eventually(Duration::from_secs(15), || async {
        let (_, v) = ready(&app).await;
        (v["checks"]["redis"]["status"] == "ok").then_some(v)
    })
    .await
    .expect("/health/ready did not show Redis back");
    assert_eq!(back["status"], "ready");
    assert_eq!(send_events("EvBack").await, 0);
    stop.store(true, Ordering::Relaxed);
    let (acks, bad, slowest) = load.await.unwrap();
    // Each event handled once across the outage (the store dedupes while Redis is down).
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM processed_events").await,
        60
    );
    println!(
        "redis stop/start: {acks} acks, {bad} non-200, slowest {slowest:?}; {} events sent",
        events.load(Ordering::Relaxed)
    );
    assert_eq!(bad, 0);
}
