//! User-typed text made safe for mrkdwn.

/// Escapes user-typed text for mrkdwn: `&`, `<`, `>` become entities, so `<!channel>`,
/// `<!here>` or a fake link typed into a title is shown as text and pings nobody. User and
/// channel mentions (`<@U…>`, `<#C…|name>`) are kept: they are how people are named.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find('<') {
        out.push_str(&escape_plain(&rest[..start]));
        let tail = &rest[start..];
        match tail.find('>') {
            Some(end) if is_mention(&tail[1..end]) => {
                out.push_str(&tail[..=end]);
                rest = &tail[end + 1..];
            }
            _ => {
                out.push_str("&lt;");
                rest = &tail[1..];
            }
        }
    }
    out.push_str(&escape_plain(rest));
    out
}

fn is_mention(inner: &str) -> bool {
    let id = inner.split('|').next().unwrap_or("");
    let (prefix, rest) = match id.get(..2) {
        Some("@U") | Some("@W") | Some("#C") | Some("#G") => (true, &id[2..]),
        _ => (false, ""),
    };
    prefix
        && !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && !inner.contains(['<', '!'])
}

fn escape_plain(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_broadcasts_and_keeps_mentions() {
        assert_eq!(escape("<!channel> db down"), "&lt;!channel&gt; db down");
        assert_eq!(escape("<!here|here>"), "&lt;!here|here&gt;");
        assert_eq!(
            escape("ask <@U0ANA> in <#C123|ops>"),
            "ask <@U0ANA> in <#C123|ops>"
        );
        assert_eq!(escape("a < b && c > d"), "a &lt; b &amp;&amp; c &gt; d");
        assert_eq!(escape("<https://evil|click>"), "&lt;https://evil|click&gt;");
        assert_eq!(escape("<!subteam^S123>"), "&lt;!subteam^S123&gt;");
    }
}
