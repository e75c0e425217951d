//! Help is answered from bytes serialized once per process: the body a user sees is the help
//! of the configured command names and locale, as JSON, the same on every request.

use serde_json::Value;
use testkit::*;

const FORM: &str = "application/x-www-form-urlencoded";

fn form(command: &str, text: &str) -> String {
    serde_urlencoded::to_string([
        ("command", command),
        ("text", text),
        ("user_id", "U1"),
        ("channel_id", "C1"),
        ("response_url", "http://127.0.0.1:9/none"),
    ])
    .unwrap()
}

async fn help_answers_with_the_configured_names_and_locale(db: TestDb) {
    let slack = FakeSlack::start().await;
    let opts = AppOptions::default()
        .env("INCIDENT_COMMAND", "/inc")
        .env("JULIA_COMMAND", "/jl")
        .env("CHATOPS_LOCALE", "pt-BR");
    let app = spawn_app(&db, &slack, opts).await;
    for (command, topic) in [
        ("/inc", messages::usage::Topic::Incident),
        ("/jl", messages::usage::Topic::Julia),
    ] {
        let expected =
            messages::usage::help(topic, "/inc", "/jl", messages::Locale::PtBr).ephemeral();
        for _ in 0..2 {
            let r = app
                .post_signed("/slack/commands", &form(command, "help"), FORM)
                .await;
            assert_eq!(r.status(), 200);
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            assert_eq!(ct, "application/json");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body, expected, "{command}");
            assert_eq!(body["response_type"], "ephemeral");
            let text = body.to_string();
            assert!(text.contains(&format!("{command} ")), "{text}");
            assert!(
                !text.contains("/incident ") && !text.contains("/julia "),
                "{text}"
            );
        }
    }
    // Nothing was written and nothing posted.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox").await, 0);
    assert!(slack.calls().is_empty());
}
on_both_stores!(
    help_names_locale,
    help_answers_with_the_configured_names_and_locale
);
