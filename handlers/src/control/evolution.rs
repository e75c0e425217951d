//! Evolution: QR code (only to the requester), restart, webhook reset (nested v2 body, read back).

use std::sync::Arc;

use base64::Engine as _;
use messages::julia as m;
use serde_json::json;

use super::access::{record, Action, Prepared};
use super::Reply;
use crate::integrations::evolution::{Connect, EvolutionError};
use crate::integrations::slack::SlackError;
use crate::Ctx;
use messages::evolution as evo_msg;

fn evo_failure(ctx: &Ctx, e: &EvolutionError, done: &str) -> messages::Msg {
    let l = ctx.locale();
    let try_ = match e {
        EvolutionError::Unconfigured(v) => m::not_configured(l, "Evolution", v),
        EvolutionError::Http { status: 401, .. } => m::hint(l, m::Hint::EvolutionKey),
        EvolutionError::Http { status: 404, .. } => m::hint(l, m::Hint::EvolutionInstance),
        EvolutionError::Failed(_) => m::hint(l, m::Hint::EvolutionUseQr),
        _ => m::retry_hint(l),
    };
    m::failure(l, "Evolution", &e.to_string(), done, &try_)
}

/// The QR code as an image in the requester's direct messages with the bot (a text answer
/// with the pairing code or instructions when that fails). Never logged, never in a channel.
///
/// Admins only: scanning the code links a phone to Julia's WhatsApp number. Audited (without
/// the code).
pub async fn qr(ctx: &Ctx, reply: &Reply) {
    let l = ctx.locale();
    let ev = &ctx.julia.evolution;
    let admin = super::access::is_admin(ctx, &reply.user).await;
    let entry = crate::audit::AuditEntry {
        actor: reply.user.clone(),
        action: "julia.evolution_qr".into(),
        args: String::new(),
        outcome: if admin {
            "shown_to_requester"
        } else {
            "refused"
        }
        .into(),
        ..Default::default()
    };
    if let Err(e) = crate::audit::record_pool(&ctx.store.pool, &entry, ctx.clock.now_ms()).await {
        tracing::error!(error = %e, "audit write failed");
    }
    if !admin {
        let m = m::refused(
            l,
            "evolution qr",
            &ctx.config.admins,
            ctx.config.admin_group.as_deref(),
        );
        reply.send(ctx, &m).await;
        return;
    }
    let msg = match ev.connect().await {
        Err(e) => evo_failure(ctx, &e, &m::nothing_done(l)),
        Ok(Connect::AlreadyOpen) => m::qr_already_open(l, ev.instance()),
        Ok(Connect::Qr {
            png_base64,
            pairing_code,
        }) => {
            let png = png_base64.as_deref().and_then(|b| {
                let data = b.split_once(',').map(|(_, d)| d).unwrap_or(b);
                base64::engine::general_purpose::STANDARD
                    .decode(data.trim())
                    .ok()
            });
            match (png, pairing_code) {
                (None, None) => m::qr_missing(l),
                (None, Some(code)) => {
                    evo_msg::qr_text_fallback(l, ev.instance(), None, Some(&code))
                }
                (Some(png), code) => {
                    match send_qr_dm(ctx, &reply.user, ev.instance(), &png, code.as_deref()).await {
                        Ok(()) => evo_msg::qr_sent_by_dm(l, ev.instance()),
                        Err(e) => {
                            tracing::warn!(error = %e, "QR upload to the requester's DM failed; answering with text");
                            evo_msg::qr_text_fallback(
                                l,
                                ev.instance(),
                                Some(&e.code()),
                                code.as_deref(),
                            )
                        }
                    }
                }
            }
        }
    };
    reply.send(ctx, &msg).await;
}

/// The QR image into the requester's direct messages with the bot: `conversations.open`, then
/// the files v2 upload with that `channel_id` (a file without a channel cannot be shown, and
/// an image block referring to it is refused). Never into a channel: a conversation id that
/// is not a DM (`D…`) is refused here before anything is uploaded.
async fn send_qr_dm(
    ctx: &Ctx,
    user: &str,
    instance: &str,
    png: &[u8],
    pairing_code: Option<&str>,
) -> Result<(), SlackError> {
    let opened = ctx
        .slack
        .call("conversations.open", &json!({"users": user}))
        .await?;
    let dm = opened
        .pointer("/channel/id")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    if !dm.starts_with('D') {
        return Err(SlackError::Api {
            code: "not_a_direct_message".into(),
            needed: None,
            body: serde_json::Value::Null,
        });
    }
    let comment = evo_msg::qr_dm_comment(ctx.locale(), instance, pairing_code);
    ctx.slack
        .upload_file(
            dm,
            "whatsapp-qr.png",
            "WhatsApp QR",
            png,
            Some(&comment),
            None,
        )
        .await
        .map(|_| ())
}

