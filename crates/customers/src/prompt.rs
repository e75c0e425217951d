//! The war-room prompt: a durable job written once per incident and kind (the prompt row is
//! the key), due `CUSTOMERS_NOTICE_AFTER` after the declaration for an outage (when a P0/P1
//! affects a customer-facing component), at once at resolution for the back-to-normal notice,
//! or at once when someone types `/incident notify-customers`. When it runs it reads Julia's
//! database and Evolution and posts the preview with Send / Edit / Not now.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use chatops_core::jobs::{enqueue, JobResult, Lease, Registry};
use chatops_core::outbox::{self, OutboxItem};
use chatops_core::Ctx;
use incident::store::Incident;
use messages::customers as tpl;

use crate::{preview, settings, store};

pub const PROMPT: &str = "customers_prompt";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prompt {
    pub incident: i64,
    #[serde(default)]
    pub recovery: bool,
    /// Asked for by someone (`/incident notify-customers`, an edit): posted even when the
    /// automatic conditions no longer hold or someone said "Not now".
    #[serde(default)]
    pub forced: bool,
}

/// Registers the prompt's job kind.
pub fn register(jobs: &mut Registry) {
    jobs.register(PROMPT, run);
}

/// Writes the prompt's job due at `at`, in the caller's transaction.
pub async fn schedule(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    p: &Prompt,
    at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let id = enqueue(conn, ctx, PROMPT, p, now).await?;
    if at > now {
        sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Whether `i` affects a customer-facing component now (per `incident_components`).
pub async fn customer_facing(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
) -> Result<bool, sqlx::Error> {
    let affected = incident::components::of_incident(conn, i.id).await?;
    Ok(affected.iter().any(|a| {
        a.recovered_at.is_none()
            && a.state.is_affected()
            && ctx
                .config
                .components
                .get(&a.component)
                .is_some_and(|c| c.customer_facing)
    }))
}

/// Whether `i` calls for the automatic outage prompt: open, not a drill, a prompting
/// severity, a customer-facing component affected.
pub async fn qualifies(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
) -> Result<bool, sqlx::Error> {
    let cfg = settings::of(ctx);
    if cfg.after.is_none()
        || i.is_drill
        || !i.status.is_open()
        || !cfg.severities.iter().any(|s| s == i.severity.as_str())
    {
        return Ok(false);
    }
    customer_facing(conn, ctx, i).await
}

/// Where the prompt goes: the war room, else where the incident was declared.
pub fn room(i: &Incident) -> Option<String> {
    i.channel_id.clone().or_else(|| i.origin_channel.clone())
}

fn run<'a>(ctx: &'a Arc<Ctx>, p: Prompt, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let mut conn = ctx.store.pool.acquire().await?;
        let Some(i) = incident::store::get(&mut conn, p.incident).await? else {
            return Ok(());
        };
        let existing = store::of_incident(&ctx.store.pool, i.id, p.recovery).await?;
        let dismissed = store::prompt(&ctx.store.pool, i.id, p.recovery)
            .await?
            .and_then(|(_, d)| d);
        let wanted = if p.forced {
            !i.is_drill
        } else if p.recovery {
            !i.is_drill && !i.status.is_open()
        } else {
            dismissed.is_none() && qualifies(&mut conn, ctx, &i).await?
        };
        drop(conn);
        let Some(room) = room(&i) else {
            return Ok(());
        };
        let now = ctx.clock.now_ms();
        if !wanted || existing.is_some() {
            let mut tx = ctx.store.begin().await?;
            if let (true, Some(n)) = (p.forced, &existing) {
                let m = tpl::already(&n.state, ctx.locale());
                outbox::enqueue(&mut tx, &OutboxItem::post(&room, &m), now).await?;
            }
            lease.complete_in(&mut tx, now).await?;
            tx.commit().await?;
            ctx.outbox_wake.notify_one();
            return Ok(());
        }
        let text = preview::text(ctx, &i, p.recovery).await?;
        let built = match preview::whatsapp_open(ctx).await {
            Err(why) => Err(why),
            Ok(()) => preview::build(ctx, &i, p.recovery).await,
        };
        let msg = tpl::prompt(
            &preview::view(ctx, &i, p.recovery, &built, &text),
            ctx.locale(),
        );
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        outbox::enqueue(&mut tx, &OutboxItem::post(&room, &msg), now).await?;
        store::claim_prompt(&mut tx, i.id, p.recovery, now).await?;
        store::mark_posted(&mut tx, i.id, p.recovery, now).await?;
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        Ok(())
    })
}
