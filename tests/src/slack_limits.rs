//! What Slack refuses for size, so the fake Slack refuses it too ([`refusal`]), and tests can
//! hold a slash-command or `response_url` body to the same rules ([`message_refusal`]).
//!
//! Sources (checked 2026-11), not the bot's own constants, so a wrong constant in the bot fails
//! a test:
//! - Block Kit reference, <https://docs.slack.dev/reference/block-kit/blocks>: "up to 50 blocks in
//!   each message, and 100 blocks in modals or Home tabs"; section `text` ≤ 3,000 characters,
//!   `fields` ≤ 10 items of ≤ 2,000 characters; header ≤ 150. Slack answers `invalid_blocks` for
//!   a message and `invalid_arguments` for a view (`views.publish` / `views.open` reference).
//! - `chat.postMessage` (reference; `tests/specs/slack-web-openapi-v2.json` lists `msg_too_long`):
//!   `text` is advised ≤ 4,000 characters, 40,000 is the hard limit.
//! - `conversations.setTopic` reference: `too_long`, "Topic was longer than 250 characters".
//! - `conversations.invite` (`tests/specs/slack-web-openapi-v2.json`): "Up to 1000 users may be
//!   listed"; `too_many_users`.

use serde_json::Value;

const MESSAGE_BLOCKS: usize = 50;
const VIEW_BLOCKS: usize = 100;
const SECTION_TEXT: usize = 3000;
const SECTION_FIELDS: usize = 10;
const FIELD_TEXT: usize = 2000;
const HEADER_TEXT: usize = 150;
const TEXT_MAX: usize = 40_000;
const TOPIC: usize = 250;
const INVITE_USERS: usize = 1000;

fn chars(v: Option<&Value>) -> usize {
    v.and_then(Value::as_str).map_or(0, |s| s.chars().count())
}

fn block_ok(b: &Value) -> bool {
    match b["type"].as_str().unwrap_or("") {
        "section" => {
            let fields = b["fields"].as_array();
            chars(b.pointer("/text/text")) <= SECTION_TEXT
                && fields.is_none_or(|f| {
                    f.len() <= SECTION_FIELDS
                        && f.iter().all(|x| chars(x.get("text")) <= FIELD_TEXT)
                })
                && (b.get("text").is_some() || fields.is_some())
        }
        "header" => chars(b.pointer("/text/text")) <= HEADER_TEXT,
        _ => true,
    }
}

/// A form-encoded argument holds its JSON as a string (`blocks`, `view`): parsed here.
fn json_arg(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::String(s) => serde_json::from_str(s).ok().or(Some(Value::Null)),
        other => Some(other.clone()),
    }
}

fn blocks_ok(blocks: Option<Value>, max: usize) -> bool {
    match blocks {
        None => true,
        Some(Value::Array(b)) => b.len() <= max && b.iter().all(block_ok),
        Some(_) => false,
    }
}

/// Why Slack would refuse this message body (`chat.postMessage`, `chat.postEphemeral`,
/// `chat.update`, a slash-command reply or a `response_url` post), or `None`.
pub fn message_refusal(body: &Value) -> Option<&'static str> {
    if chars(body.get("text")) > TEXT_MAX {
        return Some("msg_too_long");
    }
    if !blocks_ok(json_arg(body.get("blocks")), MESSAGE_BLOCKS) {
        return Some("invalid_blocks");
    }
    None
}

/// Why Slack would refuse this Web API call for its size, or `None`.
pub fn refusal(method: &str, body: &Value) -> Option<&'static str> {
    match method {
        "chat.postMessage" | "chat.postEphemeral" | "chat.update" => message_refusal(body),
        "views.publish" | "views.open" | "views.update" | "views.push" => {
            let view = json_arg(body.get("view")).unwrap_or(Value::Null);
            (!blocks_ok(view.get("blocks").cloned(), VIEW_BLOCKS)).then_some("invalid_arguments")
        }
        "conversations.setTopic" => (chars(body.get("topic")) > TOPIC).then_some("too_long"),
        "conversations.invite" => {
            let n = body["users"]
                .as_str()
                .map_or(0, |u| u.split(',').filter(|s| !s.is_empty()).count());
            (n > INVITE_USERS).then_some("too_many_users")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refuses_what_slack_refuses() {
        let section = |n: usize| json!({"type": "section", "text": {"type": "mrkdwn", "text": "x".repeat(n)}});
        assert_eq!(
            refusal(
                "chat.postMessage",
                &json!({"text": "ok", "blocks": vec![section(10); 50]})
            ),
            None
        );
        assert_eq!(
            refusal(
                "chat.postMessage",
                &json!({"text": "ok", "blocks": vec![section(10); 51]})
            ),
            Some("invalid_blocks")
        );
        assert_eq!(
            refusal(
                "chat.postMessage",
                &json!({"text": "ok", "blocks": [section(3001)]})
            ),
            Some("invalid_blocks")
        );
        let fields: Vec<Value> = (0..11)
            .map(|_| json!({"type": "mrkdwn", "text": "f"}))
            .collect();
        assert_eq!(
            refusal(
                "chat.postMessage",
                &json!({"text": "ok", "blocks": [{"type": "section", "fields": fields}]})
            ),
            Some("invalid_blocks")
        );
        assert_eq!(
            refusal("chat.postMessage", &json!({"text": "x".repeat(40_001)})),
            Some("msg_too_long")
        );
        assert_eq!(
            refusal("chat.postMessage", &json!({"text": "x".repeat(40_000)})),
            None
        );
        assert_eq!(
            refusal(
                "views.publish",
                &json!({"view": {"type": "home", "blocks": vec![section(1); 101]}})
            ),
            Some("invalid_arguments")
        );
        assert_eq!(
            refusal(
                "views.publish",
                &json!({"view": {"type": "home", "blocks": vec![section(1); 100]}})
            ),
            None
        );
        assert_eq!(
            refusal("conversations.setTopic", &json!({"topic": "t".repeat(251)})),
            Some("too_long")
        );
        // Form-encoded: the JSON arrives as a string.
        let form =
            json!({"text": "ok", "blocks": serde_json::to_string(&vec![section(10); 51]).unwrap()});
        assert_eq!(refusal("chat.postMessage", &form), Some("invalid_blocks"));
        let users: Vec<String> = (0..1001).map(|i| format!("U{i}")).collect();
        assert_eq!(
            refusal("conversations.invite", &json!({"users": users.join(",")})),
            Some("too_many_users")
        );
        assert_eq!(
            refusal(
                "conversations.invite",
                &json!({"users": users[..1000].join(",")})
            ),
            None
        );
    }
}
