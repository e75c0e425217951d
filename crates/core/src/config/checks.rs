//! The shape checks behind `chatops check-config`: each takes a raw value and returns what is
//! wrong with it in words an operator can act on (never the value of a secret).
//!
//! Adding a check: write a function here returning `Result<_, String>`, and call it from the
//! variable's line in `Config::read` through `Reader::check` (or push to `Reader::problem`).

use std::time::Duration;

/// Accepted duration forms, shown whenever a duration cannot be read.
pub const DURATION_FORMS: &str = "a number and a unit: `90s`, `15m`, `1h`, `1h30m`, `500ms`";

/// A duration (`15m`, `1h30m`, `90s`). The parser's own wording is not shown.
pub fn duration(raw: &str) -> Result<Duration, String> {
    humantime::parse_duration(raw.trim())
        .map_err(|_| format!("`{raw}` is not a duration; use {DURATION_FORMS}"))
}

/// An update cadence: a duration, or `off` (also `none`, `0`) for no reminders.
pub fn cadence(raw: &str) -> Result<Option<Duration>, String> {
    if matches!(
        raw.trim().to_ascii_lowercase().as_str(),
        "off" | "none" | "0" | ""
    ) {
        return Ok(None);
    }
    match humantime::parse_duration(raw.trim()) {
        Ok(d) if d.is_zero() => Ok(None),
        Ok(d) => Ok(Some(d)),
        Err(_) => Err(format!(
            "`{raw}` is not a cadence; use {DURATION_FORMS}, or `off` for no reminders"
        )),
    }
}

/// A whole number within `range`: "not a number" and "out of range" are different mistakes.
pub fn integer(raw: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, String> {
    let t = raw.trim();
    match t.parse::<i128>() {
        Ok(n) if n >= *range.start() as i128 && n <= *range.end() as i128 => Ok(n as i64),
        Ok(_) => Err(format!(
            "`{t}` is out of range: use {} to {}",
            range.start(),
            range.end()
        )),
        Err(_) => Err(format!("`{t}` is not a whole number")),
    }
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
pub fn boolean(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("`{}` is not `true` or `false`", raw.trim())),
    }
}

/// What kind of Slack token a value is, from its prefix (the only part ever named).
fn token_kind(v: &str) -> Option<(&'static str, &'static str)> {
    [
        ("xoxb-", "a bot token"),
        ("xapp-", "an app-level token"),
        ("xoxp-", "a user token"),
        ("xoxe", "a token-rotation token"),
        ("xoxa-", "a workspace app token"),
    ]
    .into_iter()
    .find(|(p, _)| v.starts_with(p))
}

/// `SLACK_BOT_TOKEN` must be the *Bot User OAuth Token* (`xoxb-…`).
pub fn bot_token(v: &str) -> Result<(), String> {
    if v.starts_with("xoxb-") {
        return Ok(());
    }
    let what = match token_kind(v) {
        Some(("xapp-", kind)) => format!("this is {kind} (`xapp-…`): it goes in SLACK_APP_TOKEN"),
        Some((p, kind)) => format!("this is {kind} (`{p}…`)"),
        None => "this is not a Slack token".into(),
    };
    Err(format!(
        "must start with `xoxb-`; {what}. Copy the Bot User OAuth Token from the app's \
         OAuth & Permissions page"
    ))
}

/// `SLACK_APP_TOKEN` must be an app-level token (`xapp-…`) with `connections:write`.
pub fn app_token(v: &str) -> Result<(), String> {
    if v.starts_with("xapp-") {
        return Ok(());
    }
    let what = match token_kind(v) {
        Some(("xoxb-", kind)) => format!("this is {kind} (`xoxb-…`): it goes in SLACK_BOT_TOKEN"),
        Some((p, kind)) => format!("this is {kind} (`{p}…`)"),
        None => "this is not a Slack token".into(),
    };
    Err(format!(
        "must start with `xapp-`; {what}. Create an app-level token with `connections:write` \
         under Basic Information → App-Level Tokens"
    ))
}

