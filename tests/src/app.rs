//! Spawns the real application on port 0 against a fake Slack.

use std::time::Duration;

use bot::Settings as Config;
use chatops_core::Clock;
use serde_json::Value;

use crate::{FakeSlack, TestDb};

pub const SECRET: &str = "test-signing-secret-8f742231b10e";
pub const INCIDENTS: &str = "CINCIDENTS";

#[derive(Clone, Default)]
pub struct AppOptions {
    /// Extra environment pairs (override the defaults below).
    pub env: Vec<(String, String)>,
    pub redis_url: Option<String>,
}

impl AppOptions {
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }
}

pub struct TestApp {
    pub addr: std::net::SocketAddr,
    pub ctx: std::sync::Arc<chatops_core::Ctx>,
    pub slack: FakeSlack,
    pub db: TestDb,
    pub http: reqwest::Client,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub async fn spawn_app(db: &TestDb, slack: &FakeSlack, opts: AppOptions) -> TestApp {
    let config = test_config(db, slack, &opts);
    let app = bot::Application::build(config, Clock::system())
        .await
        .expect("app builds");
    let addr = app.local_addr();
    let ctx = app.ctx();
    let task = tokio::spawn(app.run_until_stopped());
    TestApp {
        addr,
        ctx,
        slack: slack.clone(),
        db: db.clone(),
        http: reqwest::Client::new(),
        task,
    }
}

/// The bot's context on a migrated store with no server and no worker running: tests drive the
/// workers themselves (`jobs::run_once`, `outbox::run_once`, `reminder::run_once`).
pub async fn worker_ctx(
    db: &TestDb,
    slack: &FakeSlack,
    opts: AppOptions,
) -> std::sync::Arc<chatops_core::Ctx> {
    let config = test_config(db, slack, &opts);
    let store = chatops_core::Store::connect_and_migrate(&config.database_url)
        .await
        .expect("store");
    bot::compose::context(
        config,
        store,
        chatops_core::cache::Cache::none(),
        Clock::system(),
    )
}

fn test_config(db: &TestDb, slack: &FakeSlack, opts: &AppOptions) -> Config {
    let mut pairs: Vec<(String, String)> = vec![
        ("SLACK_SIGNING_SECRET".into(), SECRET.into()),
        ("SLACK_BOT_TOKEN".into(), "xoxb-test-token".into()),
        ("SLACK_API_URL".into(), slack.base_url.clone()),
        ("SLACK_TIMEOUT".into(), "2s".into()),
        ("BIND_ADDR".into(), "127.0.0.1".into()),
        ("PORT".into(), "0".into()),
        ("DATABASE_URL".into(), db.url.clone()),
        ("INCIDENTS_CHANNEL".into(), INCIDENTS.into()),
        ("OUTBOX_POLL_INTERVAL".into(), "100ms".into()),
        ("OUTBOX_CHANNEL_INTERVAL".into(), "20ms".into()),
        ("REMINDER_POLL_INTERVAL".into(), "200ms".into()),
        // The weekly digest is driven by its own tests (`stats::digest::run_once`).
        ("STATS_DIGEST".into(), "off".into()),
    ];
    if let Some(r) = &opts.redis_url {
        pairs.push(("REDIS_URL".into(), r.clone()));
    }
    pairs.extend(opts.env.iter().cloned());
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Config::from_pairs(&refs).expect("test config")
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the whole app at once, as a crash would (no graceful shutdown).
    pub fn kill(self) {
        self.task.abort();
    }

    /// Like [`TestApp::kill`], keeping the value (a harness owns it): the server and every
    /// worker stop at once, mid-call, as if the process died.
    pub fn abort(&self) {
        self.task.abort();
    }

    /// POSTs a body signed with the test secret at `ts`.
    pub async fn post_signed_at(
        &self,
        path: &str,
        body: &str,
        content_type: &str,
        ts: i64,
    ) -> reqwest::Response {
        let ts = ts.to_string();
        let sig = chatops_core::signature::sign(SECRET, &ts, body.as_bytes());
        self.http
            .post(self.url(path))
            .header("content-type", content_type)
            .header("x-slack-request-timestamp", ts)
            .header("x-slack-signature", sig)
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    pub async fn post_signed(
        &self,
        path: &str,
        body: &str,
        content_type: &str,
    ) -> reqwest::Response {
        // Signed at the app's own clock, which tests may have moved forward.
        self.post_signed_at(path, body, content_type, self.ctx.clock.now_secs())
            .await
    }

    /// Runs a slash command as `user` in `channel`; returns the ack body (Null when empty).
    pub async fn command_as(&self, command: &str, text: &str, user: &str, channel: &str) -> Value {
        let rid = uuid::Uuid::new_v4().simple().to_string();
        let form = serde_urlencoded::to_string([
            ("token", "legacy"),
            ("team_id", "T1"),
            ("team_domain", "julia"),
            ("channel_id", channel),
            ("channel_name", "x"),
            ("user_id", user),
            ("user_name", "someone"),
            ("command", command),
            ("text", text),
            ("response_url", &self.slack.response_url(&rid)),
            ("trigger_id", &format!("trig.{rid}")),
        ])
        .unwrap();
        let r = self
            .post_signed(
                "/slack/commands",
                &form,
                "application/x-www-form-urlencoded",
            )
            .await;
        assert_eq!(r.status(), 200, "slash command ack");
        let text = r.text().await.unwrap();
        if text.is_empty() {
            Value::Null
        } else {
            let mut v: Value = serde_json::from_str(&text).unwrap();
            // Every reply in every test is held to what Slack would show.
            assert_eq!(
                crate::slack_limits::message_refusal(&v),
                None,
                "Slack would refuse this reply: {v}"
            );
            v["_response_id"] = rid.into();
            v
        }
    }

    pub async fn incident(&self, text: &str, user: &str, channel: &str) -> Value {
        self.command_as("/incident", text, user, channel).await
    }

    pub async fn julia(&self, text: &str, user: &str, channel: &str) -> Value {
        self.command_as("/julia", text, user, channel).await
    }

    pub async fn event(&self, envelope: &Value) -> reqwest::Response {
        self.post_signed("/slack/events", &envelope.to_string(), "application/json")
            .await
    }

    pub async fn interaction(&self, payload: &Value) -> reqwest::Response {
        let form = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        self.post_signed(
            "/slack/interactions",
            &form,
            "application/x-www-form-urlencoded",
        )
        .await
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(sql)
            .fetch_one(&self.ctx.store.pool)
            .await
            .unwrap()
            .get::<i64, _>(0)
    }

    /// Runs every due job to its end (the app's own worker may be running some: this waits for
    /// those), then delivers the outbox. After it, whatever the requests so far caused is done.
    pub async fn settle(&self) {
        let ok = crate::eventually(Duration::from_secs(20), || async {
            chatops_core::jobs::run_once(&self.ctx)
                .await
                .expect("jobs step");
            let now = self.ctx.clock.now_ms();
            (self
                .scalar(&format!(
                    "SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND run_at <= {now}"
                ))
                .await
                == 0)
                .then_some(())
        })
        .await;
        assert!(ok.is_some(), "jobs did not finish");
        self.drain_outbox().await;
    }

    /// Waits until the outbox has nothing pending.
    pub async fn drain_outbox(&self) {
        let ok = crate::eventually(Duration::from_secs(20), || async {
            (self
                .scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
                .await
                == 0)
                .then_some(())
        })
        .await;
        assert!(ok.is_some(), "outbox did not drain");
    }
}
