//! The components an incident affects: `--affects julia-api:partial,julia-whatsapp:major`
//! checked against the configured components, written in the change's transaction, and the
//! `update --affects` change on its own.

use messages::incident::components as words;
use messages::Msg;
use sqlx::AnyConnection;

use super::shared::{ensure_open, finish_change, key, load, user_err, view};
use super::store::{self, Incident};
use super::timeline::EventKind;
use crate::components;
use crate::hooks::{announce, Event};
use chatops_core::components::ComponentState;
use chatops_core::ids::{IncidentId, UserId};
use chatops_core::{Ctx, FlowResult};

/// A component and the state an incident says it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affect {
    pub component: String,
    pub state: ComponentState,
}

/// Checks `--affects` values: each `component[:state]` (several may be joined by commas; the
/// state is partial outage when not given). An unknown component is refused with the valid
/// names, a bad state with the valid states; nothing is changed then.
pub fn resolve(ctx: &Ctx, specs: &[String]) -> FlowResult<Vec<Affect>> {
    let l = ctx.locale();
    let catalog = &ctx.config.components;
    let mut out: Vec<Affect> = Vec::new();
    for item in specs.iter().flat_map(|s| s.split(',')) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (name, state) = match item.split_once(':') {
            Some((n, s)) => (n, Some(s)),
            None => (item, None),
        };
        let Some(c) = catalog.get(name) else {
            return Err(user_err(words::unknown_component(name, &catalog.ids(), l)));
        };
        let state = match state {
            None => ComponentState::PartialOutage,
            Some(s) => ComponentState::parse(s).ok_or_else(|| user_err(words::bad_state(s, l)))?,
        };
        out.retain(|a| a.component != c.id);
        out.push(Affect {
            component: c.id.clone(),
            state,
        });
    }
    Ok(out)
}

/// Writes the states in the caller's transaction; announces [`Event::ComponentsChanged`] when
/// any changed. Returns the ones that changed.
pub async fn apply(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    affects: &[Affect],
    actor: &str,
    now: i64,
) -> Result<Vec<Affect>, sqlx::Error> {
    let mut changed = Vec::new();
    for a in affects {
        if components::set(conn, i.id, &a.component, a.state, actor, now).await? {
            changed.push(a.clone());
        }
    }
    if !changed.is_empty() {
        let list = changed
            .iter()
            .map(|a| format!("{}:{}", a.component, a.state.short()))
            .collect::<Vec<_>>()
            .join(", ");
        store::add_event(conn, i.id, now, actor, EventKind::Components, &list).await?;
        let event = Event::ComponentsChanged { incident: i, actor };
        announce(conn, ctx, event, now).await?;
    }
    Ok(changed)
}

/// The notice of a change of components, with their public names.
pub fn change_text(ctx: &Ctx, changed: &[Affect], actor: &str) -> String {
    let l = ctx.locale();
    let items: Vec<(String, &str)> = changed
        .iter()
        .map(|a| {
            let name = ctx
                .config
                .components
                .get(&a.component)
                .map(|c| c.name.get(l).to_string())
                .unwrap_or_else(|| a.component.clone());
            (name, a.state.as_str())
        })
        .collect();
    words::changed(&items, actor, l)
}

/// `update [INC-n] --affects …` without text: the components change alone, said where the
/// incident lives.
pub async fn set_components(
    ctx: &Ctx,
    actor: &UserId,
    id: IncidentId,
    affects: &[Affect],
) -> FlowResult<Msg> {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let i = load(&mut tx, ctx, id).await?;
    ensure_open(ctx, &i)?;
    let changed = apply(&mut tx, ctx, &i, affects, actor.as_str(), now).await?;
    if changed.is_empty() {
        return Ok(messages::incident::reply::done(
            &key(&i),
            ctx.locale().t("no change", "nada mudou"),
        ));
    }
    let text = change_text(ctx, &changed, actor.as_str());
    let post = messages::incident::notice(&view(ctx, &i), &text);
    finish_change(tx, ctx, &i, &post, false, now).await?;
    Ok(messages::incident::reply::done(&key(&i), &text))
}
