//! Text that comes from outside (labels, annotations, URLs), made safe to show: in a
//! `plain_text` object, inside mrkdwn, as a link.

use serde_json::{json, Value};

use crate::limits::cut;

/// Outside text for a `plain_text` object: trimmed to `max` characters.
pub fn plain(s: &str, max: usize) -> Value {
    let t = if s.trim().is_empty() { "-" } else { s };
    json!({"type": "plain_text", "text": cut(t, max), "emoji": false})
}

/// Outside text inside mrkdwn (the notification text): `&<>` escaped (no mention, no link),
/// and `*`, `_`, `~`, `` ` `` followed by a zero-width joiner so they never format.
pub fn inert(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '*' | '_' | '~' | '`' => {
                out.push(c);
                out.push('\u{2060}');
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// An outside URL as a mrkdwn link, or `None` when it is not a plain http(s) URL.
pub fn link(url: &str, label: &str) -> Option<String> {
    let u = url.trim();
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() <= 2000
        && !u.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return None;
    }
    let safe = u
        .replace('&', "&amp;")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace('|', "%7C");
    Some(format!("<{safe}|{label}>"))
}
