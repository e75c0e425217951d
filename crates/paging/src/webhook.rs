//! `POST /pager/evolution/{PAGER_WEBHOOK_TOKEN}`: Evolution posts incoming WhatsApp messages
//! here (event `messages.upsert`, the webhook of `PAGER_EVOLUTION_INSTANCE`). A reply `ack`,
//! `ok` or `1` from an on-call number acknowledges the newest incident paged to that number and
//! is answered on WhatsApp with the incident id. Anything else, from anyone, changes nothing.
//!
//! Payload (Evolution v2, `sendDataWebhook`): `{"event": "messages.upsert", "instance": …,
//! "data": {"key": {"remoteJid": "5511…@s.whatsapp.net", "fromMe": false, "id": …},
//! "message": {"conversation": "ack"} | {"extendedTextMessage": {"text": "ack"}}, …}, …}`.
//! With WhatsApp's LID addressing `remoteJid` ends in `@lid` and the number is in
//! `key.remoteJidAlt` (or `key.senderPn` on older releases).

use messages::paging::{self as tpl, Via};
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::ack::{acknowledge_id, Outcome};
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

/// An incoming text message: the sender's WhatsApp id, the text, the message id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub jid: String,
    pub text: String,
    pub id: String,
}

/// The incoming messages of a webhook body (none for other events, own messages, groups).
pub fn incoming(body: &Value) -> Vec<Incoming> {
    let event = body
        .get("event")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
        .replace(['_', '-'], ".");
    if event != "messages.upsert" {
        return Vec::new();
    }
    let items: Vec<&Value> = match body.get("data") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|d| {
            let key = d.get("key")?;
            if key.get("fromMe").and_then(Value::as_bool) == Some(true) {
                return None;
            }
            let mut jid = key.get("remoteJid").and_then(Value::as_str)?.to_string();
            if jid.ends_with("@g.us") || jid.ends_with("@broadcast") {
                return None;
            }
            if jid.ends_with("@lid") {
                jid = ["remoteJidAlt", "senderPn"]
                    .iter()
                    .find_map(|k| key.get(*k).and_then(Value::as_str))?
                    .to_string();
            }
            let m = d.get("message")?;
            let text = m
                .get("conversation")
                .and_then(Value::as_str)
                .or_else(|| {
                    m.pointer("/extendedTextMessage/text")
                        .and_then(Value::as_str)
                })?
                .to_string();
            let id = key
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            Some(Incoming { jid, text, id })
        })
        .collect()
}

/// `ack`, `ok`, `1` (any case, surrounding spaces and a final `.` or `!` ignored).
pub fn is_ack(text: &str) -> bool {
    let t = text
        .trim()
        .trim_end_matches(['.', '!'])
        .trim()
        .to_lowercase();
    matches!(t.as_str(), "ack" | "ok" | "1")
}

/// Handles one webhook request.
pub async fn handle(ctx: &Ctx, token: &str, body: &[u8]) -> Answer {
    if !token_matches(ctx, token) {
        return Answer::NotFound;
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Answer::BadRequest;
    };
    for m in incoming(&v) {
        if let Err(e) = on_message(ctx, &m).await {
            tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "paging: a WhatsApp reply could not be handled");
        }
    }
    Answer::Ok
}

async fn on_message(ctx: &Ctx, m: &Incoming) -> Result<(), sqlx::Error> {
    let l = ctx.locale();
    let phones = &crate::settings::of(ctx).phones;
    let Some(user) = phones.user_of_jid(&m.jid).map(String::from) else {
        tracing::debug!("paging: a WhatsApp message from a number that is not on call; ignored");
        return Ok(());
    };
    if !is_ack(&m.text) {
        return Ok(());
    }
    // Evolution retries a webhook it thinks failed: one message is handled once.
    if !m.id.is_empty() {
        let fresh = sqlx::query(
            "INSERT INTO processed_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(format!("wa:{}", m.id))
        .bind(ctx.clock.now_ms())
        .execute(&ctx.store.pool)
        .await?;
        if fresh.rows_affected() == 0 {
            return Ok(());
        }
    }
    let newest: Option<i64> = sqlx::query_scalar(
        "SELECT incident_id FROM pages WHERE user_id = $1 AND wa_state = 'sent' ORDER BY id DESC LIMIT 1",
    )
    .bind(&user)
    .fetch_optional(&ctx.store.pool)
    .await?;
    let Some(id) = newest else {
        return Ok(());
    };
    let answer = match acknowledge_id(ctx, &user, id, Via::WhatsApp).await? {
        Outcome::Acked => tpl::whatsapp::acked(id, l),
        Outcome::AlreadyBy(_) => tpl::whatsapp::already_acked(id, l),
        Outcome::Resolved => tpl::whatsapp::resolved(id, l),
        Outcome::Unknown => return Ok(()),
    };
    let Some(phone) = phones.of(&user) else {
        return Ok(());
    };
    let evo = clients::julia(ctx)
        .evolution
        .with_instance(crate::settings::of(ctx).instance.as_deref());
    if let Err(e) = evo.send_text(phone.digits(), &answer).await {
        tracing::warn!(user, phone = %phone.masked(), error = %super::phone::scrub(&e.to_string()), "paging: the WhatsApp answer to an ack failed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_evolution_v2_payloads() {
        let b = json!({"event": "messages.upsert", "instance": "julia", "data": {
            "key": {"remoteJid": "5511999991234@s.whatsapp.net", "fromMe": false, "id": "ABC"},
            "message": {"conversation": "ack"}, "messageType": "conversation"}});
        assert_eq!(
            incoming(&b),
            vec![Incoming {
                jid: "5511999991234@s.whatsapp.net".into(),
                text: "ack".into(),
                id: "ABC".into()
            }]
        );
        let ext = json!({"event": "MESSAGES_UPSERT", "data": {
            "key": {"remoteJid": "1@lid", "remoteJidAlt": "5511999991234@s.whatsapp.net", "fromMe": false, "id": "X"},
            "message": {"extendedTextMessage": {"text": "OK!"}}}});
        let m = incoming(&ext);
        assert_eq!(m[0].jid, "5511999991234@s.whatsapp.net");
        assert!(is_ack(&m[0].text));
        let own = json!({"event": "messages.upsert", "data": {"key": {"remoteJid": "5511@s.whatsapp.net", "fromMe": true}, "message": {"conversation": "ack"}}});
        assert!(incoming(&own).is_empty());
        let group = json!({"event": "messages.upsert", "data": {"key": {"remoteJid": "123@g.us", "fromMe": false}, "message": {"conversation": "ack"}}});
        assert!(incoming(&group).is_empty());
        let other = json!({"event": "connection.update", "data": {"state": "open"}});
        assert!(incoming(&other).is_empty());
    }

    #[test]
    fn ack_words() {
        for y in ["ack", "ACK", " ok ", "1", "Ok.", "ack!"] {
            assert!(is_ack(y), "{y}");
        }
        for n in ["acknowledged?", "11", "no", "okay then", ""] {
            assert!(!is_ack(n), "{n}");
        }
    }
}
