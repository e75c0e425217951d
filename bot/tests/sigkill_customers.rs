//! The real `chatops` binary killed with SIGKILL in the middle of a customer WhatsApp notice,
//! one call to Evolution in flight: the restarted binary finishes the notice from the store, and
//! no doctor receives it twice (the one whose call was cut short is "not confirmed", never sent
//! again). SQLite and PostgreSQL.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chatops_core::guarded::{self, Choice, Reply};
use customers::control::Notice;
use sqlx::Row;
use testkit::customers_kit::{add_doctor_tables, doctor};
use testkit::harness::{button_value, text_of, Harness, ADMIN};
use testkit::incident_kit::{components_file, declare};
use testkit::julia_db::OWNER_ROLE;
use testkit::wait::eventually;
use testkit::TestDb;

const DOCTORS: usize = 12;
/// The doctor whose call is in flight when the bot dies.
const CUT: usize = 5;

fn number(i: usize) -> String {
    format!("55119100000{i:02}")
}

/// A bot process, killed when dropped: a failing test leaves no bot running.
struct Bot(Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(log: &std::path::Path, env: &[(String, String)], db: &TestDb, slack_url: &str) -> Bot {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_chatops"));
    c.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SLACK_SIGNING_SECRET", testkit::app::SECRET)
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_API_URL", slack_url)
        .env("BIND_ADDR", "127.0.0.1")
        .env("PORT", "0")
        .env("DATABASE_URL", &db.url)
        .env("INCIDENTS_CHANNEL", "CINCIDENTS")
        .env("STATS_DIGEST", "off");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .map(Bot)
        .expect("chatops binary")
}

async fn states(pool: &sqlx::AnyPool) -> Vec<String> {
    sqlx::query("SELECT state FROM customer_recipients ORDER BY seq")
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn sigkill_mid_send(db: TestDb) {
    let fakes = Harness::builder()
        .store(db.clone())
        .evolution()
        .julia_db(OWNER_ROLE)
        .admin()
        .env("COMPONENTS_FILE", &components_file())
        .env("CUSTOMERS_BUSINESS_HOURS", "always")
        .env("CUSTOMERS_PACE", "150ms")
        .env("CUSTOMERS_JITTER", "50ms")
        .env("CUSTOMERS_SEND_TIMEOUT", "60s")
        .env("JULIA_SOURCE_TIMEOUT", "2s")
        .start()
        .await;
    add_doctor_tables(fakes.jdb()).await;
    for i in 0..DOCTORS {
        doctor(fakes.jdb(), &number(i), 1, "", None).await;
    }
    // The request and its confirmation through the app in this process, which then stops.
    let h = fakes.spawn().await;
    let room = declare(
        &h.app,
        "declare P1 --affects julia-whatsapp:major Julia silent",
        "UDECL",
    )
    .await
    .unwrap();
    h.app.incident("notify-customers", ADMIN, &room).await;
    h.app.abort();
    let ctx = h.app.ctx.clone();
    chatops_core::jobs::run_once(&ctx).await.unwrap();
    let rid = "confirm";
    let reply = Reply {
        user: ADMIN.into(),
        channel: room.clone(),
        response_url: h.slack.response_url(rid),
    };
    let n = Notice {
        incident: 1,
        recovery: false,
        include_held: false,
        count: 0,
    };
    guarded::request(&ctx, &reply, n).await;
    let prompt = h
        .slack
        .responses_to(rid)
        .into_iter()
        .next()
        .expect("a confirmation");
    assert!(
        text_of(&prompt).contains(&format!("Send to {DOCTORS}")),
        "{prompt}"
    );
    let token = button_value(&prompt, "customers_confirm").unwrap();
    guarded::answer::<Notice>(&ctx, &reply, &token, Choice::Confirm).await;
    assert_eq!(states(&ctx.store.pool).await.len(), DOCTORS);

    // The binary sends; the call to one doctor never answers, and the bot dies meanwhile.
    h.evo().hang_number(Some(&number(CUT)));
    let log = std::env::temp_dir().join(format!(
        "chatops-sigkill-customers-{}.log",
        uuid::Uuid::new_v4().simple()
    ));
    let mut bot = start(&log, h.env(), &db, &h.slack.base_url);
    eventually(Duration::from_secs(60), || async {
        (h.evo().send_calls_to(&number(CUT)) == 1).then_some(())
    })
    .await
    .expect("the cut doctor's call in flight");
    bot.0.kill().unwrap(); // SIGKILL
    bot.0.wait().unwrap();
    let at_kill = states(&ctx.store.pool).await;
    assert_eq!(at_kill[CUT], "sending", "{at_kill:?}");
    h.evo().hang_number(None);

    // Restarted: it resumes after the dead process's lease and finishes.
    let restarted = Instant::now();
    let bot = start(&log, h.env(), &db, &h.slack.base_url);
    let done = eventually(Duration::from_secs(60), || async {
        let s: String = sqlx::query_scalar("SELECT state FROM customer_notices")
            .fetch_one(&ctx.store.pool)
            .await
            .unwrap();
        (s == "done").then_some(())
    })
    .await;
    let took = restarted.elapsed();
    drop(bot);
    let _ = std::fs::remove_file(&log);
    assert!(done.is_some(), "not finished 60 s after the restart");
    let after = states(&ctx.store.pool).await;
    for (i, s) in after.iter().enumerate() {
        let calls = h.evo().send_calls_to(&number(i));
        assert_eq!(calls, 1, "doctor {i} ({s}) called {calls} times");
        let want = if i == CUT { "uncertain" } else { "sent" };
        assert_eq!(s, want, "doctor {i}");
    }
    assert!(h.evo().sent_to(&number(CUT)).is_empty());
    let (sent, uncertain): (i64, i64) =
        sqlx::query_as("SELECT sent, uncertain FROM customer_notices")
            .fetch_one(&ctx.store.pool)
            .await
            .unwrap();
    assert_eq!((sent, uncertain), (DOCTORS as i64 - 1, 1));
    println!(
        "sigkill mid customer notice ({}): {DOCTORS} doctors, killed with doctor {CUT}'s call in flight; finished {:.2} s after the restart; sent {sent}, not confirmed {uncertain}, nobody twice",
        if db.postgres { "postgres" } else { "sqlite" },
        took.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_customer_notice_sqlite() {
    sigkill_mid_send(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_customer_notice_postgres() {
    sigkill_mid_send(TestDb::postgres().await).await;
}
