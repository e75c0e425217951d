//! Load and idle figures of the real release binary (`chatops serve` as a child process, so CPU
//! and memory are the bot's own, read from /proc/<pid>), on SQLite and then on PostgreSQL.
//!
//!   scripts/load.sh        (builds the release binary and this example, then runs it)
//!
//! Per store: start-up time to `/health/ready` 200 on a fresh database (migrations applied),
//! RSS after start; then `LOAD_SECS` (default 60) s of signed requests at `LOAD_RATE` (default
//! 1000)/s open loop — slash commands (`/incident help`, `/incident list`, `/julia help`) and
//! Events API callbacks (`reaction_added`, unique event ids) — printing total, non-2xx, p50/p99/
//! max ack latency, bot CPU %, RSS after 10 s and at the end, peak RSS (VmHWM). Then the idle
//! part: `LOAD_INCIDENTS` (default 1000) open incidents whose reminders come due every second
//! for `LOAD_REMINDER_SECS` (default 60) s (cadence `1s` = an hour of 10-minute reminders for
//! 60 incidents per minute…), RSS after.
//! Needs: `CHATOPS_BIN` (the release binary), PostgreSQL at `TEST_DATABASE_URL` (default
//! 127.0.0.1:5432) for the second run.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use testkit::app::{now_secs, SECRET};
use testkit::{FakeSlack, TestDb};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Proc {
    pid: u32,
}

impl Proc {
    fn status(&self, key: &str) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        s.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
    /// Resident memory, MiB.
    fn rss(&self) -> f64 {
        self.status("VmRSS:") as f64 / 1024.0
    }
    fn hwm(&self) -> f64 {
        self.status("VmHWM:") as f64 / 1024.0
    }
    /// utime + stime in seconds.
    fn cpu(&self) -> f64 {
        let s = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        let after = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        let t = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        // Fields after the command: state is index 0, utime 11, stime 12 (clock ticks, 100/s).
        (t(11) + t(12)) / 100.0
    }
}

