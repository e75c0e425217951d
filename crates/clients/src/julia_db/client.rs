//! The pool on Julia's database and the reads and writes of `/julia` (pause, queue, jobs).

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Row;

use crate::julia_config::JuliaConfig;

use super::types::*;

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

    pub(super) fn pool(&self) -> Result<&PgPool, DbError> {
        self.pool.as_ref().ok_or(DbError::Unconfigured)
    }

    pub(super) async fn timed<T>(
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
