//! Can the bot see Julia's rows? (`julia.md` §6.1) Checked before every `/julia` subcommand
//! that reads or writes Julia's database, at start-up (a log line), by `chatops check-config`
//! and in `/health/ready` (the `julia` entry).

use std::time::Duration;

use serde_json::{json, Value};

use chatops_core::Ctx;
use clients::julia_config::JuliaConfig;
use clients::julia_db::{DbError, JuliaDb};

/// The one clear answer when row-level security hides the rows.
pub fn hidden_text(ctx: &Ctx, e: &DbError) -> Option<String> {
    match e {
        DbError::Hidden {
            role,
            tables,
            owner,
        } => Some(messages::julia::hidden(
            ctx.locale(),
            role,
            tables,
            owner.as_deref(),
        )),
        _ => None,
    }
}

/// `Err(text)` when the database is configured and hides its rows from the bot's role. Other
/// failures pass (each source then reports its own error).
pub async fn gate(ctx: &Ctx) -> Result<(), String> {
    if !clients::julia(ctx).db.configured() {
        return Ok(());
    }
    match clients::julia(ctx).db.ensure_visible().await {
        Err(e) => match hidden_text(ctx, &e) {
            Some(t) => Err(t),
            None => Ok(()),
        },
        Ok(()) => Ok(()),
    }
}

/// The `julia` entry of `/health/ready`. It never makes the bot unready: the bot's own work
/// (incidents, the outbox) does not depend on it.
pub async fn ready_entry(db: &JuliaDb) -> Value {
    if !db.configured() {
        return json!({"status": "not_configured"});
    }
    match db.visibility().await {
        Ok(v) if v.blind().is_empty() => json!({"status": "ok", "role": v.role}),
        Ok(v) => {
            let hidden: Vec<String> = v.blind().iter().map(|t| t.to_string()).collect();
            json!({
                "status": "rows_hidden",
                "role": v.role,
                "hidden_tables": hidden,
                "error": messages::julia::visibility_line(&v.role, &hidden),
            })
        }
        Err(e) => json!({"status": "error", "error": e.to_string()}),
    }
}

/// One line for `chatops check-config` and the start-up log; `None` without
/// `JULIA_DATABASE_URL`.
pub async fn describe(config: &JuliaConfig) -> Option<(bool, String)> {
    config.database_url.as_ref()?;
    let mut julia = config.clone();
    julia.source_timeout = julia.source_timeout.max(Duration::from_secs(3));
    let db = JuliaDb::new(&julia);
    Some(match db.visibility().await {
        Ok(v) => {
            let hidden: Vec<String> = v.blind().iter().map(|t| t.to_string()).collect();
            (
                hidden.is_empty(),
                messages::julia::visibility_line(&v.role, &hidden),
            )
        }
        Err(e) => (false, messages::julia::visibility_error(&e.to_string())),
    })
}

/// Logs at start-up whether the bot can see Julia's rows (in the background: it never delays
/// the start).
pub fn log_at_start(config: &JuliaConfig) {
    let config = config.clone();
    tokio::spawn(async move {
        match describe(&config).await {
            Some((true, line)) => tracing::info!("{line}"),
            Some((false, line)) => tracing::warn!("{line}"),
            None => {}
        }
    });
}
