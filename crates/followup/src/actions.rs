//! The action item flows: add (a DM to the owner, reminders scheduled when it has a due date),
//! list, done, reassign and a new due date. Each change writes the row, the incident's timeline
//! line, the DMs and the reminder jobs in one transaction.

use messages::followup::{self as tpl, refuse};
use messages::Msg;

use crate::due::{resolve, DueError};
use crate::items::{self, Item, NewItem};
use chatops_core::ids::{ChannelId, IncidentId, UserId};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::{Ctx, FlowError, FlowResult};
use incident::shared::target;
use incident::store::{self as incidents, Incident};
use incident::timeline::EventKind;

/// What `action list` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListWhat {
    Here,
    Mine,
    Overdue,
    Incident(IncidentId),
}

/// The longest action item text.
pub const TEXT_MAX: usize = 500;

/// What `action add` (or the form) asks for.
#[derive(Debug, Clone)]
pub struct AddInput {
    pub owner: Option<String>,
    pub text: String,
    pub due: Option<String>,
}

fn user(m: Msg) -> FlowError {
    FlowError::User(m)
}

/// The due time of `spec` at `now`, or the reason it is refused.
pub fn due_of(ctx: &Ctx, spec: &str, now: i64) -> FlowResult<i64> {
    let l = ctx.locale();
    resolve(spec, now).map_err(|e| match e {
        DueError::Shape => user(refuse::bad_due(spec, l)),
        DueError::Past => user(refuse::past_due(spec, l)),
    })
}

/// The default due date of an item added to `i` without one: a week (`ACTION_ITEMS_DUE`) after
/// the resolution, or None until it is resolved.
fn default_due(ctx: &Ctx, i: &Incident, now: i64) -> Option<i64> {
    let after = crate::settings::of(ctx).due_after_ms();
    i.resolved_at
        .map(|r| (r + after).max(now + after.min(86_400_000)))
}

/// Checks an add before anything is written; returns (owner, text, due).
pub fn check_add(
    ctx: &Ctx,
    i: &Incident,
    input: &AddInput,
    now: i64,
) -> FlowResult<(String, String, Option<i64>)> {
    let l = ctx.locale();
    let cmd = &ctx.config.incident_command;
    let owner = input
        .owner
        .clone()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| user(refuse::no_owner(cmd, l)))?;
    let text = chatops_core::text::clean_text(&input.text);
    if text.is_empty() {
        return Err(user(refuse::no_text(cmd, l)));
    }
    if text.chars().count() > TEXT_MAX {
        return Err(user(refuse::text_too_long(TEXT_MAX, l)));
    }
    let due = match input.due.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(spec) => Some(due_of(ctx, spec, now)?),
        None => default_due(ctx, i, now),
    };
    Ok((owner, text, due))
}

/// `action add [INC-n] @owner <text> [due 7d]`.
pub async fn add(
    ctx: &Ctx,
    actor: &UserId,
    id: Option<IncidentId>,
    channel: &ChannelId,
    input: AddInput,
) -> FlowResult<Msg> {
    let i = target(ctx, id, channel).await?;
    add_to(ctx, actor, &i, input).await
}

/// Adds an item to incident `i` (the command and the form).
pub async fn add_to(ctx: &Ctx, actor: &UserId, i: &Incident, input: AddInput) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let (owner, text, due) = check_add(ctx, i, &input, now)?;
    let mut tx = ctx.store.begin().await?;
    let n = NewItem {
        incident_id: i.id,
        text: &text,
        owner: &owner,
        created_by: actor.as_str(),
        due_at: due,
    };
    let id = items::insert(&mut tx, &n, now).await?;
    let item = items::get(&mut tx, id).await?.ok_or_else(|| {
        FlowError::Internal(anyhow::anyhow!(
            "action item {id} vanished after its insert"
        ))
    })?;
    let line = format!("#{id} {text} — <@{owner}>");
    on_timeline(&mut tx, i.id, actor, &line, now).await?;
    tell_owner(&mut tx, ctx, &item, actor, now).await?;
    if let Some(d) = due {
        crate::reminders::schedule(&mut tx, ctx, id, d, now).await?;
    }
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(tpl::added(&item.view(), l))
}

/// An action item's change on its incident's timeline.
async fn on_timeline(
    conn: &mut sqlx::AnyConnection,
    incident: i64,
    actor: &UserId,
    line: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    incidents::add_event(
        conn,
        incident,
        now,
        actor.as_str(),
        EventKind::ActionItem,
        line,
    )
    .await
}

/// The DM that tells an item's owner it is theirs (marked DRILL for a drill's item).
async fn tell_owner(
    conn: &mut sqlx::AnyConnection,
    ctx: &Ctx,
    item: &Item,
    actor: &UserId,
    now: i64,
) -> Result<(), sqlx::Error> {
    let l = ctx.locale();
    let cmd = &ctx.config.incident_command;
    let dm = crate::drill::marked(
        &tpl::assigned_dm(&item.view(), actor.as_str(), cmd, l),
        item.drill,
        l,
    );
    enqueue(conn, &OutboxItem::post(&item.owner, &dm), now).await?;
    Ok(())
}

