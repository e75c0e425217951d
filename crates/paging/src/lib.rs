//! Acknowledgment, the on-call rotation and paging (#15).
//!
//! - An incident is acknowledged by the "Acknowledge" or "I'm on it" button, `/incident ack`,
//!   or a WhatsApp reply (`ack`, `ok`, `1`) to a page ([`ack`], [`webhook`]).
//! - Declaring an incident whose severity has an ack window (`INCIDENT_ACK_P*`) writes a
//!   ladder row in the same transaction ([`ladder`]): primary on call after the window, the
//!   secondary after another, then the commanders. Each step writes one durable row per person
//!   (unique per incident, step and person) that [`deliver`] sends by Slack DM and WhatsApp.
//! - The rotation lives in the store ([`oncall`]); handoffs and overrides are timed rows.
//!
//! Everything is a row with a due time claimed under a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL), so several replicas page once and a restart neither repeats nor skips a step.
//! [`run_once`] is one step of the worker; tests drive it.

pub mod ack;
pub mod command;
pub mod deliver;
pub mod hooks;
pub mod ladder;
pub mod oncall;
pub mod phone;
pub mod reply;
pub mod schedule;
pub mod settings;
mod shared;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use chatops_core::Ctx;
pub(crate) use shared::{claim_sql, post_to_room};
pub use shared::{earliest_due, Ran};

pub use command::OncallCmd;

/// What `/incident status` shows of paging: who acknowledged incident `id` and when, and who
/// is on call now.
pub async fn status_paging(
    ctx: &Ctx,
    id: i64,
) -> Result<messages::incident::StatusPaging, sqlx::Error> {
    let mut conn = ctx.store.pool.acquire().await?;
    let acked = ack::acked_by(&mut conn, id).await?;
    let on_call = oncall::who(&mut conn, ctx, ctx.clock.now_ms())
        .await?
        .primary;
    Ok(messages::incident::StatusPaging { acked, on_call })
}

/// One step of the worker: handoffs and expired overrides, due ladder steps, pending pages.
/// A page that failed on WhatsApp brings the next step forward, so this repeats (a few rounds)
/// until nothing is left due now.
pub async fn run_once(ctx: &Ctx) -> Result<Ran, sqlx::Error> {
    let mut ran = Ran {
        handoffs: oncall::run_handoffs(ctx).await?,
        ..Ran::default()
    };
    for _ in 0..6 {
        let steps = ladder::fire_due(ctx).await?;
        let pages = deliver::deliver_due(ctx).await?;
        ran.steps += steps;
        ran.pages += pages;
        if steps == 0 && pages == 0 {
            break;
        }
    }
    if ran != Ran::default() {
        ctx.outbox_wake.notify_one();
    }
    Ok(ran)
}

/// The paging loop: until `shutdown`.
pub async fn run_worker(ctx: Arc<Ctx>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let poll = crate::settings::of(&ctx).poll;
    loop {
        if *shutdown.borrow() {
            return;
        }
        if let Err(e) = run_once(&ctx).await {
            tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "paging: store unavailable, retrying");
        }
        let now = ctx.clock.now_ms();
        let wait = match earliest_due(&ctx).await {
            Ok(Some(due)) if due > now => Duration::from_millis((due - now) as u64).min(poll),
            Ok(Some(_)) => poll / 4,
            Ok(None) | Err(_) => poll,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
    }
}
