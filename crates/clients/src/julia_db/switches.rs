//! The other switches (`julia.md` §1.3, §6.5): `feature_flags` rows and one campaign's status.

use serde_json::Value;
use sqlx::Row;

use super::client::JuliaDb;
use super::types::DbError;

/// Every flag Julia reads, with its value when the row is missing.
pub const KNOWN_FLAGS: &[(&str, &str)] = &[
    ("safe_mode", r#"{"enabled": false, "mode": "wait"}"#),
    ("campaigns", r#"{"enabled": true}"#),
    ("policy_engine", r#"{"enabled": true}"#),
    ("disabled_rules", r#"{"rules": []}"#),
    ("external_handoff", r#"{"enabled": false, "canary_pct": 0}"#),
];

/// A `feature_flags` row.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagRow {
    pub key: String,
    pub value: String,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

/// A `campanhas` row (the columns the bot uses).
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub id: i64,
    pub nome_template: Option<String>,
    pub friendly_name: Option<String>,
    pub status: String,
}

/// What a flag write changed: the value before (`None`: no row), and after when it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagChange {
    pub before: Option<String>,
    pub after: Option<String>,
}

/// `enabled` of a flag value; `default` when the row or the key is missing.
pub fn enabled_of(value: Option<&str>, default: bool) -> bool {
    value
        .and_then(|v| serde_json::from_str::<Value>(v).ok())
        .and_then(|v| v.get("enabled").and_then(Value::as_bool))
        .unwrap_or(default)
}

impl JuliaDb {
    /// Every `feature_flags` row.
    pub async fn flags(&self) -> Result<Vec<FlagRow>, DbError> {
        let pool = self.pool()?;
        let rows = self
            .timed(
                sqlx::query(
                    "SELECT key, value::text, updated_by, EXTRACT(EPOCH FROM updated_at)::bigint
                     FROM feature_flags ORDER BY key",
                )
                .fetch_all(pool),
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| FlagRow {
                key: r.get(0),
                value: r.get(1),
                updated_by: r.get(2),
                updated_at: r.get(3),
            })
            .collect())
    }

    /// Sets `campaigns` to `{"enabled": enabled}` (upsert, never a bare UPDATE) in one
    /// transaction; nothing is written when it already has that effect. Returns the value
    /// before and, when written, the value read back.
    pub async fn set_campaigns(&self, enabled: bool, user: &str) -> Result<FlagChange, DbError> {
        let pool = self.pool()?;
        self.timed(async {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock(7351002)").execute(&mut *tx).await?;
            let before: Option<String> =
                sqlx::query_scalar("SELECT value::text FROM feature_flags WHERE key = 'campaigns'")
                    .fetch_optional(&mut *tx)
                    .await?;
            if enabled_of(before.as_deref(), true) == enabled {
                tx.rollback().await?;
                return Ok(FlagChange { before, after: None });
            }
            sqlx::query(
                "INSERT INTO feature_flags (key, value, description, updated_at, updated_by)
                 VALUES ('campaigns', $1::jsonb, 'Campaign sends (chatops)', now(), $2)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by",
            )
            .bind(serde_json::json!({"enabled": enabled}).to_string())
            .bind(user)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            let after: Option<String> =
                sqlx::query_scalar("SELECT value::text FROM feature_flags WHERE key = 'campaigns'")
                    .fetch_optional(pool)
                    .await?;
            Ok(FlagChange { before, after })
        })
        .await
    }

    /// Campaigns named by `id`, `nome_template` or `friendly_name` (case-insensitive names).
    pub async fn find_campaigns(&self, name: &str) -> Result<Vec<Campaign>, DbError> {
        let pool = self.pool()?;
        let id: Option<i64> = name.parse().ok();
        let rows = self
            .timed(
                sqlx::query(
                    "SELECT id, nome_template, friendly_name, COALESCE(status, 'rascunho') FROM campanhas
                     WHERE id = $1 OR lower(nome_template) = lower($2) OR lower(friendly_name) = lower($2)
                     ORDER BY id LIMIT 10",
                )
                .bind(id)
                .bind(name)
                .fetch_all(pool),
            )
            .await?;
        Ok(rows.iter().map(campaign).collect())
    }

    /// The campaigns one can pause or resume (`ativa`, `pausada`), newest first.
    pub async fn switchable_campaigns(&self) -> Result<Vec<Campaign>, DbError> {
        let pool = self.pool()?;
        let rows = self
            .timed(
                sqlx::query(
                    "SELECT id, nome_template, friendly_name, status FROM campanhas
                     WHERE status IN ('ativa', 'pausada') ORDER BY id DESC LIMIT 10",
                )
                .fetch_all(pool),
            )
            .await?;
        Ok(rows.iter().map(campaign).collect())
    }

    /// `from` → `to` for one campaign, only if it is still `from`; `updated_at` refreshed.
    /// Returns the status read back, or `None` when the campaign was no longer `from`.
    pub async fn set_campaign_status(
        &self,
        id: i64,
        from: &str,
        to: &str,
    ) -> Result<Option<String>, DbError> {
        let pool = self.pool()?;
        let r: Option<String> = self
            .timed(
                sqlx::query_scalar(
                    "UPDATE campanhas SET status = $3, updated_at = now() WHERE id = $1 AND status = $2 RETURNING status",
                )
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_optional(pool),
            )
            .await?;
        Ok(r)
    }
}

fn campaign(r: &sqlx::postgres::PgRow) -> Campaign {
    Campaign {
        id: r.get(0),
        nome_template: r.get(1),
        friendly_name: r.get(2),
        status: r.get(3),
    }
}
