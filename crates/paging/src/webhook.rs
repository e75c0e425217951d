//! `POST /pager/evolution/{PAGER_WEBHOOK_TOKEN}` (and `…/{event}`, where Evolution posts when
//! the webhook is set with `byEvents`, e.g. `…/messages-upsert`): incoming WhatsApp messages of
//! `PAGER_EVOLUTION_INSTANCE`. A reply `ack`, `ok` or `1` acknowledges the incident of the page
//! it answers and is answered on WhatsApp with the incident id. Anything else, from anyone,
//! changes nothing.
//!
//! Which page a reply answers: the page it quotes (`contextInfo.stanzaId` = the id `sendText`
//! returned), else the newest page sent to the sender's number before the reply was written.
//! A reply older than a page never acknowledges it. A message of another instance (the body's
//! `instance`) is ignored. Every ack word that acknowledges nothing is logged with its reason
//! (never the number).
//!
//! Retries: the message is recorded as handled in the same transaction as the acknowledgment,
//! and a store failure answers 503 so Evolution sends it again (Evolution v2.3
//! `webhook.controller.ts` `retryWebhookRequest`: network errors and 5xx are retried with
//! backoff, `WEBHOOK_RETRY_MAX_ATTEMPTS` default 10; 400, 401, 403, 404 and 422 are not).

use messages::paging::{self as tpl, Via};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use subtle::ConstantTimeEq;

use super::ack::{acknowledge_in, Outcome};
use super::reply::{incoming, is_ack, is_lid, Incoming};
use chatops_core::Ctx;

/// What the route answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 404: no such route (wrong token, or paging by WhatsApp reply is off).
    NotFound,
    /// 400: not JSON.
    BadRequest,
    /// 200: received (whether or not it changed anything).
    Ok,
    /// 503: the store failed; nothing was recorded and Evolution should send it again.
    Retry,
}

/// The path token against `PAGER_WEBHOOK_TOKEN`, in constant time (digests of both, so the
/// length does not leak either).
pub fn token_matches(ctx: &Ctx, given: &str) -> bool {
    let Some(want) = &crate::settings::of(ctx).webhook_token else {
        return false;
    };
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(want.expose().as_bytes());
    a.ct_eq(&b).into()
}

/// Logs an ack word that acknowledges nothing: the message id and why, never the number.
fn dropped(m: &Incoming, reason: &str) {
    tracing::info!(wa_message = %m.id, reason, "paging: a WhatsApp ack was dropped");
}

/// Handles one webhook request.
pub async fn handle(ctx: &Ctx, token: &str, body: &[u8]) -> Answer {
    if !token_matches(ctx, token) {
        return Answer::NotFound;
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Answer::BadRequest;
    };
    let acks: Vec<Incoming> = incoming(&v)
        .into_iter()
        .filter(|m| is_ack(&m.text))
        .collect();
    // Evolution names the instance in every body; only the pager instance's messages count
    // (Julia's own instance may post here too when both webhooks point at the bot).
    let want = crate::settings::of(ctx).instance.as_deref();
    let got = v.get("instance").and_then(Value::as_str);
    if got.is_none() || got != want {
        for m in &acks {
            dropped(m, "not a message of the pager instance");
        }
        return Answer::Ok;
    }
    let mut answer = Answer::Ok;
    for m in acks {
        if let Err(e) = on_ack(ctx, &m).await {
            tracing::warn!(wa_message = %m.id, error = %chatops_core::config::redact_url(&e.to_string()), "paging: a WhatsApp ack could not be handled; Evolution will retry");
            answer = Answer::Retry;
        }
    }
    answer
}

/// A page a reply may answer.
struct PageRow {
    incident: i64,
    user: String,
    /// When Evolution accepted it (else when the page was written).
    at: i64,
}

