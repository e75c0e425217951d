//! The audit rows of a guarded action's steps, and how it ends: its answer in place of the
//! prompt, with the announcement when it changed something.

use super::control::{Control, Outcome, Refusal};
use super::reply::Reply;
use crate::audit;
use crate::Ctx;

/// One audit row for `action` by `user` (a failure to write it is logged, never shown).
pub async fn record<A: Control>(ctx: &Ctx, user: &str, action: &A, o: Outcome) {
    let e = o.entry(user, action);
    if let Err(err) = audit::record_pool(&ctx.store.pool, &e, ctx.clock.now_ms()).await {
        tracing::error!(error = %err, action = %action.name(), "audit write failed");
    }
}

/// Ends an action: its audit row, then `msg` in place of the prompt.
pub async fn finish<A: Control>(
    ctx: &Ctx,
    reply: &Reply,
    action: &A,
    o: Outcome,
    msg: &messages::Msg,
) {
    record(ctx, &reply.user, action, o).await;
    reply.replace(ctx, msg).await;
}

/// Ends an action that stopped on `r` (its audit row, then its answer).
pub async fn stop<A: Control>(ctx: &Ctx, reply: &Reply, action: &A, r: Refusal) {
    finish(ctx, reply, action, r.outcome(), &r.msg).await;
}

/// Ends a change: the audit row and (when given) the announcement in `INCIDENTS_CHANNEL`, in
/// one transaction of the bot's store (the outbox delivers it), then `msg` in place of the
/// prompt.
pub async fn finish_announced<A: Control>(
    ctx: &Ctx,
    reply: &Reply,
    action: &A,
    o: Outcome,
    (announce, msg): (Option<&messages::Msg>, &messages::Msg),
) {
    let entry = o.entry(&reply.user, action);
    let now = ctx.clock.now_ms();
    let r = async {
        let mut tx = ctx.store.pool.begin().await?;
        audit::record(&mut tx, &entry, now).await?;
        if let (Some(ch), Some(post)) = (&ctx.config.incidents_channel, announce) {
            crate::outbox::enqueue(&mut tx, &crate::outbox::OutboxItem::post(ch, post), now)
                .await?;
        }
        tx.commit().await
    };
    if let Err(e) = r.await {
        tracing::error!(error = %crate::config::redact_url(&e.to_string()), action = %action.name(), "audit/announce failed");
    }
    ctx.outbox_wake.notify_one();
    reply.replace(ctx, msg).await;
}
