//! Helpers of the incident lifecycle tests (`tests/tests/e2e/incidents.rs`,
//! `incident_interactions.rs`): declaring and waiting for the war room, reading a message.

use std::time::Duration;

use serde_json::Value;

use crate::app::TestApp;
use crate::wait::eventually;

pub const WAIT: Duration = Duration::from_secs(10);

/// A message's `text` (not its blocks).
pub fn text_of(v: &Value) -> String {
    v["text"].as_str().unwrap_or_default().to_string()
}

/// Declares and waits until the war room exists and the outbox is drained. Returns its channel id.
pub async fn declare(app: &TestApp, text: &str, user: &str) -> Option<String> {
    let ack = app.incident(text, user, "CORIGIN").await;
    assert!(
        text_of(&ack).contains("declared") && text_of(&ack).contains("Setting up the war room"),
        "{ack}"
    );
    let rid = ack["_response_id"].as_str().unwrap().to_string();
    let reply = eventually(WAIT, || async {
        app.slack.responses_to(&rid).into_iter().next()
    })
    .await
    .expect("declared reply");
    assert!(text_of(&reply).contains("declared"), "{reply}");
    app.drain_outbox().await;
    let id = app.scalar("SELECT MAX(id) FROM incidents").await;
    let r =
        sqlx::query_scalar::<_, Option<String>>("SELECT channel_id FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap();
    r
}

/// Today (UTC) as `YYYYMMDD`, as war room names have it.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    messages::utc_ymd_hm(secs)[..10].replace('-', "")
}

/// The example components file of the repository (`components.example.yml`: Julia's, Kumon's,
/// Fabrica's and ETP's components with the DR plans' RTOs), for `COMPONENTS_FILE`.
pub fn components_file() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../components.example.yml").to_string()
}
