//! Reminder precision under load: N open incidents, D of them due evenly over 20 s, each firing
//! once (cadence 1 h). Five runs per store, each on a fresh database; every run prints fired
//! lateness (the reminder's timeline time minus its due time) and posted lateness (the time the
//! fake Slack received the `chat.postMessage` minus the due time): p50, p99, max, missing and
//! doubled reminders, the bot's CPU and memory. The summary prints the median and the worst p99
//! of the runs, for fired and for posted lateness.
//!
//! The fake Slack runs in a child process (this same binary with `--fake-slack`), so its CPU is
//! not the bot's; its CPU time is reported on its own. The bot (the real application, all its
//! workers) runs in this process; the driver only seeds the store and polls the fake Slack.
//!
//!   cargo run --release -p chatops-tests --example reminder_bench                # 10,000 incidents, SQLite and PostgreSQL, 5 runs each
//!   cargo run --release -p chatops-tests --example reminder_bench -- --scale     # 100,000 open incidents on PostgreSQL (10,000 due)
//!   options: --store sqlite|postgres|both  --runs R  --incidents N  --due D  --spread-secs S
//!
//! PostgreSQL: `TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/postgres); each run
//! creates its own database and drops it afterwards.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sqlx::{Connection, Row};
use testkit::app::SECRET;
use testkit::db::admin_url;
use testkit::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// User + system CPU seconds of a process (`self` or a pid).
fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = 100.0;
    let u: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let s: f64 = f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    (u + s) / tick
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn pct(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The child process: a fake Slack on loopback. Prints `URL <base>`; then answers `count`
/// (chat.postMessage calls so far) and `report` (one `<channel> <epoch ms>` line per call, then
/// `end`) on stdin, and exits at end of input.
async fn fake_slack_child() {
    let slack = FakeSlack::start().await;
    let (base_sys, base_inst) = (epoch_ms(), Instant::now());
    println!("URL {}", slack.base_url);
    std::io::stdout().flush().unwrap();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(cmd)) = lines.next_line().await {
        let posts = slack.calls_to("chat.postMessage");
        let mut out = String::new();
        match cmd.trim() {
            "count" => out.push_str(&format!("{}\n", posts.len())),
            "report" => {
                for c in &posts {
                    let at = if c.at >= base_inst {
                        base_sys + (c.at - base_inst).as_millis() as i64
                    } else {
                        base_sys - (base_inst - c.at).as_millis() as i64
                    };
                    out.push_str(&format!(
                        "{} {at}\n",
                        c.body["channel"].as_str().unwrap_or("?")
                    ));
                }
                out.push_str("end\n");
            }
            _ => out.push_str("?\n"),
        }
        let mut stdout = tokio::io::stdout();
        stdout.write_all(out.as_bytes()).await.unwrap();
        stdout.flush().await.unwrap();
    }
}

struct SlackProcess {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    base_url: String,
}

impl SlackProcess {
    fn start() -> SlackProcess {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--fake-slack")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("fake Slack process starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base_url = line
            .trim()
            .strip_prefix("URL ")
            .expect("fake Slack prints its URL")
            .to_string();
        SlackProcess {
            child,
            stdin,
            stdout,
            base_url,
        }
    }
    fn ask(&mut self, cmd: &str) -> Vec<String> {
        writeln!(self.stdin, "{cmd}").unwrap();
        self.stdin.flush().unwrap();
        let mut out = Vec::new();
        loop {
            let mut line = String::new();
            if self.stdout.read_line(&mut line).unwrap() == 0 {
                break;
            }
            let line = line.trim().to_string();
            if cmd != "report" {
                out.push(line);
                break;
            }
            if line == "end" {
                break;
            }
            out.push(line);
        }
        out
    }
    fn count(&mut self) -> i64 {
        self.ask("count")
            .first()
            .and_then(|l| l.parse().ok())
            .unwrap_or(0)
    }
    fn cpu(&self) -> f64 {
        cpu_secs(&self.child.id().to_string())
    }
    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Copy)]
struct Params {
    incidents: i64,
    due: i64,
    spread_ms: i64,
}

struct RunResult {
    fired_p50: i64,
    fired_p99: i64,
    fired_max: i64,
    posted_p50: i64,
    posted_p99: i64,
    posted_max: i64,
    missing: usize,
    doubled: usize,
    bot_cpu: f64,
    slack_cpu: f64,
    busy_secs: f64,
    rss_idle: f64,
    rss_peak: f64,
}

