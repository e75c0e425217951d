//! The status page under a crowd (`scripts/statuspage_bench.sh` builds and runs it): the
//! release binary (`CHATOPS_BIN`) with the example components and one public incident
//! (declared through a signed slash command against an in-process fake Slack, then published),
//! while `BENCH_CONNECTIONS` (default 64) keep-alive connections GET the page in a closed loop
//! (`/status` 4 times in 5, `/status/api/v2/summary.json` once) for `BENCH_SECS` (default 15).
//! Meanwhile one connection on its own thread sends a signed `/incident help` every 10 ms:
//! the Slack ack latency while the page takes the load, against the same probe with no load.
//!
//! Printed: page req/s, errors, the ack probe's p50/p99/max with and without the crowd, the
//! server's memory (VmRSS before/after, VmHWM) and how many times the page was rendered
//! (from `/metrics`-free evidence: the ETag stays the same through the run).

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use testkit::ack_client::{free_port, presign, Conn};
use testkit::app::SECRET;
use testkit::FakeSlack;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// One GET over a kept-alive connection; returns the status and the ETag.
async fn get(
    r: &mut BufReader<TcpStream>,
    req: &[u8],
    line: &mut String,
    body: &mut Vec<u8>,
) -> Option<(u16, String)> {
    r.get_mut().write_all(req).await.ok()?;
    line.clear();
    r.read_line(line).await.ok()?;
    let status: u16 = line.split_whitespace().nth(1)?.parse().ok()?;
    let (mut len, mut etag) = (0usize, String::new());
    loop {
        line.clear();
        if r.read_line(line).await.ok()? == 0 {
            return None;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().ok()?;
        } else if lower.starts_with("etag:") {
            etag = l[5..].trim().to_string();
        }
    }
    body.resize(len, 0);
    r.read_exact(body).await.ok()?;
    Some((status, etag))
}

async fn crowd(addr: SocketAddr, base: &str, conns: u64, secs: u64) -> (u64, u64, Vec<String>) {
    let done = Arc::new(AtomicBool::new(false));
    let (ok, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut tasks = Vec::new();
    for c in 0..conns {
        let (done, ok, errors) = (done.clone(), ok.clone(), errors.clone());
        let root = if base.is_empty() { "/" } else { base };
        let page = format!("GET {root} HTTP/1.1\r\nHost: {addr}\r\nAccept-Language: en\r\n\r\n");
        let json = format!("GET {base}/api/v2/summary.json HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        tasks.push(tokio::spawn(async move {
            let mut etags = Vec::new();
            let stream = TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).unwrap();
            let mut r = BufReader::with_capacity(64 * 1024, stream);
            let (mut line, mut body) = (String::new(), Vec::with_capacity(64 * 1024));
            let mut n = c;
            while !done.load(Ordering::Relaxed) {
                n += 1;
                let req = if n % 5 == 0 {
                    json.as_bytes()
                } else {
                    page.as_bytes()
                };
                match get(&mut r, req, &mut line, &mut body).await {
                    Some((200, etag)) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                        if n % 5 != 0 && !etags.contains(&etag) {
                            etags.push(etag);
                        }
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        return etags;
                    }
                }
            }
            etags
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    done.store(true, Ordering::Relaxed);
    let mut etags = Vec::new();
    for t in tasks {
        for e in t.await.unwrap_or_default() {
            if !etags.contains(&e) {
                etags.push(e);
            }
        }
    }
    (
        ok.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
        etags,
    )
}

/// Signed `/incident help` every 10 ms for `secs`, on its own thread and runtime: latencies (µs).
fn ack_probe(addr: SocketAddr, secs: u64) -> std::thread::JoinHandle<Vec<u64>> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let signed = presign(1024, "help");
            let mut conn = Conn::open(addr).await.expect("ack connection");
            let mut lat = Vec::new();
            let end = Instant::now() + Duration::from_secs(secs);
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            let mut i = 0;
            while Instant::now() < end {
                tick.tick().await;
                let t = Instant::now();
                let (status, _) = conn.send(&signed[i % signed.len()]).await.expect("ack");
                assert_eq!(status, 200);
                lat.push(t.elapsed().as_micros() as u64);
                i += 1;
            }
            lat
        })
    })
}

fn pct(v: &mut [u64], p: f64) -> f64 {
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i] as f64 / 1000.0
}

