//! `chatops simulate '/incident declare P1 Evolution down'`: runs commands through the real
//! grammar and flows with a recording Slack on loopback, and prints what the bot would post
//! (channel, text fallback, and with `--json` the Block Kit body).
//!
//! The store is a throwaway in-memory SQLite database by default, seeded with one open incident
//! (INC-1, P1, war room `CSIM0001`) so that `update`, `status`, `resolve`… have something to act
//! on; nothing is kept, and `DATABASE_URL` is never touched, so a later `chatops serve` cannot
//! post reminders for simulated incidents. Writing to a real store needs `--store <url>` and is
//! announced loudly on stderr.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::Settings as Config;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chatops_core::request::SlashCommand;
use chatops_core::{Clock, Ctx, Store};
use serde_json::{json, Value};

type Calls = Arc<Mutex<Vec<(String, Value)>>>;

/// A Slack stand-in that answers like Slack and records every call.
async fn start_recorder() -> anyhow::Result<(String, Calls)> {
    let calls: Calls = Default::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/api/{method}", get(api).post(api))
        .route("/response", post(response))
        .route("/upload", post(|| async { "ok" }))
        .with_state((calls.clone(), addr));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((format!("http://{addr}"), calls))
}

async fn api(
    State((calls, addr)): State<(Calls, std::net::SocketAddr)>,
    Path(method): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    body: String,
) -> Json<Value> {
    // The client sends JSON, a form or a query string depending on the method
    // (`chatops_core::slack::METHODS`).
    let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| {
        let raw = if body.is_empty() {
            query.unwrap_or_default()
        } else {
            body
        };
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&raw).unwrap_or_default();
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    });
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
    /// The command lines, run in order against the same store.
    pub commands: Vec<String>,
    pub user: String,
    pub channel: String,
    pub json: bool,
    /// A real store to write to (`--store`); `None` = the throwaway in-memory one.
    pub store: Option<String>,
    /// Seed the throwaway store with an open incident (ignored with `--store`).
    pub seed: bool,
}

/// The throwaway store: SQLite in memory, shared by the pool's connections, gone at exit.
pub const THROWAWAY_STORE: &str = "sqlite::memory:";

/// The seeded incident: declared through the real flow before the user's commands.
pub const SEED_COMMAND: &str = "declare P1 Example: WhatsApp replies delayed";
/// Who declared the seeded incident.
pub const SEED_USER: &str = "USEED";

/// Exit code of a usage error (as for a bad command-line option).
pub const USAGE_ERROR: i32 = 2;

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

/// Why a command line is a usage error, if it is one: not a slash command, a command the bot
/// does not know, or text its grammar refuses (`/incident` alone asks for help: not an error).
fn usage_error(ctx: &Ctx, command: &str, text: &str) -> Option<String> {
    let config = &ctx.config;
    use crate::command::{parse_incident, parse_julia};
    use messages::usage::Problem;
    let parsed = if command == config.incident_command {
        parse_incident(text).map(|_| ())
    } else if command == config.julia_command {
        parse_julia(text).map(|_| ())
    } else if command == ops::settings::of(ctx).command {
        // `/ops` answers its own usage errors (it checks the catalog's systems and arguments).
        return None;
    } else if !command.starts_with('/') {
        return Some(format!(
            "`{command}` is not a slash command: give the whole line, e.g. '{} list'",
            config.incident_command
        ));
    } else {
        return Some(format!(
            "the bot does not know `{command}` (its commands are {}, {} and {})",
            config.incident_command,
            config.julia_command,
            ops::settings::of(ctx).command
        ));
    };
    match parsed {
        Ok(()) | Err(Problem::Empty(_)) => None,
        Err(_) => Some(format!("`{command} {text}` is not a valid command")),
    }
}

