//! The post-mortem: the draft (a file upload where the incident lives) and `postmortem done`.

use messages::incident as tpl;
use messages::Msg;
use serde_json::json;

use super::shared::{load, view};
use super::store;
use crate::jobs::{JobError, JobResult, Lease};
use crate::outbox::{enqueue, OutboxItem};
use crate::{Ctx, FlowResult};

/// that completes the job, so it is queued once whatever crashes.
pub async fn run_postmortem_job(ctx: &Ctx, id: i64, lease: &Lease) -> JobResult {
    enqueue_postmortem(ctx, id, Some(lease)).await
}

/// Queues the post-mortem draft as a file upload where the incident lives (files v2 flow);
/// if the upload fails for good, the outbox posts it as a message instead.
async fn enqueue_postmortem(ctx: &Ctx, id: i64, lease: Option<&Lease>) -> JobResult {
    let l = ctx.locale();
    let i = store::get_pool(&ctx.store.pool, id)
        .await?
        .ok_or_else(|| JobError::Fail(format!("incident {id} does not exist")))?;
    let timeline = store::timeline(&ctx.store.pool, id).await?;
    let md = ctx
        .config
        .templates
        .postmortem(&view(ctx, &i), &timeline, l);
    let channel = i
        .channel_id
        .clone()
        .or_else(|| ctx.config.incidents_channel.clone())
        .or(i.origin_channel.clone());
    let Some(channel) = channel else {
        return Ok(());
    };
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let item = OutboxItem {
        method: crate::outbox::UPLOAD_METHOD.into(),
        channel: channel.clone(),
        body: json!({
            "channel_id": channel,
            "filename": format!("INC-{id}-postmortem.md"),
            "title": format!("INC-{id} post-mortem draft"),
            "content": md,
            "initial_comment": format!(":memo: {} INC-{id}", l.t("Post-mortem draft for", "Rascunho do post-mortem de")),
            "retry_hint": format!("{} postmortem INC-{id}", ctx.config.incident_command),
        }),
        depends_on: None,
        depends_field: None,
        tag: Some(format!("inc:{id}:postmortem")),
    };
    let mut item = item;
    if i.channel_id.is_none() {
        if let Some(a) = i.announce_outbox_id {
            item.depends_on = Some(a);
            item.depends_field = Some("thread_ts".into());
        }
    }
    enqueue(&mut tx, &item, now).await?;
    if let Some(lease) = lease {
        lease.complete_in(&mut tx, now).await?;
    }
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}

pub async fn postmortem(ctx: &Ctx, actor: &str, id: i64, done: bool) -> FlowResult<Msg> {
    let l = ctx.locale();
    let key = format!("INC-{id}");
    if done {
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        let mut i = load(&mut tx, ctx, id).await?;
        i.pm_done = true;
        i.pm_due_at = None;
        store::add_event(&mut tx, id, now, actor, "postmortem_done", "").await?;
        store::save(&mut tx, &i).await?;
        tx.commit().await?;
        return Ok(tpl::reply::done(
            &key,
            l.t(
                "post-mortem marked done; no more post-mortem reminders.",
                "post-mortem marcado como feito; sem mais lembretes.",
            ),
        ));
    }
    enqueue_postmortem(ctx, id, None)
        .await
        .map_err(|e| anyhow::anyhow!("post-mortem draft: {e:?}"))?;
    Ok(tpl::reply::done(
        &key,
        l.t(
            "post-mortem draft posted.",
            "rascunho do post-mortem postado.",
        ),
    ))
}
