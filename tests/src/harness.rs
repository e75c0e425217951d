//! One set-up for an end-to-end test: the fakes a capability talks to, started, seeded and
//! wired in, then the app spawned on a fresh store (or only its context, for tests that drive
//! the workers themselves, or only the fakes and their variables, for a test that runs the
//! binary). A test names what it needs and nothing else:
//!
//! ```ignore
//! use testkit::harness::*;
//!
//! // Everything `/julia` talks to: Julia's API, Evolution, Railway and Julia's database.
//! let h = Harness::for_julia().env("APP_ENV", "staging").spawn().await;
//! let msg = h.run("pause test", ADMIN).await;
//! assert!(text_of(&msg).contains("hard guard"));
//!
//! // Only some of it, on a given store, without a server: the worker's context.
//! let w = Harness::builder().store(db).julia_api().railway().worker().await;
//! jobs::run_once(&w.ctx).await.unwrap();
//! ```
//!
//! Each fake's variables are set for it (`JULIA_BASE_URL`, `EVOLUTION_API_URL`…, see the
//! builder's methods); `.env` adds or overrides any variable, last one winning.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::postgres::PgPool;
use sqlx::Row;

use crate::app::{spawn_app, worker_ctx, AppOptions, TestApp, INCIDENTS};
use crate::db::TestDb;
use crate::fake_evolution::FakeEvolution;
use crate::fake_julia::FakeJulia;
use crate::fake_railway::FakeRailway;
use crate::fake_slack::FakeSlack;
use crate::julia_db::{julia_db, JuliaDatabase, HIDDEN_ROLE, OWNER_ROLE};
use crate::wait::eventually;

/// The admin `CHATOPS_ADMINS` names (see [`Builder::admin`]).
pub const ADMIN: &str = "UADMIN";
/// Someone who is not an admin.
pub const OTHER: &str = "UOTHER";
/// The channel [`Harness::run`] and [`Harness::click`] act in.
pub const CH: &str = "COPS";
/// The Railway token the harness configures (`RAILWAY_API_TOKEN`).
pub const RAILWAY_TOKEN: &str = "rw-secret-token";
/// The Evolution key the harness configures (`EVOLUTION_API_KEY`).
pub const EVOLUTION_KEY: &str = "evo-key";
/// The webhook Julia expects Evolution to call (`EVOLUTION_WEBHOOK_URL`).
pub const WEBHOOK_URL: &str = "https://julia.example/webhooks/evolution";
/// What must never reach Slack: the harness's tokens and the fake Evolution's QR code (as
/// text and as base64 PNG).
pub const SECRETS: &[&str] = &[RAILWAY_TOKEN, EVOLUTION_KEY, "SECRETQRCODE", "iVBORw0KGgo"];
const WAIT: Duration = Duration::from_secs(10);

/// What a test needs; [`Harness::builder`] or [`Harness::for_julia`] makes one.
#[derive(Default)]
pub struct Builder {
    store: Option<TestDb>,
    julia_api: bool,
    evolution: bool,
    railway: bool,
    /// The role the bot connects to Julia's database as.
    julia_db: Option<&'static str>,
    env: Vec<(String, String)>,
}

impl Builder {
    /// The bot's store (default: a fresh SQLite one).
    pub fn store(mut self, db: TestDb) -> Self {
        self.store = Some(db);
        self
    }

    /// Julia's health endpoints ([`FakeJulia`], healthy): `JULIA_BASE_URL`.
    pub fn julia_api(mut self) -> Self {
        self.julia_api = true;
        self
    }

    /// Evolution ([`FakeEvolution`], instance `julia` open): `EVOLUTION_API_URL`,
    /// `EVOLUTION_API_KEY`, `EVOLUTION_INSTANCE`, `EVOLUTION_WEBHOOK_URL` and
    /// `EVOLUTION_WEBHOOK_EVENTS`.
    pub fn evolution(mut self) -> Self {
        self.evolution = true;
        self
    }

    /// Railway ([`FakeRailway`], Julia's three services with their deployments):
    /// `RAILWAY_API_URL`, `RAILWAY_API_TOKEN`, `JULIA_RAILWAY_PROJECT_ID`,
    /// `JULIA_RAILWAY_ENVIRONMENT_ID`.
    pub fn railway(mut self) -> Self {
        self.railway = true;
        self
    }

