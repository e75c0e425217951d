//! The bot's own store: one schema on SQLite (embedded default, one process) or PostgreSQL
//! (several replicas), through sqlx's `Any` driver so every query is written once.
//! Placeholders are `$1…` (both backends accept them); times are epoch milliseconds.

pub mod confirmations;
pub mod named;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Store {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Where it points ([`describe`]: no password), for errors and logs.
    target: std::sync::Arc<str>,
}

static MIGRATE_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATE_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Says where (backend, host and port or file: never a password) and why.
    #[error("{0}")]
    Connect(String),
    #[error("migrations failed: {0}")]
    Migrate(String),
    #[error("the store answered with an error: {0}")]
    Query(String),
}

impl Store {
    /// Connects (creating the SQLite file and its folder when needed). Does not migrate.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        crate::config::checks::store_url(url).map_err(StoreError::Connect)?;
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url).map_err(StoreError::Connect)?,
            Backend::Postgres => url.to_string(),
        };
        let opts = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Connect(crate::config::redact_url(&e.to_string())))?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(5))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            use sqlx::Executor;
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA busy_timeout = 5000").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            // 1 MiB page cache per connection: bounded memory under load.
                            conn.execute("PRAGMA cache_size = -1024").await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts.clone())
                    .await
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .min_connections(1)
                    // Under the 2.5 s ack budget: a database outage is answered in the ack
                    // ("the database is unreachable") instead of "working on it".
                    .acquire_timeout(Duration::from_secs(2))
                    .connect_with(opts.clone())
                    .await
            }
        };
        let pool = match pool {
            Ok(p) => p,
            Err(e) => return Err(StoreError::Connect(connect_failure(&url, &opts, e).await)),
        };
        Ok(Store {
            pool,
            backend,
            target: describe(&url).into(),
        })
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        let m = match self.backend {
            Backend::Sqlite => &MIGRATE_SQLITE,
            Backend::Postgres => &MIGRATE_POSTGRES,
        };
        m.run(&self.pool)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))
    }

    /// Which of this binary's migrations the store has applied (reads `_sqlx_migrations`,
    /// changes nothing).
    pub async fn migration_status(&self) -> Result<MigrationStatus, StoreError> {
        let m = match self.backend {
            Backend::Sqlite => &MIGRATE_SQLITE,
            Backend::Postgres => &MIGRATE_POSTGRES,
        };
        let known: Vec<i64> = m.iter().map(|m| m.version).collect();
        let table: Option<String> = match self.backend {
            Backend::Sqlite => sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            ),
            Backend::Postgres => sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_name = '_sqlx_migrations' AND table_schema = current_schema()",
            ),
        }
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| StoreError::Query(crate::config::redact_url(&e.to_string())))?;
        let applied: Vec<(i64, bool)> = if table.is_some() {
            // The Any driver reads no SQLite BOOLEAN: the flag comes back as an integer.
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT version, CAST(CASE WHEN success THEN 1 ELSE 0 END AS BIGINT) FROM _sqlx_migrations ORDER BY version",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StoreError::Query(crate::config::redact_url(&e.to_string())))?
            .into_iter()
            .map(|(v, ok)| (v, ok == 1))
            .collect()
        } else {
            Vec::new()
        };
        Ok(MigrationStatus {
            applied: applied.iter().filter(|(_, ok)| *ok).count(),
            pending: known
                .iter()
                .filter(|v| !applied.iter().any(|(a, ok)| a == *v && *ok))
                .copied()
                .collect(),
            unknown: applied
                .iter()
                .filter(|(a, _)| !known.contains(a))
                .map(|(a, _)| *a)
                .collect(),
            failed: applied
                .iter()
                .filter(|(_, ok)| !ok)
                .map(|(a, _)| *a)
                .collect(),
        })
    }

    pub async fn connect_and_migrate(url: &str) -> Result<Store, StoreError> {
        let s = Store::connect(url).await?;
        s.migrate().await?;
        Ok(s)
    }

    /// Where the store points, e.g. `PostgreSQL at db:5432 (database `chatops`)`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Reachability for `/health/ready`: an error names the store and the cause.
    pub async fn ping(&self) -> Result<(), String> {
        let r = tokio::time::timeout(
            Duration::from_secs(2),
            sqlx::query("SELECT 1").execute(&self.pool),
        )
        .await;
        match r {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("{}: {}", self.target, cause_of(&e))),
            Err(_) => Err(format!("{}: no answer in 2 s", self.target)),
        }
    }

    /// A write transaction. On SQLite `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// transaction that reads then writes never fails with `SQLITE_BUSY` halfway through.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// The start of `WHERE id … (SELECT id …)` in a claim (`UPDATE … WHERE id IN (SELECT …)`):
    /// `id = ANY(ARRAY(` on PostgreSQL, whose planner may otherwise hash-join the subquery with
    /// a sequential scan of the whole table; `id IN` on SQLite. Close with [`Store::claimed_ids_end`].
    pub fn claimed_ids(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => "id = ANY(ARRAY",
            Backend::Sqlite => "id IN",
        }
    }

    /// `)` on PostgreSQL (closes the `ARRAY(` of [`Store::claimed_ids`]); nothing on SQLite.
    pub fn claimed_ids_end(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => ")",
            Backend::Sqlite => "",
        }
    }

    /// The end of a `SELECT` that reads a row to change it: `FOR UPDATE` on PostgreSQL (the
    /// row stays locked until the transaction ends); nothing on SQLite, where [`Store::begin`]
    /// already holds the database's write lock.
    pub fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// `FOR UPDATE SKIP LOCKED` on PostgreSQL; nothing on SQLite (one writer at a time).
    pub fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }
}

