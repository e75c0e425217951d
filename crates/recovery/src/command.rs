//! `/incident recovered [INC-n] <component>`: grammar and flow. The component is marked
//! operational for the incident (`incident::affects::apply`), which stops its RTO clock and
//! records its recovery time; the war room hears it with the time against the RTO.

use messages::recovery as words;
use messages::usage::{Problem, Topic};
use messages::Msg;

use crate::clocks;
use chatops_core::components::ComponentState;
use chatops_core::ids::{ChannelId, IncidentId, UserId};
use chatops_core::text::clean_text;
use chatops_core::{Ctx, FlowError, FlowResult};
use incident::affects::{apply, Affect};
use incident::shared::{ensure_open, key, load, target};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveredCmd {
    pub id: Option<IncidentId>,
    pub component: String,
}

/// The words after `recovered`: an optional `INC-n`, then one component.
pub fn parse(rest: &str) -> Result<RecoveredCmd, Problem> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let (id, words) = match words.first().and_then(|w| IncidentId::parse(w)) {
        Some(id) => (Some(id), &words[1..]),
        None => (None, &words[..]),
    };
    match words {
        [component] => Ok(RecoveredCmd {
            id,
            component: clean_text(component).chars().take(60).collect(),
        }),
        _ => Err(Problem::Usage(Topic::IncidentRecovered)),
    }
}

fn user(m: Msg) -> FlowError {
    FlowError::User(m)
}

/// Runs `recovered` for `actor`, typed in `channel`.
pub async fn run(
    ctx: &Ctx,
    actor: &UserId,
    channel: &ChannelId,
    c: RecoveredCmd,
) -> FlowResult<Msg> {
    let l = ctx.locale();
    let catalog = &ctx.config.components;
    let Some(component) = catalog.get(&c.component) else {
        return Err(user(messages::incident::components::unknown_component(
            &c.component,
            &catalog.ids(),
            l,
        )));
    };
    let id = IncidentId(target(ctx, c.id, channel).await?.id);
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let i = load(&mut tx, ctx, id).await?;
    ensure_open(ctx, &i)?;
    let affected = incident::components::of_incident(&mut tx, i.id).await?;
    let Some(a) = affected.iter().find(|a| a.component == component.id) else {
        let ids: Vec<&str> = affected.iter().map(|a| a.component.as_str()).collect();
        return Err(user(words::not_affected(&key(&i), &component.id, &ids, l)));
    };
    if a.state == ComponentState::Operational {
        let at = a.recovered_at.unwrap_or(a.since) / 1000;
        let name = component.name.get(l);
        return Err(user(words::already_recovered(&key(&i), name, at, l)));
    }
    let back = [Affect {
        component: component.id.clone(),
        state: ComponentState::Operational,
    }];
    apply(&mut tx, ctx, &i, &back, actor.as_str(), now).await?;
    let clock = clocks::of_incident(&mut tx, i.id)
        .await?
        .into_iter()
        .rfind(|k| k.component == component.id && k.recovered_at.is_some());
    tx.commit().await?;
    ctx.jobs_wake.notify_one();
    ctx.outbox_wake.notify_one();
    Ok(match clock {
        Some(k) => words::recovered_reply(&key(&i), &k.view(ctx), l),
        None => Msg::text(format!(
            "{}: {} {}",
            key(&i),
            component.name.get(l),
            l.t("marked recovered", "marcado como recuperado")
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert_eq!(
            parse("julia-api").unwrap(),
            RecoveredCmd {
                id: None,
                component: "julia-api".into()
            }
        );
        assert_eq!(
            parse("INC-4 julia-api").unwrap(),
            RecoveredCmd {
                id: Some(IncidentId(4)),
                component: "julia-api".into()
            }
        );
        assert!(parse("").is_err());
        assert!(parse("INC-4").is_err());
        assert!(parse("julia-api julia-worker").is_err());
    }
}
