//! Socket Mode against a loopback WebSocket server and a fake `apps.connections.open`, and the
//! App Home tab (`app_home_opened` → `views.publish`).

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use testkit::*;

const WAIT: Duration = Duration::from_secs(10);
const APP_TOKEN: &str = "xapp-1-A0TEST-1-test";

async fn socket_app(db: &TestDb) -> (TestApp, FakeSocket) {
    let slack = FakeSlack::start().await;
    let socket = FakeSocket::start().await;
    slack.set_socket_url(&socket.url());
    let app = spawn_app(
        db,
        &slack,
        AppOptions::default().env("SLACK_APP_TOKEN", APP_TOKEN),
    )
    .await;
    assert!(
        socket.wait_connections(1, WAIT).await,
        "the bot connects out"
    );
    (app, socket)
}

async fn ready(app: &TestApp) -> (u16, Value) {
    let r = app.http.get(app.url("/health/ready")).send().await.unwrap();
    let code = r.status().as_u16();
    (code, r.json().await.unwrap())
}

async fn wait_socket_state(app: &TestApp, state: &str) -> Value {
    eventually(WAIT, || async {
        let (_, v) = ready(app).await;
        (v["checks"]["socket_mode"]["status"] == state).then_some(v)
    })
    .await
    .unwrap_or_else(|| panic!("socket_mode never became {state}"))
}

