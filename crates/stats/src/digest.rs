//! The weekly digest (`STATS_DIGEST`, default `mon 09:00` in `ONCALL_TZ`): the last 7 days'
//! statistics and chart, posted to `INCIDENTS_CHANNEL` once per week even with several
//! replicas: the week's row in `stats_digests` (primary key) is written in the same
//! transaction as the posts, so only the replica whose insert lands posts. A bot that was down
//! at the time posts when it is back, if within a day; later, that week is skipped.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveTime, TimeZone};

use alerts::settings::DigestAt;
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::Ctx;

/// How late a digest may still go out.
const GRACE_MS: i64 = 24 * 3_600_000;

/// The latest scheduled time at or before `now_ms` (epoch ms) and its period key (local date).
pub fn last_slot(at: DigestAt, tz: chrono_tz::Tz, now_ms: i64) -> Option<(i64, String)> {
    let now = tz.timestamp_millis_opt(now_ms).single()?;
    let time = NaiveTime::from_hms_opt(at.hour, at.minute, 0)?;
    let back = (7 + now.weekday().num_days_from_monday() as i64
        - at.weekday.num_days_from_monday() as i64)
        % 7;
    for extra in [0i64, 7] {
        let date = now.date_naive() - chrono::Duration::days(back + extra);
        // A local time skipped by a DST change falls to the first valid instant after it.
        let local = tz
            .from_local_datetime(&date.and_time(time))
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(date.and_time(time) + chrono::Duration::hours(1)))
                    .earliest()
            })?;
        if local.timestamp_millis() <= now_ms {
            return Some((
                local.timestamp_millis(),
                date.format("%Y-%m-%d").to_string(),
            ));
        }
    }
    None
}

/// Posts this week's digest if it is due and no replica has posted it. Returns whether this
/// call posted it.
pub async fn run_once(ctx: &Ctx) -> Result<bool, sqlx::Error> {
    let (Some(at), Some(channel)) = (
        alerts::settings::of(ctx).digest,
        ctx.config.incidents_channel.clone(),
    ) else {
        return Ok(false);
    };
    let now = ctx.clock.now_ms();
    let Some((slot, period)) = last_slot(at, paging::settings::of(ctx).tz, now) else {
        return Ok(false);
    };
    if now - slot > GRACE_MS {
        return Ok(false);
    }
    let posted: Option<i64> =
        sqlx::query_scalar("SELECT posted_at FROM stats_digests WHERE period = $1")
            .bind(&period)
            .fetch_optional(&ctx.store.pool)
            .await?;
    if posted.is_some() {
        return Ok(false);
    }
    let stats = super::compute(&ctx.store.pool, 7, now).await?;
    let l = ctx.locale();
    let msg = if stats.view.total == 0 {
        messages::stats::empty(7, true, l)
    } else {
        messages::stats::message(&stats.view, true, l)
    };
    let overdue = followup::report::overdue_lines(&ctx.store.pool, now, l).await?;
    let msg = crate::overdue::with_overdue(msg, &overdue);
    let mut tx = ctx.store.begin().await?;
    let won = sqlx::query(
        "INSERT INTO stats_digests (period, posted_at) VALUES ($1, $2) ON CONFLICT (period) DO NOTHING",
    )
    .bind(&period)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !won {
        return Ok(false);
    }
    let post = enqueue(
        &mut tx,
        &OutboxItem::post(&channel, &msg).tagged("stats:digest"),
        now,
    )
    .await?;
    super::enqueue_chart(&mut tx, ctx, &stats, &channel, Some(post), None, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    tracing::info!(period = %period, incidents = stats.view.total, "weekly digest posted");
    Ok(true)
}

/// Checks once a minute until `shutdown`; returns at once when the digest is off.
pub async fn run_worker(ctx: Arc<Ctx>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    if alerts::settings::of(&ctx).digest.is_none() || ctx.config.incidents_channel.is_none() {
        return;
    }
    loop {
        if *shutdown.borrow() {
            return;
        }
        if let Err(e) = run_once(&ctx).await {
            tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "weekly digest: store unavailable, retrying");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn the_slot_is_the_last_scheduled_time_in_the_zone() {
        let at = alerts::settings::digest_at("mon 09:00").unwrap().unwrap();
        // Monday 2026-11-30 10:00 UTC: today's 09:00.
        let (slot, key) = last_slot(at, chrono_tz::UTC, ms("2026-11-30T10:00:00Z")).unwrap();
        assert_eq!(
            (slot, key.as_str()),
            (ms("2026-11-30T09:00:00Z"), "2026-11-30")
        );
        // Monday 08:00 UTC: last week's.
        let (slot, _) = last_slot(at, chrono_tz::UTC, ms("2026-11-30T08:00:00Z")).unwrap();
        assert_eq!(slot, ms("2026-11-23T09:00:00Z"));
        // São Paulo is UTC-3: Monday 09:00 there is 12:00 UTC.
        let sp: chrono_tz::Tz = "America/Sao_Paulo".parse().unwrap();
        let (slot, _) = last_slot(at, sp, ms("2026-11-30T12:30:00Z")).unwrap();
        assert_eq!(slot, ms("2026-11-30T12:00:00Z"));
    }
}