/// Where a store URL points, for logs and errors: backend and file, or host, port and
/// database (never the user's password).
pub fn describe(url: &str) -> String {
    if url.starts_with("postgres") {
        match sqlx::postgres::PgConnectOptions::from_str(url) {
            Ok(o) => format!(
                "PostgreSQL at {}:{} (database `{}`)",
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or(o.get_username())
            ),
            Err(_) => format!("PostgreSQL at {}", crate::config::redact_url(url)),
        }
    } else {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let file = path.split('?').next().unwrap_or(path);
        if file == ":memory:" {
            "SQLite in memory".into()
        } else {
            format!("SQLite file {file}")
        }
    }
}

/// Why the pool could not open: a pool timeout hides the cause, so one plain connection
/// attempt (bounded) finds it: "connection refused", "host not found", the server's own
/// refusal ("password authentication failed for user …").
async fn connect_failure(url: &str, opts: &AnyConnectOptions, pool_error: sqlx::Error) -> String {
    let cause = match pool_error {
        sqlx::Error::PoolTimedOut => {
            match tokio::time::timeout(Duration::from_secs(5), opts.connect()).await {
                Ok(Err(e)) => cause_of(&e),
                Ok(Ok(_)) => "it answered only after the 2 s pool timeout (overloaded?)".into(),
                Err(_) => "no answer within 5 s (a firewall, or the wrong host?)".into(),
            }
        }
        other => cause_of(&other),
    };
    format!("cannot connect to {}: {cause}", describe(url))
}

fn cause_of(e: &sqlx::Error) -> String {
    use std::io::ErrorKind;
    match e {
        sqlx::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => {
                "connection refused (nothing listens there: is the database running, and are the host and port right?)"
                    .into()
            }
            ErrorKind::TimedOut => "the connection timed out".into(),
            ErrorKind::PermissionDenied => format!("permission denied ({io})"),
            _ if io.to_string().contains("lookup") || io.to_string().contains("resolve") => {
                "host not found (the host name does not resolve)".into()
            }
            _ => io.to_string(),
        },
        sqlx::Error::Database(d) => d.message().to_string(),
        sqlx::Error::PoolTimedOut => {
            "no connection within the pool's timeout (down, unreachable or out of connections)"
                .into()
        }
        sqlx::Error::Tls(t) => format!("TLS failed: {t}"),
        other => crate::config::redact_url(&other.to_string()),
    }
}

/// What [`Store::migration_status`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Migrations applied successfully.
    pub applied: usize,
    /// This binary's migrations the store has not applied.
    pub pending: Vec<i64>,
    /// Applied versions this binary does not know (a newer release ran against the store).
    pub unknown: Vec<i64>,
    /// Versions recorded as failed.
    pub failed: Vec<i64>,
}

fn prepare_sqlite_url(url: &str) -> Result<String, String> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (file, query) = match path.split_once('?') {
        Some((f, q)) => (f, Some(q)),
        None => (path, None),
    };
    if file == ":memory:" || query.is_some_and(|q| q.contains("mode=memory")) {
        return Ok(memory_url(file));
    }
    if file != ":memory:" {
        if let Some(parent) = std::path::Path::new(file).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create the folder {}: {e}", parent.display()))?;
            }
        }
    }
    let q = match query {
        Some(q) if q.contains("mode=") => q.to_string(),
        Some(q) => format!("{q}&mode=rwc"),
        None => "mode=rwc".into(),
    };
    Ok(format!("sqlite://{file}?{q}"))
}

/// An in-memory SQLite database shared by all the pool's connections and gone when the last
/// one closes (`chatops simulate`'s throwaway store). sqlx's `Any` driver parses the URL again
/// for each connection, so a bare `:memory:` would give every connection its own empty
/// database: each store gets a unique name instead.
fn memory_url(file: &str) -> String {
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let name = if file == ":memory:" || file.is_empty() {
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("file:chatops-memory-{}-{n}", std::process::id())
    } else if file.starts_with("file:") {
        file.to_string()
    } else {
        format!("file:{file}")
    };
    format!("sqlite:{name}?mode=memory&cache=shared")
}

/// Milliseconds since the epoch from the injectable clock.
pub type Millis = i64;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_in_memory_store_is_shared_by_its_pool_and_private_to_it() {
        let a = Store::connect_and_migrate("sqlite::memory:").await.unwrap();
        let b = Store::connect_and_migrate("sqlite::memory:").await.unwrap();
        // Two connections of one pool at once: what one writes the other reads.
        let mut c1 = a.pool.acquire().await.unwrap();
        let mut c2 = a.pool.acquire().await.unwrap();
        sqlx::query("CREATE TABLE probe (x INTEGER)")
            .execute(&mut *c1)
            .await
            .unwrap();
        sqlx::query("INSERT INTO probe (x) VALUES (7)")
            .execute(&mut *c1)
            .await
            .unwrap();
        let x: i64 = sqlx::query_scalar("SELECT x FROM probe")
            .fetch_one(&mut *c2)
            .await
            .unwrap();
        assert_eq!(x, 7);
        // Another in-memory store is another database.
        assert!(sqlx::query("SELECT x FROM probe")
            .fetch_one(&b.pool)
            .await
            .is_err());
        // Nothing on disk.
        assert!(!std::path::Path::new(":memory:").exists());
    }
}
