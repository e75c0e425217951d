//! One notification about one alert group, stored in one transaction with what it causes:
//! the group's state, its alerts, a notification row (for statistics), the Slack call (the
//! group's first post, or a `chat.update` of it, or the flood summary), and, when the group
//! is declared, the incident's timeline. The caller answers as soon as it commits; the outbox
//! delivers.

use std::collections::HashSet;

use sqlx::{AnyConnection, Row};

use super::payload::Incoming;
use super::{for_update, Group, COLS};
use crate::render::render_summary;
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::store::Backend;
use chatops_core::Ctx;
use incident::{shared::post_to_incident, store as incidents};

/// What a notification did, for the HTTP answer and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub group: i64,
    pub firing: i64,
    pub total: i64,
    /// `posted`, `updated`, `summarised`, `silenced`, `stored` (nothing to show).
    pub outcome: &'static str,
}

const MINUTE: i64 = 60_000;

/// Stores the notification and the posts it causes; auto-declares when asked to (after the
/// commit: the declaration is its own transaction and job).
pub async fn receive(ctx: &Ctx, inc: &Incoming) -> Result<Receipt, sqlx::Error> {
    let receipt = store(ctx, inc).await?;
    ctx.outbox_wake.notify_one();
    if crate::settings::of(ctx).auto_declare && receipt.firing > 0 {
        if let Some(sev) = inc.declare.as_deref().and_then(incident::Severity::parse) {
            if let Err(e) = super::declare::auto(ctx, receipt.group, sev).await {
                tracing::warn!(group = receipt.group, error = ?e, "auto-declaration failed; the next notification tries again");
            }
        }
    }
    Ok(receipt)
}

async fn store(ctx: &Ctx, inc: &Incoming) -> Result<Receipt, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let channel = crate::settings::of(ctx).channel.clone().unwrap_or_default();
    let extra = (!inc.extra_actions.is_empty())
        .then(|| serde_json::to_string(&inc.extra_actions).unwrap_or_default());
    let mut tx = ctx.store.begin().await?;
    sqlx::query(
        "INSERT INTO alert_groups (source, group_key, channel, title, labels, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, '{}', 'firing', $5, $5) ON CONFLICT (group_key) DO NOTHING",
    )
    .bind(&inc.source)
    .bind(&inc.group_key)
    .bind(&channel)
    .bind(&inc.title)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let sql = format!(
        "SELECT {COLS} FROM alert_groups WHERE group_key = $1{}",
        for_update(ctx.store.backend)
    );
    let row = sqlx::query(&sql)
        .bind(&inc.group_key)
        .fetch_one(&mut *tx)
        .await?;
    let before = super::from_row(&row);
    let was_firing: HashSet<String> =
        sqlx::query("SELECT fingerprint FROM alerts WHERE group_id = $1 AND status = 'firing'")
            .bind(before.id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
    upsert_alerts(&mut tx, before.id, inc, now).await?;
    let (firing, total) = save_group(&mut tx, before.id, inc, extra, now).await?;
    let g = super::lock(&mut tx, ctx.store.backend, before.id)
        .await?
        .expect("the group was just written");
    let newly_firing = inc
        .alerts
        .iter()
        .any(|a| a.firing && !was_firing.contains(&a.fingerprint));
    let changed =
        newly_firing || (before.status == "firing" && firing == 0 && before.notifications > 0);
    if let (Some(incident), true) = (g.incident_id, changed) {
        to_incident(&mut tx, ctx, &g, incident, now).await?;
    }
    let outcome = post(&mut tx, ctx, &g, now).await?;
    crate::repeat_check::schedule(&mut tx, ctx, &g, now).await?;
    tx.commit().await?;
    metrics::counter!("alerts_received_total", "source" => metric_source(&g.source), "outcome" => outcome)
        .increment(1);
    Ok(Receipt {
        group: g.id,
        firing,
        total,
        outcome,
    })
}

