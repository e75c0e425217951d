//! Julia's `safe_mode` flag row as one read.

use serde_json::Value;
use sqlx::Row;

use super::types::SafeMode;

pub(super) async fn read_safe_mode(conn: &mut sqlx::PgConnection) -> Result<SafeMode, sqlx::Error> {
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
