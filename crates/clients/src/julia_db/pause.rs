//! Julia's pause (safe mode) read and written, with what it leaves behind (`julia.md` §6).

use sqlx::Row;

use super::client::JuliaDb;
use super::safe_mode::read_safe_mode;
use super::types::*;

impl JuliaDb {
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
                blocked = Some(super::backlog::blocked(&mut conn, true).await?);
                if safe_mode.mode == "handoff" {
                    handoffs = super::backlog::pending_handoffs(&mut conn).await?;
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
                super::backlog::requeue_blocked(&mut tx).await?
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
}
