//! Acknowledgment: the first person to acknowledge stops the ladder. The time to acknowledge
//! is stored on the incident (`acked_at`, `acked_by`) and written to its timeline.

use messages::incident as itpl;
use messages::paging::{self as tpl, Via};
use messages::Msg;
use sqlx::{AnyConnection, Row};

use super::{ladder, post_to_room};
use chatops_core::{Ctx, FlowError, FlowResult};
use incident::shared::view;
use incident::store::{self, Incident};
use incident::timeline::EventKind;

/// Who acknowledged an incident, if anyone.
pub async fn acked_by(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT acked_by, acked_at FROM incidents WHERE id = $1 AND acked_at IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.get::<Option<String>, _>(0).unwrap_or_default(), r.get(1))))
}

/// Acknowledges `i` in the caller's transaction when nobody has: stores who and when, stops
/// the ladder and the pages not yet out, writes the timeline and the notice. True when this
/// call acknowledged it.
pub async fn ack_in(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    actor: &str,
    via: Via,
    now: i64,
) -> Result<bool, sqlx::Error> {
    if !i.status.is_open() {
        return Ok(false);
    }
    let set = sqlx::query(
        "UPDATE incidents SET acked_at = $1, acked_by = $2 WHERE id = $3 AND acked_at IS NULL",
    )
    .bind(now)
    .bind(actor)
    .bind(i.id)
    .execute(&mut *conn)
    .await?;
    if set.rows_affected() != 1 {
        return Ok(false);
    }
    ladder::stop(conn, i.id).await?;
    sqlx::query(
        "UPDATE pages SET state = 'cancelled', done_at = $1 WHERE incident_id = $2 AND state = 'pending'
         AND (lease_until IS NULL OR lease_until < $1)",
    )
    .bind(now)
    .bind(i.id)
    .execute(&mut *conn)
    .await?;
    let after = (now - i.started_at) / 1000;
    let how = match via {
        Via::Slack => "slack",
        Via::WhatsApp => "whatsapp",
    };
    store::add_event(
        conn,
        i.id,
        now,
        actor,
        EventKind::Acknowledged,
        &format!("after {after}s ({how})"),
    )
    .await?;
    let text = tpl::acknowledged(actor, after, via, ctx.locale());
    post_to_room(conn, ctx, i, &itpl::notice(&view(ctx, i), &text), now).await?;
    metrics::histogram!("incident_time_to_ack_seconds", "severity" => i.severity.as_str())
        .record(after as f64);
    Ok(true)
}

/// What an acknowledgment attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Acked,
    AlreadyBy(String),
    Resolved,
    Unknown,
}

/// Acknowledges incident `id` in its own transaction. The incident is read locked (PostgreSQL
/// `FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` holds the write lock), like every other change, so
/// an acknowledgment racing a resolution either lands before it or is told it is resolved.
pub async fn acknowledge_id(
    ctx: &Ctx,
    actor: &str,
    id: i64,
    via: Via,
) -> Result<Outcome, sqlx::Error> {
    let mut tx = ctx.store.begin().await?;
    let outcome = acknowledge_in(&mut tx, ctx, actor, id, via).await?;
    if outcome != Outcome::Acked {
        return Ok(outcome);
    }
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(outcome)
}

/// [`acknowledge_id`] in the caller's transaction (which must lock like [`Store::begin`]'s):
/// the WhatsApp webhook records the message as handled in the same one.
///
/// [`Store::begin`]: chatops_core::store::Store::begin
pub async fn acknowledge_in(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    actor: &str,
    id: i64,
    via: Via,
) -> Result<Outcome, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let Some(i) = store::get_for_update(conn, id, ctx.store.for_update()).await? else {
        return Ok(Outcome::Unknown);
    };
    if !i.status.is_open() {
        return Ok(Outcome::Resolved);
    }
    if let Some((by, _)) = acked_by(conn, id).await? {
        return Ok(Outcome::AlreadyBy(by));
    }
    Ok(if ack_in(conn, ctx, &i, actor, via, now).await? {
        Outcome::Acked
    } else {
        Outcome::AlreadyBy(String::new())
    })
}

/// `/incident ack` and the "Acknowledge" button: the answer for the person.
pub async fn acknowledge(ctx: &Ctx, actor: &str, id: i64) -> FlowResult<Msg> {
    let l = ctx.locale();
    let key = format!("INC-{id}");
    match acknowledge_id(ctx, actor, id, Via::Slack).await? {
        Outcome::Acked => Ok(tpl::acknowledged_reply(id, l)),
        Outcome::AlreadyBy(by) => Ok(tpl::already_acknowledged(id, &by, l)),
        Outcome::Resolved => Err(FlowError::User(tpl::nothing_to_acknowledge(id, l))),
        Outcome::Unknown => Err(FlowError::User(itpl::reply::unknown_id(
            &key,
            &ctx.config.incident_command,
            l,
        ))),
    }
}
