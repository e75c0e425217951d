//! Julia's Supabase PostgreSQL (a pool separate from the bot's store). Only the columns
//! described in the contract are read or written.

use std::time::Duration;

use serde_json::Value;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Row;

use crate::julia_config::JuliaConfig;

mod backlog;
mod switches;
mod visibility;

pub use backlog::{Blocked, Handoffs};
pub use switches::{Campaign, FlagChange, FlagRow, KNOWN_FLAGS};

/// `enabled` of a `campaigns` flag value (`true` when the row or key is missing).
pub fn campaigns_enabled(value: Option<&str>) -> bool {
    switches::enabled_of(value, true)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    #[error("JULIA_DATABASE_URL is not set")]
    Unconfigured,
    #[error("Julia's database did not answer in {0} s")]
    Timeout(u64),
    #[error("Julia's database refused or failed: {0}")]
    Failed(String),
    /// Row-level security hides the rows from this role: it reads zero rows without an error.
    #[error("role {role} cannot see the rows of {} (row-level security)", tables.join(", "))]
    Hidden {
        role: String,
        tables: Vec<String>,
        owner: Option<String>,
    },
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut => DbError::Timeout(3),
            other => DbError::Failed(
                chatops_core::config::redact_url(&other.to_string())
                    .chars()
                    .take(200)
                    .collect(),
            ),
        }
    }
}

/// `feature_flags.safe_mode` (defaults when the row is missing).
#[derive(Debug, Clone, PartialEq)]
pub struct SafeMode {
    pub enabled: bool,
    pub mode: String,
    pub exists: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

impl SafeMode {
    pub fn describe(&self) -> String {
        if self.exists {
            format!(
                "{{\"enabled\": {}, \"mode\": \"{}\"}}",
                self.enabled, self.mode
            )
        } else {
            "(no safe_mode row: enabled false, mode wait)".into()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusRow {
    pub status: String,
    pub reason: Option<String>,
    pub by: Option<String>,
    pub via: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PauseState {
    pub safe_mode: SafeMode,
    pub latest: Option<StatusRow>,
    /// Epoch seconds of the newest `alterado_via = 'sistema'` row (the scheduler heartbeat).
    pub heartbeat_at: Option<i64>,
    /// While paused: the newest `pausado` row that is not the heartbeat (who and why).
    pub pause_row: Option<StatusRow>,
    /// While paused: messages blocked by safe mode since the pause began.
    pub blocked: Option<Blocked>,
    /// While paused in `handoff` mode: pending handoffs.
    pub handoffs: Option<Handoffs>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// Every `pendente` row.
    pub pending: i64,
    /// `pendente` rows already due (`agendar_para` NULL or past): what the worker would take.
    pub due: i64,
    /// How long the longest-waiting due row has been due (from `agendar_para`, else `created_at`).
    pub oldest_due_secs: Option<i64>,
    pub sent_5m: i64,
    /// `processando` for more than 10 minutes.
    pub stuck: i64,
    pub oldest_stuck_secs: Option<i64>,
}

/// One `job_executions` row, as `jobs kill` sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub name: String,
    pub status: String,
    pub running_secs: Option<i64>,
}

/// What a pause/resume wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct PauseChange {
    pub before: SafeMode,
    /// `None` when the state already matched (nothing written).
    pub after: Option<SafeMode>,
    /// Messages put back in the queue (resume with requeue).
    pub requeued: u64,
    /// The value as the database now stores it (`value::text`), for Julia's cache.
    pub stored_json: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Jobs {
    /// (id, job name, running seconds)
    pub long_running: Vec<(String, String, i64)>,
    /// (job name, failures in 24 h)
    pub failures: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    pub db_environment: Option<String>,
    pub db_project_ref: Option<String>,
    /// Rows of `app_settings` this connection sees (zero: it cannot see the settings).
    pub visible_rows: i64,
}

#[derive(Clone)]
pub struct JuliaDb {
    pool: Option<PgPool>,
    timeout: Duration,
}

impl JuliaDb {
    pub fn new(cfg: &JuliaConfig) -> Self {
        let timeout = cfg.source_timeout;
        let pool = cfg.database_url.as_ref().and_then(|u| {
            PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(timeout)
                .connect_lazy(u.expose())
                .map_err(|e| tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "JULIA_DATABASE_URL is unusable"))
                .ok()
        });
        JuliaDb { pool, timeout }
    }

    pub fn configured(&self) -> bool {
        self.pool.is_some()
    }

    fn pool(&self) -> Result<&PgPool, DbError> {
        self.pool.as_ref().ok_or(DbError::Unconfigured)
    }

    async fn timed<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, DbError> {
        match tokio::time::timeout(self.timeout, f).await {
            Ok(r) => r.map_err(DbError::from),
            Err(_) => Err(DbError::Timeout(self.timeout.as_secs().max(1))),
        }
    }

    pub async fn guard(&self) -> Result<Guard, DbError> {
        let pool = self.pool()?;
        let rows = self
            .timed(sqlx::query("SELECT key, value FROM app_settings").fetch_all(pool))
            .await?;
        let get = |k: &str| {
            rows.iter()
                .find(|r| r.get::<String, _>(0) == k)
                .map(|r| r.get::<String, _>(1))
        };
        Ok(Guard {
            db_environment: get("environment"),
            db_project_ref: get("supabase_project_ref"),
            visible_rows: rows.len() as i64,
        })
    }

    pub async fn pause_state(&self) -> Result<PauseState, DbError> {
        let pool = self.pool()?;
        self.timed(async {
            let mut conn = pool.acquire().await?;
            let safe_mode = read_safe_mode(&mut conn).await?;
            let latest = sqlx::query(
                "SELECT status, motivo, alterado_por, alterado_via, EXTRACT(EPOCH FROM created_at)::bigint
                 FROM julia_status
                 WHERE COALESCE(alterado_via, '') <> 'sistema' OR COALESCE(alterado_por, '') <> 'scheduler'
                 ORDER BY created_at DESC LIMIT 1",
            )
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| StatusRow {
                status: r.get(0),
                reason: r.get(1),
                by: r.get(2),
                via: r.get(3),
                at: r.get::<Option<i64>, _>(4).unwrap_or(0),
            });
            let heartbeat_at: Option<i64> = sqlx::query_scalar(
                "SELECT EXTRACT(EPOCH FROM MAX(created_at))::bigint FROM julia_status WHERE alterado_via = 'sistema'",
            )
            .fetch_one(&mut *conn)
            .await?;
            let (mut pause_row, mut blocked, mut handoffs) = (None, None, None);
            if safe_mode.enabled {
                pause_row = sqlx::query(
                    "SELECT status, motivo, alterado_por, alterado_via, EXTRACT(EPOCH FROM created_at)::bigint
                     FROM julia_status
                     WHERE status = 'pausado' AND COALESCE(alterado_via, '') <> 'sistema'
                     ORDER BY created_at DESC LIMIT 1",
                )
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| StatusRow {
                    status: r.get(0),
                    reason: r.get(1),
                    by: r.get(2),
                    via: r.get(3),
                    at: r.get::<Option<i64>, _>(4).unwrap_or(0),
                });
                blocked = Some(backlog::blocked(&mut conn, true).await?);
                if safe_mode.mode == "handoff" {
                    handoffs = backlog::pending_handoffs(&mut conn).await?;
                }
            }
            Ok(PauseState { safe_mode, latest, heartbeat_at, pause_row, blocked, handoffs })
        })
        .await
    }

