//! `evolution qr`: the QR code as an image in the requester's direct messages with the bot (a
//! text answer with the pairing code or instructions when that fails). Never logged, never
//! in a channel. Admins only: scanning the code links a phone to Julia's WhatsApp number.
//! Audited (without the code).

use base64::Engine as _;
use messages::julia as m;
use serde_json::json;

use super::shared::{cmd, evo_failure};
use chatops_core::guarded::{is_admin, Reply};
use chatops_core::slack::SlackError;
use chatops_core::Ctx;
use clients::evolution::Connect;

/// The command as typed, for the refusal.
const COMMAND: &str = "evolution qr";

pub async fn qr(ctx: &Ctx, reply: &Reply) {
    let l = ctx.locale();
    let admin = is_admin(ctx, &reply.user).await;
    let entry = chatops_core::audit::AuditEntry {
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
    if let Err(e) =
        chatops_core::audit::record_pool(&ctx.store.pool, &entry, ctx.clock.now_ms()).await
    {
        tracing::error!(error = %e, "audit write failed");
    }
    if !admin {
        let cfg = &ctx.config;
        let m = messages::guarded::refused(l, COMMAND, &cfg.admins, cfg.admin_group.as_deref());
        reply.send(ctx, &m).await;
        return;
    }
    let msg = match clients::julia(ctx).evolution.connect().await {
        Err(e) => evo_failure(ctx, &e, &m::nothing_done(l)),
        Ok(Connect::AlreadyOpen) => m::qr_already_open(l, clients::julia(ctx).evolution.instance()),
        Ok(Connect::Qr {
            png_base64,
            pairing_code,
        }) => deliver(ctx, reply, png_base64.as_deref(), pairing_code.as_deref()).await,
    };
    reply.send(ctx, &msg).await;
}

/// The image to the DM when there is one; the answer to show the requester.
async fn deliver(
    ctx: &Ctx,
    reply: &Reply,
    png_base64: Option<&str>,
    code: Option<&str>,
) -> messages::Msg {
    let l = ctx.locale();
    let instance = clients::julia(ctx).evolution.instance();
    let png = png_base64.and_then(|b| {
        let data = b.split_once(',').map(|(_, d)| d).unwrap_or(b);
        base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .ok()
    });
    match (png, code) {
        (None, None) => m::qr_missing(l),
        (None, Some(code)) => m::qr_text_fallback(l, instance, None, Some(code), cmd(ctx)),
        (Some(png), code) => match send_qr_dm(ctx, &reply.user, instance, &png, code).await {
            Ok(()) => m::qr_sent_by_dm(l, instance),
            Err(e) => {
                tracing::warn!(error = %e, "QR upload to the requester's DM failed; answering with text");
                m::qr_text_fallback(l, instance, Some(&e.code()), code, cmd(ctx))
            }
        },
    }
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
    let comment = m::qr_dm_comment(ctx.locale(), instance, pairing_code, cmd(ctx));
    ctx.slack
        .upload_file(dm, m::QR_FILE, m::QR_TITLE, png, Some(&comment), None)
        .await
        .map(|_| ())
}
