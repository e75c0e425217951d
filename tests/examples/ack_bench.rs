//! Slash-command acknowledgement benchmark: chatops next to the peers a team would otherwise
//! pick, one machine, one run, loopback only. `scripts/bench.sh` builds everything and runs it.
//!
//! Peers, each its own process, each answering a signed `/incident help` on
//! `POST /slack/commands`:
//! * **bare axum handler**: reads the body, returns an empty 200 (the ceiling);
//! * **axum with signature check**: Slack's v0 signature and ±300 s window checked
//!   (`chatops_core::signature`), then the bot's usage ack returned as prepared bytes;
//! * **chatops**: the release binary (`CHATOPS_BIN`) run as `scripts/run.sh` runs it: `serve`,
//!   only the required variables (`SLACK_SIGNING_SECRET`, `SLACK_BOT_TOKEN`, `PORT`), default
//!   logging (text at `info` on stdout, read through a pipe like a log collector), SQLite in
//!   `./data` of a temporary directory, default rate limit;
//! * **Bolt for JavaScript** (`BOLT_PEER` = `scripts/bolt-peer/app.js`, `@slack/bolt` 5.1.0,
//!   `HTTPReceiver`, signatures verified): acks with the same body chatops answers.
//!
//! Load: `BENCH_CONNECTIONS` (default 16) keep-alive HTTP/1.1 connections in a closed loop,
//! over pre-signed requests (1,024 distinct bodies, signed just before each turn). All peers
//! run at once, idle but for their turn: after a 2 s warm-up each, every peer gets
//! `BENCH_SECS` (default 12) of load in `BENCH_ROUNDS` (default 3) turns, interleaved, the order
//! turning each round, so that a machine whose speed drifts during the run (other tenants of a
//! VM) weighs on every peer alike. The client is hyper's low-level connection on
//! a 2-thread runtime. Printed: a Markdown table (req/s, p50/p99/max, errors, peak RSS of each
//! server process from `/proc/<pid>/status` VmHWM), the ratios against the targets, the bot's
//! log lines per command, and the load average before and after.

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use testkit::ack_client::{forged, free_port, presign, Conn};
use testkit::app::{now_secs, SECRET};

const PRESIGNED: usize = 1024;
const TOKEN: &str = "xoxb-bench-token";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// The two axum peers (this binary re-run with `--peer bare|signed PORT`)

fn serve_peer(kind: &str, port: u16) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let ack = Bytes::from(std::env::var("PEER_ACK_JSON").unwrap_or_default());
        let router = match kind {
            "bare" => axum::Router::new().route(
                "/slack/commands",
                post(|_body: Bytes| async { StatusCode::OK }),
            ),
            _ => axum::Router::new().route(
                "/slack/commands",
                post(move |headers: HeaderMap, body: Bytes| signed_ack(headers, body, ack)),
            ),
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        axum::serve(listener, router).await.unwrap();
    });
}