/// An item and its incident, or "no such item".
async fn load(ctx: &Ctx, conn: &mut sqlx::AnyConnection, id: i64) -> FlowResult<(Item, Incident)> {
    let l = ctx.locale();
    let item = items::get(conn, id)
        .await?
        .ok_or_else(|| user(refuse::unknown_item(id, l)))?;
    let i = incidents::get(conn, item.incident_id)
        .await?
        .ok_or_else(|| user(refuse::unknown_item(id, l)))?;
    Ok((item, i))
}

/// Only the owner or the incident's commander may change an item.
fn may_change(ctx: &Ctx, item: &Item, i: &Incident, actor: &UserId) -> FlowResult<()> {
    if item.owner == actor.as_str() || i.commander.as_deref() == Some(actor.as_str()) {
        return Ok(());
    }
    Err(user(refuse::not_yours(
        item.id,
        &item.owner,
        i.commander.as_deref(),
        ctx.locale(),
    )))
}

/// `action done <id>`.
pub async fn done(ctx: &Ctx, actor: &UserId, id: i64) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let (item, i) = load(ctx, &mut tx, id).await?;
    may_change(ctx, &item, &i, actor)?;
    if !items::set_done(&mut tx, id, actor.as_str(), now).await? {
        return Ok(tpl::already_done(&item.view(), l));
    }
    let line = format!("#{id} {} ✓", item.text);
    on_timeline(&mut tx, i.id, actor, &line, now).await?;
    tx.commit().await?;
    Ok(tpl::done(&item.view(), l))
}

/// `action reassign <id> @owner`: the new owner gets the DM (and the reminders to come).
pub async fn reassign(ctx: &Ctx, actor: &UserId, id: i64, owner: &str) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let (mut item, i) = load(ctx, &mut tx, id).await?;
    may_change(ctx, &item, &i, actor)?;
    items::set_owner(&mut tx, id, owner).await?;
    item.owner = owner.to_string();
    let line = format!("#{id} -> <@{owner}>");
    on_timeline(&mut tx, i.id, actor, &line, now).await?;
    tell_owner(&mut tx, ctx, &item, actor, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(tpl::reassigned(&item.view(), l))
}

/// `action due <id> <spec>`: new reminders for the new date (the old ones find it changed).
pub async fn change_due(ctx: &Ctx, actor: &UserId, id: i64, spec: &str) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let due = due_of(ctx, spec, now)?;
    let mut tx = ctx.store.begin().await?;
    let (mut item, i) = load(ctx, &mut tx, id).await?;
    may_change(ctx, &item, &i, actor)?;
    items::set_due(&mut tx, id, due).await?;
    item.due_at = Some(due);
    let line = format!(
        "#{id} {} {}",
        l.t("due", "prazo"),
        messages::utc_ymd_hm(due / 1000)
    );
    on_timeline(&mut tx, i.id, actor, &line, now).await?;
    if item.done_at.is_none() {
        crate::reminders::schedule(&mut tx, ctx, id, due, now).await?;
    }
    tx.commit().await?;
    Ok(tpl::due_changed(&item.view(), l))
}

/// `action list [mine|overdue|INC-n]`.
pub async fn list(
    ctx: &Ctx,
    actor: &UserId,
    channel: &ChannelId,
    what: ListWhat,
) -> FlowResult<Msg> {
    let l = ctx.locale();
    let pool = &ctx.store.pool;
    let now = ctx.clock.now_ms();
    let here = match what {
        ListWhat::Here => incidents::by_channel(pool, channel.as_str()).await?,
        _ => None,
    };
    let (title, rows) = match (what, here) {
        (ListWhat::Here, Some(i)) => {
            let key = IncidentId(i.id).to_string();
            (
                tpl::list_title(&key, l),
                items::of_incident(pool, i.id).await?,
            )
        }
        (ListWhat::Incident(id), _) => {
            let i = target(ctx, Some(id), channel).await?;
            let key = IncidentId(i.id).to_string();
            (
                tpl::list_title(&key, l),
                items::of_incident(pool, i.id).await?,
            )
        }
        (ListWhat::Overdue, _) => (
            tpl::list_title("overdue", l),
            items::overdue(pool, now, None, true).await?,
        ),
        (ListWhat::Here | ListWhat::Mine, _) => (
            tpl::list_title("mine", l),
            items::open_of(pool, actor.as_str()).await?,
        ),
    };
    let views: Vec<_> = rows.iter().map(Item::view).collect();
    Ok(tpl::list(&title, &views, now / 1000, l))
}
