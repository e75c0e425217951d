//! The set-up of the `chatops doctor` tests (`tests/tests/e2e/doctor.rs`, `doctor_integrations.rs`):
//! the harness's fakes of Slack, Railway, Evolution and Julia's API and Julia's database
//! ([`Harness::builder`]), seeded healthy, a migrated SQLite store, a real Redis, and every
//! variable the doctor reads pointing at them. The doctor runs through its library entry point
//! (`doctor::run`, what the binary prints); the report must never show a secret.

use std::ops::Deref;
use std::time::Duration;

use bot::Settings as Config;
use doctor::{Report, Status};
use serde_json::json;

use crate::harness::{Fakes, Harness};
use crate::julia_db::OWNER_ROLE;
use crate::redis::Redis;

pub const SLACK_TOKEN: &str = "xoxb-doctor-secret-0001";
pub const SIGNING: &str = "signing-secret-doctor-0002";
pub const APP_TOKEN: &str = "xapp-doctor-secret-0008";
pub const RW_ACCOUNT: &str = "rw-account-secret-0003";
pub const RW_PROJECT: &str = "rw-project-secret-0004";
pub const EVO_KEY: &str = "evo-key";
pub const HOOK: &str = "https://julia.example/webhooks/evolution";
/// The password of the database role `julia_rls_blind_role_is_named` creates.
pub const JDB_PASSWORD: &str = "jdb-pass-0005";

/// The fakes (`h.slack`, `h.rw()`, `h.jdb()`…), a Redis, and the doctor's configuration.
pub struct DoctorHarness {
    fakes: Fakes,
    pub redis: Redis,
    pairs: Vec<(String, String)>,
}

impl Deref for DoctorHarness {
    type Target = Fakes;
    fn deref(&self) -> &Fakes {
        &self.fakes
    }
}

/// Every integration configured and healthy.
pub async fn harness() -> DoctorHarness {
    let fakes = Harness::builder()
        .julia_api()
        .evolution()
        .railway()
        .julia_db(OWNER_ROLE)
        .start()
        .await;
    let slack = &fakes.slack;
    slack.set_valid_token(SLACK_TOKEN);
    slack.set_channel("CINCIDENTS", "incidents", false, true);
    slack.set_usergroup("SADMINS", &["UADMIN"]);
    slack.set_usergroup("SONCALL", &["U1", "U2"]);
    slack.set_socket_url("ws://127.0.0.1:9/socket-never-dialed");
    fakes.evo().state.lock().unwrap().webhook = json!({"id": "w1", "url": HOOK, "enabled": true,
        "events": ["MESSAGES_UPSERT"], "webhookByEvents": false, "webhookBase64": false, "headers": null});
    fakes.rw().state.lock().unwrap().tokens = Some((RW_ACCOUNT.into(), RW_PROJECT.into()));
    chatops_core::Store::connect_and_migrate(&fakes.store.url)
        .await
        .unwrap();
    let redis = Redis::start();
    // Julia's database as its superuser (the doctor's "owner" case).
    let jdb_url = &fakes.julia_database().db.url;
    let pairs = [
        ("SLACK_SIGNING_SECRET", SIGNING),
        ("SLACK_BOT_TOKEN", SLACK_TOKEN),
        ("SLACK_APP_TOKEN", APP_TOKEN),
        ("SLACK_API_URL", &slack.base_url),
        ("INCIDENTS_CHANNEL", "CINCIDENTS"),
        ("CHATOPS_ADMIN_GROUP", "SADMINS"),
        ("ESCALATION_USERGROUP", "SONCALL"),
        ("DATABASE_URL", &fakes.store.url),
        ("REDIS_URL", &redis.url()),
        ("JULIA_DATABASE_URL", jdb_url),
        ("JULIA_BASE_URL", &fakes.julia().base_url),
        ("APP_ENV", "production"),
        ("SUPABASE_PROJECT_REF", "ref123"),
        ("JULIA_REDIS_URL", &redis.url()),
        ("RAILWAY_API_URL", &fakes.rw().url),
        ("RAILWAY_API_TOKEN", RW_ACCOUNT),
        ("RAILWAY_PROJECT_ID", "p1"),
        ("RAILWAY_ENVIRONMENT_ID", "e1"),
        ("EVOLUTION_API_URL", &fakes.evo().base_url),
        ("EVOLUTION_API_KEY", EVO_KEY),
        ("EVOLUTION_INSTANCE", "julia"),
        ("EVOLUTION_WEBHOOK_URL", HOOK),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    DoctorHarness {
        fakes,
        redis,
        pairs,
    }
}

impl DoctorHarness {
    /// Runs the doctor with the harness's configuration, `set` overriding it (an empty value
    /// unsets a variable).
    pub async fn doctor(&self, set: &[(&str, &str)]) -> Report {
        let mut pairs = self.pairs.clone();
        for (k, v) in set {
            pairs.retain(|(pk, _)| pk != k);
            pairs.push((k.to_string(), v.to_string()));
        }
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let config = Config::from_pairs(&refs).expect("config");
        let report = doctor::run(
            &config,
            &doctor::Options {
                timeout: Duration::from_secs(2),
            },
        )
        .await;
        assert_no_secret(&report.render());
        report
    }

    /// The URL of Julia's database as its superuser.
    pub fn jdb_url(&self) -> &str {
        &self.julia_database().db.url
    }
}

pub fn assert_no_secret(text: &str) {
    for s in [
        SLACK_TOKEN,
        SIGNING,
        APP_TOKEN,
        RW_ACCOUNT,
        RW_PROJECT,
        JDB_PASSWORD,
    ] {
        assert!(!text.contains(s), "secret {s} printed:\n{text}");
    }
}

/// The check, which must have `status`; returns it for more assertions.
pub fn expect<'a>(r: &'a Report, system: &str, name: &str, status: Status) -> &'a doctor::Check {
    let c = r
        .get(system, name)
        .unwrap_or_else(|| panic!("no check {system}/{name}:\n{}", r.render()));
    assert_eq!(c.status, status, "{system}/{name}:\n{}", r.render());
    c
}

pub fn fix(c: &doctor::Check) -> &str {
    c.fix.as_deref().expect("a failure names its fix")
}