async fn seed(addr: SocketAddr, db: &str) {
    let declare = presign(
        1,
        "declare P1 --affects julia-api:partial,julia-whatsapp:major db failover",
    );
    let mut conn = Conn::open(addr).await.expect("connect");
    let (status, body) = conn.send(&declare[0]).await.expect("declare");
    assert_eq!(status, 200, "{body:?}");
    // Let the declaration's job create the incident row (the release binary runs the workers).
    tokio::time::sleep(Duration::from_secs(2)).await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db)
        .await
        .expect("the bench's SQLite");
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::query(
        "INSERT INTO public_incidents (incident_id, public_title, first_published_at, next_update_at) VALUES (1, 'Slow WhatsApp replies', $1, $2)",
    )
    .bind(now)
    .bind(now + 1_800_000)
    .execute(&pool)
    .await
    .expect("public incident");
    for (status, body) in [
        (
            "investigating",
            "We are investigating slow WhatsApp replies.",
        ),
        (
            "identified",
            "A database failover slowed the API; it is recovering.",
        ),
    ] {
        sqlx::query("INSERT INTO public_updates (incident_id, status, body, created_at, author) VALUES (1, $1, $2, $3, 'UBENCH')")
            .bind(status)
            .bind(body)
            .bind(now)
            .execute(&pool)
            .await
            .expect("public update");
    }
    sqlx::query("UPDATE statuspage_version SET version = version + 1 WHERE id = 1")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

/// The release binary, started as `scripts/run.sh` starts it, plus the components and
/// `STATUSPAGE_PORT`.
fn start_bot(
    slack: &FakeSlack,
    dir: &testkit::TempDir,
    db: &str,
    port: u16,
    own_port: u16,
) -> std::process::Child {
    let bin = std::env::var("CHATOPS_BIN").unwrap_or_else(|_| "target/release/chatops".into());
    // The bot runs in a temporary folder: the path must not depend on ours.
    let bin = std::fs::canonicalize(&bin).unwrap_or_else(|e| panic!("{bin}: {e}"));
    let bin = bin.display().to_string();
    let components = concat!(env!("CARGO_MANIFEST_DIR"), "/../components.example.yml");
    Command::new(&bin)
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SLACK_BOT_TOKEN", "xoxb-bench-token")
        .env("SLACK_API_URL", &slack.base_url)
        .env("INCIDENTS_CHANNEL", "CINCIDENTS")
        .env("DATABASE_URL", db)
        .env("PORT", port.to_string())
        .env("BIND_ADDR", "127.0.0.1")
        .env("COMPONENTS_FILE", components)
        .env("STATUSPAGE_NAME", "Julia status")
        .env("STATUSPAGE_PORT", own_port.to_string())
        .env("STATS_DIGEST", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e} (scripts/statuspage_bench.sh builds it)"))
}

/// The crowd's threads run in the idle class (`BENCH_CROWD_NICE=idle`, the default: like the
/// page's own thread), or at the nice value it gives: on this one machine the load
/// generator stands for visitors whose CPU is elsewhere; at 0 it takes the bot's cores as no
/// real crowd could. The ack probe's thread and the bot keep nice 0.
fn main() {
    let setting = std::env::var("BENCH_CROWD_NICE").unwrap_or_else(|_| "idle".into());
    let nice: i32 = setting.parse().unwrap_or(19);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            // SAFETY: a system call on this thread's own id.
            unsafe {
                let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
                libc::setpriority(libc::PRIO_PROCESS, tid, nice);
            }
        })
        .build()
        .expect("runtime");
    println!("The crowd's threads: {setting} (BENCH_CROWD_NICE).\n");
    rt.block_on(bench());
}

