//! Reading Evolution's `messages.upsert` webhook bodies: who sent what, which message it quotes,
//! when. No decision is taken here ([`crate::webhook`] decides).
//!
//! Payload (Evolution v2, `sendDataWebhook`): `{"event": "messages.upsert", "instance": …,
//! "data": {"key": {"remoteJid": "5511…@s.whatsapp.net", "fromMe": false, "id": …},
//! "message": {"conversation": "ack"} | {"extendedTextMessage": {"text": "ack", "contextInfo":
//! {"stanzaId": …}}}, "contextInfo": {"stanzaId": …} | null, "messageTimestamp": <seconds>, …}}`
//! (v2.3 `prepareMessage` copies the message's `contextInfo` next to it; a reply that quotes
//! a message carries that message's id as `stanzaId`). With WhatsApp's LID addressing
//! `remoteJid` ends in `@lid` (or `@hosted.lid`) and the number, when WhatsApp gave one, is in
//! `key.remoteJidAlt` (or `key.senderPn` on older releases); Evolution 2.3.6/2.3.7 messages may
//! carry no number at all.

use serde_json::Value;

/// An incoming text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// The sender's phone-number WhatsApp id; `None` when the message carries only a LID.
    pub jid: Option<String>,
    pub text: String,
    /// The message id (`key.id`).
    pub id: String,
    /// The id of the message this one quotes (`contextInfo.stanzaId`).
    pub quoted: Option<String>,
    /// `messageTimestamp`, in seconds.
    pub at_secs: Option<i64>,
}

/// A WhatsApp LID (an opaque id, not a phone number): `…@lid` or `…@hosted.lid`.
pub fn is_lid(jid: &str) -> bool {
    jid.ends_with("@lid") || jid.ends_with("@hosted.lid")
}

/// The event name, normalised: `MESSAGES_UPSERT`, `messages-upsert` -> `messages.upsert`.
pub fn event_name(raw: &str) -> String {
    raw.to_ascii_lowercase().replace(['_', '-'], ".")
}

/// `messageTimestamp`: a number, a numeric string, or a protobuf Long `{"low": …}`.
fn seconds(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Object(o) => o.get("low").and_then(Value::as_i64),
        _ => None,
    }
}

fn quoted_id(d: &Value) -> Option<String> {
    let at_data = d.pointer("/contextInfo/stanzaId").and_then(Value::as_str);
    let in_message = || {
        d.get("message")?
            .as_object()?
            .values()
            .find_map(|m| m.pointer("/contextInfo/stanzaId").and_then(Value::as_str))
    };
    at_data
        .or_else(in_message)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn one(d: &Value) -> Option<Incoming> {
    let key = d.get("key")?;
    if key.get("fromMe").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let remote = key.get("remoteJid").and_then(Value::as_str)?;
    if remote.ends_with("@g.us") || remote.ends_with("@broadcast") {
        return None;
    }
    let jid = if is_lid(remote) {
        ["remoteJidAlt", "senderPn"]
            .iter()
            .filter_map(|k| key.get(*k).and_then(Value::as_str))
            .find(|j| !j.is_empty() && !is_lid(j))
            .map(String::from)
    } else {
        Some(remote.to_string())
    };
    let m = d.get("message")?;
    let text = m
        .get("conversation")
        .and_then(Value::as_str)
        .or_else(|| {
            m.pointer("/extendedTextMessage/text")
                .and_then(Value::as_str)
        })?
        .to_string();
    Some(Incoming {
        jid,
        text,
        id: key
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        quoted: quoted_id(d),
        at_secs: d.get("messageTimestamp").and_then(seconds),
    })
}

/// The incoming text messages of a webhook body (none for other events, own messages, groups).
pub fn incoming(body: &Value) -> Vec<Incoming> {
    let event = event_name(body.get("event").and_then(Value::as_str).unwrap_or(""));
    if event != "messages.upsert" {
        return Vec::new();
    }
    match body.get("data") {
        Some(Value::Array(a)) => a.iter().filter_map(one).collect(),
        Some(v @ Value::Object(_)) => one(v).into_iter().collect(),
        _ => Vec::new(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_evolution_v2_payloads() {
        let b = json!({"event": "messages.upsert", "instance": "julia", "data": {
            "key": {"remoteJid": "5511999991234@s.whatsapp.net", "fromMe": false, "id": "ABC"},
            "message": {"conversation": "ack"}, "messageType": "conversation",
            "messageTimestamp": 1_764_000_000}});
        assert_eq!(
            incoming(&b),
            vec![Incoming {
                jid: Some("5511999991234@s.whatsapp.net".into()),
                text: "ack".into(),
                id: "ABC".into(),
                quoted: None,
                at_secs: Some(1_764_000_000),
            }]
        );
        let ext = json!({"event": "MESSAGES_UPSERT", "data": {
            "key": {"remoteJid": "1@lid", "remoteJidAlt": "5511999991234@s.whatsapp.net", "fromMe": false, "id": "X"},
            "message": {"extendedTextMessage": {"text": "OK!", "contextInfo": {"stanzaId": "PAGE1"}}},
            "messageTimestamp": "1764000001"}});
        let m = incoming(&ext);
        assert_eq!(m[0].jid.as_deref(), Some("5511999991234@s.whatsapp.net"));
        assert_eq!(m[0].quoted.as_deref(), Some("PAGE1"));
        assert_eq!(m[0].at_secs, Some(1_764_000_001));
        assert!(is_ack(&m[0].text));
        let own = json!({"event": "messages.upsert", "data": {"key": {"remoteJid": "5511@s.whatsapp.net", "fromMe": true}, "message": {"conversation": "ack"}}});
        assert!(incoming(&own).is_empty());
        let group = json!({"event": "messages.upsert", "data": {"key": {"remoteJid": "123@g.us", "fromMe": false}, "message": {"conversation": "ack"}}});
        assert!(incoming(&group).is_empty());
        let other = json!({"event": "connection.update", "data": {"state": "open"}});
        assert!(incoming(&other).is_empty());
    }

    #[test]
    fn a_lid_is_never_read_as_a_number() {
        for lid in ["123456789012345@lid", "123456789012345@hosted.lid"] {
            let b = json!({"event": "messages.upsert", "data": {
                "key": {"remoteJid": lid, "fromMe": false, "id": "L"},
                "contextInfo": {"stanzaId": "PAGE9"},
                "message": {"conversation": "ack"}}});
            let m = incoming(&b);
            assert_eq!(m[0].jid, None, "{lid}");
            assert_eq!(m[0].quoted.as_deref(), Some("PAGE9"));
        }
        assert!(!is_lid("5511999991234@s.whatsapp.net"));
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