    /// In one transaction: upsert `safe_mode`, insert a `julia_status` row and, on a resume with
    /// `requeue`, put back in the queue the young messages blocked by safe mode since this pause
    /// (Julia's own requeue shape, §6.2); then read back. Any error rolls everything back.
    pub async fn set_pause(
        &self,
        pause: bool,
        handoff: bool,
        requeue: bool,
        reason: &str,
        user: &str,
    ) -> Result<PauseChange, DbError> {
        let pool = self.pool()?;
        self.timed(async {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock(7351001)").execute(&mut *tx).await?;
            let before = read_safe_mode(&mut tx).await?;
            if before.enabled == pause {
                tx.rollback().await?;
                return Ok(PauseChange { before, after: None, requeued: 0, stored_json: None });
            }
            // Before the flag changes: its updated_at is when this pause began.
            let requeued = if !pause && requeue {
                backlog::requeue_blocked(&mut tx).await?
            } else {
                0
            };
            let mode = if pause && handoff { "handoff" } else { "wait" };
            let value = serde_json::json!({"enabled": pause, "mode": mode});
            sqlx::query(
                "INSERT INTO feature_flags (key, value, description, updated_at, updated_by)
                 VALUES ('safe_mode', $1::jsonb, 'Kill switch (chatops)', now(), $2)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by",
            )
            .bind(value.to_string())
            .bind(user)
            .execute(&mut *tx)
            .await?;
            let mut details = serde_json::json!({"source": "chatops", "safe_mode": value});
            if !pause {
                details["requeued"] = requeued.into();
            }
            sqlx::query(
                "INSERT INTO julia_status (status, motivo, detalhes, alterado_por, alterado_via)
                 VALUES ($1, $2, $3::jsonb, $4, 'slack')",
            )
            .bind(if pause { "pausado" } else { "ativo" })
            .bind(reason)
            .bind(details.to_string())
            .bind(user)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut conn = pool.acquire().await?;
            let after = read_safe_mode(&mut conn).await?;
            let stored_json: Option<String> =
                sqlx::query_scalar("SELECT value::text FROM feature_flags WHERE key = 'safe_mode'")
                    .fetch_optional(&mut *conn)
                    .await?;
            Ok(PauseChange { before, after: Some(after), requeued, stored_json })
        })
        .await
    }

