//! A silenced group re-checked against Alertmanager when its silence is expired.
//!
//! Alertmanager drops a resolved alert that an active silence matches (`notify/mute.go`; the
//! resolution is never sent, prometheus/alertmanager#226), so a group that resolved while
//! silenced would read FIRING forever. When the silence ends the bot asks
//! `GET /api/v2/alerts` for the group's labels: every stored firing alert Alertmanager no
//! longer holds is resolved (Alertmanager lists no resolved alert there).

use std::collections::HashSet;

use sqlx::{AnyConnection, Row};

use crate::payload::Labels;
use crate::silences::Alertmanager;
use crate::Group;

/// The label sets of the group's alerts Alertmanager still holds; `None` when the group is not
/// an Alertmanager one, or Alertmanager could not say (then nothing is changed).
pub async fn still_firing(g: &Group, am: Option<&Alertmanager>) -> Option<Vec<Labels>> {
    let am = am?;
    if g.source != "alertmanager" || g.status != "firing" {
        return None;
    }
    let labels: Labels = serde_json::from_str(&g.labels).unwrap_or_default();
    if labels.is_empty() {
        return None;
    }
    match am.firing(&labels).await {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(group = g.id, error = %e, "Alertmanager alerts not re-checked");
            None
        }
    }
}

/// Resolves (at `now`) every firing alert of the group not in `still`, and the group's counts
/// with them. Returns whether anything changed.
pub async fn apply(
    conn: &mut AnyConnection,
    group: i64,
    still: &[Labels],
    now: i64,
) -> Result<bool, sqlx::Error> {
    let still: HashSet<&Labels> = still.iter().collect();
    let rows = sqlx::query(
        "SELECT fingerprint, labels FROM alerts WHERE group_id = $1 AND status = 'firing'",
    )
    .bind(group)
    .fetch_all(&mut *conn)
    .await?;
    let mut changed = false;
    for r in rows {
        let labels: Labels = serde_json::from_str(&r.get::<String, _>(1)).unwrap_or_default();
        if still.contains(&labels) {
            continue;
        }
        changed = true;
        sqlx::query(
            "UPDATE alerts SET status = 'resolved', ends_at = $1, updated_at = $1 WHERE group_id = $2 AND fingerprint = $3",
        )
        .bind(now)
        .bind(group)
        .bind(r.get::<String, _>(0))
        .execute(&mut *conn)
        .await?;
    }
    if !changed {
        return Ok(false);
    }
    let c = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN status = 'firing' THEN 1 ELSE 0 END), 0), COUNT(*)
         FROM alerts WHERE group_id = $1",
    )
    .bind(group)
    .fetch_one(&mut *conn)
    .await?;
    let (firing, total): (i64, i64) = (c.get(0), c.get(1));
    sqlx::query(
        "UPDATE alert_groups SET status = $1, firing = $2, resolved = $3, resolved_at = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(if firing > 0 { "firing" } else { "resolved" })
    .bind(firing)
    .bind(total - firing)
    .bind((firing == 0).then_some(now))
    .bind(now)
    .bind(group)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}
