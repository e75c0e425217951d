//! `/incident notify-customers [INC-n] [back]`: anyone may ask for the preview; it is posted in
//! the war room by the prompt job (Julia's database and Evolution are read there, not within
//! Slack's 3 s). Sending stays on the guarded path (the Send button).

use chatops_core::ids::{ChannelId, IncidentId};
use chatops_core::{Ctx, FlowError, FlowResult};
use messages::customers as tpl;
use messages::usage::{Problem, Topic};
use messages::Msg;

use crate::prompt::{schedule, Prompt};
use crate::store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyCmd {
    pub id: Option<IncidentId>,
    /// `back`: the back-to-normal notice.
    pub recovery: bool,
}

/// The words after `notify-customers`.
pub fn parse(rest: &str) -> Result<NotifyCmd, Problem> {
    let mut c = NotifyCmd {
        id: None,
        recovery: false,
    };
    for w in rest.split_whitespace() {
        match w.to_ascii_lowercase().as_str() {
            "back" | "recovery" | "normal" | "volta" => c.recovery = true,
            _ => match IncidentId::parse(w) {
                Some(id) if c.id.is_none() => c.id = Some(id),
                _ => return Err(Problem::Usage(Topic::IncidentNotifyCustomers)),
            },
        }
    }
    Ok(c)
}

/// Checks what can be said at once (a drill, the incident's state), then writes the prompt's
/// job due now.
pub async fn run(ctx: &Ctx, channel: &ChannelId, c: NotifyCmd) -> FlowResult<Msg> {
    let l = ctx.locale();
    let i = incident::shared::target(ctx, c.id, channel).await?;
    if i.is_drill {
        return Err(FlowError::User(tpl::refused_drill(l)));
    }
    if !c.recovery && !i.status.is_open() {
        return Err(FlowError::User(tpl::refused_resolved(l)));
    }
    if c.recovery && i.status.is_open() {
        return Err(FlowError::User(tpl::refused_not_resolved(l)));
    }
    if let Some(n) = store::of_incident(&ctx.store.pool, i.id, c.recovery).await? {
        return Err(FlowError::User(tpl::already(&n.state, l)));
    }
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let p = Prompt {
        incident: i.id,
        recovery: c.recovery,
        forced: true,
    };
    schedule(&mut tx, ctx, &p, now, now).await?;
    tx.commit().await?;
    ctx.jobs_wake.notify_one();
    Ok(tpl::preparing(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert_eq!(
            parse("").unwrap(),
            NotifyCmd {
                id: None,
                recovery: false
            }
        );
        assert_eq!(
            parse("INC-4 back").unwrap(),
            NotifyCmd {
                id: Some(IncidentId(4)),
                recovery: true
            }
        );
        assert!(parse("everyone").is_err());
        assert!(parse("INC-1 INC-2").is_err());
    }
}
