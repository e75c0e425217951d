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

/// To the commander (or the declarer when there is none) by DM.
pub async fn dm_commander(
    conn: &mut AnyConnection,
    i: &Incident,
    msg: &Msg,
    now: i64,
) -> Result<(), sqlx::Error> {
    let to = i.commander.clone().unwrap_or_else(|| i.declared_by.clone());
    enqueue(conn, &OutboxItem::post(&to, msg), now)
        .await
        .map(|_| ())
}
