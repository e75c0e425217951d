//! The typed values that travel through the incident flows: an incident's number, its title
//! (checked once, by the grammar or the declare form), and Slack's user and channel ids.
//! Raw `i64` and `String` stop at the store and at Slack's payloads.

use std::fmt;

use messages::usage::Problem;

/// An incident number (`INC-12` -> 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentId(pub i64);

impl IncidentId {
    /// `INC-12`, `inc-12`, `#12`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let digits = s
            .strip_prefix("INC-")
            .or_else(|| s.strip_prefix("inc-"))
            .or_else(|| s.strip_prefix("Inc-"))
            .or_else(|| s.strip_prefix('#'))?;
        let n: i64 = digits.parse().ok()?;
        (n > 0).then_some(IncidentId(n))
    }

    /// The number a button or a modal carries in its value (`12`, or `12:900` for snooze).
    pub fn from_value(value: &str) -> Option<Self> {
        let n: i64 = value.split(':').next()?.parse().ok()?;
        (n > 0).then_some(IncidentId(n))
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INC-{}", self.0)
    }
}

const TITLE_MIN: usize = 3;
const TITLE_MAX: usize = 150;

/// An incident title: cleaned ([`crate::text::clean_text`]), 3 to 150 characters, and not
/// only invisible ones (zero-width joiners, fillers, lone combining marks). The only way to
/// make one is [`IncidentTitle::parse`], so a flow never checks it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentTitle(String);

impl IncidentTitle {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let t = crate::text::clean_text(raw);
        let n = t.chars().count();
        if n > 0 && crate::text::visible_len(&t) == 0 {
            return Err(Problem::InvisibleTitle);
        }
        if !(TITLE_MIN..=TITLE_MAX).contains(&n) {
            return Err(Problem::TitleLength {
                len: n,
                min: TITLE_MIN,
                max: TITLE_MAX,
            });
        }
        Ok(IncidentTitle(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IncidentTitle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! slack_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }
    };
}

slack_id!(
    /// A Slack user id (`U…`/`W…`), as Slack's payloads carry it.
    UserId
);
slack_id!(
    /// A Slack channel id (`C…`/`G…`/`D…`), as Slack's payloads carry it.
    ChannelId
);

impl UserId {
    /// `<@U123>`, `<@U123|ana>` or a bare `U123ABC` -> `U123`; anything else is not a user.
    pub fn parse_mention(s: &str) -> Option<Self> {
        let s = s.trim();
        let id = if let Some(inner) = s.strip_prefix("<@").and_then(|r| r.strip_suffix('>')) {
            inner.split('|').next().unwrap_or("")
        } else {
            s
        };
        let ok = id.len() >= 3
            && (id.starts_with('U') || id.starts_with('W'))
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        ok.then(|| UserId(id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_button_value_carries_the_number() {
        assert_eq!(IncidentId::from_value("12:900"), Some(IncidentId(12)));
        assert_eq!(IncidentId::from_value("7"), Some(IncidentId(7)));
        assert_eq!(IncidentId::from_value(""), None);
        assert_eq!(IncidentId::from_value("0"), None);
        assert_eq!(IncidentId(3).to_string(), "INC-3");
    }

    #[test]
    fn mentions_are_users_and_words_are_not() {
        assert_eq!(
            UserId::parse_mention("<@U123|ana>"),
            Some(UserId::new("U123"))
        );
        assert_eq!(UserId::parse_mention("W9ZZ"), Some(UserId::new("W9ZZ")));
        assert_eq!(UserId::parse_mention("ana"), None);
        assert_eq!(UserId::parse_mention("<@C123>"), None);
    }
}
