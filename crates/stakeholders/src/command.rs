//! `/incident update --stakeholders <text>`: an update marked for management. The war room gets
//! the update as usual; its text becomes the impact management reads, and a management update
//! goes out at once (channel and mail of the incident's severity).

use chatops_core::{Ctx, FlowResult};
use incident::store;
use messages::stakeholders as tpl;

/// Sends the marked update of incident `id`; the words to add to the answer.
pub async fn marked(ctx: &Ctx, id: i64, text: &str) -> FlowResult<String> {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let Some(i) = store::get(&mut tx, id).await? else {
        return Ok(String::new());
    };
    let sent = crate::updates::with_text(&mut tx, ctx, &i, text, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(tpl::marked_sent(
        &format!("INC-{id}"),
        sent.channel.as_deref(),
        sent.mails,
        ctx.locale(),
    ))
}
