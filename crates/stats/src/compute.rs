//! The statistics of a period, computed from the store, and their chart queued.

use chatops_core::outbox::{enqueue, OutboxItem, UPLOAD_METHOD};
use chatops_core::Ctx;
use messages::stats::{Longest, Noisy, Spread, StatsView};
use sqlx::{AnyPool, Row};

/// The figures and the weekly series of one range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub view: StatsView,
    pub weeks: Vec<crate::chart::Week>,
}

pub(crate) const DAY_MS: i64 = 86_400_000;

pub const WEEK_MS: i64 = 7 * DAY_MS;

/// Time to acknowledge is from the declaration to `incidents.acked_at` (paging, #15: the
/// Acknowledge button, `/incident ack`, "I'm on it", a WhatsApp reply to a page); for an
/// incident without it (declared before paging), to the first of these timeline events by
/// anyone but the bot: an acknowledgement, "I'm on it", a role taken, an update, a status change.
pub const ACK_KINDS: &str = "'ack', 'acknowledged', 'responder', 'role', 'update', 'status'";

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

pub(crate) fn spread(mut v: Vec<i64>) -> Spread {
    v.sort_unstable();
    Spread {
        median: percentile(&v, 50.0),
        p90: percentile(&v, 90.0),
        n: v.len() as i64,
    }
}

/// Updates that closed a cadence interval before its reminder (the incident's previous
/// cadence event was not a reminder), the intervals that lapsed (reminders), escalations.
pub(crate) async fn cadence(
    pool: &AnyPool,
    from: i64,
    to: i64,
    v: &mut StatsView,
) -> Result<(), sqlx::Error> {
    // Each cadence event with the one before it on the same incident (LAG: SQLite ≥ 3.25 and
    // PostgreSQL both have window functions). `CROSS JOIN` keeps SQLite's join order: the
    // range's incidents first, then their timelines by index (PostgreSQL plans it as a join).
    let r = sqlx::query(
        "SELECT
           COALESCE(SUM(CASE WHEN kind IN ('update', 'status')
                              AND COALESCE(prev, 'declared') NOT IN ('reminder', 'escalation') THEN 1 ELSE 0 END), 0),
           COALESCE(SUM(CASE WHEN kind = 'reminder' THEN 1 ELSE 0 END), 0),
           COALESCE(SUM(CASE WHEN kind = 'escalation' THEN 1 ELSE 0 END), 0)
         FROM (SELECT t.kind, LAG(t.kind) OVER (PARTITION BY t.incident_id ORDER BY t.id) AS prev
               FROM incidents i CROSS JOIN timeline t
               WHERE t.incident_id = i.id AND i.started_at >= $1 AND i.started_at <= $2 AND i.is_drill = 0
                 AND t.kind IN ('declared', 'update', 'status', 'reminder', 'escalation', 'reopened')) c",
    )
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    v.on_time = r.get(0);
    v.reminders = r.get(1);
    v.escalations = r.get(2);
    v.lapsed = v.reminders;
    Ok(())
}

/// Post-mortems of the range's resolved incidents: done, due (not yet reminded), overdue.
pub(crate) async fn postmortems(
    pool: &AnyPool,
    from: i64,
    to: i64,
    v: &mut StatsView,
) -> Result<(), sqlx::Error> {
    let r = sqlx::query(
        "SELECT
           COALESCE(SUM(CASE WHEN pm_done <> 0 THEN 1 ELSE 0 END), 0),
           COALESCE(SUM(CASE WHEN pm_done = 0 AND pm_due_at IS NOT NULL AND pm_stage = 0 AND pm_due_at >= $2 THEN 1 ELSE 0 END), 0),
           COALESCE(SUM(CASE WHEN pm_done = 0 AND pm_due_at IS NOT NULL AND (pm_stage > 0 OR pm_due_at < $2) THEN 1 ELSE 0 END), 0)
         FROM incidents WHERE started_at >= $1 AND started_at <= $2 AND resolved_at IS NOT NULL AND is_drill = 0",
    )
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    v.pm_done = r.get(0);
    v.pm_due = r.get(1);
    v.pm_overdue = r.get(2);
    Ok(())
}

