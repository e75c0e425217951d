//! `/incident stats` on a big store: seeds N incidents (default 10,000) spread over 90 days, each
//! with a timeline (declared, a responder, updates, some reminders and escalations), plus alert
//! groups and notifications, then times what the command does before it answers: the SQL
//! ([`stats::compute`]) for 7, 30 and 90 days, and the chart ([`chart::render`]).
//! Five runs each; prints the median and the worst. Then the alert intake's time before it
//! answers (one transaction per notification): p50, p99, max of 500 new groups and 500 repeats.
//!
//!   cargo run --release -p chatops-tests --example stats_bench                  # both stores
//!   options: --store sqlite|postgres|both  --incidents N  --runs R  --sqlite-file PATH (kept)
//!
//! PostgreSQL: `TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/postgres); the
//! run uses a fresh database, dropped afterwards.

use std::time::Instant;

use stats::chart;
use testkit::TestDb;

const DAY: i64 = 86_400_000;
const MIN: i64 = 60_000;

fn arg(name: &str) -> Option<String> {
    let a: Vec<String> = std::env::args().collect();
    a.iter()
        .position(|x| x == name)
        .and_then(|i| a.get(i + 1).cloned())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Rows in chunks of multi-row INSERTs, one transaction per table.
async fn insert_all(pool: &sqlx::AnyPool, head: &str, rows: &[String]) {
    let mut tx = pool.begin().await.unwrap();
    for chunk in rows.chunks(500) {
        let sql = format!("{head} VALUES {}", chunk.join(","));
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn seed(pool: &sqlx::AnyPool, n: i64, now: i64) {
    let sevs = ["P0", "P1", "P1", "P2", "P2", "P2", "P3", "P3"];
    let (mut incidents, mut events) = (Vec::new(), Vec::new());
    for id in 1..=n {
        let start = now - (id * 90 * DAY / n) - 1000;
        let sev = sevs[(id % 8) as usize];
        let resolved = (id % 20 != 0).then_some(start + (10 + id % 240) * MIN);
        incidents.push(format!(
            "({id}, 'Incident {id}', '{sev}', '{}', 'U0', {start}, {start}, {}, {}, {}, {})",
            if resolved.is_some() {
                "resolved"
            } else {
                "investigating"
            },
            resolved.map_or("NULL".into(), |r| r.to_string()),
            (id % 3 == 0) as i64,
            if id % 3 == 1 {
                (now + DAY).to_string()
            } else {
                "NULL".into()
            },
            (id % 5 == 1) as i64,
        ));
        let e = |at: i64, actor: &str, kind: &str| format!("({id}, {at}, '{actor}', '{kind}', '')");
        events.push(e(start, "U0", "declared"));
        events.push(e(start + (1 + id % 30) * MIN, "U1", "responder"));
        for k in 1..=3 {
            events.push(e(start + k * 15 * MIN, "U1", "update"));
        }
        if id % 4 == 0 {
            events.push(e(start + 50 * MIN, "chatops", "reminder"));
            events.push(e(start + 55 * MIN, "chatops", "escalation"));
        }
    }
    insert_all(pool, "INSERT INTO incidents (id, title, severity, status, declared_by, started_at, last_update_at, resolved_at, pm_done, pm_due_at, pm_stage)", &incidents).await;
    insert_all(
        pool,
        "INSERT INTO timeline (incident_id, at, actor, kind, text)",
        &events,
    )
    .await;
    let groups: Vec<String> = (1..=n / 5)
        .map(|g| {
            format!(
                "('alertmanager', 'k{g}', 'C1', 'Alert{}', '{{}}', 'firing', {now}, {now})",
                g % 50
            )
        })
        .collect();
    insert_all(pool, "INSERT INTO alert_groups (source, group_key, channel, title, labels, status, created_at, updated_at)", &groups).await;
    let notes: Vec<String> = (0..n * 2)
        .map(|i| {
            format!(
                "({}, {}, 'firing', 1)",
                1 + i % (n / 5),
                now - (i * 90 * DAY / (n * 2))
            )
        })
        .collect();
    insert_all(
        pool,
        "INSERT INTO alert_notifications (group_id, at, status, firing)",
        &notes,
    )
    .await;
}

fn summary(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "  {label:<28} median {:>8.1} ms   worst {:>8.1} ms",
        ms[ms.len() / 2],
        ms[ms.len() - 1]
    );
}

async fn bench(store: &str, n: i64, runs: usize) {
    let db = match (store, arg("--sqlite-file")) {
        ("postgres", _) => TestDb::postgres().await,
        // Kept afterwards, to look at the plans (`sqlite3 FILE 'EXPLAIN QUERY PLAN …'`).
        (_, Some(path)) => TestDb::external(&format!("sqlite://{path}")),
        _ => TestDb::sqlite().await,
    };
    let s = chatops_core::Store::connect_and_migrate(&db.url)
        .await
        .unwrap();
    let now = now_ms();
    let t = Instant::now();
    seed(&s.pool, n, now).await;
    println!(
        "{store}: {n} incidents seeded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    for days in [7, 30, 90] {
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let st = stats::compute(&s.pool, days, now).await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            total = st.view.total;
        }
        summary(&format!("stats {days}d ({total} incidents)"), times);
    }
    let st = stats::compute(&s.pool, 90, now).await.unwrap();
    let labels = messages::stats::chart_labels(90, messages::Locale::En);
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..runs {
        let t = Instant::now();
        size = chart::render(&st.weeks, &labels).unwrap().len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    summary(&format!("chart 90d ({} KiB PNG)", size / 1024), times);
    intake(&db.url).await;
}

/// What `/alerts/*` does before it answers: 500 notifications of new groups (a flood: posts,
/// then the summary), then 500 repeats of one group (updates), each one transaction.
async fn intake(url: &str) {
    let config = bot::Settings::from_pairs(&[
        ("DATABASE_URL", url),
        ("ALERTS_CHANNEL", "CALERTS"),
        ("STATS_DIGEST", "off"),
    ])
    .unwrap();
    let store = chatops_core::Store::connect(url).await.unwrap();
    let ctx = bot::compose::context(
        config,
        store,
        chatops_core::cache::Cache::none(),
        chatops_core::Clock::system(),
    );
    let one = |i: usize, key: &str| {
        let body = format!(
            r#"{{"summary":"check {i} failed","severity":"critical","dedup_key":"{key}","source":"bench"}}"#
        );
        alerts::payload::generic(body.as_bytes(), now_ms()).unwrap()
    };
    for (label, same) in [
        ("alert intake, new groups", false),
        ("alert intake, repeats", true),
    ] {
        let mut ms = Vec::new();
        for i in 0..500 {
            let key = if same {
                "same".to_string()
            } else {
                format!("k{i}")
            };
            let inc = one(i, &key);
            let t = Instant::now();
            alerts::intake::receive(&ctx, &inc).await.unwrap();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(|a, b| a.total_cmp(b));
        println!(
            "  {label:<28} p50 {:>6.1} ms   p99 {:>6.1} ms   max {:>6.1} ms",
            ms[ms.len() / 2],
            ms[ms.len() * 99 / 100],
            ms[ms.len() - 1]
        );
    }
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let n: i64 = arg("--incidents")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runs: usize = arg("--runs").and_then(|v| v.parse().ok()).unwrap_or(5);
    let store = arg("--store").unwrap_or_else(|| "both".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "stats_bench: {n} incidents, {runs} runs; load average {}",
        load.trim()
    );
    for s in ["sqlite", "postgres"] {
        if store == "both" || store == s {
            bench(s, n, runs).await;
        }
    }
}
