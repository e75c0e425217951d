//! The status page's words in `/incident`: `update [INC-n] --public [status] <text>` publishes
//! (the status may be `investigating`, `identified`, `monitoring` or `resolved`; without one,
//! the incident's own), `unpublish <n>` takes public update `n` off the page, `unpublish INC-n`
//! the whole incident (its next public post is previewed again, with a new title if wanted).

use messages::usage::{Problem, Topic};

use chatops_core::flags;
use chatops_core::ids::IncidentId;
use incident::IncidentStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    Publish {
        id: Option<IncidentId>,
        status: Option<IncidentStatus>,
        /// Empty only for an incident's first post (the template's sentence is used).
        text: String,
        /// `--affects component[:state][,…]`, applied in the same command.
        affects: Vec<String>,
    },
    Unpublish {
        update: i64,
    },
    /// `unpublish INC-n`: the whole incident off the page (a wrong public title).
    UnpublishIncident {
        id: IncidentId,
    },
}

/// Whether an `update`'s text asks to publish (`--public` anywhere).
pub fn is_public(rest: &str) -> bool {
    rest.split_whitespace()
        .any(|w| w.eq_ignore_ascii_case("--public"))
}

/// `update [INC-n] --public [status] [--affects …] <text>`, flags anywhere.
pub fn parse_update(rest: &str) -> Result<Cmd, Problem> {
    let f = flags::take(rest, &["--public"], &["--affects"]);
    if f.missing_value().is_some() {
        return Err(Problem::Usage(Topic::IncidentPublish));
    }
    let rest = f.rest.trim();
    let (first, tail) = split_first(rest);
    let (id, rest) = match IncidentId::parse(first) {
        Some(id) => (Some(id), tail),
        None => (None, rest),
    };
    let (word, tail) = split_first(rest);
    let (status, text) = match IncidentStatus::parse(word) {
        Some(s) => (Some(s), tail),
        None => (None, rest),
    };
    Ok(Cmd::Publish {
        id,
        status,
        text: text.trim().to_string(),
        affects: f.values_of("--affects"),
    })
}

/// `unpublish <n>` (also `#n`), or `unpublish INC-n`.
pub fn parse_unpublish(rest: &str) -> Result<Cmd, Problem> {
    if rest.trim().to_ascii_lowercase().starts_with("inc") {
        return IncidentId::parse(rest.trim())
            .map(|id| Cmd::UnpublishIncident { id })
            .ok_or(Problem::Usage(Topic::IncidentPublish));
    }
    let n = rest.trim().trim_start_matches('#');
    match n.parse::<i64>() {
        Ok(update) if update > 0 => Ok(Cmd::Unpublish { update }),
        _ => Err(Problem::Usage(Topic::IncidentPublish)),
    }
}

/// Runs a status page command typed in `channel` by `actor`.
pub async fn run(
    ctx: &chatops_core::Ctx,
    actor: &chatops_core::ids::UserId,
    channel: &chatops_core::ids::ChannelId,
    c: Cmd,
) -> chatops_core::FlowResult<messages::Msg> {
    match c {
        Cmd::Publish {
            id,
            status,
            text,
            affects,
        } => {
            // Everything is checked before anything changes.
            let affects = incident::affects::resolve(ctx, &affects)?;
            let i = incident::shared::target(ctx, id, channel).await?;
            crate::publish::ensure_public(ctx, &i)?;
            crate::publish::check_text(ctx, &text)?;
            if !affects.is_empty() {
                incident::shared::ensure_open(ctx, &i)?;
                incident::affects::set_components(ctx, actor, IncidentId(i.id), &affects).await?;
            }
            crate::request::request(ctx, actor, &i, status, &text, None).await
        }
        Cmd::Unpublish { update } => crate::unpublish::unpublish(ctx, actor, update).await,
        Cmd::UnpublishIncident { id } => crate::unpublish::incident(ctx, actor, id).await,
    }
}

fn split_first(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_updates_take_an_optional_incident_status_and_text() {
        assert_eq!(
            parse_update("INC-4 --public identified The cause is found").unwrap(),
            Cmd::Publish {
                id: Some(IncidentId(4)),
                status: Some(IncidentStatus::Identified),
                text: "The cause is found".into(),
                affects: vec![],
            }
        );
        assert_eq!(
            parse_update("--public  Still on it --affects julia-api:degraded").unwrap(),
            Cmd::Publish {
                id: None,
                status: None,
                text: "Still on it".into(),
                affects: vec!["julia-api:degraded".into()],
            }
        );
        assert!(is_public("INC-2 --PUBLIC hi"));
        assert!(!is_public("INC-2 publicly hi"));
        assert_eq!(
            parse_unpublish(" #12 ").unwrap(),
            Cmd::Unpublish { update: 12 }
        );
        assert_eq!(
            parse_unpublish("INC-3").unwrap(),
            Cmd::UnpublishIncident { id: IncidentId(3) }
        );
        assert!(parse_unpublish("twelve").is_err());
        assert!(parse_unpublish("").is_err());
    }
}