/// Finds the page `m` answers, or why none.
async fn page_of(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    m: &Incoming,
) -> Result<Result<PageRow, &'static str>, sqlx::Error> {
    let phones = &crate::settings::of(ctx).phones;
    let by_number = m.jid.as_deref().and_then(|j| phones.user_of_jid(j));
    // Seconds: a reply written in the same second as the page counts as after it.
    let before = m
        .at_secs
        .map(|s| (s + 1) * 1000)
        .unwrap_or_else(|| ctx.clock.now_ms() + 1);
    let row = |r: sqlx::any::AnyRow| PageRow {
        incident: r.get(0),
        user: r.get(1),
        at: r.get(2),
    };
    if let Some(q) = &m.quoted {
        let quoted = sqlx::query(
            "SELECT incident_id, user_id, COALESCE(wa_sent_at, created_at) FROM pages WHERE wa_message_id = $1",
        )
        .bind(q)
        .fetch_optional(&mut *conn)
        .await?
        .map(row);
        if let Some(p) = quoted {
            if by_number.is_some_and(|u| u != p.user) {
                return Ok(Err("quotes a page sent to someone else"));
            }
            if p.at >= before {
                return Ok(Err("older than the page it quotes"));
            }
            return Ok(Ok(p));
        }
    }
    let Some(user) = by_number else {
        return Ok(Err(match &m.jid {
            None => "the sender shows only a LID and the reply quotes no page",
            Some(j) if is_lid(j) => "the sender shows only a LID and the reply quotes no page",
            Some(_) => "the number is not on call",
        }));
    };
    let newest = sqlx::query(
        "SELECT incident_id, user_id, COALESCE(wa_sent_at, created_at) FROM pages
         WHERE user_id = $1 AND wa_state IN ('sent', 'unknown') AND COALESCE(wa_sent_at, created_at) < $2
         ORDER BY id DESC LIMIT 1",
    )
    .bind(user)
    .bind(before)
    .fetch_optional(&mut *conn)
    .await?
    .map(row);
    Ok(newest.ok_or("no WhatsApp page to this number before the reply"))
}

/// One ack word: the message recorded as handled and the acknowledgment, in one transaction;
/// then the answer on WhatsApp.
async fn on_ack(ctx: &Ctx, m: &Incoming) -> Result<(), sqlx::Error> {
    let l = ctx.locale();
    let mut tx = ctx.store.begin().await?;
    // Evolution retries a webhook it thinks failed: one message is handled once.
    if !m.id.is_empty() {
        let fresh = sqlx::query(
            "INSERT INTO processed_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(format!("wa:{}", m.id))
        .bind(ctx.clock.now_ms())
        .execute(&mut *tx)
        .await?;
        if fresh.rows_affected() == 0 {
            dropped(m, "already handled");
            return Ok(());
        }
    }
    let page = match page_of(&mut tx, ctx, m).await? {
        Ok(p) => p,
        Err(why) => {
            dropped(m, why);
            return Ok(());
        }
    };
    let (id, user) = (page.incident, page.user);
    let outcome = acknowledge_in(&mut tx, ctx, &user, id, Via::WhatsApp).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    let answer = match outcome {
        Outcome::Acked => tpl::whatsapp::acked(id, l),
        Outcome::AlreadyBy(_) => tpl::whatsapp::already_acked(id, l),
        Outcome::Resolved => tpl::whatsapp::resolved(id, l),
        Outcome::Unknown => return Ok(()),
    };
    let Some(phone) = crate::settings::of(ctx).phones.of(&user) else {
        return Ok(());
    };
    let evo = clients::julia(ctx)
        .evolution
        .with_instance(crate::settings::of(ctx).instance.as_deref());
    let timeout = crate::settings::of(ctx).send_timeout;
    if let Err(e) = evo.send_text(phone.digits(), &answer, timeout).await {
        tracing::warn!(user, phone = %phone.masked(), error = %super::phone::scrub(&e.to_string()), "paging: the WhatsApp answer to an ack failed");
    }
    Ok(())
}
