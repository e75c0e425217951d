//! `/incident action …` and `/incident drill on|off`: the grammar (the bot's `/incident` parser
//! hands the words after the subcommand here) and the flow each runs.

use messages::usage::{Problem, Topic};
use messages::Msg;

use chatops_core::ids::{ChannelId, IncidentId, UserId};
use chatops_core::text::clean_text;
use chatops_core::{Ctx, FlowResult};

pub use crate::actions::ListWhat;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowupCmd {
    /// `action add [INC-n] @owner <text> [due <spec>]`. The owner is checked by the flow, so a
    /// missing one gets its own reason.
    Add {
        id: Option<IncidentId>,
        owner: Option<String>,
        text: String,
        due: Option<String>,
    },
    /// `action list [mine|overdue|INC-n]` (nothing: the war room's incident, else mine).
    List(ListWhat),
    /// `action done <id>`.
    Done { item: i64 },
    /// `action reassign <id> @owner`.
    Reassign { item: i64, owner: String },
    /// `action due <id> <spec>`.
    Due { item: i64, due: String },
    /// `drill on|off [INC-n]`: the explicit, audited switch.
    Drill { id: Option<IncidentId>, on: bool },
}

fn split_first(s: &str) -> (&str, &str) {
    let s = s.trim();
    match s.split_once(char::is_whitespace) {
        Some((a, b)) => (a, b.trim()),
        None => (s, ""),
    }
}

/// `12` or `#12`.
fn item_id(s: &str) -> Option<i64> {
    s.trim_start_matches('#').parse().ok().filter(|n| *n > 0)
}

/// Takes a trailing `due <spec>` (or `prazo <spec>`) off `text`.
fn take_due(text: &str) -> (String, Option<String>) {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() >= 2 {
        let w = words[words.len() - 2].to_lowercase();
        if w == "due" || w == "prazo" {
            let spec = words[words.len() - 1].to_string();
            return (words[..words.len() - 2].join(" "), Some(spec));
        }
    }
    (words.join(" "), None)
}

/// The words after `action`.
pub fn parse_action(rest: &str) -> Result<FollowupCmd, Problem> {
    let usage = || Problem::Usage(Topic::IncidentAction);
    let (sub, tail) = split_first(rest);
    match sub.to_lowercase().as_str() {
        "add" | "new" => {
            let (first, after) = split_first(tail);
            let (id, tail) = match IncidentId::parse(first) {
                Some(id) => (Some(id), after),
                None => (None, tail),
            };
            let (who, after) = split_first(tail);
            let (owner, text) = match UserId::parse_mention(who) {
                Some(u) => (Some(u.to_string()), after),
                None => (None, tail),
            };
            let (text, due) = take_due(&clean_text(text));
            Ok(FollowupCmd::Add {
                id,
                owner,
                text,
                due,
            })
        }
        "list" | "ls" | "" => {
            let w = tail.trim();
            let what = match w.to_lowercase().as_str() {
                "" => ListWhat::Here,
                "mine" | "meus" => ListWhat::Mine,
                "overdue" | "atrasados" => ListWhat::Overdue,
                _ => ListWhat::Incident(IncidentId::parse(w).ok_or_else(usage)?),
            };
            Ok(FollowupCmd::List(what))
        }
        "done" | "feito" | "close" => {
            let (n, extra) = split_first(tail);
            match (item_id(n), extra.is_empty()) {
                (Some(item), true) => Ok(FollowupCmd::Done { item }),
                _ => Err(usage()),
            }
        }
        "reassign" | "owner" => {
            let (n, who) = split_first(tail);
            let item = item_id(n).ok_or_else(usage)?;
            let owner = UserId::parse_mention(who.trim()).ok_or_else(usage)?;
            Ok(FollowupCmd::Reassign {
                item,
                owner: owner.to_string(),
            })
        }
        "due" | "prazo" => {
            let (n, spec) = split_first(tail);
            let item = item_id(n).ok_or_else(usage)?;
            if spec.is_empty() || spec.contains(char::is_whitespace) {
                return Err(usage());
            }
            Ok(FollowupCmd::Due {
                item,
                due: spec.to_string(),
            })
        }
        _ => Err(usage()),
    }
}

