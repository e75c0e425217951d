//! Slack's size limits, in one place. Every message and view the bot sends passes through
//! [`fit_message`] or [`fit_view`] ([`crate::Msg::post`], [`crate::Msg::ephemeral`],
//! [`crate::blocks::home`], [`crate::blocks::modal`]), so no builder and no user template can
//! produce something Slack refuses. Whatever is cut is marked with [`MARK`].
//!
//! Sources (checked 2026-11):
//! - Block Kit reference, <https://docs.slack.dev/reference/block-kit/blocks>: "up to 50 blocks in
//!   each message, and 100 blocks in modals or Home tabs"; section `text` at most 3,000
//!   characters, `fields` at most 10 items of at most 2,000 characters; header text at most 150;
//!   actions block at most 25 elements; context block at most 10 elements.
//! - `chat.postMessage` reference and the Web API OpenAPI spec (`tests/specs/slack-web-openapi-v2.json`,
//!   error `msg_too_long`): keep `text` within 4,000 characters; past 40,000 Slack truncates
//!   (changelog 2018-04 "truncating really long messages") or refuses with `msg_too_long`.
//! - `conversations.setTopic` reference: error `too_long`, "Topic was longer than 250 characters".
//! - `conversations.invite` (OpenAPI spec): `users`, "Up to 1000 users may be listed"; error
//!   `too_many_users`.

use serde_json::Value;

/// Blocks in one message (`chat.postMessage`, slash-command and `response_url` replies).
pub const MESSAGE_BLOCKS: usize = 50;
/// Blocks in a Home tab or a modal.
pub const VIEW_BLOCKS: usize = 100;
/// Characters of a section's `text`.
pub const SECTION_TEXT: usize = 3000;
/// Items in a section's `fields`, and characters of each.
pub const SECTION_FIELDS: usize = 10;
pub const FIELD_TEXT: usize = 2000;
/// Characters of a header block's plain text.
pub const HEADER_TEXT: usize = 150;
/// Characters of one context element (Slack allows 3,000 per text object; kept smaller).
pub const CONTEXT_TEXT: usize = 2000;
/// Elements of a context block and of an actions block.
pub const CONTEXT_ELEMENTS: usize = 10;
pub const ACTION_ELEMENTS: usize = 25;
/// Characters of a message's top-level `text`: Slack advises 4,000; the bot never sends more.
pub const TEXT_ADVISED: usize = 4000;
/// Slack's hard limit for `text` (beyond it: truncated or `msg_too_long`).
pub const TEXT_MAX: usize = 40_000;
/// Characters of a channel topic (`conversations.setTopic` answers `too_long` beyond).
pub const TOPIC: usize = 250;
/// Users in one `conversations.invite` call (Slack's limit), and the batch the bot uses
/// (smaller, so a per-user error names fewer people and a call stays quick).
pub const INVITE_USERS: usize = 1000;
pub const INVITE_BATCH: usize = 100;

/// Marks a cut: what follows it was removed to fit Slack's limits.
pub const MARK: &str = "…✂";

/// `s` cut to at most `max` characters, ending in [`MARK`] when cut. The cut never splits a
/// `<…>` token (mention, link, date) or an `&…;` entity, which Slack would show broken.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(MARK.chars().count());
    let mut t: String = s.chars().take(keep).collect();
    // An unclosed `<` (a token cut in half) or `&` (an entity cut in half): cut before it.
    if let Some(open) = t.rfind('<') {
        if !t[open..].contains('>') {
            t.truncate(open);
        }
    }
    if let Some(amp) = t.rfind('&') {
        if !t[amp..].contains(';') && t.len() - amp <= 6 {
            t.truncate(amp);
        }
    }
    // An unclosed code fence would turn the rest of the message into code.
    if t.matches("```").count() % 2 == 1 {
        // Room for the closing fence within `max`.
        while t.chars().count() > keep.saturating_sub(3) {
            t.pop();
        }
        t.push_str("```");
    }
    t.push_str(MARK);
    t
}