    pub async fn queue(&self) -> Result<Queue, DbError> {
        let pool = self.pool()?;
        let r = self
            .timed(
                sqlx::query(
                    "SELECT
                       COUNT(*) FILTER (WHERE status = 'pendente'),
                       COUNT(*) FILTER (WHERE status = 'pendente' AND (agendar_para IS NULL OR agendar_para <= now())),
                       EXTRACT(EPOCH FROM now() - MIN(COALESCE(agendar_para, created_at))
                         FILTER (WHERE status = 'pendente' AND (agendar_para IS NULL OR agendar_para <= now())))::bigint,
                       COUNT(*) FILTER (WHERE status = 'enviada' AND enviada_em > now() - interval '5 minutes'),
                       COUNT(*) FILTER (WHERE status = 'processando' AND processando_desde < now() - interval '10 minutes'),
                       EXTRACT(EPOCH FROM now() - MIN(processando_desde)
                         FILTER (WHERE status = 'processando' AND processando_desde < now() - interval '10 minutes'))::bigint
                     FROM fila_mensagens",
                )
                .fetch_one(pool),
            )
            .await?;
        Ok(Queue {
            pending: r.get(0),
            due: r.get(1),
            oldest_due_secs: r.get(2),
            sent_5m: r.get(3),
            stuck: r.get(4),
            oldest_stuck_secs: r.get(5),
        })
    }

    pub async fn jobs(&self) -> Result<Jobs, DbError> {
        let pool = self.pool()?;
        self.timed(async {
            let long = sqlx::query(
                "SELECT id::text, job_name, EXTRACT(EPOCH FROM now() - started_at)::bigint FROM job_executions
                 WHERE status = 'running' AND started_at < now() - interval '30 minutes' ORDER BY started_at LIMIT 20",
            )
            .fetch_all(pool)
            .await?;
            let fails = sqlx::query(
                "SELECT COALESCE(job_name, '?'), COUNT(*) FROM job_executions
                 WHERE status IN ('error', 'timeout') AND started_at > now() - interval '24 hours'
                 GROUP BY job_name ORDER BY 2 DESC LIMIT 20",
            )
            .fetch_all(pool)
            .await?;
            Ok(Jobs {
                long_running: long
                    .iter()
                    .map(|r| (r.get(0), r.get::<Option<String>, _>(1).unwrap_or_default(), r.get::<Option<i64>, _>(2).unwrap_or(0)))
                    .collect(),
                failures: fails.iter().map(|r| (r.get(0), r.get(1))).collect(),
            })
        })
        .await
    }

    /// One job by id (a uuid, compared as one so the primary key is used).
    pub async fn job(&self, id: &uuid::Uuid) -> Result<Option<JobRow>, DbError> {
        let pool = self.pool()?;
        let r = self
            .timed(
                sqlx::query(
                    "SELECT COALESCE(job_name, '?'), COALESCE(status, '?'), EXTRACT(EPOCH FROM now() - started_at)::bigint
                     FROM job_executions WHERE id = $1::uuid",
                )
                .bind(id.to_string())
                .fetch_optional(pool),
            )
            .await?;
        Ok(r.map(|r| JobRow {
            name: r.get(0),
            status: r.get(1),
            running_secs: r.get(2),
        }))
    }

    /// Marks a running job `error`. Returns its name, or `None` when no running job has that id.
    pub async fn kill_job(&self, id: &uuid::Uuid, reason: &str) -> Result<Option<String>, DbError> {
        let pool = self.pool()?;
        let r = self
            .timed(
                sqlx::query(
                    "UPDATE job_executions SET status = 'error', finished_at = now(), error = LEFT($2, 500)
                     WHERE id = $1::uuid AND status = 'running' RETURNING COALESCE(job_name, '?')",
                )
                .bind(id.to_string())
                .bind(reason)
                .fetch_optional(pool),
            )
            .await?;
        Ok(r.map(|r| r.get(0)))
    }
}

/// Julia's tables the bot reads or writes (row-level security is on for most of them).
pub const JULIA_TABLES: &[&str] = &[
    "app_settings",
    "feature_flags",
    "julia_status",
    "fila_mensagens",
    "job_executions",
];

/// One table as the connection's role sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableAccess {
    pub table: String,
    pub exists: bool,
    pub rls: bool,
    /// Row-level security also applies to the owner (`FORCE ROW LEVEL SECURITY`).
    pub forced: bool,
    /// The role owns the table (or has the privileges of its owner).
    pub owned: bool,
}