/// Runs the jobs this run wrote (a declaration's war room and posts…) and delivers the outbox
/// until both have been quiet for a while.
async fn settle(ctx: &Arc<Ctx>, jobs_before: i64) -> anyhow::Result<()> {
    let pacing: chatops_core::outbox::SharedPacing = Default::default();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut quiet = 0;
    while Instant::now() < deadline && quiet < 6 {
        let mut n = 0;
        for id in chatops_core::jobs::pending_after(ctx, jobs_before).await? {
            n += usize::from(chatops_core::jobs::run_job(ctx, id).await?.is_some());
        }
        n += chatops_core::outbox::deliver_batch(ctx, &pacing).await?;
        quiet = if n == 0 { quiet + 1 } else { 0 };
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

fn slash(base: &str, line: &str, user: &str, channel: &str) -> SlashCommand {
    let (command, text) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    SlashCommand {
        command: command.to_string(),
        text: text.trim().to_string(),
        user_id: user.to_string(),
        channel_id: channel.to_string(),
        channel_name: "simulator".into(),
        team_id: "TSIM".into(),
        response_url: format!("{base}/response"),
        trigger_id: "simulated.trigger".into(),
    }
}

/// The store `--store` names (with a loud warning: its rows are real), or a throwaway one.
async fn open_store(o: &Options) -> anyhow::Result<Store> {
    let Some(url) = &o.store else {
        return Ok(Store::connect_and_migrate(THROWAWAY_STORE).await?);
    };
    let shown = chatops_core::config::redact_url(url);
    eprintln!("{}", "!".repeat(78));
    eprintln!("!! simulate is writing to a REAL store: {shown}");
    eprintln!(
        "!! Incidents, reminders and posts it creates are real rows there: a `chatops serve`"
    );
    eprintln!("!! on this store will post them to Slack. Leave out --store for a throwaway store.");
    eprintln!("{}", "!".repeat(78));
    Ok(Store::connect_and_migrate(url).await?)
}

/// Says what the throwaway store holds; with `--seed`, declares the seed incident first.
async fn seed(
    ctx: &Arc<Ctx>,
    o: &Options,
    base: &str,
    calls: &Calls,
    jobs_before: i64,
) -> anyhow::Result<()> {
    if !o.seed {
        eprintln!(
            "store: throwaway, in memory, empty (nothing is kept; --store <url> writes to a real one)."
        );
        return Ok(());
    }
    let line = format!("{} {SEED_COMMAND}", ctx.config.incident_command);
    let seed = slash(base, &line, SEED_USER, "CSIMULATOR");
    crate::dispatch::slash::handle(ctx.clone(), seed).await;
    settle(ctx, jobs_before).await?;
    // The recorder names a created channel after the call's number (`CSIM0001`…).
    let war_room = calls
        .lock()
        .expect("lock")
        .iter()
        .position(|(m, _)| m == "conversations.create")
        .map(|i| format!(" (war room CSIM{:04})", i + 1))
        .unwrap_or_default();
    eprintln!(
        "store: throwaway, in memory (nothing is kept; --store <url> writes to a real one). \
         Seeded: INC-1 [P1] {}{war_room}.",
        SEED_COMMAND.trim_start_matches("declare P1 ")
    );
    Ok(())
}

/// Prints the bot's immediate answer to a command.
fn print_ack(ack: Option<serde_json::Value>, json: bool) -> anyhow::Result<()> {
    match ack {
        None => println!("ack: (empty 200)"),
        Some(v) => {
            println!(
                "ack ({}):\n    {}",
                v["response_type"].as_str().unwrap_or("ephemeral"),
                v["text"].as_str().unwrap_or("").replace('\n', "\n    ")
            );
            if json && v.get("blocks").is_some() {
                println!("{}", serde_json::to_string_pretty(&v)?);
            }
        }
    }
    Ok(())
}

/// Runs the commands; returns the process exit code (`USAGE_ERROR` when a command line is one).
pub async fn run(mut config: Config, o: Options) -> anyhow::Result<i32> {
    let (base, calls) = start_recorder().await?;
    config.slack_api_url = format!("{base}/api");
    config.slack_bot_token = chatops_core::config::Secret::new("xoxb-simulator");
    config.outbox_channel_interval = Duration::ZERO;
    if config.incidents_channel.is_none() {
        config.incidents_channel = Some("CINCIDENTS".into());
    }
    let store = open_store(&o).await?;
    let ctx: Arc<Ctx> = crate::compose::context(
        config,
        store,
        chatops_core::cache::Cache::none(),
        Clock::system(),
    );
    // Only the jobs this run writes are run here (never other work waiting in a real store).
    let jobs_before = chatops_core::jobs::last_id(&ctx).await?;
    if o.store.is_none() {
        seed(&ctx, &o, &base, &calls, jobs_before).await?;
    }
    let mut printed = calls.lock().expect("lock").len();
    let mut code = 0;
    for line in &o.commands {
        let line = line.trim();
        let cmd = slash(&base, line, &o.user, &o.channel);
        println!("$ {line}   (as {} in {})", o.user, o.channel);
        if let Some(why) = usage_error(&ctx, &cmd.command, &cmd.text) {
            eprintln!("usage error: {why}");
            code = USAGE_ERROR;
            if !cmd.command.starts_with('/') {
                continue;
            }
        }
        print_ack(
            crate::dispatch::slash::handle(ctx.clone(), cmd)
                .await
                .ack
                .into_value(),
            o.json,
        )?;
        settle(&ctx, jobs_before).await?;
        let calls = calls.lock().expect("lock");
        for (method, body) in calls.iter().skip(printed) {
            print_call(method, body, o.json);
        }
        printed = calls.len();
    }
    Ok(code)
}
