//! Who was notified, where incidents show it: `/incident status` adds this line.

use chatops_core::Ctx;
use messages::stakeholders as tpl;
use messages::Msg;

/// `msg` with a line naming who the escalation matrix notified, by level (unchanged when
/// nobody was, or the store cannot say).
pub async fn with_notified(ctx: &Ctx, incident: i64, msg: Msg) -> Msg {
    match crate::state::notified(&ctx.store.pool, incident).await {
        Ok(levels) => match tpl::status_line(&levels, ctx.locale()) {
            Some(line) => msg.with_context_line(&line),
            None => msg,
        },
        Err(e) => {
            tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "stakeholders: could not read who was notified");
            msg
        }
    }
}
