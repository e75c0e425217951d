//! Sending a notice: a durable job that sends to one recipient per run, then writes the next
//! run `CUSTOMERS_PACE` (plus up to `CUSTOMERS_JITTER`) later, in the same transaction that
//! records the outcome and updates the one progress message.
//!
//! **Never twice (at most once per doctor).** Before the call to Evolution the recipient is
//! moved to `sending` and that is committed; after the call it becomes `sent` or `failed`. A
//! crash between the two leaves `sending`: the next run (this process restarted, or another
//! replica once the lease runs out) cannot know whether WhatsApp delivered it, so it marks the
//! recipient `uncertain`, counts it in the progress message, and never sends it again. A call
//! that times out is `uncertain` the same way (Evolution may still deliver it). The price is
//! that a doctor caught by a crash may get nothing; the alternative (at least once) could
//! send a doctor the same message twice, which the doctors notice and WhatsApp's anti-spam
//! counts against the number.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use chatops_core::jobs::{enqueue, JobError, JobResult, Lease};
use chatops_core::outbox::{self, OutboxItem};
use chatops_core::Ctx;
use clients::evolution::EvolutionError;
use clients::JuliaClients;
use messages::customers as tpl;

use crate::{settings, store};

pub const SEND: &str = "customers_send";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Send {
    pub notice: i64,
}

/// Writes the next step of `notice` due at `at`, in the caller's transaction.
pub async fn schedule(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    notice: i64,
    at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let id = enqueue(conn, ctx, SEND, &Send { notice }, now).await?;
    if at > now {
        sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// How long a send waits when WhatsApp went away in the middle of it.
const WAIT_FOR_WHATSAPP: Duration = Duration::from_secs(30);

/// After a refused send (not a timeout: that one may have gone out), the instance's state when
/// it is not `open`: WhatsApp itself went away, so the doctor waits instead of failing.
async fn disconnected(
    ctx: &Ctx,
    result: &Result<Option<String>, EvolutionError>,
) -> Option<String> {
    match result {
        Ok(_) | Err(EvolutionError::Timeout(_)) => None,
        Err(_) => {
            let c = ctx.ext.get::<JuliaClients>()?;
            match c.evolution.state().await {
                Ok(s) if s != "open" => Some(s),
                _ => None,
            }
        }
    }
}

/// The pause before the next message: the pace and a random part of the jitter.
fn pause(ctx: &Ctx) -> Duration {
    let cfg = settings::of(ctx);
    let j = cfg.jitter.as_millis() as u64;
    let extra = if j == 0 {
        0
    } else {
        rand::random::<u64>() % (j + 1)
    };
    cfg.pace + Duration::from_millis(extra)
}

pub(crate) fn run<'a>(ctx: &'a Arc<Ctx>, job: Send, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move { step(ctx, job.notice, lease).await })
}

/// How one call ended: the recipient's new state and the error to keep (masked).
fn outcome(r: &Result<Option<String>, EvolutionError>) -> (&'static str, Option<String>) {
    match r {
        Ok(_) => ("sent", None),
        Err(EvolutionError::Timeout(s)) => (
            "uncertain",
            Some(format!(
                "no answer from Evolution in {s} s (may still be delivered)"
            )),
        ),
        Err(e) => ("failed", Some(crate::phone::scrub(&e.to_string()))),
    }
}

/// The next recipient of a notice still sending, after reconciling what a crash cut short;
/// `None` when there is nothing (more) to do (the job is then complete).
async fn pick(
    ctx: &Ctx,
    id: i64,
    lease: &Lease,
) -> Result<Option<(store::Notice, i64, String)>, JobError> {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let notice = store::get(&mut tx, id).await?;
    let Some(n) = notice.filter(|n| n.state == "sending") else {
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        return Ok(None);
    };
    let reconciled = store::reconcile(&mut tx, id, now).await?;
    if reconciled > 0 {
        tracing::warn!(
            notice = id,
            recipients = reconciled,
            "customers: a restart cut sends short; marked not confirmed, never sent again"
        );
    }
    let Some((seq, phone)) = store::next_pending(&mut tx, id).await? else {
        store::finish(&mut tx, id, "done", None, now).await?;
        render_progress(&mut tx, ctx, id, now).await?;
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        return Ok(None);
    };
    if reconciled > 0 {
        render_progress(&mut tx, ctx, id, now).await?;
    }
    tx.commit().await?;
    Ok(Some((n, seq, phone)))
}

