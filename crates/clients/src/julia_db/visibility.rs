//! Can this connection see Julia's rows? (`julia.md` §6.1)
//!
//! Julia's tables have row-level security enabled and no policy for an ordinary role, so a
//! role that is neither the owner, a superuser nor `BYPASSRLS` reads zero rows and writes
//! nothing, without any error. Every `/julia` command that touches the database checks this
//! first (with [`JuliaDb::visibility`], shared with `chatops doctor`) rather than report empty
//! tables as facts.

use super::client::JuliaDb;
use super::types::DbError;

impl JuliaDb {
    /// `Ok` when the connection sees every table's rows, else `DbError::Hidden` naming the
    /// role, the tables and their owner (what to connect as).
    pub async fn ensure_visible(&self) -> Result<(), DbError> {
        let v = self.visibility().await?;
        let blind: Vec<String> = v.blind().iter().map(|t| t.to_string()).collect();
        if blind.is_empty() {
            return Ok(());
        }
        let pool = self.pool()?;
        let owner: Option<String> = self
            .timed(
                sqlx::query_scalar(
                    "SELECT pg_get_userbyid(c.relowner)::text FROM pg_class c
                     JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'public' AND c.relname = $1",
                )
                .bind(&blind[0])
                .fetch_optional(pool),
            )
            .await?;
        Err(DbError::Hidden {
            role: v.role,
            tables: blind,
            owner,
        })
    }
}
