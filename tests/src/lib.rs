//! Shared test helpers: `spawn_app`, signed requests, a fresh database per test on SQLite or
//! PostgreSQL, and loopback fakes that record what they were sent and can be told to fail.

pub mod ack_client;
pub mod alert_kit;
pub mod app;
pub mod browser;
pub mod customers_kit;
pub mod db;
pub mod doctor_kit;
pub mod fake_alertmanager;
pub mod fake_evolution;
pub mod fake_http;
pub mod fake_julia;
pub mod fake_kubernetes;
pub mod fake_railway;
pub mod fake_slack;
pub mod fake_socket;
pub mod graphql_check;
pub mod harness;
pub mod incident_kit;
pub mod julia_db;
pub mod manifest_kit;
pub mod ops_harness;
pub mod paging;
pub mod redis;
pub mod slack_limits;
pub mod smtp;
pub mod specs;
pub mod wait;

pub use app::{spawn_app, worker_ctx, AppOptions, TestApp};
pub use db::{TempDir, TestDb};
pub use fake_slack::{Behavior, FakeSlack};
pub use fake_socket::FakeSocket;
pub use harness::Harness;
pub use redis::Redis;
pub use wait::eventually;

/// Runs a test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_stores {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::TestDb::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::TestDb::postgres().await).await;
            }
        }
    };
}