fn metric_source(s: &str) -> &'static str {
    match s {
        "alertmanager" => "alertmanager",
        "julia" => "julia",
        _ => "generic",
    }
}

/// The group's row after this notification (counts from its alerts), and the notification row.
/// Returns (firing, total).
async fn save_group(
    tx: &mut AnyConnection,
    id: i64,
    inc: &Incoming,
    extra: Option<String>,
    now: i64,
) -> Result<(i64, i64), sqlx::Error> {
    let (firing, total, since, last_end) = counts(tx, id).await?;
    // Alerts `max_alerts` left out may be firing: such a group is never called resolved.
    let open = firing > 0 || inc.truncated > 0;
    let status = if open { "firing" } else { "resolved" };
    let resolved_at = (!open).then(|| last_end.unwrap_or(now));
    sqlx::query(
        "UPDATE alert_groups SET title = $1, severity = $2, summary = $3, labels = $4, source_url = $5,
           external_url = $6, status = $7, firing = $8, resolved = $9, firing_since = $10, resolved_at = $11,
           notifications = notifications + 1, updated_at = $12, extra = COALESCE($13, extra), truncated = $15
         WHERE id = $14",
    )
    .bind(&inc.title)
    .bind(inc.severity.as_deref())
    .bind(inc.summary.as_deref())
    .bind(serde_json::to_string(&inc.match_labels).unwrap_or_default())
    .bind(inc.source_url.as_deref())
    .bind(inc.external_url.as_deref())
    .bind(status)
    .bind(firing)
    .bind(total - firing)
    .bind(since)
    .bind(resolved_at)
    .bind(now)
    .bind(extra)
    .bind(id)
    .bind(inc.truncated)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO alert_notifications (group_id, at, status, firing) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(now)
    .bind(status)
    .bind(firing)
    .execute(&mut *tx)
    .await?;
    Ok((firing, total))
}

async fn upsert_alerts(
    conn: &mut AnyConnection,
    group: i64,
    inc: &Incoming,
    now: i64,
) -> Result<(), sqlx::Error> {
    for a in &inc.alerts {
        // A repeated firing keeps the time it started firing (the generic body has no startsAt).
        sqlx::query(
            "INSERT INTO alerts (group_id, fingerprint, status, labels, annotations, starts_at, ends_at, generator_url, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (group_id, fingerprint) DO UPDATE SET
               status = excluded.status, labels = excluded.labels, annotations = excluded.annotations,
               starts_at = CASE WHEN alerts.status = 'firing' AND excluded.status = 'firing' AND alerts.starts_at < excluded.starts_at
                                THEN alerts.starts_at ELSE excluded.starts_at END,
               ends_at = excluded.ends_at, generator_url = excluded.generator_url, updated_at = excluded.updated_at",
        )
        .bind(group)
        .bind(&a.fingerprint)
        .bind(if a.firing { "firing" } else { "resolved" })
        .bind(serde_json::to_string(&a.labels).unwrap_or_default())
        .bind(serde_json::to_string(&a.annotations).unwrap_or_default())
        .bind(a.starts_at)
        .bind(if a.firing { None } else { Some(a.ends_at.unwrap_or(now)) })
        .bind(a.generator_url.as_deref())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    if inc.all_resolved {
        // Alertmanager's "all resolved": whatever the group still held is over.
        sqlx::query(
            "UPDATE alerts SET status = 'resolved', ends_at = $1, updated_at = $1 WHERE group_id = $2 AND status = 'firing'",
        )
        .bind(now)
        .bind(group)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Firing, total, firing since, last resolution.
async fn counts(
    conn: &mut AnyConnection,
    group: i64,
) -> Result<(i64, i64, Option<i64>, Option<i64>), sqlx::Error> {
    let r = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN status = 'firing' THEN 1 ELSE 0 END), 0), COUNT(*),
                MIN(CASE WHEN status = 'firing' THEN starts_at END), MAX(ends_at)
         FROM alerts WHERE group_id = $1",
    )
    .bind(group)
    .fetch_one(conn)
    .await?;
    Ok((r.get(0), r.get(1), r.get(2), r.get(3)))
}

