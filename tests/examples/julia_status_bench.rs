//! Benchmark (not a test): `/julia status` time-to-answer, from the slash command to the
//! `response_url` post, with
//! 1. five sources answering in 100–400 ms (health 100, circuits 200, Julia's database 150 + connection setup via a
//!    delaying TCP proxy, Evolution 300, Railway 400): target within 50 ms of the slowest (400 ms);
//! 2. Evolution hung: target within 50 ms of its timeout (JULIA_SOURCE_TIMEOUT, default 3 s).
//!
//! Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres):
//!   cargo run --release -p chatops-tests --example julia_status_bench

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use testkit::fake_evolution::FakeEvolution;
use testkit::fake_julia::FakeJulia;
use testkit::fake_railway::FakeRailway;
use testkit::*;

/// A TCP proxy that waits `delay` before connecting each accepted client upstream.
async fn delaying_proxy(upstream: String, delay: Duration) -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut c, _)) = l.accept().await else {
                return;
            };
            let upstream = upstream.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                if let Ok(mut u) = tokio::net::TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut c, &mut u).await;
                }
            });
        }
    });
    addr
}

/// `scheme://user@host:port/db` -> (host:port, url with host:port replaced by `addr`).
fn via(url: &str, addr: SocketAddr) -> (String, String) {
    let (head, tail) = url.rsplit_once('@').unwrap();
    let (hostport, db) = tail.split_once('/').unwrap();
    (hostport.to_string(), format!("{head}@{addr}/{db}"))
}

async fn once(hung: bool, timeout: Option<&str>) -> Duration {
    let slack = FakeSlack::start().await;
    let julia = FakeJulia::start().await;
    let evo = FakeEvolution::start().await;
    let rw = FakeRailway::start().await;
    let (jdb, _pool) = testkit::julia_db::julia_database().await;
    let (upstream, _) = via(&jdb.url, "127.0.0.1:1".parse().unwrap());
    let proxy = delaying_proxy(upstream, Duration::from_millis(150)).await;
    let (_, proxied) = via(&jdb.url, proxy);
    let mut opts = AppOptions::default()
        .env("JULIA_DATABASE_URL", &proxied)
        .env("JULIA_BASE_URL", &julia.base_url)
        .env("RAILWAY_API_URL", &rw.url)
        .env("RAILWAY_API_TOKEN", "t")
        .env("JULIA_RAILWAY_PROJECT_ID", "p1")
        .env("JULIA_RAILWAY_ENVIRONMENT_ID", "e1")
        .env("EVOLUTION_API_URL", &evo.base_url)
        .env("EVOLUTION_API_KEY", "evo-key")
        .env("EVOLUTION_INSTANCE", "julia")
        .env("JULIA_WATCH_INTERVAL", "1h")
        .env("RATE_LIMIT_PER_MINUTE", "0");
    if let Some(t) = timeout {
        opts = opts.env("JULIA_SOURCE_TIMEOUT", t);
    }
    let app = spawn_app(&TestDb::sqlite().await, &slack, opts).await;
    // Let the watcher's first tick pass, then set the delays.
    tokio::time::sleep(Duration::from_millis(300)).await;
    julia.set_delay(Duration::from_millis(100));
    julia.state.lock().unwrap().circuits_delay = Some(Duration::from_millis(200));
    evo.set_delay(if hung {
        Duration::from_secs(60)
    } else {
        Duration::from_millis(300)
    });
    rw.set_delay(Duration::from_millis(400));
    let start = Instant::now();
    let ack = app.julia("status", "UBENCH", "CBENCH").await;
    let rid = ack["_response_id"].as_str().unwrap().to_string();
    loop {
        if !slack.responses_to(&rid).is_empty() {
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            panic!("no answer");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let took = start.elapsed();
    let text = slack.responses_to(&rid)[0]["text"]
        .as_str()
        .unwrap_or("")
        .to_string();
    if hung {
        assert!(text.contains("Evolution: no answer in"), "{text}");
    } else {
        assert!(!text.contains("no answer"), "{text}");
    }
    app.kill();
    took
}

fn summary(name: &str, target: Duration, mut v: Vec<Duration>) {
    v.sort();
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let median = v[v.len() / 2];
    let max = *v.last().unwrap();
    println!(
        "{name}: runs {:?} ms; median {:.0} ms, max {:.0} ms; reference {:.0} ms; overhead median {:+.0} ms, max {:+.0} ms -> {}",
        v.iter().map(|d| ms(d).round() as i64).collect::<Vec<_>>(),
        ms(&median),
        ms(&max),
        ms(&target),
        ms(&median) - ms(&target),
        ms(&max) - ms(&target),
        if max <= target + Duration::from_millis(50) { "within 50 ms" } else { "OVER 50 ms" }
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs = 5;
    let mut normal = Vec::new();
    for _ in 0..runs {
        normal.push(once(false, None).await);
    }
    summary(
        "five sources 100-400 ms",
        Duration::from_millis(400),
        normal,
    );
    let mut hung = Vec::new();
    for _ in 0..runs {
        hung.push(once(true, Some("1s")).await);
    }
    summary("Evolution hung, timeout 1 s", Duration::from_secs(1), hung);
    let mut hung3 = Vec::new();
    for _ in 0..2 {
        hung3.push(once(true, None).await);
    }
    summary(
        "Evolution hung, timeout 3 s (default)",
        Duration::from_secs(3),
        hung3,
    );
}