/// The words after `drill`: `on|off [INC-n]`.
pub fn parse_drill(rest: &str) -> Result<FollowupCmd, Problem> {
    let usage = || Problem::Usage(Topic::IncidentDrill);
    let (word, tail) = split_first(rest);
    let on = match word.to_lowercase().as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(usage()),
    };
    let id = match tail {
        "" => None,
        t => Some(IncidentId::parse(t).ok_or_else(usage)?),
    };
    Ok(FollowupCmd::Drill { id, on })
}

/// Runs a follow-up command for `actor`, typed in `channel`.
pub async fn run(
    ctx: &Ctx,
    actor: &UserId,
    channel: &ChannelId,
    c: FollowupCmd,
) -> FlowResult<Msg> {
    match c {
        FollowupCmd::Add {
            id,
            owner,
            text,
            due,
        } => {
            let input = crate::actions::AddInput { owner, text, due };
            crate::actions::add(ctx, actor, id, channel, input).await
        }
        FollowupCmd::List(what) => crate::actions::list(ctx, actor, channel, what).await,
        FollowupCmd::Done { item } => crate::actions::done(ctx, actor, item).await,
        FollowupCmd::Reassign { item, owner } => {
            crate::actions::reassign(ctx, actor, item, &owner).await
        }
        FollowupCmd::Due { item, due } => crate::actions::change_due(ctx, actor, item, &due).await,
        FollowupCmd::Drill { id, on } => crate::drill::switch(ctx, actor, id, channel, on).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert_eq!(
            parse_action("add <@U1ABC|ana> add an index to jobs due 7d").unwrap(),
            FollowupCmd::Add {
                id: None,
                owner: Some("U1ABC".into()),
                text: "add an index to jobs".into(),
                due: Some("7d".into())
            }
        );
        assert_eq!(
            parse_action("add INC-4 <@U1ABC> alert on queue depth").unwrap(),
            FollowupCmd::Add {
                id: Some(IncidentId(4)),
                owner: Some("U1ABC".into()),
                text: "alert on queue depth".into(),
                due: None
            }
        );
        assert!(matches!(
            parse_action("add fix the thing").unwrap(),
            FollowupCmd::Add { owner: None, .. }
        ));
        assert_eq!(
            parse_action("list").unwrap(),
            FollowupCmd::List(ListWhat::Here)
        );
        assert_eq!(
            parse_action("list mine").unwrap(),
            FollowupCmd::List(ListWhat::Mine)
        );
        assert_eq!(
            parse_action("list INC-3").unwrap(),
            FollowupCmd::List(ListWhat::Incident(IncidentId(3)))
        );
        assert_eq!(
            parse_action("done #7").unwrap(),
            FollowupCmd::Done { item: 7 }
        );
        assert_eq!(
            parse_action("reassign 7 <@U22>").unwrap(),
            FollowupCmd::Reassign {
                item: 7,
                owner: "U22".into()
            }
        );
        assert_eq!(
            parse_action("due 7 2026-12-20").unwrap(),
            FollowupCmd::Due {
                item: 7,
                due: "2026-12-20".into()
            }
        );
        assert!(parse_action("done").is_err());
        assert!(parse_action("reassign 7 bob").is_err());
        assert!(parse_action("list someday").is_err());
        assert!(parse_action("frobnicate").is_err());
        assert_eq!(
            parse_drill("off INC-2").unwrap(),
            FollowupCmd::Drill {
                id: Some(IncidentId(2)),
                on: false
            }
        );
        assert!(parse_drill("maybe").is_err());
    }
}