    /// Julia's tables in a fresh PostgreSQL database (`testkit::julia_db`), the bot connected
    /// as `role` ([`OWNER_ROLE`] sees the rows, [`HIDDEN_ROLE`] does not), and the hard guards
    /// matching its settings (`APP_ENV=production`, `SUPABASE_PROJECT_REF=ref123`).
    pub fn julia_db(mut self, role: &'static str) -> Self {
        assert!(
            role == OWNER_ROLE || role == HIDDEN_ROLE,
            "julia_db: OWNER_ROLE or HIDDEN_ROLE, not {role}"
        );
        self.julia_db = Some(role);
        self
    }

    /// No Julia database after all (for a preset that has one).
    pub fn without_julia_db(mut self) -> Self {
        self.julia_db = None;
        self
    }

    /// [`ADMIN`] is the bot's admin (`CHATOPS_ADMINS`).
    pub fn admin(self) -> Self {
        self.env("CHATOPS_ADMINS", ADMIN)
    }

    /// Sets a variable, over what the harness or an earlier call set.
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.retain(|(key, _)| key != k);
        self.env.push((k.into(), v.into()));
        self
    }

    /// [`Builder::env`] for each pair.
    pub fn envs(self, pairs: &[(&str, &str)]) -> Self {
        pairs.iter().fold(self, |b, (k, v)| b.env(k, v))
    }

    /// Starts the fakes (and Julia's database); the app is not running yet, so a test can set
    /// a fake up before the app first calls it.
    pub async fn start(self) -> Fakes {
        let slack = FakeSlack::start().await;
        let store = match self.store {
            Some(s) => s,
            None => TestDb::sqlite().await,
        };
        let mut wiring: Vec<(&str, String)> = Vec::new();
        let julia = match self.julia_api {
            true => Some(FakeJulia::start().await),
            false => None,
        };
        if let Some(j) = &julia {
            wiring.push(("JULIA_BASE_URL", j.base_url.clone()));
        }
        let evo = match self.evolution {
            true => Some(FakeEvolution::start().await),
            false => None,
        };
        if let Some(e) = &evo {
            wiring.extend([
                ("EVOLUTION_API_URL", e.base_url.clone()),
                ("EVOLUTION_API_KEY", EVOLUTION_KEY.into()),
                ("EVOLUTION_INSTANCE", "julia".into()),
                ("EVOLUTION_WEBHOOK_URL", WEBHOOK_URL.into()),
                (
                    "EVOLUTION_WEBHOOK_EVENTS",
                    "MESSAGES_UPSERT,CONNECTION_UPDATE".into(),
                ),
            ]);
        }
        let rw = match self.railway {
            true => Some(FakeRailway::start().await),
            false => None,
        };
        if let Some(r) = &rw {
            wiring.extend([
                ("RAILWAY_API_URL", r.url.clone()),
                ("RAILWAY_API_TOKEN", RAILWAY_TOKEN.into()),
                ("JULIA_RAILWAY_PROJECT_ID", "p1".into()),
                ("JULIA_RAILWAY_ENVIRONMENT_ID", "e1".into()),
            ]);
        }
        let jdb = match self.julia_db {
            Some(role) => {
                let j = julia_db().await;
                let url = if role == HIDDEN_ROLE {
                    j.hidden_url.clone()
                } else {
                    j.owner_url.clone()
                };
                wiring.extend([
                    ("JULIA_DATABASE_URL", url),
                    ("APP_ENV", "production".into()),
                    ("SUPABASE_PROJECT_REF", "ref123".into()),
                ]);
                Some(j)
            }
            None => None,
        };
        if julia.is_some() || jdb.is_some() {
            // The health watcher stays quiet unless a test sets its interval.
            wiring.push(("JULIA_WATCH_INTERVAL", "1h".into()));
        }
        let mut env: Vec<(String, String)> = wiring
            .into_iter()
            .filter(|(k, _)| !self.env.iter().any(|(set, _)| set == k))
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        env.extend(self.env);
        Fakes {
            slack,
            store,
            julia,
            evo,
            rw,
            jdb,
            env,
        }
    }

    /// Starts the fakes and spawns the app on them.
    pub async fn spawn(self) -> Harness {
        self.start().await.spawn().await
    }

    /// Starts the fakes and builds the bot's context on them, no server or worker running.
    pub async fn worker(self) -> Worker {
        self.start().await.worker().await
    }
}

