//! [`Lease`]: a claimed job's hold on its row, and the steps it records under it.

use serde_json::Value;
use sqlx::AnyConnection;

use super::error::{JobError, JobResult};
use crate::store::Store;

/// A claimed job: its id, the lease token, which attempt this is and the steps already done.
#[derive(Debug)]
pub struct Lease {
    pub id: i64,
    pub token: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    pub max_attempts: i64,
    pub(super) progress: std::sync::Mutex<Value>,
}

impl Lease {
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }

    /// A step recorded by an earlier attempt (or this one).
    pub fn step(&self, name: &str) -> Option<Value> {
        self.progress
            .lock()
            .expect("progress lock")
            .get(name)
            .cloned()
    }

    /// Records a finished step, so a rerun skips it. Fails when the lease was lost.
    pub async fn record_step(&self, store: &Store, name: &str, value: Value) -> JobResult {
        let mut conn = store.pool.acquire().await?;
        self.record_step_in(&mut conn, name, value).await
    }

    /// Records a step inside the caller's transaction (it commits with the step's writes).
    pub async fn record_step_in(
        &self,
        conn: &mut AnyConnection,
        name: &str,
        value: Value,
    ) -> JobResult {
        let json = {
            let mut p = self.progress.lock().expect("progress lock");
            p[name] = value;
            p.to_string()
        };
        let r = sqlx::query("UPDATE jobs SET progress = $1 WHERE id = $2 AND lease_token = $3")
            .bind(json)
            .bind(self.id)
            .bind(&self.token)
            .execute(&mut *conn)
            .await?;
        if r.rows_affected() == 0 {
            return Err(JobError::LeaseLost);
        }
        Ok(())
    }

    /// Marks the job done inside the caller's transaction, so the job's last writes and its
    /// completion commit together. `LeaseLost` (roll back!) when another worker holds it now.
    pub async fn complete_in(&self, conn: &mut AnyConnection, now_ms: i64) -> JobResult {
        let progress = self.progress.lock().expect("progress lock").to_string();
        let r = sqlx::query(
            "UPDATE jobs SET state = 'done', finished_at = $1, progress = $2, lease_token = NULL, lease_until = NULL, last_error = NULL
             WHERE id = $3 AND lease_token = $4 AND state = 'pending'",
        )
        .bind(now_ms)
        .bind(progress)
        .bind(self.id)
        .bind(&self.token)
        .execute(&mut *conn)
        .await?;
        if r.rows_affected() == 0 {
            return Err(JobError::LeaseLost);
        }
        Ok(())
    }
}
