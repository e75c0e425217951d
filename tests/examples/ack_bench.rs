//! Slash-command acknowledgement benchmark: the real app next to a bare axum handler, same run,
//! same machine, loopback only.
//!
//!   cargo run --release -p chatops-tests --example ack_bench      (or scripts/bench.sh)
//!
//! * The app: `bot::Application` built like production (release build, SQLite store in a temp
//!   dir, no Redis, JSON logs at `info` written to a file, Prometheus recorder on), with a
//!   loopback FakeSlack as Slack Web API. `RATE_LIMIT_PER_MINUTE=0`.
//! * The bare handler: axum on another port, `POST /slack/commands` reads the body and returns
//!   an empty 200.
//! * Requests: signed `/incident help` slash commands (form bodies pre-signed per phase; Slack's
//!   signature window is 300 s), the same bytes to both servers.
//!
//! Phases (each `BENCH_SECS`, default 10 s, after a 1 s warm-up):
//!   (a) closed loop: `BENCH_CONNECTIONS` (default 32) clients, each sending its next request
//!       as soon as the previous answer arrives -> maximum throughput;
//!   (b) open loop: a fixed `BENCH_RATE` (default 1000) requests per second, each dispatched at
//!       its scheduled time in its own task whatever the previous ones are doing -> latency at
//!       that rate. Latency is measured from the moment the request is handed to the client,
//!       and also reported from its scheduled time (which adds any dispatch lag).
//!
//! Servers and load generator share the machine: the servers run on a 2-worker runtime (what
//! `#[tokio::main]` gives on 2 cores), the clients on another 2-worker runtime.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use testkit::app::{now_secs, SECRET};
use testkit::{spawn_app, AppOptions, FakeSlack, TestDb};

const FORM: &str = "application/x-www-form-urlencoded";
const PRESIGNED: usize = 1024;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A pre-signed request: body, timestamp header, signature header.
#[derive(Clone)]
struct Signed {
    body: Bytes,
    ts: String,
    sig: String,
}

fn presign(n: usize) -> Arc<Vec<Signed>> {
    let ts = now_secs().to_string();
    let v = (0..n)
        .map(|i| {
            let body = serde_urlencoded::to_string([
                ("token", "legacy"),
                ("team_id", "T1"),
                ("team_domain", "julia"),
                ("channel_id", "C1BENCH"),
                ("channel_name", "bench"),
                ("user_id", &format!("U{:06}", i % 50)),
                ("user_name", "bench"),
                ("command", "/incident"),
                ("text", "help"),
                ("response_url", "http://127.0.0.1:9/unused"),
                ("trigger_id", &format!("trig.{i}")),
            ])
            .unwrap();
            let sig = handlers::signature::sign(SECRET, &ts, body.as_bytes());
            Signed {
                body: Bytes::from(body),
                ts: ts.clone(),
                sig,
            }
        })
        .collect();
    Arc::new(v)
}

#[derive(Default)]
struct Outcome {
    /// Latency of each answered request, microseconds.
    latencies: Vec<u64>,
    /// Open loop only: latency counted from the request's scheduled time (includes dispatch
    /// lag on this shared machine), microseconds.
    from_schedule: Vec<u64>,
    non_2xx: u64,
    errors: u64,
    elapsed: Duration,
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        self.latencies.extend(other.latencies);
        self.from_schedule.extend(other.from_schedule);
        self.non_2xx += other.non_2xx;
        self.errors += other.errors;
    }
    fn total(&self) -> u64 {
        self.latencies.len() as u64 + self.errors
    }
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }
    fn pct(&mut self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        self.latencies.sort_unstable();
        let i =
            ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[i] as f64 / 1000.0
    }
}

async fn send(client: &reqwest::Client, url: &str, s: &Signed) -> Result<(u16, Duration), ()> {
    let t = Instant::now();
    let r = client
        .post(url)
        .header("content-type", FORM)
        .header("x-slack-request-timestamp", &s.ts)
        .header("x-slack-signature", &s.sig)
        .body(s.body.clone())
        .send()
        .await
        .map_err(|_| ())?;
    let status = r.status().as_u16();
    r.bytes().await.map_err(|_| ())?;
    Ok((status, t.elapsed()))
}

