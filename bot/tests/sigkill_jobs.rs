//! The real `chatops` binary killed with SIGKILL in the middle of background jobs, at default
//! job and outbox settings (5 s leases renewed while working, 1 s polls):
//!
//! - 30 declarations being finished (war room, invites, posts): after a restart on the same
//!   store every war room has its declared message and every incident is announced in the
//!   incidents channel within 10 s (a backlog of announcements goes out as one message, the
//!   channel's pace staying one post a second), none twice (SQLite and PostgreSQL);
//! - a deploy follow-up waiting on `/health/deep`: the restarted bot posts the outcome once;
//! - two replicas on one PostgreSQL, the one running the follow-up killed: the other finishes it
//!   within 10 s;
//! - a redeploy (SIGTERM) during a follow-up: the stopping bot hands the job over at once.
//!
//! Each prints its figures (recorded in docs/reliability.md).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chatops_core::ids::IncidentTitle;
use chatops_core::jobs;
use incident::declare::{create_incident, Declaration};
use incident::jobs::DeclaredReply;
use incident::Severity;
use julia::follow::{DeployFollow, DEPLOY_FOLLOW};
use sqlx::Row;
use testkit::fake_julia::FakeJulia;
use testkit::harness::{Harness, Worker};
use testkit::{FakeSlack, TestDb};

const DECLARATIONS: usize = 30;

