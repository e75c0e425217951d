//! The status page's fields in the incident forms: the update form's "public update" and the
//! declare form's "public title". A form has no channel to answer in, so the preview of a
//! first public post goes to the person's DM (its Publish works there the same way).

use chatops_core::ids::{IncidentId, UserId};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::{Ctx, FlowResult};
use incident::shared::{unknown, user_err};
use incident::store::{self, Incident};
use incident::{IncidentStatus, Severity};
use messages::statuspage as words;
use messages::Msg;

use crate::publish::{check_body, ensure_public};
use crate::request::request;

/// Checks a public text before the form changes anything: the incident may appear on the
/// page and the text fits. The problem is said under the field.
pub async fn check(ctx: &Ctx, id: IncidentId, text: &str) -> FlowResult<Incident> {
    let i = store::get_pool(&ctx.store.pool, id.0)
        .await?
        .ok_or_else(|| unknown(ctx, id))?;
    ensure_public(ctx, &i)?;
    check_body(ctx, text)?;
    Ok(i)
}

/// Whether a declaration of `severity` (not private) may have a public title.
pub fn check_declared(ctx: &Ctx, severity: Severity, title: &str) -> FlowResult<()> {
    if severity == Severity::P3 && crate::settings::of(ctx).hide_p3 {
        let l = ctx.locale();
        let what = l.t("This incident", "Este incidente");
        return Err(user_err(words::refused(what, "p3", l)));
    }
    crate::publish::check_title(ctx, title)
}

/// Publishes the update form's public text (after the update was posted): as written once the
/// incident is public, else its preview in the person's DM.
pub async fn publish(
    ctx: &Ctx,
    user: &UserId,
    id: IncidentId,
    status: Option<IncidentStatus>,
    text: &str,
) -> FlowResult<()> {
    let i = store::get_pool(&ctx.store.pool, id.0)
        .await?
        .ok_or_else(|| unknown(ctx, id))?;
    match request(ctx, user, &i, status, text, None).await {
        // The preview of a first post: to the person's DM, where its Publish works too.
        Ok(msg) if msg.blocks.is_some() => dm(ctx, user, &msg).await,
        Ok(_) => Ok(()),
        // The form is closed by now: the refusal goes to the DM.
        Err(chatops_core::FlowError::User(m)) => dm(ctx, user, &m).await,
        Err(e) => Err(e),
    }
}

/// The declare form's public title: the preview of the first public post, in the declarer's
/// DM (nothing is public until Publish).
pub async fn declared(ctx: &Ctx, user: &UserId, id: IncidentId, title: &str) -> FlowResult<()> {
    let i = store::get_pool(&ctx.store.pool, id.0)
        .await?
        .ok_or_else(|| unknown(ctx, id))?;
    ensure_public(ctx, &i)?;
    let msg = crate::drafts::preview_first(ctx, user, &i, i.status, "", Some(title)).await?;
    dm(ctx, user, &msg).await
}

async fn dm(ctx: &Ctx, user: &UserId, msg: &Msg) -> FlowResult<()> {
    let mut conn = ctx.store.pool.acquire().await?;
    enqueue(
        &mut conn,
        &OutboxItem::post(user.as_str(), msg),
        ctx.clock.now_ms(),
    )
    .await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}