fn spawn_bot(bin: &str, db: &str, slack: &FakeSlack, port: u16, extra: &[(&str, &str)]) -> Child {
    let mut c = Command::new(bin);
    c.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SLACK_BOT_TOKEN", "xoxb-load-token")
        .env("SLACK_API_URL", &slack.base_url)
        .env("BIND_ADDR", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", db)
        .env("INCIDENTS_CHANNEL", "CINCIDENTS")
        .env("RATE_LIMIT_PER_MINUTE", "0")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in extra {
        c.env(k, v);
    }
    c.spawn().expect("CHATOPS_BIN runs")
}

async fn wait_ready(http: &reqwest::Client, base: &str) -> Duration {
    let t = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/health/ready")).send().await {
            if r.status() == 200 {
                return t.elapsed();
            }
        }
        assert!(t.elapsed() < Duration::from_secs(60), "bot not ready");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[derive(Clone)]
struct Req {
    path: &'static str,
    ctype: &'static str,
    body: Bytes,
}

fn command(i: u64, text: &str, cmd: &str) -> Req {
    let body = serde_urlencoded::to_string([
        ("token", "legacy"),
        ("team_id", "T1"),
        ("channel_id", "C1LOAD"),
        ("channel_name", "load"),
        ("user_id", &format!("U{:06}", i % 50)),
        ("user_name", "load"),
        ("command", cmd),
        ("text", text),
        ("response_url", "http://127.0.0.1:9/unused"),
        ("trigger_id", &format!("trig.{i}")),
    ])
    .unwrap();
    Req {
        path: "/slack/commands",
        ctype: "application/x-www-form-urlencoded",
        body: body.into(),
    }
}

/// Request `i` of the mix: 1/4 each `/incident help`, `/incident list`, `/julia help`, an event.
fn request(i: u64, run: &str) -> Req {
    match i % 4 {
        0 => command(i, "help", "/incident"),
        1 => command(i, "list", "/incident"),
        2 => command(i, "help", "/julia"),
        _ => {
            let ev = serde_json::json!({"type": "event_callback", "team_id": "T1", "event_id": format!("Ev{run}{i}"), "event_time": 1,
                "event": {"type": "reaction_added", "user": "U1", "reaction": "thumbsup", "item": {"type": "message", "channel": "C1LOAD", "ts": "1.2"}, "event_ts": "1.3"}});
            Req {
                path: "/slack/events",
                ctype: "application/json",
                body: ev.to_string().into(),
            }
        }
    }
}

fn pct(v: &mut [u64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i] as f64 / 1000.0
}

async fn load(http: &reqwest::Client, base: &str, bot: &Proc, run: &str, rate: u64, secs: u64) {
    let n = rate * secs;
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Result<(u16, u64), ()>>();
    let cpu0 = bot.cpu();
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (mut sent, mut rss10) = (0u64, None);
    let mut ts = now_secs();
    while sent < n {
        tick.tick().await;
        let now = Instant::now();
        if rss10.is_none() && now - start >= Duration::from_secs(10) {
            rss10 = Some(bot.rss());
        }
        if sent % 1000 == 0 {
            ts = now_secs();
        }
        while sent < n && start + period * sent as u32 <= now {
            let r = request(sent, run);
            let tss = ts.to_string();
            let sig = chatops_core::signature::sign(SECRET, &tss, &r.body);
            let (http, url, tx) = (http.clone(), format!("{base}{}", r.path), tx.clone());
            tokio::spawn(async move {
                let t = Instant::now();
                let res = http
                    .post(url)
                    .header("content-type", r.ctype)
                    .header("x-slack-request-timestamp", tss)
                    .header("x-slack-signature", sig)
                    .body(r.body)
                    .send()
                    .await;
                let out = match res {
                    Ok(resp) => {
                        let s = resp.status().as_u16();
                        let _ = resp.bytes().await;
                        Ok((s, t.elapsed().as_micros() as u64))
                    }
                    Err(_) => Err(()),
                };
                let _ = tx.send(out);
            });
            sent += 1;
        }
    }
    drop(tx);
    let (mut lat, mut non2xx, mut errors) = (Vec::with_capacity(n as usize), 0u64, 0u64);
    while let Some(r) = rx.recv().await {
        match r {
            Ok((s, us)) => {
                if !(200..300).contains(&s) {
                    non2xx += 1;
                }
                lat.push(us);
            }
            Err(()) => errors += 1,
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = (bot.cpu() - cpu0) / elapsed * 100.0;
    let (rss10, end) = (rss10.unwrap_or(f64::NAN), bot.rss());
    println!(
        "  load {secs} s at {rate}/s: {} requests ({:.0}/s), non-2xx {non2xx}, transport errors {errors}",
        lat.len() as u64 + errors,
        lat.len() as f64 / elapsed
    );
    println!(
        "  ack latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99),
        pct(&mut lat, 1.0)
    );
    println!(
        "  bot CPU {cpu:.0}% of one core; RSS after 10 s {rss10:.1} MiB, at end {end:.1} MiB (end/10 s = {:.3}), peak (VmHWM) {:.1} MiB",
        end / rss10,
        bot.hwm()
    );
}

async fn run_store(bin: &str, name: &str, db: &str, rate: u64, secs: u64) {
    let slack = FakeSlack::start().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(2048)
        .build()
        .unwrap();
    println!("== {name}");
    let mut child = spawn_bot(bin, db, &slack, port, &[]);
    let bot = Proc { pid: child.id() };
    let up = wait_ready(&http, &base).await;
    println!(
        "  start-up to /health/ready 200 on a fresh database (migrations applied): {:.0} ms",
        up.as_secs_f64() * 1000.0
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("  idle RSS after start: {:.1} MiB", bot.rss());
    load(&http, &base, &bot, name, rate, secs).await;
    let _ = child.kill();
    let _ = child.wait();
}

/// Idle: open incidents whose reminders come due every second.
async fn reminders(bin: &str, db: &str, incidents: u64, secs: u64) {
    use sqlx::Connection;
    let slack = FakeSlack::start().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    // Migrate and declare incidents through the bot (P1, 1 s cadence), then restart it clean.
    let extra = [
        ("INCIDENT_CADENCE_P1", "1s"),
        ("WAR_ROOM_SEVERITIES", "P0"),
        ("OUTBOX_CHANNEL_INTERVAL", "1ms"),
        ("REMINDER_POLL_INTERVAL", "1s"),
    ];
    let mut child = spawn_bot(bin, db, &slack, port, &extra);
    wait_ready(&http, &base).await;
    let tss = now_secs().to_string();
    for i in 0..incidents {
        let r = command(
            i,
            &format!("declare P1 load incident number {i}"),
            "/incident",
        );
        let sig = chatops_core::signature::sign(SECRET, &tss, &r.body);
        let resp = http
            .post(format!("{base}/slack/commands"))
            .header("content-type", r.ctype)
            .header("x-slack-request-timestamp", &tss)
            .header("x-slack-signature", sig)
            .body(r.body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut child = spawn_bot(bin, db, &slack, port, &extra);
    let bot = Proc { pid: child.id() };
    wait_ready(&http, &base).await;
    let before = slack.calls_to("chat.postMessage").len();
    let rss0 = bot.rss();
    let cpu0 = bot.cpu();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let posted = slack.calls_to("chat.postMessage").len() - before;
    let mut conn = sqlx::AnyConnection::connect(db).await.ok();
    let n = match conn.as_mut() {
        Some(c) => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM incidents")
            .fetch_one(c)
            .await
            .unwrap_or(-1),
        None => -1,
    };
    println!(
        "  {n} open P1 incidents, cadence 1 s, {secs} s: {posted} reminder/escalation posts; RSS {rss0:.1} -> {:.1} MiB, peak {:.1} MiB, CPU {:.0}%",
        bot.rss(),
        bot.hwm(),
        (bot.cpu() - cpu0) / secs as f64 * 100.0
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    let bin = std::env::var("CHATOPS_BIN").expect("CHATOPS_BIN: the release chatops binary");
    let rate = env_num("LOAD_RATE", 1000);
    let secs = env_num("LOAD_SECS", 60);
    let incidents = env_num("LOAD_INCIDENTS", 1000);
    let rsecs = env_num("LOAD_REMINDER_SECS", 60);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        println!(
            "load: {} cores, {rate} req/s for {secs} s per store; release binary {bin}",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0)
        );
        let sqlite = TestDb::sqlite().await;
        run_store(&bin, "sqlite", &sqlite.url, rate, secs).await;
        let pg = TestDb::postgres().await;
        run_store(&bin, "postgres", &pg.url, rate, secs).await;
        if rsecs > 0 {
            println!("== idle: reminders (sqlite)");
            let db = TestDb::sqlite().await;
            reminders(&bin, &db.url, incidents, rsecs).await;
        }
    });
    let _ = Arc::new(());
}