/// Creates `p.incidents` open P1 incidents, each with its own war room `CB<id>`: the first
/// `p.due` due evenly from `start_due` over the spread, the others an hour later.
async fn seed(pool: &sqlx::AnyPool, postgres: bool, p: Params, now: i64, start_due: i64) {
    let series = if postgres {
        "SELECT i FROM generate_series(1, $5::bigint) AS s(i)".to_string()
    } else {
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $5) SELECT i FROM s"
            .to_string()
    };
    let sql = format!(
        "INSERT INTO incidents (id, title, severity, status, commander, declared_by, is_private, channel_id, started_at, last_update_at, next_reminder_at)
         SELECT i, 'bench', 'P1', 'investigating', 'UIC', 'UIC', 0, 'CB' || i, $1, $1,
                CASE WHEN i <= $2 THEN $3 + (i * $4) / $2 ELSE $1 + 3600000 END
         FROM ({series}) AS t"
    );
    sqlx::query(&sql)
        .bind(now)
        .bind(p.due)
        .bind(start_due)
        .bind(p.spread_ms)
        .bind(p.incidents)
        .execute(pool)
        .await
        .expect("seeding incidents");
    if postgres {
        sqlx::query("ANALYZE incidents")
            .execute(pool)
            .await
            .unwrap();
    }
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM incidents")
        .fetch_one(pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, p.incidents, "seeded incidents");
}

async fn drop_database(db: &TestDb) {
    if !db.postgres {
        if let Some(dir) = db
            .url
            .strip_prefix("sqlite://")
            .and_then(|f| std::path::Path::new(f).parent())
        {
            let _ = std::fs::remove_dir_all(dir);
        }
        return;
    }
    let name = db.url.rsplit('/').next().unwrap_or_default().to_string();
    if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url()).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut c)
            .await;
    }
}

/// The bot at default settings; only the cadence (each reminder fires once in the window)
/// and no incidents channel (every reminder goes to its own war room).
async fn start_bot(
    db: &TestDb,
    slack: &SlackProcess,
) -> (
    std::sync::Arc<chatops_core::Ctx>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let pairs: Vec<(&str, &str)> = vec![
        ("SLACK_SIGNING_SECRET", SECRET),
        ("SLACK_BOT_TOKEN", "xoxb-bench-token"),
        ("SLACK_API_URL", &slack.base_url),
        ("BIND_ADDR", "127.0.0.1"),
        ("PORT", "0"),
        ("DATABASE_URL", &db.url),
        ("INCIDENTS_CHANNEL", ""),
        ("INCIDENT_CADENCE_P1", "1h"),
    ];
    let config = bot::Settings::from_pairs(&pairs).expect("bench config");
    let app = bot::Application::build(config, chatops_core::Clock::system())
        .await
        .expect("app builds");
    let ctx = app.ctx();
    (ctx, tokio::spawn(app.run_until_stopped()))
}

/// How late (ms) each reminder was written to the timeline and posted to Slack, sorted, and
/// how many are missing or doubled.
struct Lateness {
    fired: Vec<i64>,
    posted: Vec<i64>,
    missing: usize,
    doubled: usize,
}

async fn lateness(
    pool: &sqlx::AnyPool,
    slack: &mut SlackProcess,
    p: Params,
    start_due: i64,
) -> Lateness {
    let due = |id: i64| start_due + (id * p.spread_ms) / p.due;
    let rows = sqlx::query("SELECT incident_id, at FROM timeline WHERE kind = 'reminder'")
        .fetch_all(pool)
        .await
        .unwrap();
    let mut fired = Vec::new();
    let mut per: HashMap<i64, u32> = HashMap::new();
    for r in &rows {
        let id: i64 = r.get(0);
        let at: i64 = r.get(1);
        *per.entry(id).or_default() += 1;
        fired.push(at - due(id));
    }
    let mut posted = Vec::new();
    let mut posts_per: HashMap<i64, u32> = HashMap::new();
    for line in slack.ask("report") {
        let Some((ch, at)) = line.split_once(' ') else {
            continue;
        };
        let id: i64 = ch.trim_start_matches("CB").parse().unwrap();
        *posts_per.entry(id).or_default() += 1;
        posted.push(at.parse::<i64>().unwrap() - due(id));
    }
    fired.sort();
    posted.sort();
    let missing = (1..=p.due)
        .filter(|i| !per.contains_key(i) || !posts_per.contains_key(i))
        .count();
    let doubled = per
        .values()
        .chain(posts_per.values())
        .filter(|c| **c > 1)
        .count();
    Lateness {
        fired,
        posted,
        missing,
        doubled,
    }
}

