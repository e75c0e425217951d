//! Instructions per acknowledged slash command, counted by valgrind's callgrind: reproducible
//! on a loaded machine (it counts instructions, not time), so a change to the ack path can be
//! judged by one number. `scripts/ack_profile.sh` builds and runs it.
//!
//! The release binary (`CHATOPS_BIN`) runs `serve` under callgrind as `scripts/run.sh` runs it
//! (only the required variables, default logging to a file). After a warm-up (first-use costs:
//! lazily built statics, metric registration), instrumentation is switched on, `PROFILE_REQUESTS`
//! (default 2,000) signed `/incident <PROFILE_TEXT>` (default `help`) are sent one after the
//! other on one keep-alive connection, and the counters are dumped; then the same length of
//! idle time is counted and dumped (the background workers' share), and subtracted. Prints
//! instructions per request and the functions that cost most (inclusive), with the dump files'
//! paths for `callgrind_annotate` or KCachegrind.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testkit::ack_client::{free_port, presign, Conn};
use testkit::app::SECRET;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn control(args: &[&str]) {
    let ok = Command::new("callgrind_control")
        .args(args)
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "callgrind_control {args:?} failed (is valgrind installed?)"
    );
}

/// The `totals:` (or `summary:`) line of a callgrind dump: instructions executed.
fn total_ir(path: &std::path::Path) -> u64 {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no totals in {}", path.display()))
}

/// Waits for a dump file to appear complete (callgrind writes it asynchronously).
fn wait_dump(path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(path)
        .is_ok_and(|t| t.contains("totals:") || t.contains("summary:"))
    {
        assert!(Instant::now() < deadline, "no dump at {}", path.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}

async fn send_all(conn: &mut Conn, text: &str, n: usize) {
    let reqs = presign(n.min(1024), text);
    for i in 0..n {
        let r = conn.send(&reqs[i % reqs.len()]).await;
        assert!(
            matches!(r, Some((200, _))),
            "request {i}: {:?}",
            r.map(|(s, _)| s)
        );
    }
}

/// `chatops serve` under callgrind, instrumentation off until asked, as `scripts/run.sh` runs it.
fn spawn_under_callgrind(bin: &str, dir: &std::path::Path, port: u16) -> std::process::Child {
    let out = dir.join("callgrind.out");
    Command::new("valgrind")
        .args(["--tool=callgrind", "--instr-atstart=no"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(bin)
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SLACK_SIGNING_SECRET", SECRET)
        .env("SLACK_BOT_TOKEN", "xoxb-profile-token")
        .env("PORT", port.to_string())
        .stdout(Stdio::from(
            std::fs::File::create(dir.join("stdout.log")).unwrap(),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("valgrind.log")).unwrap(),
        ))
        .spawn()
        .expect("valgrind (apt-get install valgrind)")
}

/// Prints instructions per request and the costliest functions.
fn report(
    n: usize,
    text: &str,
    busy: &std::path::Path,
    idle: &std::path::Path,
    dir: &std::path::Path,
) {
    let (b, i) = (total_ir(busy), total_ir(idle));
    println!("ack_profile: {n} signed `/incident {text}` on one connection, release build, default logging");
    println!("instructions with requests: {b}; same time idle: {i}");
    println!(
        "instructions per request: {:.0} (net of idle; gross {:.0})",
        b.saturating_sub(i) as f64 / n as f64,
        b as f64 / n as f64
    );
    let annotate = Command::new("callgrind_annotate")
        .args(["--inclusive=yes", "--threshold=99"])
        .arg(busy)
        .output();
    if let Ok(o) = annotate {
        let text = String::from_utf8_lossy(&o.stdout);
        println!("\ntop functions (inclusive), {}:", busy.display());
        for line in text
            .lines()
            .filter(|l| l.contains(" (") || l.contains('*'))
            .take(40)
        {
            println!("  {line}");
        }
    }
    println!(
        "\ndumps kept in {} (callgrind_annotate / kcachegrind)",
        dir.display()
    );
}

fn main() {
    let bin = env_or("CHATOPS_BIN", "target/release/chatops");
    // The bot runs in a temporary directory: a relative path would be looked up from there.
    let bin = std::fs::canonicalize(&bin)
        .unwrap_or_else(|e| panic!("CHATOPS_BIN {bin}: {e}"))
        .to_string_lossy()
        .into_owned();
    let n: usize = env_or("PROFILE_REQUESTS", "2000")
        .parse()
        .expect("PROFILE_REQUESTS");
    let text = env_or("PROFILE_TEXT", "help");
    let dir = std::env::temp_dir().join(format!("chatops-ack-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let mut bot = spawn_under_callgrind(&bin, &dir, port);
    let pid = bot.id().to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (busy, idle) = rt.block_on(async {
        let addr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut conn = loop {
            if let Some(c) = Conn::open(addr).await {
                break c;
            }
            assert!(Instant::now() < deadline, "the bot never listened");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        send_all(&mut conn, &text, 200).await;
        control(&["-i", "on", &pid]);
        let started = Instant::now();
        send_all(&mut conn, &text, n).await;
        let took = started.elapsed();
        control(&["-d", &pid]);
        let busy = dir.join("callgrind.out.1");
        tokio::time::sleep(took).await;
        control(&["-d", &pid]);
        control(&["-i", "off", &pid]);
        (busy, dir.join("callgrind.out.2"))
    });
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let _ = bot.wait();
    wait_dump(&busy);
    wait_dump(&idle);
    report(n, &text, &busy, &idle, &dir);
}