/// The crowd from `wrk` (Debian's package) when it is installed and `BENCH_WRK` is not 0: two
/// threads at `BENCH_CROWD_NICE`, the page only. Returns (requests/s, non-2xx and errors).
async fn wrk(addr: SocketAddr, base: &str, conns: u64, secs: u64) -> Option<(f64, u64)> {
    if std::env::var("BENCH_WRK").as_deref() == Ok("0") {
        return None;
    }
    // In the idle class like the page's own thread (`chrt -i 0`) unless BENCH_CROWD_NICE says a
    // nice value.
    let nice = std::env::var("BENCH_CROWD_NICE").unwrap_or_else(|_| "idle".into());
    let root = if base.is_empty() { "/" } else { base };
    let mut cmd = tokio::process::Command::new(if nice == "idle" { "chrt" } else { "nice" });
    cmd.args(if nice == "idle" {
        ["-i", "0"]
    } else {
        ["-n", nice.as_str()]
    });
    let out = cmd
        .args(["wrk", "-t2", &format!("-c{conns}"), &format!("-d{secs}s")])
        .args(["-H", "Accept-Language: en", &format!("http://{addr}{root}")])
        .output()
        .await
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let rate = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))?
        .trim()
        .parse()
        .ok()?;
    let bad = |key: &str| -> u64 {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .and_then(|v| {
                v.trim()
                    .split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or(0)
    };
    Some((rate, bad("Non-2xx or 3xx responses:")))
}

async fn bench() {
    let secs = env_num("BENCH_SECS", 15);
    let conns = env_num("BENCH_CONNECTIONS", 64);
    let slack = FakeSlack::start().await;
    let dir = testkit::TempDir::new("chatops-statuspage-bench");
    let db = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    let (port, own_port) = (free_port(), free_port());
    let mut child = start_bot(&slack, &dir, &db, port, own_port);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let http = reqwest::Client::new();
    let up = Instant::now();
    while http
        .get(format!("http://{addr}/health"))
        .send()
        .await
        .is_err()
    {
        assert!(
            up.elapsed() < Duration::from_secs(30),
            "the bot did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seed(addr, &db).await;
    let page = http
        .get(format!("http://{addr}/status"))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Slow WhatsApp replies"),
        "the incident is on the page"
    );
    let pid = child.id();

    // The ack probe alone, then with the crowd on the bot's port (`/status`), then with the
    // crowd on the page's own port (`STATUSPAGE_PORT`).
    let mut quiet = ack_probe(addr, 5).join().unwrap();
    let rss_before = status_kib(pid, "VmRSS:");
    let own: SocketAddr = format!("127.0.0.1:{own_port}").parse().unwrap();
    let mut runs = Vec::new();
    for (what, target, base) in [
        (
            "on the bot's port (STATUSPAGE_PATH=/status)",
            addr,
            "/status",
        ),
        ("on its own port (STATUSPAGE_PORT)", own, ""),
    ] {
        let probe = ack_probe(addr, secs);
        let t = Instant::now();
        let (rate, errors, etags) = match wrk(target, base, conns, secs).await {
            Some((rate, errors)) => (rate, errors, Vec::new()),
            None => {
                let (ok, errors, etags) = crowd(target, base, conns, secs).await;
                (ok as f64 / t.elapsed().as_secs_f64(), errors, etags)
            }
        };
        let lat = probe.join().unwrap();
        runs.push((what, rate, errors, etags.len(), lat));
    }
    let (rss_after, hwm) = (status_kib(pid, "VmRSS:"), status_kib(pid, "VmHWM:"));
    let _ = child.kill();
    let _ = child.wait();
    report(conns, secs, &mut quiet, runs, (rss_before, rss_after, hwm));
}

fn which_wrk() -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("wrk").is_file()))
        .unwrap_or(false)
}

type Run = (&'static str, f64, u64, usize, Vec<u64>);

fn report(conns: u64, secs: u64, quiet: &mut [u64], runs: Vec<Run>, mem: (u64, u64, u64)) {
    let (rss_before, rss_after, hwm) = mem;
    let gen = if std::env::var("BENCH_WRK").as_deref() != Ok("0") && which_wrk() {
        "wrk -t2, the page only (distinct ETags: not counted)"
    } else {
        "the built-in generator, the page 4 requests in 5, summary.json 1 in 5"
    };
    println!("{conns} connections, {secs} s per run, {gen}.\n");
    println!("| The page served | requests/s | failed | distinct ETags | Slack ack p50 / p99 / max (ms) |");
    println!("|---|---|---|---|---|");
    println!(
        "| (no crowd: the ack probe alone, {} acks) | | | | {:.2} / {:.2} / {:.2} |",
        quiet.len(),
        pct(quiet, 0.5),
        pct(quiet, 0.99),
        pct(quiet, 1.0)
    );
    for (what, rate, errors, etags, mut lat) in runs {
        println!(
            "| {what} | {rate:.0} | {errors} | {etags} | {:.2} / {:.2} / {:.2} ({} acks) |",
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99),
            pct(&mut lat, 1.0),
            lat.len()
        );
    }
    println!(
        "\nServer memory: VmRSS {:.1} MiB before the crowds, {:.1} MiB after; peak (VmHWM) {:.1} MiB.",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
}