/// The fakes of a test, its store, and the variables that point the bot at them.
pub struct Fakes {
    pub slack: FakeSlack,
    pub store: TestDb,
    julia: Option<FakeJulia>,
    evo: Option<FakeEvolution>,
    rw: Option<FakeRailway>,
    /// Owns Julia's database: dropping the harness drops it.
    jdb: Option<JuliaDatabase>,
    env: Vec<(String, String)>,
}

impl Fakes {
    /// Julia's health endpoints ([`Builder::julia_api`]).
    pub fn julia(&self) -> &FakeJulia {
        self.julia.as_ref().expect("no fake Julia: .julia_api()")
    }

    /// Evolution ([`Builder::evolution`]).
    pub fn evo(&self) -> &FakeEvolution {
        self.evo.as_ref().expect("no fake Evolution: .evolution()")
    }

    /// Railway ([`Builder::railway`]).
    pub fn rw(&self) -> &FakeRailway {
        self.rw.as_ref().expect("no fake Railway: .railway()")
    }

    /// Julia's database ([`Builder::julia_db`]).
    pub fn julia_database(&self) -> &JuliaDatabase {
        self.jdb
            .as_ref()
            .expect("no Julia database: .julia_db(role)")
    }

    /// A superuser pool on Julia's database: Julia's own worker, and the test's eyes.
    pub fn jdb(&self) -> &PgPool {
        &self.julia_database().admin
    }

    /// A count (or any `i64`) read from Julia's database.
    pub async fn jscalar(&self, sql: &str) -> i64 {
        sqlx::query(sql)
            .fetch_one(self.jdb())
            .await
            .unwrap()
            .get::<i64, _>(0)
    }

    /// Runs statements on Julia's database as a superuser.
    pub async fn jexec(&self, sql: &str) {
        sqlx::raw_sql(sql).execute(self.jdb()).await.unwrap();
    }

    /// The variables that point the bot at the fakes, with the test's own (for a binary).
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The same variables as app options (for a second app on the same fakes).
    pub fn options(&self) -> AppOptions {
        self.env
            .iter()
            .fold(AppOptions::default(), |o, (k, v)| o.env(k, v))
    }

    /// Spawns the app on these fakes.
    pub async fn spawn(self) -> Harness {
        let app = spawn_app(&self.store, &self.slack, self.options()).await;
        Harness { app, fakes: self }
    }

    /// The bot's context on these fakes, no server or worker running.
    pub async fn worker(self) -> Worker {
        let ctx = worker_ctx(&self.store, &self.slack, self.options()).await;
        Worker { ctx, fakes: self }
    }

    /// Nothing of [`SECRETS`] in any call to Slack or any `response_url` answer.
    pub fn assert_no_secrets(&self) {
        let mut all = String::new();
        for c in self.slack.calls() {
            all.push_str(&c.body.to_string());
        }
        for (_, r) in self.slack.responses() {
            all.push_str(&r.to_string());
        }
        for s in SECRETS {
            assert!(!all.contains(s), "secret {s} reached Slack");
        }
    }
}

/// The app running on its fakes; derefs to [`Fakes`] (`h.slack`, `h.rw()`, `h.jdb()`…).
pub struct Harness {
    pub app: TestApp,
    fakes: Fakes,
}

impl Deref for Harness {
    type Target = Fakes;
    fn deref(&self) -> &Fakes {
        &self.fakes
    }
}

/// The bot's context on its fakes; derefs to [`Fakes`].
pub struct Worker {
    pub ctx: Arc<chatops_core::Ctx>,
    fakes: Fakes,
}

impl Deref for Worker {
    type Target = Fakes;
    fn deref(&self) -> &Fakes {
        &self.fakes
    }
}