/// The group's Slack message: posted once, then updated in place; over the limit (per channel
/// and source),
/// listed in the minute's summary message instead.
async fn post(
    tx: &mut AnyConnection,
    ctx: &Ctx,
    g: &Group,
    now: i64,
) -> Result<&'static str, sqlx::Error> {
    if g.channel.is_empty() {
        return Ok("stored");
    }
    if g.silenced(now) {
        return Ok("silenced");
    }
    if g.post_outbox_id.is_some() {
        super::refresh(tx, ctx, g).await?;
        return Ok("updated");
    }
    if let Some(s) = g.summary_id {
        render_summary(tx, ctx, s, now).await?;
        return Ok("summarised");
    }
    if g.firing == 0 && g.truncated == 0 {
        // A resolution for a group never shown: nothing to tell.
        return Ok("stored");
    }
    if ctx.store.backend == Backend::Postgres {
        // One writer per channel decides "over the limit or not" (several replicas).
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS l")
            .bind(format!("alerts:{}", g.channel))
            .execute(&mut *tx)
            .await?;
    }
    // The limit counts per source: a flood from one (a broken exporter) leaves every other
    // source its own posts.
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM alert_groups WHERE channel = $1 AND posted_at >= $2 AND source = $3",
    )
    .bind(&g.channel)
    .bind(now - MINUTE)
    .bind(&g.source)
    .fetch_one(&mut *tx)
    .await?;
    if recent < crate::settings::of(ctx).max_posts_per_minute as i64 {
        let v = super::view(tx, ctx, g).await?;
        let msg = messages::alerts::group_message(&v, ctx.locale());
        let id = enqueue(
            tx,
            &OutboxItem::post(&g.channel, &msg).tagged(format!("alert:{}:post", g.id)),
            now,
        )
        .await?;
        sqlx::query("UPDATE alert_groups SET post_outbox_id = $1, posted_at = $2 WHERE id = $3")
            .bind(id)
            .bind(now)
            .bind(g.id)
            .execute(&mut *tx)
            .await?;
        return Ok("posted");
    }
    let window = now - now.rem_euclid(MINUTE);
    sqlx::query(
        "INSERT INTO alert_summaries (channel, window_start, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (channel, window_start) DO NOTHING",
    )
    .bind(&g.channel)
    .bind(window)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let summary: i64 = sqlx::query_scalar(
        "SELECT id FROM alert_summaries WHERE channel = $1 AND window_start = $2",
    )
    .bind(&g.channel)
    .bind(window)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE alert_groups SET summary_id = $1 WHERE id = $2")
        .bind(summary)
        .bind(g.id)
        .execute(&mut *tx)
        .await?;
    render_summary(tx, ctx, summary, now).await?;
    Ok("summarised")
}

/// A declared group's new firings and its resolution go to the incident's timeline, and
/// (unless the group is silenced) to where the incident lives.
async fn to_incident(
    tx: &mut AnyConnection,
    ctx: &Ctx,
    g: &Group,
    incident: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(i) = incidents::get(tx, incident).await? else {
        return Ok(());
    };
    let total = g.firing + g.resolved;
    let text = messages::alerts::timeline_text(&g.title, g.firing, total);
    incidents::add_event(
        tx,
        incident,
        now,
        &g.source,
        incident::timeline::EventKind::Alert,
        &text,
    )
    .await?;
    if !g.silenced(now) {
        let notice = messages::alerts::incident_notice(&g.title, g.firing, total, ctx.locale());
        post_to_incident(tx, ctx, &i, &messages::Msg::text(notice), false, now).await?;
    }
    Ok(())
}
