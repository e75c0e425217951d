//! Slack retries an event it thinks was not received: each event is handled once.

use std::time::Duration;

/// Event dedupe: Redis first (fast, across replicas), the store always (so a Redis outage or
/// a restart of Redis never lets a retried event through twice).
pub async fn first_delivery(ctx: &crate::Ctx, event_id: &str) -> Result<bool, sqlx::Error> {
    if let Some(false) = ctx
        .cache
        .set_once(
            &format!("chatops:event:{event_id}"),
            Duration::from_secs(24 * 3600),
        )
        .await
    {
        metrics::counter!("slack_events_deduped_total", "by" => "redis").increment(1);
        return Ok(false);
    }
    let r = sqlx::query("INSERT INTO processed_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING")
        .bind(event_id)
        .bind(ctx.clock.now_ms())
        .execute(&ctx.store.pool)
        .await?;
    let first = r.rows_affected() == 1;
    if !first {
        metrics::counter!("slack_events_deduped_total", "by" => "store").increment(1);
    }
    Ok(first)
}