async fn signed_ack(headers: HeaderMap, body: Bytes, ack: Bytes) -> axum::response::Response {
    use axum::response::IntoResponse;
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let verified = chatops_core::signature::verify(
        SECRET,
        h("x-slack-request-timestamp"),
        h("x-slack-signature"),
        &body,
        now_secs(),
    );
    match verified {
        Ok(()) => ([("content-type", "application/json")], ack).into_response(),
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// Server processes

struct Server {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// A `/proc/<pid>/status` memory figure (`VmHWM:`, `RssAnon:`, …) in MiB.
    fn status_mib(&self, key: &str) -> f64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        s.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    }

    /// What the resident memory is made of now: `RssAnon` (heap, stacks) and `RssFile` (the
    /// binary's code and read-only data, shared libraries).
    fn rss_parts(&self) -> String {
        format!(
            "{:.1} MiB anonymous (heap, stacks) + {:.1} MiB file-backed (code, libraries)",
            self.status_mib("RssAnon:"),
            self.status_mib("RssFile:")
        )
    }

    fn peak_rss_mib(&self) -> f64 {
        self.status_mib("VmHWM:")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_peer(name: &'static str, kind: &str, ack: &str) -> Server {
    let port = free_port();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--peer", kind, &port.to_string()])
        .env("PEER_ACK_JSON", ack)
        .stdin(Stdio::null())
        .spawn()
        .expect("peer process");
    Server {
        name,
        child,
        addr: ([127, 0, 0, 1], port).into(),
    }
}

/// `chatops serve` as `scripts/run.sh` starts it; stdout lines are counted in `lines`.
fn spawn_bot(bin: &str, dir: &std::path::Path, lines: Arc<AtomicU64>) -> Server {
    let port = free_port();
    let mut child = Command::new(bin)
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SLACK_BOT_TOKEN", TOKEN)
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    let mut stdout = child.stdout.take().unwrap();
    // Reads the pipe the way `cat > file` would (64 KiB at a time) and counts the lines: the
    // bench's own CPU is taken from the same two cores, so the reader stays as light as a
    // plain log shipper.
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            let newlines = buf[..n].iter().filter(|&&b| b == b'\n').count();
            lines.fetch_add(newlines as u64, Ordering::Relaxed);
        }
    });
    Server {
        name: "chatops",
        child,
        addr: ([127, 0, 0, 1], port).into(),
    }
}

fn spawn_bolt(app_js: &str, ack: &str) -> Server {
    let port = free_port();
    let child = Command::new("node")
        .arg(app_js)
        .env("BOLT_PORT", port.to_string())
        .env("BOLT_ACK_JSON", ack)
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SLACK_BOT_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node {app_js}: {e}"));
    Server {
        name: "Bolt for JavaScript",
        child,
        addr: ([127, 0, 0, 1], port).into(),
    }
}

// ---------------------------------------------------------------------------------------------
// The load generator

#[derive(Default)]
struct Outcome {
    /// Latency of each answered request, microseconds.
    latencies: Vec<u64>,
    non_2xx: u64,
    errors: u64,
    elapsed: Duration,
}

impl Outcome {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }
    /// Milliseconds at quantile `p` (sorted first).
    fn pct(&mut self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let i = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
        self.latencies[i] as f64 / 1000.0
    }
}

/// `connections` keep-alive connections in a closed loop for `secs`.
async fn closed_loop(addr: SocketAddr, connections: usize, secs: Duration) -> Outcome {
    let reqs = presign(PRESIGNED, "help");
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + secs;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (reqs, next) = (reqs.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            let mut sender = None;
            while Instant::now() < deadline {
                if sender.is_none() {
                    sender = Conn::open(addr).await;
                }
                let Some(s) = sender.as_mut() else {
                    out.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let i = next.fetch_add(1, Ordering::Relaxed) as usize % reqs.len();
                let t = Instant::now();
                match s.send(&reqs[i]).await {
                    Some((status, _)) => {
                        out.latencies.push(t.elapsed().as_micros() as u64);
                        out.non_2xx += u64::from(!(200..300).contains(&status));
                    }
                    None => {
                        out.errors += 1;
                        sender = None;
                    }
                }
            }
            out
        }));
    }
    let mut total = Outcome::default();
    for t in tasks {
        let o = t.await.unwrap();
        total.latencies.extend(o.latencies);
        total.non_2xx += o.non_2xx;
        total.errors += o.errors;
    }
    total.elapsed = start.elapsed();
    total
}