/// Cuts `lines` into parts of at most `max` characters each, at line boundaries (a single line
/// longer than `max` is cut with [`MARK`]).
pub fn split_lines(text: &str, max: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0usize;
    for line in text.lines() {
        let line = cut(line, max);
        let n = line.chars().count() + 1;
        if cur_len + n > max && !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
            cur_len = 0;
        }
        cur.push_str(&line);
        cur.push('\n');
        cur_len += n;
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

fn cut_at(v: &mut Value, pointer: &str, max: usize) {
    if let Some(Value::String(s)) = v.pointer_mut(pointer) {
        if s.chars().count() > max {
            *s = cut(s, max);
        }
    }
}

/// One block within the per-block limits.
pub fn fit_block(b: &mut Value) {
    match b.get("type").and_then(Value::as_str).unwrap_or("") {
        "section" => {
            cut_at(b, "/text/text", SECTION_TEXT);
            if let Some(Value::Array(f)) = b.get_mut("fields") {
                if f.len() > SECTION_FIELDS {
                    f.truncate(SECTION_FIELDS);
                    if let Some(last) = f.last_mut() {
                        if let Some(Value::String(s)) = last.get_mut("text") {
                            s.push_str(&format!("\n{MARK}"));
                        }
                    }
                }
                for x in f.iter_mut() {
                    cut_at(x, "/text", FIELD_TEXT);
                }
            }
        }
        "header" => cut_at(b, "/text/text", HEADER_TEXT),
        "context" => {
            if let Some(Value::Array(e)) = b.get_mut("elements") {
                e.truncate(CONTEXT_ELEMENTS);
                for x in e.iter_mut() {
                    cut_at(x, "/text", CONTEXT_TEXT);
                }
            }
        }
        "actions" => {
            if let Some(Value::Array(e)) = b.get_mut("elements") {
                e.truncate(ACTION_ELEMENTS);
            }
        }
        _ => {}
    }
}

/// `blocks` within `max` blocks: past it, the last kept block says how many were left out.
fn fit_blocks(blocks: &mut Vec<Value>, max: usize) {
    for b in blocks.iter_mut() {
        fit_block(b);
    }
    if blocks.len() > max {
        let dropped = blocks.len() - (max - 1);
        blocks.truncate(max - 1);
        blocks.push(serde_json::json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("{MARK} (+{dropped})")}],
        }));
    }
}

/// A message body (`text`, optional `blocks`) within Slack's message limits. With blocks,
/// `text` is only the notification fallback and is kept within the advised 4,000 characters;
/// alone, it is the message and may use up to the hard limit.
pub fn fit_message(body: &mut Value) {
    if let Some(Value::Array(b)) = body.get_mut("blocks") {
        fit_blocks(b, MESSAGE_BLOCKS);
        cut_at(body, "/text", TEXT_ADVISED);
    } else {
        cut_at(body, "/text", TEXT_MAX);
    }
}

/// A Home tab or modal view within Slack's view limits.
pub fn fit_view(view: &mut Value) {
    if let Some(Value::Array(b)) = view.get_mut("blocks") {
        fit_blocks(b, VIEW_BLOCKS);
    }
}

/// A channel topic within `conversations.setTopic`'s limit.
pub fn topic(s: &str) -> String {
    cut(s, TOPIC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cut_marks_and_never_splits_a_token_or_an_entity() {
        assert_eq!(cut("short", 10), "short");
        let c = cut(&"a".repeat(100), 10);
        assert_eq!(c.chars().count(), 10);
        assert!(c.ends_with(MARK));
        // A mention cut in half is dropped whole.
        let c = cut("hello <@U0123456789> there", 12);
        assert_eq!(c, format!("hello {MARK}"));
        let c = cut("a &amp; b", 5);
        assert_eq!(c, format!("a {MARK}"));
        let c = cut("```code that goes on and on", 14);
        assert!(c.ends_with(&format!("```{MARK}")), "{c}");
        assert!(c.chars().count() <= 14, "{c}");
    }

    #[test]
    fn split_lines_keeps_every_line_within_the_limit() {
        let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let parts = split_lines(&text, 500);
        assert!(parts.iter().all(|p| p.chars().count() <= 500));
        assert_eq!(parts.concat(), text, "nothing lost");
    }

    #[test]
    fn a_message_with_too_much_is_fitted_and_marked() {
        let blocks: Vec<Value> = (0..80)
            .map(|_| json!({"type": "section", "text": {"type": "mrkdwn", "text": "x".repeat(5000)}}))
            .collect();
        let mut m = json!({"text": "y".repeat(50_000), "blocks": blocks});
        fit_message(&mut m);
        assert_eq!(m["text"].as_str().unwrap().chars().count(), TEXT_ADVISED);
        let mut alone = json!({"text": "y".repeat(50_000)});
        fit_message(&mut alone);
        assert_eq!(alone["text"].as_str().unwrap().chars().count(), TEXT_MAX);
        assert!(alone["text"].as_str().unwrap().ends_with(MARK));
        let b = m["blocks"].as_array().unwrap();
        assert_eq!(b.len(), MESSAGE_BLOCKS);
        assert_eq!(
            b[0]["text"]["text"].as_str().unwrap().chars().count(),
            SECTION_TEXT
        );
        assert!(b[49].to_string().contains(&format!("{MARK} (+31)")));
    }

    #[test]
    fn fields_are_cut_to_ten() {
        let fields: Vec<Value> = (0..12)
            .map(|i| json!({"type": "mrkdwn", "text": format!("f{i}")}))
            .collect();
        let mut b = json!({"type": "section", "fields": fields});
        fit_block(&mut b);
        assert_eq!(b["fields"].as_array().unwrap().len(), SECTION_FIELDS);
        assert!(b["fields"][9]["text"].as_str().unwrap().ends_with(MARK));
    }
}
