//! Benchmark (not a test): how long `chatops doctor` takes, at the default per-step timeout
//! (5 s), through its library entry point against loopback fakes:
//! 1. every integration configured and healthy;
//! 2. every system hanging (Slack, Railway, Evolution and Julia's API answer after 60 s; Julia's
//!    database, the store's PostgreSQL and both Redis accept connections and never answer):
//!    target a small multiple of the timeout, not the sum of every step's timeout.
//!
//! Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres):
//!   cargo run -p chatops-tests --example doctor_bench   (time is spent waiting, not computing)

use std::time::{Duration, Instant};

use bot::Settings as Config;
use doctor::{self, Status};
use testkit::fake_evolution::FakeEvolution;
use testkit::fake_julia::FakeJulia;
use testkit::fake_railway::FakeRailway;
use testkit::*;

/// A TCP server that accepts connections and never says a word (a hung database or Redis).
async fn black_hole() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((c, _)) = l.accept().await {
            held.push(c);
        }
    });
    addr.to_string()
}

async fn once(hung: bool) -> (Duration, String) {
    let slack = FakeSlack::start().await;
    slack.set_channel("CINCIDENTS", "incidents", false, true);
    let julia = FakeJulia::start().await;
    let evo = FakeEvolution::start().await;
    evo.state.lock().unwrap().webhook = serde_json::json!({"url": "https://julia.example/hook", "enabled": true, "events": ["MESSAGES_UPSERT"]});
    let rw = FakeRailway::start().await;
    let (jdb, _pool) = testkit::julia_db::julia_database().await;
    let store = TestDb::postgres().await;
    chatops_core::Store::connect_and_migrate(&store.url)
        .await
        .unwrap();
    let redis = Redis::start();
    let (mut jdb_url, mut store_url, mut redis_url) =
        (jdb.url.clone(), store.url.clone(), redis.url());
    if hung {
        let long = Duration::from_secs(60);
        slack.set_delay(long);
        rw.set_delay(long);
        evo.set_delay(long);
        julia.set_delay(long);
        jdb_url = format!("postgres://postgres@{}/postgres", black_hole().await);
        store_url = format!("postgres://postgres@{}/postgres", black_hole().await);
        redis_url = format!("redis://{}", black_hole().await);
    }
    let pairs = [
        ("SLACK_SIGNING_SECRET", "bench"),
        ("SLACK_BOT_TOKEN", "xoxb-bench"),
        ("SLACK_API_URL", slack.base_url.as_str()),
        ("INCIDENTS_CHANNEL", "CINCIDENTS"),
        ("DATABASE_URL", &store_url),
        ("REDIS_URL", &redis_url),
        ("JULIA_DATABASE_URL", &jdb_url),
        ("JULIA_REDIS_URL", &redis_url),
        ("JULIA_BASE_URL", &julia.base_url),
        ("APP_ENV", "production"),
        ("SUPABASE_PROJECT_REF", "ref123"),
        ("RAILWAY_API_URL", &rw.url),
        ("RAILWAY_API_TOKEN", "rw-bench"),
        ("RAILWAY_PROJECT_ID", "p1"),
        ("RAILWAY_ENVIRONMENT_ID", "e1"),
        ("EVOLUTION_API_URL", &evo.base_url),
        ("EVOLUTION_API_KEY", "evo-key"),
        ("EVOLUTION_INSTANCE", "julia"),
        ("EVOLUTION_WEBHOOK_URL", "https://julia.example/hook"),
    ];
    let config = Config::from_pairs(&pairs).unwrap();
    let started = Instant::now();
    let r = doctor::run(&config, &doctor::Options::default()).await;
    let took = started.elapsed();
    let summary = format!(
        "{} passed, {} failed, {} skipped",
        r.count(Status::Pass),
        r.count(Status::Fail),
        r.count(Status::Skip)
    );
    (took, summary)
}

#[tokio::main]
async fn main() {
    println!("chatops doctor, default timeout (5 s per step), loopback fakes");
    let (t, s) = once(false).await;
    println!(
        "  every integration healthy: {:>6.3} s  ({s})",
        t.as_secs_f64()
    );
    let (t, s) = once(true).await;
    println!(
        "  every system hanging:      {:>6.3} s  ({s})",
        t.as_secs_f64()
    );
    std::process::exit(0);
}
