//! Where recovery posts go: the war room when the incident has one, else where the incident
//! lives (the thread under its announcement).

use messages::Msg;
use sqlx::AnyConnection;

use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::Ctx;
use incident::shared::post_to_incident;
use incident::store::Incident;

pub async fn post_in_room(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    msg: &Msg,
    now: i64,
) -> Result<(), sqlx::Error> {
    match &i.channel_id {
        Some(room) => enqueue(conn, &OutboxItem::post(room, msg), now)
            .await
            .map(|_| ()),
        None => post_to_incident(conn, ctx, i, msg, false, now).await,
    }
}

/// Who commands: the commander, or the declarer when there is none; None when the bot itself
/// declared it (an alert) and no one took command yet.
pub fn commander(i: &Incident) -> Option<String> {
    let person = |u: &String| u.starts_with('U') || u.starts_with('W');
    i.commander
        .clone()
        .or_else(|| Some(i.declared_by.clone()))
        .filter(person)
}

/// To the commander by DM; with no one in command, the war room hears it instead.
pub async fn dm_commander(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    msg: &Msg,
    now: i64,
) -> Result<(), sqlx::Error> {
    match commander(i) {
        Some(to) => enqueue(conn, &OutboxItem::post(&to, msg), now)
            .await
            .map(|_| ()),
        None => post_in_room(conn, ctx, i, msg, now).await,
    }
}