pub(crate) async fn noisiest(
    pool: &AnyPool,
    from: i64,
    to: i64,
) -> Result<Vec<Noisy>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT g.source, g.title, COUNT(*) AS n FROM alert_notifications n JOIN alert_groups g ON g.id = n.group_id
         WHERE n.at >= $1 AND n.at <= $2 GROUP BY g.source, g.title ORDER BY n DESC, g.title LIMIT 5",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Noisy {
            source: r.get(0),
            title: r.get(1),
            notifications: r.get(2),
        })
        .collect())
}

pub(crate) async fn longest(
    pool: &AnyPool,
    from: i64,
    to: i64,
) -> Result<Vec<Longest>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, title, severity, COALESCE(resolved_at, $2) - started_at AS d,
                CAST(CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END AS BIGINT)
         FROM incidents WHERE started_at >= $1 AND started_at <= $2 AND is_drill = 0 ORDER BY d DESC, id LIMIT 5",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Longest {
            id: r.get(0),
            title: r.get(1),
            severity: r.get(2),
            secs: r.get::<i64, _>(3) / 1000,
            open: r.get::<i64, _>(4) != 0,
        })
        .collect())
}

/// The statistics of incidents declared in the `days` before `now_ms`.
pub async fn compute(pool: &AnyPool, days: i64, now_ms: i64) -> Result<Stats, sqlx::Error> {
    let from = now_ms - days * DAY_MS;
    // One row per incident: severity, start, end, first human acknowledgement.
    // A join (one pass over the range's timeline), not a subquery per incident: on PostgreSQL
    // a per-row subquery could become a sequential scan per incident with stale statistics.
    let rows = sqlx::query(&format!(
        "SELECT i.id, i.severity, i.started_at, i.resolved_at, MIN(t.at) AS responded_at, i.acked_at
         FROM incidents i
         LEFT JOIN timeline t ON t.incident_id = i.id AND t.kind IN ({ACK_KINDS})
              AND t.actor <> 'chatops' AND t.at >= i.started_at
         WHERE i.started_at >= $1 AND i.started_at <= $2 AND i.is_drill = 0
         GROUP BY i.id, i.severity, i.started_at, i.resolved_at, i.acked_at
         ORDER BY i.started_at"
    ))
    .bind(from)
    .bind(now_ms)
    .fetch_all(pool)
    .await?;
    let mut v = StatsView {
        days,
        ..Default::default()
    };
    let (mut tta, mut ttr) = (Vec::new(), Vec::new());
    let weeks_n = ((days * DAY_MS) + WEEK_MS - 1) / WEEK_MS;
    let mut weeks: Vec<crate::chart::Week> = (0..weeks_n)
        .map(|w| crate::chart::Week {
            start_ms: from + w * WEEK_MS,
            ..Default::default()
        })
        .collect();
    let mut week_ttr: Vec<Vec<i64>> = vec![Vec::new(); weeks_n as usize];
    for r in &rows {
        let sev: String = r.get(1);
        let started: i64 = r.get(2);
        let resolved: Option<i64> = r.get(3);
        // The acknowledgment paging records (#15), else the first human response.
        let acked: Option<i64> = r.get::<Option<i64>, _>(5).or(r.get(4));
        let s = incident::Severity::parse(&sev)
            .map(|s| s.index())
            .unwrap_or(3);
        v.total += 1;
        v.by_severity[s] += 1;
        let w = (((started - from) / WEEK_MS) as usize).min(weeks.len().saturating_sub(1));
        if let Some(week) = weeks.get_mut(w) {
            week.counts[s] += 1;
        }
        match resolved {
            Some(end) => {
                ttr.push((end - started) / 1000);
                week_ttr[w].push(end - started);
            }
            None => v.open += 1,
        }
        if let Some(a) = acked {
            tta.push((a - started) / 1000);
        }
    }
    for (week, mut t) in weeks.iter_mut().zip(week_ttr) {
        t.sort_unstable();
        week.ttr_median_ms = percentile(&t, 50.0);
    }
    v.tta = spread(tta);
    v.ttr = spread(ttr);
    cadence(pool, from, now_ms, &mut v).await?;
    postmortems(pool, from, now_ms, &mut v).await?;
    v.noisiest = noisiest(pool, from, now_ms).await?;
    v.longest = longest(pool, from, now_ms).await?;
    v.rto = rto_attainment(pool, from, now_ms).await?;
    Ok(Stats { view: v, weeks })
}

