//! `jobs kill <id>`: marks a running `job_executions` row `error`, naming who did it.

use std::sync::Arc;

use messages::julia as m;

use super::access::{record, Action, Prepared};
use super::Reply;
use crate::Ctx;

pub async fn prepare(ctx: &Ctx, action: &Action) -> Prepared {
    let l = ctx.locale();
    if !ctx.julia.db.configured() {
        return Err(("failed", None, messages::Msg::text(m::db_not_configured(l))));
    }
    let Action::JobsKill { id } = action else {
        unreachable!("jobs::prepare only takes jobs kill")
    };
    let what = m::what_job_kill(l, id);
    Ok((what, action.clone(), None))
}

pub async fn execute(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    let l = ctx.locale();
    let Action::JobsKill { id } = action else {
        return;
    };
    let reason = format!("killed from Slack by {}", reply.user);
    match ctx.julia.db.kill_job(id, &reason).await {
        Ok(Some(name)) => {
            record(
                ctx,
                &reply.user,
                action,
                "done",
                Some("running".into()),
                Some("error".into()),
                Some(name.clone()),
            )
            .await;
            reply.replace(ctx, &m::job_killed(l, id, &name)).await;
        }
        Ok(None) => {
            record(
                ctx,
                &reply.user,
                action,
                "unchanged",
                None,
                None,
                Some("no running job with that id".into()),
            )
            .await;
            reply.replace(ctx, &m::job_not_running(l, id)).await;
        }
        Err(e) => {
            record(
                ctx,
                &reply.user,
                action,
                "failed",
                None,
                None,
                Some(e.to_string()),
            )
            .await;
            reply
                .replace(
                    ctx,
                    &m::failure(
                        l,
                        "Julia's database (Supabase)",
                        &e.to_string(),
                        &m::nothing_done(l),
                        &m::retry_hint(l),
                    ),
                )
                .await;
        }
    }
}
