//! A public text asked for (`update --public`, the update form's public field): published as
//! written once the incident is public ([`crate::publish`]); before its first post, the preview
//! to confirm ([`crate::drafts`]).

use chatops_core::ids::UserId;
use chatops_core::{Ctx, FlowResult};
use incident::shared::{key, wake};
use incident::store::Incident;
use incident::IncidentStatus;
use messages::statuspage as words;
use messages::Msg;

use crate::publish::{check_body, ensure_public, link, public_title, status_of, write, Post};

/// `update [INC-n] --public [status] <text>` (and the update form's public field): published
/// as written once the incident is public; before its first post, a preview to confirm.
/// `title` is the public title asked for (the first post only).
pub async fn request(
    ctx: &Ctx,
    actor: &UserId,
    i: &Incident,
    status: Option<IncidentStatus>,
    text: &str,
    title: Option<&str>,
) -> FlowResult<Msg> {
    ensure_public(ctx, i)?;
    let status = status_of(i, status);
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let Some(_) = public_title(&mut tx, i.id).await? else {
        drop(tx);
        return crate::drafts::preview_first(ctx, actor, i, status, text, title).await;
    };
    check_body(ctx, text)?;
    let post = Post {
        title: "",
        status,
        body: text,
        actor: actor.as_str(),
    };
    let update = write(&mut tx, ctx, i, &post, now).await?;
    tx.commit().await?;
    wake(ctx);
    Ok(words::published(
        &key(i),
        update,
        link(ctx, i.id).as_deref(),
        ctx.locale(),
    ))
}