/// A bot process, killed when dropped: a failing test leaves no bot running.
struct Bot(Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Run {
    dir: std::path::PathBuf,
}

impl Run {
    fn new() -> Run {
        let dir = std::env::temp_dir().join(format!(
            "chatops-sigkill-jobs-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Run { dir }
    }

    fn start(&self, db: &TestDb, slack: &FakeSlack, extra: &[(String, String)]) -> Bot {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("chatops.log"))
            .unwrap();
        let mut c = Command::new(env!("CARGO_BIN_EXE_chatops"));
        c.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SLACK_SIGNING_SECRET", testkit::app::SECRET)
            .env("SLACK_BOT_TOKEN", "xoxb-test-token")
            .env("SLACK_API_URL", &slack.base_url)
            .env("BIND_ADDR", "127.0.0.1")
            .env("PORT", "0")
            .env("DATABASE_URL", &db.url)
            .env("INCIDENTS_CHANNEL", "CINCIDENTS")
            .env("WAR_ROOM_SEVERITIES", "P0,P1,P2,P3");
        for (k, v) in extra {
            c.env(k, v);
        }
        c.stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .map(Bot)
            .expect("chatops binary")
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn kill(mut b: Bot) {
    b.0.kill().unwrap(); // SIGKILL
    b.0.wait().unwrap();
}

fn store_name(db: &TestDb) -> &'static str {
    if db.postgres {
        "postgres"
    } else {
        "sqlite"
    }
}

/// Incidents whose war room exists and whose declared post (pinned) was delivered in it, and
/// of those, the ones whose announcement was delivered in the incidents channel.
async fn announced(store: &chatops_core::Store) -> (i64, i64) {
    let r = sqlx::query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.status = 'sent' THEN 1 ELSE 0 END), 0)
         FROM incidents i
         JOIN outbox d ON d.id = i.declared_outbox_id AND d.status = 'sent'
         JOIN outbox a ON a.id = i.announce_outbox_id
         WHERE i.channel_id IS NOT NULL",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    (r.get(0), r.get(1))
}

#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn sigkill_during_declarations(db: TestDb) {
    let w = Harness::builder().store(db.clone()).worker().await;
    let (ctx, slack) = (w.ctx.clone(), w.slack.clone());
    // A slow Slack (every call 40 ms), so the kill lands with work in flight.
    slack.set_delay(Duration::from_millis(40));
    // What 30 `/incident declare P3 …` commands write before their acks: incidents and jobs.
    for n in 0..DECLARATIONS {
        let d = Declaration {
            actor: "UDECL".into(),
            origin_channel: "CORIGIN".into(),
            severity: Severity::P3,
            title: IncidentTitle::parse(&format!("declaration number {n:02}")).unwrap(),
            impact: None,
            commander: None,
            private: false,
            affects: Vec::new(),
            drill: false,
            drill_pages: false,
        };
        let reply = DeclaredReply::ResponseUrl {
            url: slack.response_url(&format!("decl{n}")),
        };
        create_incident(&ctx, &d, Some(reply)).await.unwrap();
    }
    let run = Run::new();
    let child = run.start(&db, &slack, &[]);
    // Kill when about a third of the war rooms have been asked for: jobs in every step.
    let t0 = Instant::now();
    while slack.calls_to("conversations.create").len() < DECLARATIONS / 3 {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no war room asked for"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    kill(child);
    let (rooms_done_at_kill, at_kill) = announced(&ctx.store).await;
    slack.set_delay(Duration::ZERO);
    let restarted = Instant::now();
    let child = run.start(&db, &slack, &[]);
    let mut rooms_took = None;
    loop {
        let (rooms, all) = announced(&ctx.store).await;
        if rooms == DECLARATIONS as i64 && rooms_took.is_none() {
            rooms_took = Some(restarted.elapsed());
        }
        if all == DECLARATIONS as i64 {
            break;
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(90),
            "not announced after 90 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rooms_took = rooms_took.unwrap();
    let took = restarted.elapsed();
    // Let the answers and anything else in flight finish, then stop.
    let settled = Instant::now();
    while settled.elapsed() < Duration::from_secs(10) {
        let left: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM jobs WHERE state = 'pending') + (SELECT COUNT(*) FROM outbox WHERE status = 'pending')",
        )
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
        .get(0);
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(child);
    // Each incident: one war room created, one declared post, one announcement.
    let mut creates: HashMap<i64, usize> = HashMap::new();
    for name in slack.channels_created() {
        let n: i64 = name.split('-').nth(2).unwrap().parse().unwrap();
        *creates.entry(n).or_default() += 1;
    }
    // Each incident's key in the incidents channel's posts (one announcement, or a line of a
    // combined one).
    let mut announcements: HashMap<String, usize> = HashMap::new();
    let posts = slack.posts_in("CINCIDENTS");
    for p in &posts {
        let t = p["text"].as_str().unwrap_or_default();
        for (i, _) in t.match_indices("INC-") {
            let n: String = t[i + 4..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            *announcements.entry(n).or_default() += 1;
        }
    }
    let extra_rooms: usize = creates.values().map(|n| n - 1).sum();
    let extra_announcements: usize = announcements.values().map(|n| n - 1).sum();
    let failed: i64 = sqlx::query("SELECT COUNT(*) FROM jobs WHERE state <> 'done'")
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
        .get(0);
    println!(
        "sigkill during declarations ({}): {DECLARATIONS} declarations; at the kill {rooms_done_at_kill} war rooms with their declared post and {at_kill} announcements delivered; after the restart every war room with its declared post in {:.2} s, every announcement in the incidents channel in {:.2} s ({} messages there, paced 1 post/s); second channels for one incident {extra_rooms}, repeated announcements {extra_announcements}; jobs not done {failed}",
        store_name(&db),
        rooms_took.as_secs_f64(),
        took.as_secs_f64(),
        posts.len()
    );
    assert_eq!(creates.len(), DECLARATIONS, "every incident got a war room");
    assert_eq!(
        announcements.len(),
        DECLARATIONS,
        "every incident announced"
    );
    assert_eq!(failed, 0);
    // The target: every war room set up and its declared message posted within 10 s.
    assert!(
        rooms_took < Duration::from_secs(10),
        "war rooms finished {rooms_took:?} after the restart"
    );
    // And every announcement: they share one channel paced at one post a second, so a
    // backlog goes out as one message listing each incident.
    assert!(
        took < Duration::from_secs(10),
        "announced {took:?} after the restart"
    );
    assert!(
        posts.len() < 10,
        "{} posts in the incidents channel",
        posts.len()
    );
    // A post in flight at the kill is found in the channel (its metadata) and not repeated.
    assert_eq!(extra_announcements, 0, "{extra_announcements} repeated");
    // A war room whose creation was cut short is found again (conversations.list), never made
    // twice.
    assert_eq!(extra_rooms, 0, "{extra_rooms} second channels");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_30_declarations_sqlite() {
    sigkill_during_declarations(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_30_declarations_postgres() {
    sigkill_during_declarations(TestDb::postgres().await).await;
}

/// A follow-up as `/julia restart julia-api` schedules it, with Railway and Julia's fakes (the
/// bot started on `env()` follows it).
async fn follow_up(db: &TestDb) -> Worker {
    let w = Harness::builder()
        .store(db.clone())
        .julia_api()
        .railway()
        .env("JULIA_FOLLOW_INTERVAL", "200ms")
        .worker()
        .await;
    let ctx = &w.ctx;
    let job = DeployFollow {
        user: "UADMIN".into(),
        channel: "COPS".into(),
        response_url: String::new(),
        action: julia::Action::Restart {
            service: "julia-api".into(),
        },
        verb: "restart".into(),
        service_id: "s-api".into(),
        service_name: "julia-api".into(),
        deployment: "s-api-d4".into(),
        by_id: false,
        deadline_ms: ctx.clock.now_ms() + 600_000,
    };
    let mut conn = ctx.store.pool.acquire().await.unwrap();
    jobs::enqueue(&mut conn, ctx, DEPLOY_FOLLOW, &job, ctx.clock.now_ms())
        .await
        .unwrap();
    drop(conn);
    w
}

async fn follow_up_attempts(store: &chatops_core::Store) -> i64 {
    sqlx::query("SELECT attempts FROM jobs WHERE kind = 'deploy_follow'")
        .fetch_one(&store.pool)
        .await
        .unwrap()
        .get(0)
}

/// The follow-up was claimed and is waiting on `/health/deep` (the health watcher's first tick
/// is the other call that hangs there).
async fn wait_stuck_in_follow_up(store: &chatops_core::Store, julia: &FakeJulia) {
    let t0 = Instant::now();
    while follow_up_attempts(store).await < 1 || julia.hits() < 2 {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "follow-up not started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn outcome_posts(slack: &FakeSlack) -> usize {
    slack
        .posts_in("COPS")
        .iter()
        .filter(|p| {
            p["text"]
                .as_str()
                .unwrap_or_default()
                .contains("deployment SUCCESS")
        })
        .count()
}

async fn wait_outcome(slack: &FakeSlack, since: Instant) -> Duration {
    while outcome_posts(slack) == 0 {
        assert!(since.elapsed() < Duration::from_secs(60), "no outcome");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    since.elapsed()
}

async fn follow_up_state(store: &chatops_core::Store) -> String {
    sqlx::query("SELECT state FROM jobs WHERE kind = 'deploy_follow'")
        .fetch_one(&store.pool)
        .await
        .unwrap()
        .get(0)
}

async fn sigkill_during_a_deploy_follow_up(db: TestDb) {
    let w = follow_up(&db).await;
    let (store, slack, julia) = (w.ctx.store.clone(), w.slack.clone(), w.julia().clone());
    let env = w.env().to_vec();
    // /health/deep hangs: the follow-up is in the middle of its work when the bot dies.
    julia.set_delay(Duration::from_secs(600));
    let run = Run::new();
    let child = run.start(&db, &slack, &env);
    wait_stuck_in_follow_up(&store, &julia).await;
    kill(child);
    julia.set_delay(Duration::ZERO);
    let restarted = Instant::now();
    let child = run.start(&db, &slack, &env);
    let took = wait_outcome(&slack, restarted).await;
    // Give a second post (there must be none) the time to show up.
    let t = Instant::now();
    while follow_up_state(&store).await != "done" && t.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(child);
    println!(
        "sigkill during a deploy follow-up ({}): outcome posted {:.2} s after the restart, {} outcome post(s)",
        store_name(&db),
        took.as_secs_f64(),
        outcome_posts(&slack)
    );
    assert_eq!(outcome_posts(&slack), 1, "posted once");
    assert_eq!(follow_up_state(&store).await, "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_deploy_follow_up_sqlite() {
    sigkill_during_a_deploy_follow_up(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_deploy_follow_up_postgres() {
    sigkill_during_a_deploy_follow_up(TestDb::postgres().await).await;
}

/// A redeploy: SIGTERM, then the new process. The stopping bot hands its running job over
/// (releases the lease), so the new one does not wait the lease out.
async fn sigterm_during_a_deploy_follow_up(db: TestDb) {
    let w = follow_up(&db).await;
    let (store, slack, julia) = (w.ctx.store.clone(), w.slack.clone(), w.julia().clone());
    let env = w.env().to_vec();
    julia.set_delay(Duration::from_secs(600));
    let run = Run::new();
    let mut child = run.start(&db, &slack, &env);
    wait_stuck_in_follow_up(&store, &julia).await;
    let stopped = Instant::now();
    let term = Command::new("kill")
        .arg("-TERM")
        .arg(child.0.id().to_string())
        .status()
        .unwrap();
    assert!(term.success());
    child.0.wait().unwrap();
    let stop_took = stopped.elapsed();
    julia.set_delay(Duration::ZERO);
    let restarted = Instant::now();
    let child = run.start(&db, &slack, &env);
    let took = wait_outcome(&slack, restarted).await;
    let t = Instant::now();
    while follow_up_state(&store).await != "done" && t.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(child);
    println!(
        "SIGTERM during a deploy follow-up ({}): stopped in {:.2} s, the new process posted the outcome {:.2} s after it started, {} outcome post(s), {} attempt(s) counted",
        store_name(&db),
        stop_took.as_secs_f64(),
        took.as_secs_f64(),
        outcome_posts(&slack),
        follow_up_attempts(&store).await
    );
    assert_eq!(outcome_posts(&slack), 1);
    assert_eq!(
        follow_up_attempts(&store).await,
        1,
        "the handed-over attempt is not counted"
    );
    // Handed over: well under the 5 s lease the new process would otherwise wait out.
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_deploy_follow_up_hands_it_over_sqlite() {
    sigterm_during_a_deploy_follow_up(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_deploy_follow_up_hands_it_over_postgres() {
    sigterm_during_a_deploy_follow_up(TestDb::postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_postgres_one_killed_mid_job_the_other_finishes_it() {
    let db = TestDb::postgres().await;
    let w = follow_up(&db).await;
    let (store, slack, julia) = (w.ctx.store.clone(), w.slack.clone(), w.julia().clone());
    let env = w.env().to_vec();
    julia.set_delay(Duration::from_secs(600));
    let run = Run::new();
    // Replica A takes the job and is stuck in it; then replica B starts.
    let a = run.start(&db, &slack, &env);
    wait_stuck_in_follow_up(&store, &julia).await;
    let b = run.start(&db, &slack, &env);
    // While A renews its 5 s lease, B leaves the job alone: still one attempt after 7 s.
    let t1 = Instant::now();
    while t1.elapsed() < Duration::from_secs(7) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        follow_up_attempts(&store).await,
        1,
        "B did not take a job A holds"
    );
    julia.set_delay(Duration::ZERO);
    let killed = Instant::now();
    kill(a);
    let took = wait_outcome(&slack, killed).await;
    let t = Instant::now();
    while follow_up_state(&store).await != "done" && t.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(b);
    println!(
        "two replicas on postgres, the one running a follow-up killed: the other posted the outcome {:.2} s later, {} outcome post(s)",
        took.as_secs_f64(),
        outcome_posts(&slack)
    );
    assert_eq!(outcome_posts(&slack), 1);
    assert!(took < Duration::from_secs(10), "took {took:?}");
}