pub async fn prepare(ctx: &Ctx, action: &Action) -> Prepared {
    let l = ctx.locale();
    let ev = &ctx.julia.evolution;
    let missing = ev.missing();
    if !missing.is_empty() {
        return Err((
            "failed",
            None,
            messages::Msg::text(m::not_configured(l, "Evolution", &missing.join(", "))),
        ));
    }
    match action {
        Action::EvolutionRestart => {
            let state = ev.state().await.ok();
            let what = m::what_evolution_restart(l, ev.instance(), state.as_deref().unwrap_or("?"));
            Ok((what, action.clone(), state))
        }
        Action::WebhookReset => {
            let Some(url) = ev.webhook_url.clone() else {
                return Err((
                    "failed",
                    None,
                    messages::Msg::text(m::not_configured(
                        l,
                        "Evolution webhook",
                        "EVOLUTION_WEBHOOK_URL",
                    )),
                ));
            };
            let before = ev
                .webhook()
                .await
                .ok()
                .flatten()
                .map(|w| format!("{} {:?}", w.url, w.events));
            let what = m::what_webhook_reset(
                l,
                ev.instance(),
                &url,
                &ev.webhook_events,
                before.as_deref(),
            );
            Ok((what, action.clone(), before))
        }
        _ => unreachable!("evolution::prepare only takes evolution actions"),
    }
}

#[allow(clippy::too_many_lines)] // over 80 lines: split by the /julia half of #12 (control/); remove when it lands
pub async fn execute(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    let l = ctx.locale();
    let ev = &ctx.julia.evolution;
    match action {
        Action::EvolutionRestart => {
            let before = ev.state().await.ok();
            match ev.restart().await {
                Ok(()) => {
                    let after = ev.state().await.unwrap_or_else(|_| "unknown".into());
                    record(
                        ctx,
                        &reply.user,
                        action,
                        "done",
                        before,
                        Some(after.clone()),
                        None,
                    )
                    .await;
                    reply.replace(ctx, &m::evolution_restarted(l, &after)).await;
                }
                Err(e) => {
                    // No answer in time: the restart may well have happened (Evolution
                    // answers only after reopening the socket).
                    let timed_out = matches!(e, EvolutionError::Timeout(_));
                    record(
                        ctx,
                        &reply.user,
                        action,
                        if timed_out { "unknown" } else { "failed" },
                        before,
                        None,
                        Some(e.to_string()),
                    )
                    .await;
                    let done = if timed_out {
                        evo_msg::restart_maybe_applied(l)
                    } else {
                        m::nothing_done(l)
                    };
                    reply.replace(ctx, &evo_failure(ctx, &e, &done)).await;
                }
            }
        }
        Action::WebhookReset => {
            let Some(url) = ev.webhook_url.clone() else {
                return;
            };
            let before = ev
                .webhook()
                .await
                .ok()
                .flatten()
                .map(|w| format!("{} {:?}", w.url, w.events));
            if let Err(e) = ev.set_webhook(&url, &ev.webhook_events).await {
                record(
                    ctx,
                    &reply.user,
                    action,
                    "failed",
                    before,
                    None,
                    Some(e.to_string()),
                )
                .await;
                reply
                    .replace(ctx, &evo_failure(ctx, &e, &m::nothing_done(l)))
                    .await;
                return;
            }
            match ev.webhook().await {
                Ok(Some(w)) if w.url == url && w.enabled && w.events == ev.webhook_events => {
                    record(
                        ctx,
                        &reply.user,
                        action,
                        "done",
                        before,
                        Some(format!("{} {:?}", w.url, w.events)),
                        None,
                    )
                    .await;
                    reply
                        .replace(ctx, &m::webhook_reset_done(l, &w.url, &w.events))
                        .await;
                }
                other => {
                    let seen = match &other {
                        Ok(Some(w)) => {
                            format!("read back {} enabled={} {:?}", w.url, w.enabled, w.events)
                        }
                        Ok(None) => "read back: no webhook".into(),
                        Err(e) => e.to_string(),
                    };
                    record(
                        ctx,
                        &reply.user,
                        action,
                        "failed_readback",
                        before,
                        None,
                        Some(seen.clone()),
                    )
                    .await;
                    let done = m::readback_mismatch(l);
                    reply
                        .replace(
                            ctx,
                            &m::failure(l, "Evolution", &seen, &done, &m::retry_hint(l)),
                        )
                        .await;
                }
            }
        }
        _ => {}
    }
}