fn slash_envelope(id: &str, command: &str, text: &str, response_url: &str) -> Value {
    json!({
        "payload": {
            "token": "legacy", "team_id": "T1", "team_domain": "julia", "channel_id": "C1",
            "channel_name": "x", "user_id": "U1", "user_name": "someone", "command": command,
            "text": text, "api_app_id": "A0TEST", "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": "13345224609.738474920.8088930838d88f008e0"
        },
        "envelope_id": id,
        "type": "slash_commands",
        "accepts_response_payload": true
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slash_command_envelope_is_acked_with_the_usage_help() {
    let (app, socket) = socket_app(&TestDb::sqlite().await).await;
    let (code, v) = ready(&app).await;
    assert_eq!(code, 200);
    assert_eq!(v["checks"]["socket_mode"]["status"], "connected", "{v}");
    // The connection was opened with the app-level token.
    let opens = app.slack.calls_to("apps.connections.open");
    assert_eq!(opens.len(), 1);
    assert_eq!(
        opens[0].auth.as_deref(),
        Some(&*format!("Bearer {APP_TOKEN}"))
    );

    let started = Instant::now();
    socket.send(&slash_envelope(
        "env-slash-1",
        "/incident",
        "",
        &app.slack.response_url("r1"),
    ));
    let ack = socket.ack("env-slash-1", WAIT).await.expect("acked");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "acked within 3 s"
    );
    assert_eq!(ack["payload"]["response_type"], "ephemeral", "{ack}");
    assert!(
        ack["payload"]["text"]
            .as_str()
            .unwrap()
            .contains("/incident declare <P0|P1|P2|P3>"),
        "{ack}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_events_api_envelope_is_handled_once() {
    let (app, socket) = socket_app(&TestDb::sqlite().await).await;
    let event = json!({"token": "XXYYZZ", "team_id": "T1", "api_app_id": "A0TEST", "type": "event_callback",
        "event": {"type": "reaction_added", "user": "U1", "reaction": "thumbsup",
                  "item": {"type": "message", "channel": "C1", "ts": "1.2"}, "event_ts": "1.3"},
        "event_id": "EvSock1", "event_time": 1});
    socket.send(
        &json!({"envelope_id": "env-ev-1", "payload": event, "type": "events_api",
                        "accepts_response_payload": false, "retry_attempt": 0, "retry_reason": ""}),
    );
    socket.send(&json!({"envelope_id": "env-ev-2", "payload": event, "type": "events_api",
                        "accepts_response_payload": false, "retry_attempt": 1, "retry_reason": "timeout"}));
    let a = socket.ack("env-ev-1", WAIT).await.expect("first acked");
    let b = socket.ack("env-ev-2", WAIT).await.expect("retry acked");
    assert!(a.get("payload").is_none() && b.get("payload").is_none());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM processed_events WHERE event_id = 'EvSock1'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interactive_envelope_with_a_bad_title_acks_with_errors() {
    let (app, socket) = socket_app(&TestDb::sqlite().await).await;
    let payload = json!({"type": "view_submission", "team": {"id": "T1", "domain": "julia"},
        "user": {"id": "U1", "username": "someone"}, "api_app_id": "A0TEST",
        "view": {"id": "V1", "type": "modal", "callback_id": "incident_declare", "private_metadata": "C1",
                 "state": {"values": {
                     "title": {"title_input": {"type": "plain_text_input", "value": "ab"}},
                     "severity": {"severity_select": {"type": "static_select", "selected_option": {"value": "P1"}}}}}}});
    socket.send(
        &json!({"envelope_id": "env-int-1", "payload": payload, "type": "interactive",
                        "accepts_response_payload": true}),
    );
    let ack = socket.ack("env-int-1", WAIT).await.expect("acked");
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");
    assert!(ack["payload"]["errors"]["title"].is_string(), "{ack}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disconnect_refresh_opens_a_new_connection_then_closes_the_old_one() {
    let (app, socket) = socket_app(&TestDb::sqlite().await).await;
    socket.send(&json!({"type": "disconnect", "reason": "refresh_requested",
                        "debug_info": {"host": "applink-fake-1"}}));
    assert!(socket.wait_connections(2, WAIT).await, "reconnected");
    assert_eq!(app.slack.calls_to("apps.connections.open").len(), 2);
    // The old connection is closed by the bot once the new one is up.
    eventually(WAIT, || async {
        socket.closed().contains(&0).then_some(())
    })
    .await
    .expect("old connection closed");
    // The new connection serves.
    socket.send(&slash_envelope(
        "env-after-refresh",
        "/julia",
        "help",
        &app.slack.response_url("r2"),
    ));
    let ack = socket.ack("env-after-refresh", WAIT).await.expect("acked");
    assert!(ack["payload"]["text"]
        .as_str()
        .unwrap()
        .contains("/julia pause <reason>"));
    let (_, v) = ready(&app).await;
    assert_eq!(v["checks"]["socket_mode"]["status"], "connected");
    assert_eq!(
        v["checks"]["socket_mode"]["last_disconnect"],
        "refresh_requested"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_socket_reconnects_and_health_shows_the_state() {
    let (app, socket) = socket_app(&TestDb::sqlite().await).await;
    // Slack is unreachable for a while: the bot keeps trying, /health/ready says so (200).
    app.slack
        .fail_all("apps.connections.open", Behavior::OkFalse("internal_error"));
    socket.drop_newest();
    let v = wait_socket_state(&app, "connecting").await;
    assert_eq!(v["status"], "ready", "{v}");
    let (code, _) = ready(&app).await;
    assert_eq!(code, 200);
    eventually(WAIT, || async {
        (app.slack.calls_to("apps.connections.open").len() >= 2).then_some(())
    })
    .await
    .expect("retried");
    app.slack.heal("apps.connections.open");
    assert!(socket.wait_connections(2, WAIT).await, "reconnected");
    wait_socket_state(&app, "connected").await;
    socket.send(&slash_envelope(
        "env-after-drop",
        "/incident",
        "help",
        &app.slack.response_url("r3"),
    ));
    socket.ack("env-after-drop", WAIT).await.expect("acked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_app_token_socket_mode_is_disabled() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let (code, v) = ready(&app).await;
    assert_eq!(code, 200);
    assert_eq!(v["checks"]["socket_mode"]["status"], "disabled", "{v}");
    assert!(slack.calls_to("apps.connections.open").is_empty());
}

// ---- App Home ----

fn home_opened(event_id: &str, user: &str) -> Value {
    json!({"token": "XXYYZZ", "team_id": "T1", "api_app_id": "A0TEST", "type": "event_callback",
           "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                     "event_ts": "1700000000.000100"},
           "event_id": event_id, "event_time": 1700000000})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_home_lists_open_incidents_and_is_throttled_per_user() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let ack = app
        .incident("declare P1 checkout is failing", "UDECL", "CORIGIN")
        .await;
    assert!(
        ack["text"].as_str().unwrap().contains("INC-1 declared"),
        "{ack}"
    );
    eventually(WAIT, || async {
        (app.scalar("SELECT COUNT(*) FROM incidents").await == 1).then_some(())
    })
    .await
    .expect("declared");

    assert_eq!(
        app.event(&home_opened("EvHome1", "UHOME")).await.status(),
        200
    );
    let publish = eventually(WAIT, || async {
        slack.calls_to("views.publish").into_iter().next()
    })
    .await
    .expect("views.publish");
    assert_eq!(publish.body["user_id"], "UHOME");
    assert_eq!(publish.body["view"]["type"], "home");
    let view = publish.body["view"].to_string();
    assert!(view.contains("INC-1"), "{view}");
    assert!(view.contains("[P1]"), "{view}");
    assert!(view.contains("Investigating"), "{view}");
    assert!(view.contains("checkout is failing"), "{view}");
    assert!(view.contains("Julia controls not configured"), "{view}");
    assert!(view.contains("incident_declare_open") && view.contains("julia_home_status"));

    // Opened again within the throttle window (a new event, not a retry): the handler, driven
    // to its end, publishes nothing.
    bot::dispatch::event::handle(app.ctx.clone(), home_opened("EvHome2", "UHOME")).await;
    assert_eq!(
        slack
            .calls_to("views.publish")
            .iter()
            .filter(|c| c.body["user_id"] == "UHOME")
            .count(),
        1,
        "throttled"
    );
    // Another user is not throttled by the first.
    assert_eq!(
        app.event(&home_opened("EvHome3", "UOTHER")).await.status(),
        200
    );
    eventually(WAIT, || async {
        slack
            .calls_to("views.publish")
            .iter()
            .any(|c| c.body["user_id"] == "UOTHER")
            .then_some(())
    })
    .await
    .expect("other user's home");
    // The Messages tab is not the Home tab: accepted, and the handler driven to its end
    // publishes nothing.
    let mut messages_tab = home_opened("EvHome4", "UMSG");
    messages_tab["event"]["tab"] = "messages".into();
    assert_eq!(app.event(&messages_tab).await.status(), 200);
    bot::dispatch::event::handle(app.ctx.clone(), messages_tab).await;
    assert!(!slack
        .calls_to("views.publish")
        .iter()
        .any(|c| c.body["user_id"] == "UMSG"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_buttons_open_the_declare_modal_and_dm_julia_status() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let from_home = |action: &str| {
        json!({"type": "block_actions", "user": {"id": "UHOME", "username": "x", "team_id": "T1"},
               "api_app_id": "A0TEST", "team": {"id": "T1", "domain": "julia"},
               "container": {"type": "view", "view_id": "VHOME"},
               "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
               "view": {"id": "VHOME", "type": "home"},
               "actions": [{"action_id": action, "block_id": "home_actions", "type": "button",
                            "value": "home", "action_ts": "1548426417.840180"}]})
    };
    assert_eq!(
        app.interaction(&from_home("incident_declare_open"))
            .await
            .status(),
        200
    );
    let open = eventually(WAIT, || async {
        slack.calls_to("views.open").into_iter().next()
    })
    .await
    .expect("declare modal opened");
    assert_eq!(open.body["view"]["callback_id"], "incident_declare");
    assert_eq!(open.body["view"]["private_metadata"], "UHOME");

    assert_eq!(
        app.interaction(&from_home("julia_home_status"))
            .await
            .status(),
        200
    );
    let dm = eventually(WAIT, || async {
        slack.posts_in("UHOME").into_iter().next()
    })
    .await
    .expect("status DM");
    assert!(dm["text"].as_str().is_some_and(|t| !t.is_empty()), "{dm}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_mode_stops_on_shutdown() {
    let slack = FakeSlack::start().await;
    let socket = FakeSocket::start().await;
    slack.set_socket_url(&socket.url());
    let db = TestDb::sqlite().await;
    let config = bot::Settings::from_pairs(&[
        ("SLACK_SIGNING_SECRET", "s"),
        ("SLACK_BOT_TOKEN", "xoxb-test"),
        ("SLACK_APP_TOKEN", APP_TOKEN),
        ("SLACK_API_URL", &slack.base_url),
        ("BIND_ADDR", "127.0.0.1"),
        ("PORT", "0"),
        ("DATABASE_URL", &db.url),
    ])
    .unwrap();
    let app = bot::Application::build(config, chatops_core::Clock::system())
        .await
        .unwrap();
    let stop = app.shutdown_handle();
    let task = tokio::spawn(app.run_until_stopped());
    assert!(socket.wait_connections(1, WAIT).await);
    stop.send(true).unwrap();
    let ended = tokio::time::timeout(WAIT, task).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "run_until_stopped returns");
    eventually(WAIT, || async {
        socket.closed().contains(&0).then_some(())
    })
    .await
    .expect("the socket is closed on shutdown");
}