async fn run(db: TestDb, p: Params) -> RunResult {
    let mut slack = SlackProcess::start();
    // The bot at default settings; only the cadence (each reminder fires once in the window)
    // and no incidents channel (every reminder goes to its own war room).
    let (ctx, task) = start_bot(&db, &slack).await;
    let pool = ctx.store.pool.clone();
    let rss_idle = rss_mib();

    let now = epoch_ms();
    let lead = if p.incidents > 20_000 { 8_000 } else { 4_000 };
    let start_due = now + lead;
    seed(&pool, db.postgres, p, now, start_due).await;
    ctx.reminder_wake.notify_one();

    tokio::time::sleep(Duration::from_millis(
        (start_due - epoch_ms() - 200).max(0) as u64
    ))
    .await;
    let (cpu0, slack_cpu0, t0) = (cpu_secs("self"), slack.cpu(), Instant::now());
    let mut rss_peak = rss_mib();
    let deadline = Instant::now() + Duration::from_millis(p.spread_ms as u64 + 60_000);
    loop {
        rss_peak = rss_peak.max(rss_mib());
        if slack.count() >= p.due || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A little longer, so that a doubled post would be seen.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let busy_secs = t0.elapsed().as_secs_f64();
    let bot_cpu = cpu_secs("self") - cpu0;
    let slack_cpu = slack.cpu() - slack_cpu0;
    rss_peak = rss_peak.max(rss_mib());

    let Lateness {
        fired,
        posted,
        missing,
        doubled,
    } = lateness(&pool, &mut slack, p, start_due).await;
    task.abort();
    let _ = task.await;
    pool.close().await;
    drop(ctx);
    slack.stop();
    drop_database(&db).await;
    RunResult {
        fired_p50: pct(&fired, 0.5),
        fired_p99: pct(&fired, 0.99),
        fired_max: fired.last().copied().unwrap_or(0),
        posted_p50: pct(&posted, 0.5),
        posted_p99: pct(&posted, 0.99),
        posted_max: posted.last().copied().unwrap_or(0),
        missing,
        doubled,
        bot_cpu,
        slack_cpu,
        busy_secs,
        rss_idle,
        rss_peak,
    }
}

fn median(mut v: Vec<i64>) -> i64 {
    v.sort();
    v[v.len() / 2]
}

impl RunResult {
    /// One line a parent process parses back: `RESULT` then the fields in order.
    fn to_line(&self) -> String {
        format!(
            "RESULT {} {} {} {} {} {} {} {} {:.2} {:.2} {:.2} {:.1} {:.1}",
            self.fired_p50,
            self.fired_p99,
            self.fired_max,
            self.posted_p50,
            self.posted_p99,
            self.posted_max,
            self.missing,
            self.doubled,
            self.bot_cpu,
            self.slack_cpu,
            self.busy_secs,
            self.rss_idle,
            self.rss_peak
        )
    }
    fn from_line(line: &str) -> Option<RunResult> {
        let f: Vec<&str> = line.strip_prefix("RESULT ")?.split_whitespace().collect();
        let i = |k: usize| f.get(k).and_then(|v| v.parse::<i64>().ok());
        let x = |k: usize| f.get(k).and_then(|v| v.parse::<f64>().ok());
        Some(RunResult {
            fired_p50: i(0)?,
            fired_p99: i(1)?,
            fired_max: i(2)?,
            posted_p50: i(3)?,
            posted_p99: i(4)?,
            posted_max: i(5)?,
            missing: i(6)? as usize,
            doubled: i(7)? as usize,
            bot_cpu: x(8)?,
            slack_cpu: x(9)?,
            busy_secs: x(10)?,
            rss_idle: x(11)?,
            rss_peak: x(12)?,
        })
    }
}

/// Each run is a fresh process (this binary with `--one <store>`), so memory figures are the
/// run's own and nothing a previous run left behind is counted.
fn bench_store(name: &str, p: Params, runs: usize) {
    let mut results = Vec::new();
    for r in 1..=runs {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--one", name])
            .args(["--incidents", &p.incidents.to_string()])
            .args(["--due", &p.due.to_string()])
            .args(["--spread-secs", &(p.spread_ms / 1000).to_string()])
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("a bench run starts");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(x) = stdout.lines().find_map(RunResult::from_line) else {
            eprintln!("{name} run {r} failed ({}): {stdout}", out.status);
            std::process::exit(1);
        };
        println!(
            "{name:<8} run {r} | fired late p50 {:>4} p99 {:>5} max {:>5} ms | posted late p50 {:>4} p99 {:>5} max {:>5} ms | missing {} doubled {} | bot cpu {:.1}s ({:.0}% of {:.1}s) fake slack cpu {:.1}s | bot rss idle {:.1} MiB peak {:.1} MiB",
            x.fired_p50, x.fired_p99, x.fired_max, x.posted_p50, x.posted_p99, x.posted_max,
            x.missing, x.doubled, x.bot_cpu, 100.0 * x.bot_cpu / x.busy_secs, x.busy_secs,
            x.slack_cpu, x.rss_idle, x.rss_peak,
        );
        results.push(x);
    }
    let col = |f: fn(&RunResult) -> i64| results.iter().map(f).collect::<Vec<_>>();
    let fired = col(|x| x.fired_p99);
    let posted = col(|x| x.posted_p99);
    println!(
        "{name:<8} SUMMARY {runs} runs, {} open incidents, {} due over {} s | fired-late p99 median {} ms worst {} ms | posted-late p99 median {} ms worst {} ms | missing {} doubled {} | bot cpu median {:.1}s, fake slack cpu median {:.1}s | bot rss idle median {:.1} MiB, peak max {:.1} MiB",
        p.incidents,
        p.due,
        p.spread_ms / 1000,
        median(fired.clone()),
        fired.iter().max().unwrap(),
        median(posted.clone()),
        posted.iter().max().unwrap(),
        results.iter().map(|x| x.missing).sum::<usize>(),
        results.iter().map(|x| x.doubled).sum::<usize>(),
        median(col(|x| (x.bot_cpu * 10.0) as i64)) as f64 / 10.0,
        median(col(|x| (x.slack_cpu * 10.0) as i64)) as f64 / 10.0,
        median(col(|x| (x.rss_idle * 10.0) as i64)) as f64 / 10.0,
        results.iter().map(|x| x.rss_peak).fold(0.0, f64::max),
    );
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--fake-slack") {
        fake_slack_child().await;
        return;
    }
    let scale = args.iter().any(|a| a == "--scale");
    let num = |name: &str, default: i64| {
        arg(&args, name)
            .map(|v| {
                v.parse::<i64>()
                    .unwrap_or_else(|_| panic!("{name} takes a number"))
            })
            .unwrap_or(default)
    };
    let incidents = num("--incidents", if scale { 100_000 } else { 10_000 });
    let p = Params {
        incidents,
        due: num("--due", incidents.min(10_000)),
        spread_ms: num("--spread-secs", 20) * 1000,
    };
    assert!(
        p.due >= 1 && p.due <= p.incidents,
        "--due must be 1..=incidents"
    );
    if let Some(store) = arg(&args, "--one") {
        let db = if store == "postgres" {
            TestDb::postgres().await
        } else {
            TestDb::sqlite().await
        };
        println!("{}", run(db, p).await.to_line());
        return;
    }
    let runs = num("--runs", 5).max(1) as usize;
    let store =
        arg(&args, "--store").unwrap_or_else(|| (if scale { "postgres" } else { "both" }).into());
    println!(
        "reminder bench: {} open incidents, {} due evenly over {} s, {runs} runs per store, each run a fresh process and database; the fake Slack runs in its own process; {} CPUs, load average {}",
        p.incidents,
        p.due,
        p.spread_ms / 1000,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    );
    if store == "sqlite" || store == "both" {
        bench_store("sqlite", p, runs);
    }
    if store == "postgres" || store == "both" {
        bench_store("postgres", p, runs);
    }
}
