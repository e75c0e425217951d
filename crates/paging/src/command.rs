//! `/incident oncall` and `/incident oncall set @user [for 8h|until mon 09:00]`: grammar and
//! flow.

use messages::paging as tpl;
use messages::usage::{Problem, Topic};
use messages::Msg;

use super::schedule::{override_end, Handoff};
use chatops_core::ids::UserId;
use chatops_core::text::clean_text;
use chatops_core::{Ctx, FlowError, FlowResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OncallCmd {
    Show,
    /// `until`: the words after the user (`for 8h`, `until mon 09:00`), checked here and
    /// turned into a time (in `ONCALL_TZ`) by the flow.
    Set {
        user: String,
        until: String,
    },
}

/// The words after `oncall`.
pub fn parse(rest: &str) -> Result<OncallCmd, Problem> {
    let rest = rest.trim();
    if rest.is_empty() || rest.eq_ignore_ascii_case("show") {
        return Ok(OncallCmd::Show);
    }
    let (sub, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if !sub.eq_ignore_ascii_case("set") {
        return Err(Problem::Usage(Topic::IncidentOncall));
    }
    let tail = tail.trim();
    let (who, until) = tail.split_once(char::is_whitespace).unwrap_or((tail, ""));
    let user = UserId::parse_mention(who)
        .map(|u| u.to_string())
        .ok_or(Problem::Usage(Topic::IncidentOncall))?;
    let until = clean_text(until);
    // The shape is checked now (the time is computed when it runs).
    let (word, spec) = until.split_once(' ').unwrap_or((until.as_str(), ""));
    match word.to_ascii_lowercase().as_str() {
        "" => {}
        "for" | "por" => {
            humantime::parse_duration(spec).map_err(|_| Problem::Usage(Topic::IncidentOncall))?;
        }
        "until" | "até" | "ate" => {
            Handoff::parse(spec).map_err(|_| Problem::Usage(Topic::IncidentOncall))?;
        }
        _ => return Err(Problem::Usage(Topic::IncidentOncall)),
    }
    Ok(OncallCmd::Set { user, until })
}

/// Runs an `oncall` command for `actor`.
pub async fn run(ctx: &Ctx, actor: &str, c: OncallCmd) -> FlowResult<Msg> {
    let l = ctx.locale();
    match c {
        OncallCmd::Show => Ok(tpl::oncall(&super::oncall::view(ctx).await?, l)),
        OncallCmd::Set { user, until } => {
            let now = ctx.clock.now_ms();
            let end = override_end(&until, now, crate::settings::of(ctx).tz)
                .map_err(|why| FlowError::User(tpl::bad_override(&why, l)))?;
            Ok(super::oncall::set_override(ctx, actor, &user, end).await?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert_eq!(parse("").unwrap(), OncallCmd::Show);
        assert_eq!(
            parse("set <@U123ABC|ana> for 8h").unwrap(),
            OncallCmd::Set {
                user: "U123ABC".into(),
                until: "for 8h".into()
            }
        );
        assert_eq!(
            parse("set <@U123ABC> until mon 09:00").unwrap(),
            OncallCmd::Set {
                user: "U123ABC".into(),
                until: "until mon 09:00".into()
            }
        );
        assert_eq!(
            parse("set <@U123ABC>").unwrap(),
            OncallCmd::Set {
                user: "U123ABC".into(),
                until: String::new()
            }
        );
        assert!(matches!(parse("set ana for 8h"), Err(Problem::Usage(_))));
        assert!(matches!(
            parse("set <@U123ABC> for ever"),
            Err(Problem::Usage(_))
        ));
        assert!(matches!(
            parse("set <@U123ABC> until someday"),
            Err(Problem::Usage(_))
        ));
        assert!(matches!(parse("swap"), Err(Problem::Usage(_))));
    }
}