/// Waits until `addr` answers a signed `/incident help` with 200; returns the body.
async fn ready(server: &mut Server) -> Bytes {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("{} exited at start: {status}", server.name);
        }
        if let Some(mut c) = Conn::open(server.addr).await {
            if let Some((200, body)) = c.send(&presign(1, "help")[0]).await {
                return body;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never became ready",
            server.name
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A signed peer must refuse a forged signature.
async fn refuses_forgery(addr: SocketAddr) -> bool {
    let Some(mut c) = Conn::open(addr).await else {
        return false;
    };
    matches!(
        c.send(&forged(&presign(1, "help")[0])).await,
        Some((401, _))
    )
}

// ---------------------------------------------------------------------------------------------
// The run

struct Row {
    name: &'static str,
    out: Outcome,
    rss: f64,
    /// Requests answered, warm-up included.
    answered: u64,
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn print_table(rows: &mut [Row], connections: usize) {
    println!("\n| peer | req/s | p50 ms | p99 ms | max ms | non-2xx + errors | peak RSS MiB |");
    println!("|---|---|---|---|---|---|---|");
    for r in rows.iter_mut() {
        let bold = if r.name == "chatops" { "**" } else { "" };
        println!(
            "| {bold}{}{bold} | {bold}{:.0}{bold} | {:.2} | {bold}{:.2}{bold} | {:.2} | {} | {:.1} |",
            r.name,
            r.out.rate(),
            r.out.pct(0.50),
            r.out.pct(0.99),
            r.out.pct(1.0),
            r.out.non_2xx + r.out.errors,
            r.rss,
        );
    }
    println!("\n(closed loop, {connections} keep-alive connections, signed `/incident help`)");
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

fn print_targets(rows: &mut [Row], log_lines_per_command: f64) {
    let rate = |rows: &[Row], n: &str| rows.iter().find(|r| r.name == n).map(|r| r.out.rate());
    let bot = rows.iter_mut().find(|r| r.name == "chatops").unwrap();
    let (bot_rate, bot_p99, bot_rss) = (bot.out.rate(), bot.out.pct(0.99), bot.rss);
    let bare = rate(rows, "bare axum handler").unwrap_or(f64::NAN);
    let r = bot_rate / bare;
    println!(
        "chatops / bare axum: {r:.2}x (target >= 0.6x: {})",
        verdict(r >= 0.6)
    );
    if let Some(signed) = rate(rows, "axum with signature check") {
        println!(
            "chatops / axum with signature check: {:.2}x",
            bot_rate / signed
        );
    }
    match rate(rows, "Bolt for JavaScript") {
        Some(bolt) => {
            let r = bot_rate / bolt;
            println!(
                "chatops / Bolt JS: {r:.1}x (target >= 10x: {})",
                verdict(r >= 10.0)
            );
        }
        None => println!("chatops / Bolt JS: not measured (Bolt peer skipped)"),
    }
    println!(
        "chatops p99: {bot_p99:.2} ms (target < 3 ms: {})",
        verdict(bot_p99 < 3.0)
    );
    println!(
        "chatops peak RSS: {bot_rss:.1} MiB (target < 30 MB: {})",
        verdict(bot_rss * 1.048_576 < 30.0)
    );
    println!("chatops log lines per command (stdout, default logging): {log_lines_per_command:.2}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--peer") {
        return serve_peer(&args[2], args[3].parse().expect("port"));
    }
    let secs = Duration::from_secs(env_num("BENCH_SECS", 12).clamp(1, 120));
    let rounds = env_num("BENCH_ROUNDS", 3).clamp(1, 20) as u32;
    let connections = env_num("BENCH_CONNECTIONS", 16).clamp(1, 512) as usize;
    let bin = std::env::var("CHATOPS_BIN").unwrap_or_else(|_| "target/release/chatops".into());
    // The bot runs in a temporary directory: a relative path would be looked up from there.
    let bin = std::fs::canonicalize(&bin)
        .unwrap_or_else(|e| panic!("CHATOPS_BIN {bin}: {e}"))
        .to_string_lossy()
        .into_owned();
    let bolt = std::env::var("BOLT_PEER").ok().filter(|p| !p.is_empty());
    let dir = std::env::temp_dir().join(format!("chatops-ack-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let before = loadavg();
    let lines = Arc::new(AtomicU64::new(0));
    let (mut rows, log_per_command, chatops_memory) = client.block_on(async {
        let servers = start_peers(&bin, &dir, lines.clone(), bolt.as_deref()).await;
        println!(
            "ack_bench: {} cores, {connections} connections, {rounds} rounds of {:.1} s per peer, interleaved, after a 2 s warm-up each; load average before: {before}",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            secs.as_secs_f64() / f64::from(rounds)
        );
        run_rounds(&servers, &lines, connections, secs, rounds).await
    });
    print_table(&mut rows, connections);
    println!("load average before: {before}; after: {}\n", loadavg());
    print_targets(&mut rows, log_per_command);
    println!("chatops resident memory at the end of its run: {chatops_memory}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every peer started, ready, and (the signed ones) refusing a forged signature. The bot
/// comes first: the others answer with the body it answers.
async fn start_peers(
    bin: &str,
    dir: &std::path::Path,
    lines: Arc<AtomicU64>,
    bolt: Option<&str>,
) -> Vec<Server> {
    let mut bot = spawn_bot(bin, dir, lines);
    let ack = ready(&mut bot).await;
    let ack = std::str::from_utf8(&ack).expect("utf-8 ack").to_string();
    assert!(
        ack.contains("/incident"),
        "expected the usage help, got {ack}"
    );
    assert!(
        refuses_forgery(bot.addr).await,
        "chatops must refuse a forged signature"
    );
    let mut servers = Vec::new();
    for (name, kind) in [
        ("bare axum handler", "bare"),
        ("axum with signature check", "signed"),
    ] {
        let mut peer = spawn_peer(name, kind, &ack);
        ready(&mut peer).await;
        if kind == "signed" {
            assert!(
                refuses_forgery(peer.addr).await,
                "{name} must refuse a forged signature"
            );
        }
        servers.push(peer);
    }
    servers.push(bot);
    match bolt {
        Some(app) => {
            let mut b = spawn_bolt(app, &ack);
            ready(&mut b).await;
            assert!(
                refuses_forgery(b.addr).await,
                "Bolt must refuse a forged signature"
            );
            servers.push(b);
        }
        None => {
            println!("Bolt for JavaScript: skipped (BOLT_PEER unset; scripts/bench.sh sets it)")
        }
    }
    servers
}

/// A warm-up per peer, then `rounds` rounds in which every peer gets `secs / rounds` in turn
/// (the order turning each round), so a machine that speeds up or slows down during the run
/// weighs on every peer alike. Returns the rows, the bot's log lines per command and what its
/// memory is made of.
async fn run_rounds(
    servers: &[Server],
    lines: &AtomicU64,
    connections: usize,
    secs: Duration,
    rounds: u32,
) -> (Vec<Row>, f64, String) {
    let mut rows: Vec<Row> = servers
        .iter()
        .map(|s| Row {
            name: s.name,
            out: Outcome::default(),
            rss: f64::NAN,
            answered: 0,
        })
        .collect();
    let bot_lines_before = lines.load(Ordering::Relaxed);
    // `rows[k]` is `servers[k]`'s.
    for (row, s) in rows.iter_mut().zip(servers) {
        let warm = closed_loop(s.addr, connections, Duration::from_secs(2)).await;
        row.answered += warm.latencies.len() as u64;
    }
    let turn = secs / rounds;
    for round in 0..rounds as usize {
        for i in 0..servers.len() {
            let k = (i + round) % servers.len();
            let out = closed_loop(servers[k].addr, connections, turn).await;
            let row = &mut rows[k];
            row.answered += out.latencies.len() as u64;
            row.out.latencies.extend(out.latencies);
            row.out.non_2xx += out.non_2xx;
            row.out.errors += out.errors;
            row.out.elapsed += out.elapsed;
        }
    }
    // The pipe reader may trail the last answers by a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let bot = servers.iter().position(|s| s.name == "chatops").unwrap();
    let per_command =
        (lines.load(Ordering::Relaxed) - bot_lines_before) as f64 / rows[bot].answered as f64;
    let memory = servers[bot].rss_parts();
    for (row, s) in rows.iter_mut().zip(servers) {
        row.rss = s.peak_rss_mib();
    }
    (rows, per_command, memory)
}