/// Ends a step with `seq` moved from `from` to `to`: the counters, the next step (after
/// `pause`) or the end, the progress message, the job's completion, in one transaction.
async fn record(
    ctx: &Ctx,
    (id, seq): (i64, i64),
    (from, to, error): (&str, &str, Option<&str>),
    pause: Duration,
    lease: &Lease,
) -> JobResult {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let moved = store::set_state(&mut tx, id, seq, (from, to), error, now).await?;
    if moved && from == "sending" && to != "pending" {
        store::count(&mut tx, id, to).await?;
    }
    let more = store::next_pending(&mut tx, id).await?.is_some();
    let still = store::get(&mut tx, id)
        .await?
        .is_some_and(|n| n.state == "sending");
    if !more && still {
        store::finish(&mut tx, id, "done", None, now).await?;
    } else if more && still {
        let at = now + pause.as_millis() as i64;
        schedule(&mut tx, ctx, id, at, now).await?;
    }
    render_progress(&mut tx, ctx, id, now).await?;
    lease.complete_in(&mut tx, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}

async fn step(ctx: &Arc<Ctx>, id: i64, lease: &Lease) -> JobResult {
    let Some((n, seq, phone)) = pick(ctx, id, lease).await? else {
        return Ok(());
    };
    // The doctor again, just before the send: an opt-out since the confirmation is honoured.
    if let Some(reason) = crate::preview::recheck(ctx, &phone, n.include_held).await {
        let r = (id, seq);
        return record(
            ctx,
            r,
            ("pending", "excluded", Some(&reason)),
            Duration::ZERO,
            lease,
        )
        .await;
    }
    // Recorded before the call: a crash from here on never sends this doctor again.
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    if !store::set_state(&mut tx, id, seq, ("pending", "sending"), None, now).await? {
        // Stopped meanwhile.
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        return Ok(());
    }
    lease
        .record_step_in(&mut tx, "sending", serde_json::json!(seq))
        .await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();

    let cfg = settings::of(ctx);
    let result = match ctx.ext.get::<JuliaClients>() {
        Some(c) => {
            c.evolution
                .send_text(&phone, &n.text, cfg.send_timeout)
                .await
        }
        None => Err(EvolutionError::Unconfigured("EVOLUTION_API_URL".into())),
    };
    if let Some(s) = disconnected(ctx, &result).await {
        // Evolution refused it: not sent. The doctor waits for WhatsApp to come back.
        tracing::warn!(notice = id, state = %s, "customers: WhatsApp disconnected mid-send; waiting");
        let why = format!("whatsapp {s}");
        let back = ("sending", "pending", Some(why.as_str()));
        return record(ctx, (id, seq), back, WAIT_FOR_WHATSAPP, lease).await;
    }
    let (state, error) = outcome(&result);
    if let Some(e) = &error {
        tracing::warn!(notice = id, to = %crate::phone::mask(&phone), error = %e, "customers: one message not delivered; moving on");
    }
    record(
        ctx,
        (id, seq),
        ("sending", state, error.as_deref()),
        pause(ctx),
        lease,
    )
    .await
}

/// The progress message of `id` as it is now: its first post rewritten while it has not gone
/// out, else one `chat.update` (a pending one replaced, so a fast send costs one call per
/// delivery, not one per message).
pub async fn render_progress(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(n) = store::get(conn, id).await? else {
        return Ok(());
    };
    let v = tpl::ProgressView {
        notice: n.id,
        incident: n.incident,
        recovery: n.recovery,
        total: n.total,
        sent: n.sent,
        failed: n.failed,
        uncertain: n.uncertain,
        state: n.state.clone(),
        confirmed_by: n.confirmed_by.clone(),
        stopped_by: n.stopped_by.clone(),
        include_held: n.include_held,
        excluded: store::excluded(conn, id).await?,
        waiting: store::waiting(conn, id).await?,
    };
    let msg = tpl::progress(&v, ctx.locale());
    let Some(post_id) = n.progress_outbox_id else {
        let post = outbox::enqueue(conn, &OutboxItem::post(&n.channel, &msg), now).await?;
        return store::set_progress_post(conn, id, post).await;
    };
    let tag = format!("customers-progress-{id}");
    let body = msg.post(&n.channel);
    let rewritten = sqlx::query(
        "UPDATE outbox SET body = $1 WHERE id = $2 AND status = 'pending' AND lease_token IS NULL",
    )
    .bind(body.to_string())
    .bind(post_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if rewritten == 1 {
        return Ok(());
    }
    let mut body = body;
    if let Some(o) = body.as_object_mut() {
        o.remove("unfurl_links");
    }
    let replaced = sqlx::query(
        "UPDATE outbox SET body = $1 WHERE tag = $2 AND status = 'pending' AND lease_token IS NULL",
    )
    .bind(body.to_string())
    .bind(&tag)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if replaced == 0 {
        let item = OutboxItem {
            method: "chat.update".into(),
            channel: n.channel.clone(),
            body,
            depends_on: Some(post_id),
            depends_field: Some("ts".into()),
            tag: Some(tag),
        };
        outbox::enqueue(conn, &item, now).await?;
    }
    Ok(())
}