fn record(out: &mut Outcome, r: Result<(u16, Duration), ()>) {
    match r {
        Ok((status, d)) => {
            if !(200..300).contains(&status) {
                out.non_2xx += 1;
            }
            out.latencies.push(d.as_micros() as u64);
        }
        Err(()) => out.errors += 1,
    }
}

/// (a) `connections` clients in a closed loop for `secs`.
async fn closed_loop(
    client: reqwest::Client,
    url: String,
    connections: usize,
    secs: Duration,
) -> Outcome {
    let reqs = presign(PRESIGNED);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + secs;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, url, reqs, next) = (client.clone(), url.clone(), reqs.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize % reqs.len();
                record(&mut out, send(&client, &url, &reqs[i]).await);
            }
            out
        }));
    }
    let mut total = Outcome::default();
    for t in tasks {
        total.merge(t.await.unwrap());
    }
    total.elapsed = start.elapsed();
    total
}

/// (b) `rate` requests per second for `secs`, each in its own task at its scheduled time.
async fn open_loop(
    client: reqwest::Client,
    url: String,
    rate: u64,
    secs: Duration,
) -> (Outcome, Duration) {
    let reqs = presign(PRESIGNED);
    let n = (rate as f64 * secs.as_secs_f64()) as u64;
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let start = Instant::now();
    let mut max_lag = Duration::ZERO;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sent = 0u64;
    while sent < n {
        tick.tick().await;
        let now = Instant::now();
        // Everything whose scheduled time has come (the timer's resolution is 1 ms).
        while sent < n && start + period * sent as u32 <= now {
            max_lag = max_lag.max(now - (start + period * sent as u32));
            let (client, url, s, tx) = (
                client.clone(),
                url.clone(),
                reqs[sent as usize % reqs.len()].clone(),
                tx.clone(),
            );
            let scheduled = start + period * sent as u32;
            tokio::spawn(async move {
                let r = send(&client, &url, &s).await;
                let _ = tx.send((r, scheduled.elapsed()));
            });
            sent += 1;
        }
    }
    drop(tx);
    let mut out = Outcome::default();
    while let Some((r, since_scheduled)) = rx.recv().await {
        if r.is_ok() {
            out.from_schedule.push(since_scheduled.as_micros() as u64);
        }
        record(&mut out, r);
    }
    out.elapsed = start.elapsed();
    (out, max_lag)
}

fn row(name: &str, mode: &str, o: &mut Outcome) {
    println!(
        "{name:<22} {mode:<16} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>8}",
        o.total(),
        o.rate(),
        o.pct(0.50),
        o.pct(0.99),
        o.pct(1.0),
        o.non_2xx + o.errors,
    );
}

fn init_logs(dir: &std::path::Path) -> PathBuf {
    use tracing_subscriber::EnvFilter;
    let path = dir.join("chatops-bench.log");
    let file = std::fs::File::create(&path).expect("log file");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new("info,sqlx=warn,hyper=warn,reqwest=warn"))
        .with_target(false)
        .with_writer(std::sync::Mutex::new(file))
        .json()
        .flatten_event(true)
        .try_init();
    path
}

