//! `chatops simulate '/incident declare P1 Evolution down'`: runs a command through the real
//! grammar and flows against the local store, with a recording Slack on loopback, and prints
//! what the bot would post (channel, text fallback, and with `--json` the Block Kit body).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use handlers::slash::{Ack, SlashCommand};
use handlers::{Clock, Config, Ctx, Store};
use serde_json::{json, Value};

type Calls = Arc<Mutex<Vec<(String, Value)>>>;

/// A Slack stand-in that answers like Slack and records every call.
async fn start_recorder() -> anyhow::Result<(String, Calls)> {
    let calls: Calls = Default::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/api/{method}", post(api))
        .route("/response", post(response))
        .route("/upload", post(|| async { "ok" }))
        .with_state((calls.clone(), addr));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((format!("http://{addr}"), calls))
}

async fn api(
    State((calls, addr)): State<(Calls, std::net::SocketAddr)>,
    Path(method): Path<String>,
    body: String,
) -> Json<Value> {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let mut c = calls.lock().expect("lock");
    c.push((method.clone(), body.clone()));
    let n = c.len();
    Json(match method.as_str() {
        "chat.postMessage" => {
            json!({"ok": true, "channel": body["channel"], "ts": format!("1700000000.{n:06}")})
        }
        "conversations.create" => {
            json!({"ok": true, "channel": {"id": format!("CSIM{n:04}"), "name": body["name"]}})
        }
        "files.getUploadURLExternal" => {
            json!({"ok": true, "upload_url": format!("http://{addr}/upload"), "file_id": format!("FSIM{n}")})
        }
        "usergroups.users.list" => json!({"ok": true, "users": []}),
        _ => json!({"ok": true}),
    })
}

async fn response(
    State((calls, _)): State<(Calls, std::net::SocketAddr)>,
    body: String,
) -> &'static str {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    calls
        .lock()
        .expect("lock")
        .push(("response_url".into(), body));
    "ok"
}

pub struct Options {
    pub command_line: String,
    pub user: String,
    pub channel: String,
    pub json: bool,
}

fn print_call(method: &str, body: &Value, json: bool) {
    let text = body.get("text").and_then(Value::as_str).unwrap_or("");
    match method {
        "chat.postMessage" => {
            let thread = body
                .get("thread_ts")
                .map(|_| " (thread reply)")
                .unwrap_or("");
            println!(
                "→ post to {}{thread}:\n    {}",
                body["channel"].as_str().unwrap_or("?"),
                text.replace('\n', "\n    ")
            );
        }
        "response_url" => println!(
            "→ reply to you (ephemeral):\n    {}",
            text.replace('\n', "\n    ")
        ),
        "conversations.create" => println!(
            "→ create channel #{} (private: {})",
            body["name"].as_str().unwrap_or("?"),
            body["is_private"]
        ),
        "conversations.invite" => println!(
            "→ invite {} to {}",
            body["users"].as_str().unwrap_or("?"),
            body["channel"].as_str().unwrap_or("?")
        ),
        "conversations.setTopic" => println!(
            "→ topic of {}: {}",
            body["channel"].as_str().unwrap_or("?"),
            body["topic"].as_str().unwrap_or("")
        ),
        "pins.add" => println!(
            "→ pin message {} in {}",
            body["timestamp"].as_str().unwrap_or("?"),
            body["channel"].as_str().unwrap_or("?")
        ),
        "views.open" => println!(
            "→ open modal `{}`",
            body["view"]["callback_id"].as_str().unwrap_or("?")
        ),
        "files.completeUploadExternal" => println!(
            "→ upload file to {}",
            body["channel_id"].as_str().unwrap_or("?")
        ),
        other => println!("→ {other}"),
    }
    if json && (body.get("blocks").is_some() || body.get("view").is_some()) {
        println!("{}", serde_json::to_string_pretty(body).unwrap_or_default());
    }
}

/// Runs one command; returns the process exit code.
pub async fn run(mut config: Config, o: Options) -> anyhow::Result<i32> {
    let (base, calls) = start_recorder().await?;
    config.slack_api_url = format!("{base}/api");
    config.slack_bot_token = handlers::config::Secret::new("xoxb-simulator");
    config.outbox_channel_interval = Duration::ZERO;
    if config.incidents_channel.is_none() {
        config.incidents_channel = Some("CINCIDENTS".into());
    }
    let store = Store::connect_and_migrate(&config.database_url).await?;
    let ctx: Arc<Ctx> = Ctx::new(
        config,
        store,
        handlers::cache::Cache::none(),
        Clock::system(),
    );
    let line = o.command_line.trim();
    let (command, text) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let cmd = SlashCommand {
        command: command.to_string(),
        text: text.trim().to_string(),
        user_id: o.user.clone(),
        channel_id: o.channel.clone(),
        channel_name: "simulator".into(),
        team_id: "TSIM".into(),
        response_url: format!("{base}/response"),
        trigger_id: "simulated.trigger".into(),
    };
    println!("$ {line}   (as {} in {})", o.user, o.channel);
    match handlers::slash::handle(ctx.clone(), cmd).await {
        Ack::Empty => println!("ack: (empty 200)"),
        Ack::Body(v) => {
            println!(
                "ack ({}):\n    {}",
                v["response_type"].as_str().unwrap_or("ephemeral"),
                v["text"].as_str().unwrap_or("").replace('\n', "\n    ")
            );
            if o.json && v.get("blocks").is_some() {
                println!("{}", serde_json::to_string_pretty(&v)?);
            }
        }
    }
    // Let background work finish (e.g. a declaration) and deliver the outbox.
    let pacing: handlers::outbox::SharedPacing = Default::default();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut quiet = 0;
    while Instant::now() < deadline && quiet < 6 {
        let n = handlers::outbox::deliver_batch(&ctx, &pacing).await?;
        quiet = if n == 0 { quiet + 1 } else { 0 };
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (method, body) in calls.lock().expect("lock").iter() {
        print_call(method, body, o.json);
    }
    Ok(0)
}
