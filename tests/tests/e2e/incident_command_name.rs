//! The slash command's name is configuration (`INCIDENT_COMMAND`): the answers that tell the
//! user what to type next name the configured command, never a built-in `/incident`.

use serde_json::Value;
use testkit::*;

fn text_of(v: &Value) -> String {
    v["text"].as_str().unwrap_or_default().to_string()
}

async fn answers_name_the_configured_command(db: TestDb) {
    let slack = FakeSlack::start().await;
    let opts = AppOptions::default().env("INCIDENT_COMMAND", "/inc-staging");
    let app = spawn_app(&db, &slack, opts).await;
    let cmd = |text: &'static str| app.command_as("/inc-staging", text, "UANA", "CORIGIN");

    let unknown = text_of(&cmd("update INC-99 db is back").await);
    assert!(
        unknown.contains("INC-99 does not exist. `/inc-staging list`"),
        "{unknown}"
    );

    let declared = text_of(&cmd("declare P3 checkout is slow").await);
    assert!(declared.contains("INC-1"), "{declared}");
    let resolved = text_of(&cmd("resolve INC-1 cache flushed").await);
    assert!(resolved.contains("INC-1: resolved."), "{resolved}");
    let refused = text_of(&cmd("update INC-1 still slow").await);
    assert!(
        refused.contains("INC-1 is resolved. `/inc-staging reopen` it first"),
        "{refused}"
    );
    for answer in [&unknown, &refused] {
        assert!(!answer.contains("/incident"), "{answer}");
    }
    // Nothing of the refused update was stored.
    let updates = app
        .scalar("SELECT COUNT(*) FROM timeline WHERE incident_id = 1 AND kind = 'update'")
        .await;
    assert_eq!(updates, 0);
}

on_both_stores!(configured_command, answers_name_the_configured_command);
