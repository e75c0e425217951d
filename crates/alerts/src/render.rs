//! An alert group's message: its view, re-rendered in place after every change.

use messages::alerts::{AlertLine, GroupView};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use crate::group::{enqueue_render, Group};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::Ctx;

/// What the group's message shows: the row and its alerts (firing first, then by name).
pub async fn view(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    g: &Group,
) -> Result<GroupView, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT status, labels, annotations FROM alerts WHERE group_id = $1
         ORDER BY CASE WHEN status = 'firing' THEN 0 ELSE 1 END, fingerprint LIMIT $2",
    )
    .bind(g.id)
    .bind(messages::alerts::LISTED_ALERTS as i64)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = g.firing + g.resolved;
    let alerts = if total > 1 {
        rows.iter()
            .map(|r| {
                let labels: crate::payload::Labels =
                    serde_json::from_str(&r.get::<String, _>(1)).unwrap_or_default();
                let ann: crate::payload::Labels =
                    serde_json::from_str(&r.get::<String, _>(2)).unwrap_or_default();
                AlertLine {
                    name: alert_name(&labels, &g.title),
                    summary: ann.get("summary").or(ann.get("description")).cloned(),
                    firing: r.get::<String, _>(0) == "firing",
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(GroupView {
        id: g.id,
        source: g.source.clone(),
        title: g.title.clone(),
        severity: g.severity.clone(),
        summary: g.summary.clone(),
        firing: g.firing,
        total,
        hidden: g.truncated,
        since: g.firing_since.map(|t| t / 1000),
        resolved_at: g.resolved_at.map(|t| t / 1000),
        source_url: g.source_url.clone(),
        alertmanager_url: g.external_url.clone(),
        notifications: g.notifications,
        acked_by: g.acked_by.clone(),
        silenced_until: g
            .silenced_until
            .filter(|u| *u > ctx.clock.now_ms())
            .map(|t| t / 1000),
        silenced_by: g.silenced_by.clone(),
        silence_id: g.silence_id.clone(),
        incident: g.incident_id,
        alerts,
        extra_actions: g
            .extra
            .as_deref()
            .and_then(|e| serde_json::from_str::<Vec<Value>>(e).ok())
            .unwrap_or_default(),
    })
}

/// How one alert of a group is named: the label that tells it apart (instance, job…).
fn alert_name(labels: &crate::payload::Labels, title: &str) -> String {
    for k in ["instance", "pod", "service", "job", "dedup_key"] {
        if let Some(v) = labels.get(k) {
            return v.clone();
        }
    }
    labels
        .iter()
        .filter(|(k, _)| k.as_str() != "alertname")
        .map(|(k, v)| format!("{k}={v}"))
        .next()
        .unwrap_or_else(|| title.to_string())
}

/// Re-renders the group's message (after a button or a link changed it).
pub async fn refresh(conn: &mut AnyConnection, ctx: &Ctx, g: &Group) -> Result<(), sqlx::Error> {
    let now = ctx.clock.now_ms();
    if let Some(post) = g.post_outbox_id {
        let v = view(conn, ctx, g).await?;
        let msg = messages::alerts::group_message(&v, ctx.locale());
        enqueue_render(
            conn,
            &g.channel,
            post,
            &format!("alert:{}:update", g.id),
            &msg,
            now,
        )
        .await?;
    } else if let Some(s) = g.summary_id {
        render_summary(conn, ctx, s, now).await?;
    }
    Ok(())
}

/// Posts or updates a flood summary with every group it lists.
pub(crate) async fn render_summary(
    tx: &mut AnyConnection,
    ctx: &Ctx,
    summary: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let r = sqlx::query("SELECT channel, post_outbox_id FROM alert_summaries WHERE id = $1")
        .bind(summary)
        .fetch_one(&mut *tx)
        .await?;
    let (channel, post): (String, Option<i64>) = (r.get(0), r.get(1));
    // Worst severity first (`ALERT_SEVERITY_MAP`; unmapped last), then the newest.
    let cfg = crate::settings::of(ctx);
    let mut rows: Vec<(Option<incident::Severity>, i64, messages::alerts::SummaryLine)> =
        sqlx::query(
            "SELECT title, summary, firing, severity, created_at FROM alert_groups WHERE summary_id = $1
             ORDER BY created_at DESC, id DESC",
        )
        .bind(summary)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            let line = messages::alerts::SummaryLine {
                title: r.get(0),
                summary: r.get(1),
                firing: r.get(2),
            };
            let sev = cfg.severity_for(r.get::<Option<String>, _>(3).as_deref());
            (sev, r.get(4), line)
        })
        .collect();
    rows.sort_by_key(|(sev, at, _)| (sev.is_none(), *sev, std::cmp::Reverse(*at)));
    let groups: Vec<messages::alerts::SummaryLine> = rows.into_iter().map(|r| r.2).collect();
    let msg = messages::alerts::flood_summary(
        &groups,
        crate::settings::of(ctx).max_posts_per_minute,
        ctx.locale(),
    );
    match post {
        Some(p) => {
            enqueue_render(
                tx,
                &channel,
                p,
                &format!("alert-summary:{summary}:update"),
                &msg,
                now,
            )
            .await
        }
        None => {
            let id = enqueue(
                tx,
                &OutboxItem::post(&channel, &msg).tagged(format!("alert-summary:{summary}:post")),
                now,
            )
            .await?;
            sqlx::query("UPDATE alert_summaries SET post_outbox_id = $1 WHERE id = $2")
                .bind(id)
                .bind(summary)
                .execute(&mut *tx)
                .await?;
            Ok(())
        }
    }
}