/// Whether the connection's role can see the rows of Julia's tables (contract §6.1): a role
/// that is not the owner, not a superuser and not `BYPASSRLS` reads zero rows and writes
/// nothing, without any error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    pub role: String,
    /// Superuser or `BYPASSRLS`.
    pub bypass: bool,
    pub tables: Vec<TableAccess>,
}

impl Visibility {
    /// Tables whose rows this role cannot see.
    pub fn blind(&self) -> Vec<&str> {
        self.tables
            .iter()
            .filter(|t| t.exists && t.rls && !self.bypass && (!t.owned || t.forced))
            .map(|t| t.table.as_str())
            .collect()
    }
    pub fn missing(&self) -> Vec<&str> {
        self.tables
            .iter()
            .filter(|t| !t.exists)
            .map(|t| t.table.as_str())
            .collect()
    }
}

impl JuliaDb {
    /// Reads the role's attributes and each of [`JULIA_TABLES`]' row-level security from the
    /// catalogs (reads no table rows).
    pub async fn visibility(&self) -> Result<Visibility, DbError> {
        let pool = self.pool()?;
        self.timed(async {
            let (role, bypass): (String, bool) = sqlx::query_as(
                "SELECT current_user::text, COALESCE(rolsuper OR rolbypassrls, false)
                 FROM pg_roles WHERE rolname = current_user",
            )
            .fetch_one(pool)
            .await?;
            let rows = sqlx::query(
                "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                        pg_has_role(current_user, c.relowner, 'USAGE')
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY($1)",
            )
            .bind(
                JULIA_TABLES
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>(),
            )
            .fetch_all(pool)
            .await?;
            let tables = JULIA_TABLES
                .iter()
                .map(
                    |t| match rows.iter().find(|r| r.get::<String, _>(0) == *t) {
                        Some(r) => TableAccess {
                            table: t.to_string(),
                            exists: true,
                            rls: r.get(1),
                            forced: r.get(2),
                            owned: r.get(3),
                        },
                        None => TableAccess {
                            table: t.to_string(),
                            exists: false,
                            rls: false,
                            forced: false,
                            owned: false,
                        },
                    },
                )
                .collect();
            Ok(Visibility {
                role,
                bypass,
                tables,
            })
        })
        .await
    }
}

async fn read_safe_mode(conn: &mut sqlx::PgConnection) -> Result<SafeMode, sqlx::Error> {
    let row = sqlx::query(
        "SELECT value::text, updated_by, EXTRACT(EPOCH FROM updated_at)::bigint FROM feature_flags WHERE key = 'safe_mode'",
    )
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        None => SafeMode {
            enabled: false,
            mode: "wait".into(),
            exists: false,
            updated_by: None,
            updated_at: None,
        },
        Some(r) => {
            let v: Value = serde_json::from_str(&r.get::<String, _>(0)).unwrap_or(Value::Null);
            SafeMode {
                enabled: v.get("enabled").and_then(Value::as_bool).unwrap_or(false),
                mode: v
                    .get("mode")
                    .and_then(Value::as_str)
                    .unwrap_or("wait")
                    .to_string(),
                exists: true,
                updated_by: r.get(1),
                updated_at: r.get(2),
            }
        }
    })
}

/// Writes Julia's cached flag as Julia's own flag writer does (`SET feature_flag:<key> <json>
/// EX 30`), so the change applies at once; a bare `DEL` could race with a reader re-caching
/// the old value. `Ok(false)` when `JULIA_REDIS_URL` is not configured.
pub async fn set_flag_cache(
    redis_url: Option<&chatops_core::config::Secret>,
    key: &str,
    json: &str,
    timeout: Duration,
) -> Result<bool, String> {
    let Some(url) = redis_url else {
        return Ok(false);
    };
    let fut = async {
        let client =
            redis::Client::open(url.expose()).map_err(|_| "invalid JULIA_REDIS_URL".to_string())?;
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|_| "Julia's Redis refused the connection".to_string())?;
        redis::cmd("SET")
            .arg(format!("feature_flag:{key}"))
            .arg(json)
            .arg("EX")
            .arg(30)
            .query_async::<()>(&mut conn)
            .await
            .map_err(|_| "Julia's Redis refused SET".to_string())?;
        Ok(true)
    };
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err("Julia's Redis did not answer".into()),
    }
}
