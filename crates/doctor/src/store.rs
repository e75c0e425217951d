//! The bot's own store (`DATABASE_URL`: reachable, every migration applied) and Redis
//! (`REDIS_URL`: `PING`). Read-only: a SQLite file that does not exist yet is not created.

use super::{timed, Check, Options};
use crate::Settings as Config;
use chatops_core::config::redact_url;
use chatops_core::store::Store;

const S: &str = "Store";

pub(super) async fn check(c: &Config<'_>, opts: &Options) -> Vec<Check> {
    let (db, redis) = tokio::join!(store(c, opts), redis(c, opts));
    vec![db, redis]
}

async fn redis(c: &Config<'_>, opts: &Options) -> Check {
    match &c.redis_url {
        None => Check::unconfigured(
            S,
            "Redis",
            "REDIS_URL for event dedupe across replicas and the per-user rate limit",
        ),
        Some(url) => match super::julia::ping(url, opts.timeout).await {
            Ok(()) => Check::pass(S, "Redis", "PING answered PONG"),
            Err(e) => Check::fail(
                S,
                "Redis",
                e,
                "check REDIS_URL and that Redis is running and reachable from here (the bot still serves without it, with dedupe in the store and no rate limit)",
            ),
        },
    }
}

fn sqlite_file(url: &str) -> Option<&str> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(path.split('?').next().unwrap_or(path))
}

async fn store(c: &Config<'_>, opts: &Options) -> Check {
    let name = "database";
    let shown = redact_url(&c.database_url);
    let kind = if c.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let fail =
        |why: String, hint: &str| Check::fail(S, name, format!("{kind} at {shown}: {why}"), hint);
    let reach = "check DATABASE_URL and that the database is running and reachable from here";
    if let Some(file) = sqlite_file(&c.database_url) {
        if file != ":memory:" && !std::path::Path::new(file).exists() {
            return Check::warn(
                S,
                name,
                format!("SQLite file {file} does not exist yet: `chatops migrate` or `chatops serve` creates it"),
            );
        }
    }
    if c.is_postgres() {
        if let Some(r) = postgres_unreachable(c, opts).await {
            return fail(r, reach);
        }
    }
    let store = match timed(opts, Store::connect(&c.database_url)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return fail(e.to_string(), reach),
        Err(t) => return fail(t, reach),
    };
    let status = match timed(opts, store.migration_status()).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return fail(
                e.to_string(),
                "check that the DATABASE_URL user may read the database",
            )
        }
        Err(t) => return fail(t, "check that the database is not overloaded or locked"),
    };
    store.pool.close().await;
    migrations(&status, name, &format!("{kind} at {shown}"))
}

/// One direct connection first: a pool only says it timed out, this says why.
async fn postgres_unreachable(c: &Config<'_>, opts: &Options) -> Option<String> {
    use sqlx::Connection as _;
    sqlx::any::install_default_drivers();
    match timed(opts, sqlx::AnyConnection::connect(&c.database_url)).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            None
        }
        Ok(Err(e)) => Some(redact_url(&e.to_string())),
        Err(t) => Some(t),
    }
}

/// The verdict on the store's migrations: failed, unknown (a newer release), pending, or all
/// applied.
fn migrations(
    status: &chatops_core::store::MigrationStatus,
    name: &'static str,
    at: &str,
) -> Check {
    let list = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    if !status.failed.is_empty() {
        Check::fail(
            S,
            name,
            format!("{at}: migration(s) {} recorded as failed", list(&status.failed)),
            "look at the failed migration in `_sqlx_migrations`, repair the schema by hand, then run `chatops migrate`",
        )
    } else if !status.unknown.is_empty() {
        Check::fail(
            S,
            name,
            format!(
                "{at}: applied migration(s) {} are unknown to this binary (a newer release ran against this store)",
                list(&status.unknown)
            ),
            "run the newest release of chatops against this store",
        )
    } else if !status.pending.is_empty() {
        Check::fail(
            S,
            name,
            format!(
                "{at}: {} of {} migrations not applied ({})",
                status.pending.len(),
                status.pending.len() + status.applied,
                list(&status.pending)
            ),
            "run `chatops migrate` (`chatops serve` also applies them when it starts)",
        )
    } else {
        Check::pass(
            S,
            name,
            format!("{at}: reachable, all {} migrations applied", status.applied),
        )
    }
}