impl Harness {
    /// Slack and a store, nothing else: add what the test needs.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Everything `/julia` talks to: Julia's API, Evolution, Railway, Julia's database as its
    /// owner, [`ADMIN`] an admin, and a test's pace (1 s per source, a deploy followed every
    /// 100 ms for at most 3 s).
    pub fn for_julia() -> Builder {
        Builder::default()
            .julia_api()
            .evolution()
            .railway()
            .julia_db(OWNER_ROLE)
            .admin()
            .env("JULIA_SOURCE_TIMEOUT", "1s")
            .env("JULIA_FOLLOW_INTERVAL", "100ms")
            .env("JULIA_FOLLOW_LIMIT", "3s")
    }

    /// Runs `/julia text` as `user` in [`CH`]; the ack must be ephemeral. Returns the first
    /// message sent to its `response_url`.
    pub async fn run(&self, text: &str, user: &str) -> Value {
        let ack = self.app.julia(text, user, CH).await;
        assert_eq!(ack["response_type"], "ephemeral", "{ack}");
        let rid = ack["_response_id"].as_str().unwrap().to_string();
        self.wait_response(&rid, 1).await
    }

    /// The `n`th message (from 1) sent to the `response_url` `rid`.
    pub async fn wait_response(&self, rid: &str, n: usize) -> Value {
        eventually(WAIT, || async {
            let r = self.slack.responses_to(rid);
            (r.len() >= n).then(|| r[n - 1].clone())
        })
        .await
        .unwrap_or_else(|| panic!("no response #{n} to {rid}"))
    }

    /// A privileged command up to its confirmation prompt: (the Confirm token, the prompt).
    pub async fn request(&self, text: &str, user: &str) -> (String, Value) {
        let msg = self.run(text, user).await;
        let token = token_of(&msg).unwrap_or_else(|| panic!("no confirmation in {msg}"));
        (token, msg)
    }

    /// Clicks a button in [`CH`] as `user`; returns the answer to the click.
    pub async fn click(&self, action: &str, value: &str, user: &str) -> Value {
        let rid = uuid::Uuid::new_v4().simple().to_string();
        let p = json!({
            "type": "block_actions", "user": {"id": user}, "channel": {"id": CH},
            "container": {"type": "message", "channel_id": CH, "is_ephemeral": true},
            "response_url": self.slack.response_url(&rid),
            "actions": [{"action_id": action, "value": value, "type": "button"}]
        });
        // Signed at the app's clock (tests may move it forward).
        assert_eq!(self.app.interaction(&p).await.status(), 200);
        self.wait_response(&rid, 1).await
    }

    /// Asks as [`ADMIN`] and clicks Confirm; returns the answer.
    pub async fn confirm(&self, text: &str) -> Value {
        let (token, _) = self.request(text, ADMIN).await;
        self.click("julia_confirm", &token, ADMIN).await
    }

    /// How many audit rows have this action and outcome.
    pub async fn audits(&self, action: &str, outcome: &str) -> i64 {
        self.app
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND outcome = '{outcome}'"
            ))
            .await
    }

    /// What was posted in the incidents channel once the outbox is delivered, as text.
    pub async fn announcements(&self) -> Vec<String> {
        self.app.drain_outbox().await;
        self.slack.posts_in(INCIDENTS).iter().map(text_of).collect()
    }
}

/// A message's text and blocks as one string.
pub fn text_of(v: &Value) -> String {
    let mut t = v["text"].as_str().unwrap_or("").to_string();
    t.push_str(&v["blocks"].to_string());
    t
}

/// The value of the button `action` in a message.
pub fn button_value(v: &Value, action: &str) -> Option<String> {
    v["blocks"].as_array()?.iter().find_map(|b| {
        b["elements"]
            .as_array()?
            .iter()
            .find(|e| e["action_id"] == action)
            .and_then(|e| e["value"].as_str().map(String::from))
    })
}

/// The label of the button `action` in a message.
pub fn button_label(v: &Value, action: &str) -> Option<String> {
    v["blocks"].as_array()?.iter().find_map(|b| {
        b["elements"]
            .as_array()?
            .iter()
            .find(|e| e["action_id"] == action)
            .and_then(|e| e["text"]["text"].as_str().map(String::from))
    })
}

/// The token of a `/julia` confirmation prompt (its Confirm button's value).
pub fn token_of(v: &Value) -> Option<String> {
    button_value(v, "julia_confirm")
}