#[allow(clippy::too_many_lines)] // over 80 lines: a benchmark's script; to split (#12 follow-up)
fn main() {
    let secs = Duration::from_secs(env_num("BENCH_SECS", 10).clamp(1, 60));
    let connections = env_num("BENCH_CONNECTIONS", 32).clamp(1, 512) as usize;
    let rate = env_num("BENCH_RATE", 1000).clamp(1, 20_000);

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("server")
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("client")
        .enable_all()
        .build()
        .unwrap();

    let (app, bare_addr, db) = server_rt.block_on(async {
        let db = TestDb::sqlite().await;
        let slack = FakeSlack::start().await;
        let opts = AppOptions::default()
            .env("RATE_LIMIT_PER_MINUTE", "0")
            .env("LOG_FORMAT", "json")
            // Production poll intervals, not the tests' fast ones.
            .env("OUTBOX_POLL_INTERVAL", "1s")
            .env("OUTBOX_CHANNEL_INTERVAL", "1s")
            .env("REMINDER_POLL_INTERVAL", "1s");
        let app = spawn_app(&db, &slack, opts).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bare_addr = listener.local_addr().unwrap();
        let bare = Router::new().route(
            "/slack/commands",
            post(|_body: Bytes| async { StatusCode::OK }),
        );
        tokio::spawn(async move { axum::serve(listener, bare).await.unwrap() });
        (app, bare_addr, db)
    });
    let db_dir = PathBuf::from(db.url.trim_start_matches("sqlite://"))
        .parent()
        .unwrap()
        .to_path_buf();
    let log = init_logs(&db_dir);
    let app_url = app.url("/slack/commands");
    let bare_url = format!("http://{bare_addr}/slack/commands");

    client_rt.block_on(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(1024)
            .build()
            .unwrap();
        // Sanity: the app verifies the signature and answers the usage help.
        let s = &presign(1)[0];
        let r = client
            .post(&app_url)
            .header("content-type", FORM)
            .header("x-slack-request-timestamp", &s.ts)
            .header("x-slack-signature", &s.sig)
            .body(s.body.clone())
            .send()
            .await
            .expect("app answers");
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        assert!(text.contains("/incident"), "expected the usage help, got {text}");
        let r = client.post(&app_url).header("content-type", FORM).body(s.body.clone()).send().await.unwrap();
        assert_eq!(r.status(), 401, "unsigned requests are refused");

        println!(
            "ack_bench: {} cores, closed loop {connections} connections x {}s, open loop {rate}/s x {}s",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            secs.as_secs(),
            secs.as_secs()
        );
        let warm = Duration::from_secs(1);
        closed_loop(client.clone(), bare_url.clone(), connections, warm).await;
        closed_loop(client.clone(), app_url.clone(), connections, warm).await;

        println!(
            "\n{:<22} {:<16} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8}",
            "target", "mode", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "non-2xx"
        );
        let mode = format!("closed c={connections}");
        let mut bare_closed = closed_loop(client.clone(), bare_url.clone(), connections, secs).await;
        row("bare axum handler", &mode, &mut bare_closed);
        let mut app_closed = closed_loop(client.clone(), app_url.clone(), connections, secs).await;
        row("chatops /incident help", &mode, &mut app_closed);

        let mode = format!("open {rate}/s");
        let (mut bare_open, bare_lag) = open_loop(client.clone(), bare_url.clone(), rate, secs).await;
        row("bare axum handler", &mode, &mut bare_open);
        let (mut app_open, app_lag) = open_loop(client.clone(), app_url.clone(), rate, secs).await;
        row("chatops /incident help", &mode, &mut app_open);

        let ratio = app_closed.rate() / bare_closed.rate();
        let p99 = app_open.pct(0.99);
        let errors = app_closed.non_2xx + app_closed.errors + app_open.non_2xx + app_open.errors;
        println!(
            "\nthroughput ratio app/bare: {ratio:.2} (target >= 0.50: {})",
            if ratio >= 0.5 { "met" } else { "NOT met" }
        );
        println!(
            "app p99 at {rate}/s: {p99:.2} ms (target < 5 ms: {})",
            if p99 < 5.0 { "met" } else { "NOT met" }
        );
        println!("app non-2xx or failed requests: {errors}");
        let sched = |o: &mut Outcome| {
            o.latencies = std::mem::take(&mut o.from_schedule);
            (o.pct(0.50), o.pct(0.99), o.pct(1.0))
        };
        let (b50, b99, bmax) = sched(&mut bare_open);
        let (a50, a99, amax) = sched(&mut app_open);
        println!(
            "open loop counted from the scheduled send time (adds dispatch lag; max lag bare {:.2} ms, app {:.2} ms):\n  \
             bare p50 {b50:.2} / p99 {b99:.2} / max {bmax:.2} ms; app p50 {a50:.2} / p99 {a99:.2} / max {amax:.2} ms",
            bare_lag.as_secs_f64() * 1000.0,
            app_lag.as_secs_f64() * 1000.0
        );
    });
    println!(
        "app log: {} bytes of JSON lines ({}; kept with BENCH_KEEP=1)",
        std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0),
        log.display()
    );
    app.kill();
    server_rt.shutdown_timeout(Duration::from_secs(1));
    if std::env::var("BENCH_KEEP").is_err() {
        let _ = std::fs::remove_dir_all(&db_dir);
    }
}