/// The stats message and, when there were incidents, the chart upload (files v2, through the
/// outbox), posted to `channel` in the caller's transaction. The chart goes in the thread of
/// the message when `thread_of` is the outbox row that posts it, else to the channel.
pub async fn enqueue_chart(
    conn: &mut sqlx::AnyConnection,
    ctx: &Ctx,
    stats: &Stats,
    channel: &str,
    thread_of: Option<i64>,
    requester: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    if stats.view.total == 0 {
        return Ok(());
    }
    let labels = messages::stats::chart_labels(stats.view.days, ctx.locale());
    let png = match crate::chart::render(&stats.weeks, &labels) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "stats chart not drawn; the figures go without it");
            return Ok(());
        }
    };
    use base64::Engine;
    let mut body = serde_json::json!({
        "channel_id": channel,
        "filename": format!("incidents-{}d.png", stats.view.days),
        "title": labels.file_title,
        "content_base64": base64::engine::general_purpose::STANDARD.encode(&png),
        "alt_txt": messages::stats::chart_alt(stats.view.days, stats.view.total, ctx.locale()),
    });
    // The bot may not be in the channel (a file is shared only where it is a member): then the
    // chart goes to the person who asked.
    if let Some(user) = requester {
        body["dm_fallback"] = serde_json::json!({
            "user": user,
            "comment": messages::stats::chart_in_dm(channel, ctx.locale()),
        });
    }
    let mut item = OutboxItem {
        method: UPLOAD_METHOD.into(),
        channel: channel.to_string(),
        body,
        depends_on: None,
        depends_field: None,
        tag: Some("stats:chart".into()),
    };
    if let Some(parent) = thread_of {
        item = item.reply_to(parent);
    }
    enqueue(conn, &item, now).await?;
    Ok(())
}

/// RTO attainment per component over the range (#28): the recoveries of real incidents (drills
/// excluded) whose component had an RTO, within it or not, and the longest.
pub(crate) async fn rto_attainment(
    pool: &AnyPool,
    from: i64,
    to: i64,
) -> Result<Vec<messages::recovery::Attainment>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.component, c.rto_ms, c.recovered_at - c.started_at
         FROM recovery_clocks c JOIN incidents i ON i.id = c.incident_id
         WHERE i.started_at >= $1 AND i.started_at <= $2 AND i.is_drill = 0
           AND c.rto_ms IS NOT NULL AND c.recovered_at IS NOT NULL
         ORDER BY c.component, c.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<messages::recovery::Attainment> = Vec::new();
    for r in &rows {
        let (name, rto, took): (String, i64, i64) = (r.get(0), r.get(1), r.get(2));
        if out.last().is_none_or(|a| a.name != name) {
            out.push(messages::recovery::Attainment {
                name,
                ..Default::default()
            });
        }
        let a = out.last_mut().expect("pushed above");
        a.rto_secs = rto / 1000;
        a.total += 1;
        a.within += i64::from(took <= rto);
        a.worst_secs = a.worst_secs.max(took / 1000);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 90.0), Some(90));
        assert_eq!(percentile(&[7], 90.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[1, 2, 3], 50.0), Some(2));
    }
}
