//! Evolution: restart and webhook reset (nested v2 body, read back). The QR code is [`super::qr`].

use std::sync::Arc;

use messages::julia as m;

use super::action::Action;
use super::shared::{cmd, evo_failure};
use chatops_core::guarded::{self, Outcome, Prepared, Refusal, Reply};
use chatops_core::Ctx;
use clients::evolution::{EvolutionError, Webhook};

/// The audit form of a webhook: url and events.
fn describe(w: &Webhook) -> String {
    format!("{} {:?}", w.url, w.events)
}

/// Evolution's variables are all set, or the refusal naming those missing.
fn configured(ctx: &Ctx) -> Result<(), Refusal> {
    let missing = clients::julia(ctx).evolution.missing();
    if missing.is_empty() {
        return Ok(());
    }
    let text = m::not_configured(ctx.locale(), m::SYS_EVOLUTION, &missing.join(", "));
    Err(Refusal::new("failed", messages::Msg::text(text)))
}

/// `EVOLUTION_WEBHOOK_URL`, or the refusal naming it.
fn webhook_url(ctx: &Ctx) -> Result<String, Refusal> {
    clients::julia(ctx)
        .evolution
        .webhook_url
        .clone()
        .ok_or_else(|| {
            let l = ctx.locale();
            let text = m::not_configured(l, m::SYS_EVOLUTION_WEBHOOK, "EVOLUTION_WEBHOOK_URL");
            Refusal::new("failed", messages::Msg::text(text))
        })
}

pub async fn prepare_restart(ctx: &Ctx) -> Result<Prepared<Action>, Refusal> {
    configured(ctx)?;
    let ev = &clients::julia(ctx).evolution;
    let state = ev.state().await.ok();
    let what = m::what_evolution_restart(ctx.locale(), ev.instance(), state.as_deref());
    Ok(Prepared::new(what, Action::EvolutionRestart, state))
}

pub async fn prepare_webhook_reset(ctx: &Ctx) -> Result<Prepared<Action>, Refusal> {
    configured(ctx)?;
    let url = webhook_url(ctx)?;
    let ev = &clients::julia(ctx).evolution;
    let before = ev.webhook().await.ok().flatten().map(|w| describe(&w));
    let what = m::what_webhook_reset(
        ctx.locale(),
        ev.instance(),
        &url,
        &ev.webhook_events,
        before.as_deref(),
    );
    Ok(Prepared::new(what, Action::WebhookReset, before))
}

pub async fn execute_restart(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    let l = ctx.locale();
    let ev = &clients::julia(ctx).evolution;
    let before = ev.state().await.ok();
    let (o, msg) = match ev.restart().await {
        Ok(()) => {
            let after = ev.state().await.unwrap_or_else(|_| m::STATE_UNKNOWN.into());
            let msg = m::evolution_restarted(l, &after);
            (Outcome::new("done").after(Some(after)), msg)
        }
        Err(e) => {
            // No answer in time: the restart may well have happened (Evolution answers only
            // after reopening the socket).
            let timed_out = matches!(e, EvolutionError::Timeout(_));
            let done = if timed_out {
                m::restart_maybe_applied(l, cmd(ctx))
            } else {
                m::nothing_done(l)
            };
            let o = Outcome::new(if timed_out { "unknown" } else { "failed" })
                .detail(Some(e.to_string()));
            (o, evo_failure(ctx, &e, &done))
        }
    };
    guarded::finish(ctx, reply, action, o.before(before), &msg).await;
}

pub async fn execute_webhook_reset(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    let l = ctx.locale();
    let ev = &clients::julia(ctx).evolution;
    let Some(url) = ev.webhook_url.clone() else {
        return;
    };
    let before = ev.webhook().await.ok().flatten().map(|w| describe(&w));
    if let Err(e) = ev.set_webhook(&url, &ev.webhook_events).await {
        let o = Outcome::new("failed")
            .before(before)
            .detail(Some(e.to_string()));
        let msg = evo_failure(ctx, &e, &m::nothing_done(l));
        return guarded::finish(ctx, reply, action, o, &msg).await;
    }
    let (o, msg) = match ev.webhook().await {
        Ok(Some(w)) if w.url == url && w.enabled && w.events == ev.webhook_events => (
            Outcome::new("done").after(Some(describe(&w))),
            m::webhook_reset_done(l, &w.url, &w.events),
        ),
        other => {
            let seen = match &other {
                Ok(w) => m::webhook_read_back(
                    w.as_ref()
                        .map(|w| (w.url.as_str(), w.enabled, w.events.as_slice())),
                ),
                Err(e) => e.to_string(),
            };
            let done = m::readback_mismatch(l);
            let msg = m::failure(
                l,
                m::SYS_EVOLUTION,
                &seen,
                &done,
                &m::retry_hint(l, cmd(ctx)),
            );
            (Outcome::new("failed_readback").detail(Some(seen)), msg)
        }
    };
    guarded::finish(ctx, reply, action, o.before(before), &msg).await;
}
