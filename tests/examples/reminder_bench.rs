//! Reminder precision under load: 10,000 open incidents due over ~20 s, on SQLite and on
//! PostgreSQL. Prints lateness (fire time and delivery to Slack minus due time: p50, p99, max),
//! missing and doubled reminders, and the process's CPU time and peak memory.
//!
//!   cargo run --release -p chatops-tests --example reminder_bench [-- N]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sqlx::Row;
use testkit::*;

fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = 100.0;
    let u: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let s: f64 = f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    (u + s) / tick
}

fn mem_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn pct(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(name: &str, db: TestDb, n: i64) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default()
            .env("INCIDENT_CADENCE_P1", "1h")
            .env("INCIDENTS_CHANNEL", "")
            .env("REMINDER_POLL_INTERVAL", "1s")
            .env("OUTBOX_POLL_INTERVAL", "1s")
            .env("OUTBOX_CHANNEL_INTERVAL", "1s"),
    )
    .await;
    let pool = app.ctx.store.pool.clone();
    let now = app.ctx.clock.now_ms();
    let start_due = now + 5_000;
    let spread = 20_000;
    let mut due: HashMap<i64, i64> = HashMap::new();
    let mut tx = app.ctx.store.begin().await.unwrap();
    for i in 1..=n {
        let d = start_due + (i * spread) / n;
        due.insert(i, d);
        sqlx::query(
            "INSERT INTO incidents (id, title, severity, status, commander, declared_by, is_private, channel_id, started_at, last_update_at, next_reminder_at)
             VALUES ($1, 'bench', 'P1', 'investigating', 'UIC', 'UIC', 0, $2, $3, $3, $4)",
        )
        .bind(i)
        .bind(format!("CB{i}"))
        .bind(now)
        .bind(d)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let idle_cpu0 = cpu_secs();
    tokio::time::sleep(Duration::from_millis(
        (start_due - app.ctx.clock.now_ms() - 500).max(0) as u64,
    ))
    .await;
    let idle_cpu = cpu_secs() - idle_cpu0;
    let cpu0 = cpu_secs();
    let t0 = Instant::now();
    let deadline = Instant::now() + Duration::from_millis(spread as u64 + 60_000);
    loop {
        let fired: i64 = sqlx::query(
            "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND method = 'chat.postMessage'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
        if fired >= n || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let busy = t0.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let rows = sqlx::query("SELECT incident_id, at FROM timeline WHERE kind = 'reminder'")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut fire_late = Vec::new();
    let mut per: HashMap<i64, u32> = HashMap::new();
    for r in &rows {
        let id: i64 = r.get(0);
        let at: i64 = r.get(1);
        *per.entry(id).or_default() += 1;
        fire_late.push(at - due[&id]);
    }
    let sent = sqlx::query(
        "SELECT channel, sent_at FROM outbox WHERE status = 'sent' AND method = 'chat.postMessage'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut post_late = Vec::new();
    for r in &sent {
        let ch: String = r.get(0);
        let at: i64 = r.get(1);
        let id: i64 = ch.trim_start_matches("CB").parse().unwrap();
        post_late.push(at - due[&id]);
    }
    fire_late.sort();
    post_late.sort();
    let missing = (1..=n).filter(|i| !per.contains_key(i)).count();
    let doubled = per.values().filter(|c| **c > 1).count();
    let posts = slack.calls_to("chat.postMessage").len();
    println!(
        "{name:<10} | {n:>6} | fired late p50 {:>4} ms p99 {:>5} ms max {:>5} ms | posted late p50 {:>5} ms p99 {:>5} ms max {:>5} ms | missing {missing} doubled {doubled} slack posts {posts} | cpu {:.2}s over {:.1}s ({:.0}%) idle cpu {:.2}s/{:.1}s | rss {} MiB peak {} MiB",
        pct(&fire_late, 0.5),
        pct(&fire_late, 0.99),
        fire_late.last().copied().unwrap_or(0),
        pct(&post_late, 0.5),
        pct(&post_late, 0.99),
        post_late.last().copied().unwrap_or(0),
        cpu,
        busy,
        100.0 * cpu / busy,
        idle_cpu,
        (start_due - now) as f64 / 1000.0 - 0.5,
        mem_kb("VmRSS:") / 1024,
        mem_kb("VmHWM:") / 1024,
    );
    app.kill();
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    println!("reminder bench: {n} open incidents due evenly over 20 s; the process includes the fake Slack");
    run("sqlite", TestDb::sqlite().await, n).await;
    run("postgres", TestDb::postgres().await, n).await;
}
