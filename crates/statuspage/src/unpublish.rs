//! `unpublish <n>`: takes a wrong public update off the page and its feed. The row stays
//! (who removed it and when), the audit log records it, the war room is told.

use sqlx::Row;

use chatops_core::audit::{self, AuditEntry};
use chatops_core::ids::{IncidentId, UserId};
use chatops_core::{Ctx, FlowResult};
use incident::shared::{key, load, may_change, post_to_incident, user_err, view, wake};
use incident::timeline::EventKind;
use messages::statuspage as words;
use messages::Msg;

/// Removes public update `update` from the page, as `actor`.
pub async fn unpublish(ctx: &Ctx, actor: &UserId, update: i64) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let row = sqlx::query(
        "SELECT incident_id, body, unpublished_at, status FROM public_updates WHERE id = $1",
    )
    .bind(update)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| user_err(words::unknown_update(update, l)))?;
    let (incident, body): (i64, String) = (row.get(0), row.get(1));
    if row.get::<Option<i64>, _>(2).is_some() {
        return Err(user_err(words::already_unpublished(update, l)));
    }
    let i = load(&mut tx, ctx, IncidentId(incident)).await?;
    may_change(ctx, &i, actor).await?;
    sqlx::query(
        "UPDATE public_updates SET unpublished_at = $2, unpublished_by = $3 WHERE id = $1 AND unpublished_at IS NULL",
    )
    .bind(update)
    .bind(now)
    .bind(actor.as_str())
    .execute(&mut *tx)
    .await?;
    crate::store::bump(&mut tx).await?;
    let entry = AuditEntry {
        actor: actor.to_string(),
        action: "statuspage.unpublish".into(),
        args: format!(
            "{} public update #{update} ({})",
            key(&i),
            row.get::<String, _>(3)
        ),
        outcome: "ok".into(),
        before: Some(body),
        after: None,
        detail: None,
    };
    audit::record(&mut tx, &entry, now).await?;
    let line = format!("#{update} unpublished");
    incident::store::add_event(&mut tx, i.id, now, actor.as_str(), EventKind::Public, &line)
        .await?;
    let text = words::unpublished_notice(update, actor.as_str(), l);
    let notice = messages::incident::notice(&view(ctx, &i), &text);
    post_to_incident(&mut tx, ctx, &i, &notice, false, now).await?;
    tx.commit().await?;
    wake(ctx);
    Ok(words::unpublished(&key(&i), update, l))
}

/// Takes a whole incident off the page (a wrong public title): its public row goes, its
/// updates are marked removed; its next public post is a first post again (previewed).
pub async fn incident(ctx: &Ctx, actor: &UserId, id: IncidentId) -> FlowResult<Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let i = load(&mut tx, ctx, id).await?;
    may_change(ctx, &i, actor).await?;
    let Some(title) = crate::publish::public_title(&mut tx, i.id).await? else {
        return Err(user_err(words::not_on_page(&key(&i), l)));
    };
    sqlx::query("DELETE FROM public_incidents WHERE incident_id = $1")
        .bind(i.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE public_updates SET unpublished_at = $2, unpublished_by = $3
         WHERE incident_id = $1 AND unpublished_at IS NULL",
    )
    .bind(i.id)
    .bind(now)
    .bind(actor.as_str())
    .execute(&mut *tx)
    .await?;
    crate::store::bump(&mut tx).await?;
    let entry = AuditEntry {
        actor: actor.to_string(),
        action: "statuspage.unpublish".into(),
        args: format!("{} (the whole incident)", key(&i)),
        outcome: "ok".into(),
        before: Some(title),
        after: None,
        detail: None,
    };
    audit::record(&mut tx, &entry, now).await?;
    let line = "the incident unpublished";
    incident::store::add_event(&mut tx, i.id, now, actor.as_str(), EventKind::Public, line).await?;
    let text = words::incident_unpublished_notice(&key(&i), actor.as_str(), l);
    let notice = messages::incident::notice(&view(ctx, &i), &text);
    post_to_incident(&mut tx, ctx, &i, &notice, false, now).await?;
    tx.commit().await?;
    wake(ctx);
    Ok(Msg::text(text))
}
