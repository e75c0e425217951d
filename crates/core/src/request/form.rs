//! The slash-command form, read in one pass: only the fields the bot uses are decoded and
//! kept; the rest (`token`, `team_domain`, `user_name`, …) are skipped. Same result as
//! `serde_urlencoded` into [`SlashCommand`]: `command` and `user_id` required, a field given
//! twice refused, invalid UTF-8 replaced.

use serde::Deserialize;

/// The fields of a slash-command form the bot uses (`token` is never used).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct SlashCommand {
    pub command: String,
    #[serde(default)]
    pub text: String,
    pub user_id: String,
    #[serde(default)]
    pub channel_id: String,
    #[serde(default)]
    pub channel_name: String,
    #[serde(default)]
    pub team_id: String,
    #[serde(default)]
    pub response_url: String,
    #[serde(default)]
    pub trigger_id: String,
}

/// The form is not a slash command (answered with 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadForm;

impl SlashCommand {
    /// Parses an `application/x-www-form-urlencoded` slash-command body.
    pub fn from_form(body: &[u8]) -> Result<SlashCommand, BadForm> {
        let mut cmd = SlashCommand::default();
        let mut seen = 0u8;
        for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (raw_key, raw_value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            // Slack's keys are plain ASCII: compared as bytes unless they need decoding.
            let decoded;
            let key = if needs_decoding(raw_key) {
                decoded = decode(raw_key);
                decoded.as_bytes()
            } else {
                raw_key
            };
            let (bit, field) = match key {
                b"command" => (0, &mut cmd.command),
                b"text" => (1, &mut cmd.text),
                b"user_id" => (2, &mut cmd.user_id),
                b"channel_id" => (3, &mut cmd.channel_id),
                b"channel_name" => (4, &mut cmd.channel_name),
                b"team_id" => (5, &mut cmd.team_id),
                b"response_url" => (6, &mut cmd.response_url),
                b"trigger_id" => (7, &mut cmd.trigger_id),
                _ => continue,
            };
            if seen & (1 << bit) != 0 {
                return Err(BadForm);
            }
            seen |= 1 << bit;
            *field = decode(raw_value).into_owned();
        }
        // `command` and `user_id` are required.
        if seen & 0b101 == 0b101 {
            Ok(cmd)
        } else {
            Err(BadForm)
        }
    }
}

fn needs_decoding(raw: &[u8]) -> bool {
    raw.iter().any(|&b| b == b'+' || b == b'%')
}

/// One key or value: borrowed as it is when it has nothing to decode (no `+`, no `%`, valid
/// UTF-8), else decoded as `form_urlencoded` (`+` as a space, percent-escapes, invalid UTF-8
/// replaced). Most of a Slack form needs no decoding, and a skipped field's value is never
/// looked at.
fn decode(raw: &[u8]) -> std::borrow::Cow<'_, str> {
    if !needs_decoding(raw) {
        if let Ok(s) = std::str::from_utf8(raw) {
            return std::borrow::Cow::Borrowed(s);
        }
    }
    // What `form_urlencoded::parse` (and so `serde_urlencoded`) does to each component.
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: std::borrow::Cow<'_, [u8]> = percent_encoding::percent_decode(&spaced).into();
    std::borrow::Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_serde(body: &str) {
        let ours = SlashCommand::from_form(body.as_bytes()).ok();
        let serde: Option<SlashCommand> = serde_urlencoded::from_bytes(body.as_bytes()).ok();
        assert_eq!(format!("{ours:?}"), format!("{serde:?}"), "body: {body}");
    }

    #[test]
    fn reads_what_serde_urlencoded_reads() {
        for body in [
            "token=x&team_id=T1&team_domain=d&channel_id=C1&channel_name=ops&user_id=U1&user_name=a&command=%2Fincident&text=declare+db+is+down+%F0%9F%94%A5&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1&trigger_id=1.2.3&api_app_id=A1",
            "command=/incident&user_id=U1",
            "command=/incident&user_id=U1&text=",
            "command=/incident&user_id=U1&text",
            "user_id=U1",
            "command=/incident",
            "",
            "command=/incident&user_id=U1&command=/julia",
            "command=/incident&user_id=U1&text=a&text=b",
            "command=/incident&user_id=U1&token=a&token=b",
            "command=%2&user_id=%ZZ&text=%FF%FE",
            "&&=&command=/x&user_id=U&=v",
            "command=/incident&user_id=U1&text=a%26b%3Dc+d%2Be",
            "command=/incident&user_id=U1&text=a=b+c=%3D&channel_id==",
            "command=/inc%69dent&us%65r_id=U1&te+xt=x&text=caf%C3%A9+%E2%9C%93",
            "command=/incident&user_id=U1&text=%F0%9F%94&channel_name=\u{e9}t\u{e9}",
        ] {
            same_as_serde(body);
        }
    }

    #[test]
    fn refuses_a_field_given_twice_and_missing_required_fields() {
        assert_eq!(
            SlashCommand::from_form(b"command=/a&user_id=U&user_id=V").err(),
            Some(BadForm)
        );
        assert_eq!(SlashCommand::from_form(b"command=/a").err(), Some(BadForm));
        let c = SlashCommand::from_form(b"command=%2Fa&user_id=U&text=x+y").unwrap();
        assert_eq!((c.command.as_str(), c.text.as_str()), ("/a", "x y"));
    }
}