/// `U0123ABCD`-shaped: the prefix, then upper-case letters and digits.
fn slack_id(v: &str, first: &[char]) -> bool {
    v.len() >= 2
        && v.starts_with(first)
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

const FIND_CHANNEL_ID: &str = "in Slack open the channel, click its name at the top, and copy the \
Channel ID at the bottom of the About tab (it looks like `C0123ABCD`)";

/// A conversation id (`C…` public, `G…` private), not `#name`.
pub fn channel_id(v: &str) -> Result<(), String> {
    if slack_id(v, &['C', 'G']) {
        return Ok(());
    }
    if slack_id(&v.to_ascii_uppercase(), &['C', 'G'])
        && v.len() >= 9
        && v.chars().any(|c| c.is_ascii_digit())
    {
        return Err(format!(
            "`{v}` looks like a channel id in lower case; ids are upper case: `{}`",
            v.to_ascii_uppercase()
        ));
    }
    let looks_like_name = v.starts_with('#')
        || v.chars()
            .any(|c| c.is_ascii_lowercase() || c == '-' || c == '_');
    if looks_like_name {
        Err(format!(
            "`{v}` is a channel name, not a channel id: {FIND_CHANNEL_ID}"
        ))
    } else {
        Err(format!("`{v}` is not a channel id: {FIND_CHANNEL_ID}"))
    }
}

const FIND_USER_ID: &str = "a user id looks like `U0123ABCD`: in Slack open the person's \
profile, ⋮ (More) → Copy member ID";

/// A comma- or space-separated list of user ids (`U…`/`W…`). With `groups`, user group ids
/// (`S…`) are accepted too.
pub fn user_ids(items: &[String], groups: bool) -> Result<(), String> {
    let bad: Vec<String> = items
        .iter()
        .filter(|u| !(slack_id(u, &['U', 'W']) || groups && slack_id(u, &['S'])))
        .map(|u| format!("`{u}`"))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    let are = if bad.len() == 1 {
        "is not a user id"
    } else {
        "are not user ids"
    };
    let groups_hint = if groups {
        " (a user group id looks like `S0123ABCD`)"
    } else {
        ""
    };
    Err(format!(
        "{} {are}; {FIND_USER_ID}{groups_hint}",
        bad.join(", ")
    ))
}

/// A user group id (`S…`), not `@handle`.
pub fn usergroup_id(v: &str) -> Result<(), String> {
    if slack_id(v, &['S']) {
        return Ok(());
    }
    Err(format!(
        "`{v}` is not a user group id; it looks like `S0123ABCD` (the last part of the user \
         group's page address in Slack, or `id` in `usergroups.list`)"
    ))
}

/// The scheme of a URL (`postgres` in `postgres://…`), if it has one.
pub fn scheme(url: &str) -> Option<&str> {
    let (s, _) = url.split_once(':')?;
    (!s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.'))
    .then_some(s)
}

/// The bot's store: `sqlite:` or `postgres://` / `postgresql://`.
pub fn store_url(url: &str) -> Result<(), String> {
    match scheme(url) {
        Some("sqlite") | Some("postgres") | Some("postgresql") => Ok(()),
        Some(other) => Err(format!(
            "unsupported database URL scheme `{other}`; use `sqlite://<path>` (one replica) or \
             `postgres://user:password@host:5432/db` (several replicas)"
        )),
        None => Err(
            "not a database URL; use `sqlite://<path>` (one replica) or \
             `postgres://user:password@host:5432/db` (several replicas)"
                .into(),
        ),
    }
}

/// A URL with one of `schemes`; the value is shown only without its password.
pub fn url_with(url: &str, schemes: &[&str]) -> Result<(), String> {
    let shown = super::redact_url(url);
    match scheme(url) {
        Some(s) if schemes.contains(&s) && url.len() > s.len() + 3 => Ok(()),
        Some(s) if !schemes.contains(&s) => Err(format!(
            "unsupported URL scheme `{s}` in `{shown}`; use {}",
            schemes
                .iter()
                .map(|s| format!("`{s}://…`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )),
        _ => Err(format!(
            "`{shown}` is not a URL; use {}",
            schemes
                .iter()
                .map(|s| format!("`{s}://…`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )),
    }
}

/// For a variable name the bot does not read, the known name it is probably a misspelling of
/// (`INCIDENT_CADENSE_P1` → `INCIDENT_CADENCE_P1`, `slack_bot_token` → `SLACK_BOT_TOKEN`).
pub fn near_miss<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let upper = name.to_ascii_uppercase();
    known
        .into_iter()
        // Short names (PORT) are too close to everything to guess from.
        .filter(|k| k.len() >= 6)
        .map(|k| (strsim::damerau_levenshtein(&upper, k), k))
        .filter(|(d, k)| *d <= if k.len() >= 10 { 2 } else { 1 })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_list_the_accepted_forms_without_parser_internals() {
        let e = cadence("banana").unwrap_err();
        assert!(e.contains("`15m`") && e.contains("`off`"), "{e}");
        assert!(!e.contains("unknown time unit"), "{e}");
        let e = duration("soon").unwrap_err();
        assert!(e.contains("`90s`") && !e.contains("expected"), "{e}");
        assert_eq!(cadence("off"), Ok(None));
        assert_eq!(cadence("1h30m"), Ok(Some(Duration::from_secs(5400))));
    }

    #[test]
    fn out_of_range_is_not_not_a_number() {
        assert_eq!(
            integer("99999", 0..=65535).unwrap_err(),
            "`99999` is out of range: use 0 to 65535"
        );
        assert_eq!(
            integer("abc", 0..=65535).unwrap_err(),
            "`abc` is not a whole number"
        );
        assert_eq!(integer(" 8080 ", 0..=65535), Ok(8080));
    }

    #[test]
    fn tokens_are_named_by_kind_never_by_value() {
        let e = bot_token("xapp-1-A0-secretpart").unwrap_err();
        assert!(
            e.contains("SLACK_APP_TOKEN") && !e.contains("secretpart"),
            "{e}"
        );
        let e = bot_token("hunter2").unwrap_err();
        assert!(
            e.contains("not a Slack token") && !e.contains("hunter2"),
            "{e}"
        );
        assert!(app_token("xoxb-1-2-s3cr3t")
            .unwrap_err()
            .contains("SLACK_BOT_TOKEN"));
        assert!(bot_token("xoxb-1").is_ok() && app_token("xapp-1").is_ok());
    }

    #[test]
    fn channel_names_and_user_handles_are_not_ids() {
        let e = channel_id("#incidents").unwrap_err();
        assert!(
            e.contains("channel name") && e.contains("Channel ID"),
            "{e}"
        );
        assert!(channel_id("C0123ABCD").is_ok() && channel_id("G01").is_ok());
        assert!(channel_id("c0123abcd").unwrap_err().contains("`C0123ABCD`"));
        assert!(channel_id("general").unwrap_err().contains("channel name"));
        let e = user_ids(&["ana".into(), "@bob".into(), "U0ANA".into()], false).unwrap_err();
        assert!(e.starts_with("`ana`, `@bob` are not user ids"), "{e}");
        assert!(user_ids(&["U0ANA".into(), "SONCALL".into()], true).is_ok());
        assert!(user_ids(&["SONCALL".into()], false).is_err());
        assert!(usergroup_id("@oncall").is_err() && usergroup_id("S0ONCALL").is_ok());
    }

    #[test]
    fn database_schemes() {
        assert!(store_url("mysql://u:p@h/db")
            .unwrap_err()
            .starts_with("unsupported database URL scheme `mysql`"));
        assert!(store_url("sqlite://./data/x.db").is_ok());
        assert!(store_url("postgresql://h/db").is_ok());
        assert!(store_url("./data/x.db").is_err());
        let e = url_with("http://u:pw@h", &["redis", "rediss"]).unwrap_err();
        assert!(e.contains("`http`") && !e.contains("pw"), "{e}");
    }

    #[test]
    fn near_misses() {
        let known = [
            "INCIDENT_CADENCE_P1",
            "SLACK_BOT_TOKEN",
            "PORT",
            "LOG_FORMAT",
        ];
        assert_eq!(
            near_miss("INCIDENT_CADENSE_P1", known),
            Some("INCIDENT_CADENCE_P1")
        );
        assert_eq!(near_miss("slack_bot_token", known), Some("SLACK_BOT_TOKEN"));
        assert_eq!(near_miss("LOG_FORMATS", known), Some("LOG_FORMAT"));
        assert_eq!(near_miss("PORTS", known), None);
        assert_eq!(near_miss("HOSTNAME", known), None);
    }
}
