//! Incident statistics (`/incident stats [7d|30d|90d]`, the weekly digest): figures computed in
//! SQL that runs on both stores from the incident, timeline and alert tables; percentiles
//! (median, p90, nearest rank) over the per-incident durations in Rust, since SQLite has no
//! percentile function. [`chart`] draws them, [`digest`] posts them weekly.

pub mod chart;
mod compute;
pub mod digest;
mod overdue;

use chatops_core::Ctx;
pub use compute::{compute, enqueue_chart, percentile, Stats, ACK_KINDS, WEEK_MS};
pub use overdue::with_overdue;

/// `/incident stats [7d|30d|90d]`: the figures as the command's reply (shown in the channel),
/// the chart uploaded to the same channel, or to `user`'s DM when the bot is not in it.
pub async fn command(
    ctx: &Ctx,
    days: i64,
    channel: &str,
    user: &str,
) -> chatops_core::FlowResult<messages::Msg> {
    let now = ctx.clock.now_ms();
    let stats = compute(&ctx.store.pool, days, now).await?;
    let l = ctx.locale();
    let overdue = followup::report::overdue_lines(&ctx.store.pool, now, l).await?;
    if stats.view.total == 0 {
        return Ok(with_overdue(
            messages::stats::empty(days, false, l),
            &overdue,
        ));
    }
    let mut tx = ctx.store.begin().await?;
    enqueue_chart(&mut tx, ctx, &stats, channel, None, Some(user), now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(with_overdue(
        messages::stats::message(&stats.view, false, l),
        &overdue,
    ))
}

/// The ack of `/incident stats`: the figures for everyone in the channel; no incident, or a
/// failure, for the person who asked.
pub async fn ack(ctx: &Ctx, days: i64, channel: &str, user: &str) -> chatops_core::request::Ack {
    match command(ctx, days, channel, user).await {
        Ok(m)
            if m.blocks
                .as_ref()
                .is_some_and(|b| b.as_array().is_some_and(|a| a.len() > 2)) =>
        {
            let mut body = m.ephemeral();
            body["response_type"] = "in_channel".into();
            chatops_core::request::Ack::Body(body)
        }
        Ok(m) => chatops_core::request::Ack::Body(m.ephemeral()),
        Err(e) => chatops_core::request::Ack::Body(e.into_msg(ctx.locale()).ephemeral()),
    }
}
