//! Shared set-up of the paging and on-call tests (`tests/tests/e2e/paging.rs`, `oncall.rs`): a
//! fake Slack and a fake Evolution, a rotation of two people with phones, a commander, and a
//! helper that drives the paging worker until nothing is due.

use std::time::Duration;

use crate::fake_evolution::FakeEvolution;
use crate::{eventually, spawn_app, AppOptions, FakeSlack, TestApp, TestDb};

pub const TOKEN: &str = "pager-token-0123456789abcdef0123";
pub const ANA: &str = "UANA0001";
pub const BIA: &str = "UBIA0002";
pub const CAIO: &str = "UCAIO003";
pub const ANA_PHONE: &str = "5511999990001";
pub const BIA_PHONE: &str = "5511999990002";
pub const CAIO_PHONE: &str = "5521988880003";
pub const MIN: Duration = Duration::from_secs(60);

pub struct Setup {
    pub slack: FakeSlack,
    pub evo: FakeEvolution,
}

impl Setup {
    pub async fn new() -> Setup {
        Setup {
            slack: FakeSlack::start().await,
            evo: FakeEvolution::start().await,
        }
    }

    pub fn options(&self) -> AppOptions {
        AppOptions::default()
            .env("EVOLUTION_API_URL", &self.evo.base_url)
            .env("EVOLUTION_API_KEY", "evo-key")
            .env("EVOLUTION_INSTANCE", "julia")
            .env("ONCALL_ROTATION", &format!("{ANA},{BIA}"))
            .env(
                "ONCALL_PHONES",
                &format!("{ANA}:+{ANA_PHONE}, {BIA}:+{BIA_PHONE}, {CAIO}:+{CAIO_PHONE}"),
            )
            .env("COMMANDER_USERS", CAIO)
            .env("PAGER_WEBHOOK_TOKEN", TOKEN)
            .env("INCIDENT_ACK_P0", "5m")
            // Reminders are another feature: keep them out of the way of the ladder.
            .env("INCIDENT_CADENCE_P0", "off")
    }

    pub async fn app(&self, db: &TestDb) -> TestApp {
        spawn_app(db, &self.slack, self.options()).await
    }
}

/// Runs the paging worker until nothing is due now and no page is in flight (the app's own
/// worker may hold some), then delivers the outbox.
pub async fn page(app: &TestApp) {
    let ctx = app.ctx.clone();
    let done = eventually(Duration::from_secs(20), || async {
        paging::run_once(&ctx).await.expect("paging step");
        let now = ctx.clock.now_ms();
        let busy = app
            .scalar(&format!(
                "SELECT (SELECT COUNT(*) FROM pages WHERE state = 'pending' AND next_attempt_at <= {now})
                      + (SELECT COUNT(*) FROM pager_ladders WHERE due_at <= {now} OR lease_until > {now})"
            ))
            .await;
        (busy == 0).then_some(())
    })
    .await;
    assert!(done.is_some(), "paging did not settle");
    app.settle().await;
}

pub async fn declare(app: &TestApp, text: &str) -> (i64, String) {
    app.incident(text, "UDECL", "CORIGIN").await;
    app.settle().await;
    let (id, room): (i64, Option<String>) =
        sqlx::query_as("SELECT id, channel_id FROM incidents ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap();
    (id, room.expect("war room"))
}

pub fn texts_in(slack: &FakeSlack, channel: &str) -> Vec<String> {
    slack
        .posts_in(channel)
        .iter()
        .map(|p| format!("{} {}", p["text"].as_str().unwrap_or(""), p["blocks"]))
        .collect()
}

pub fn count_in(slack: &FakeSlack, channel: &str, needle: &str) -> usize {
    texts_in(slack, channel)
        .iter()
        .filter(|t| t.contains(needle))
        .count()
}

/// No phone number, whole, in anything the bot sent Slack.
pub fn assert_no_numbers(slack: &FakeSlack) {
    for c in slack.calls() {
        let b = c.body.to_string();
        for n in [ANA_PHONE, BIA_PHONE, CAIO_PHONE, "999990001", "999990002"] {
            assert!(!b.contains(n), "a phone number reached Slack: {b}");
        }
    }
}

pub async fn oncall_text(app: &TestApp) -> String {
    app.incident("oncall", "UASK", "CORIGIN").await.to_string()
}
