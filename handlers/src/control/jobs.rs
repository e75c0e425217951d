//! `jobs kill <uuid>`: marks a running `job_executions` row `error`, naming who did it. It
//! relabels the row only (`julia.md` §6.4): a job that is really still running overwrites it.

use std::sync::Arc;

use messages::julia as m;
use messages::julia_pause as mp;

use super::access::{record, Action, Prepared};
use super::pause::db_failure;
use super::Reply;
use crate::Ctx;

/// The id as a uuid (compared as one: `id = $1::uuid` uses the primary key).
fn parse_id(id: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(id.trim()).ok()
}

pub async fn prepare(ctx: &Ctx, action: &Action) -> Prepared {
    let l = ctx.locale();
    if !ctx.julia.db.configured() {
        return Err(("failed", None, messages::Msg::text(m::db_not_configured(l))));
    }
    let Action::JobsKill { id } = action else {
        unreachable!("jobs::prepare only takes jobs kill")
    };
    let Some(uuid) = parse_id(id) else {
        return Err((
            "refused_invalid",
            None,
            mp::job_id_invalid(l, id, &ctx.config.julia_command),
        ));
    };
    if let Err(e) = ctx.julia.db.ensure_visible().await {
        let outcome = if matches!(e, crate::integrations::julia_db::DbError::Hidden { .. }) {
            "refused_rows_hidden"
        } else {
            "failed"
        };
        return Err((outcome, None, db_failure(ctx, &e)));
    }
    let id = uuid.to_string();
    match ctx.julia.db.job(&uuid).await {
        Err(e) => Err(("failed", None, db_failure(ctx, &e))),
        Ok(None) => Err(("refused_unknown", None, mp::job_unknown(l, &id))),
        Ok(Some(j)) if j.status != "running" => Err((
            "refused_not_running",
            Some(j.status.clone()),
            mp::job_not_running(l, &id, &j.name, &j.status),
        )),
        Ok(Some(j)) => Ok((
            mp::what_job_kill(l, &id, &j.name, j.running_secs),
            Action::JobsKill { id },
            Some(j.status),
        )),
    }
}

pub async fn execute(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    let l = ctx.locale();
    let Action::JobsKill { id } = action else {
        return;
    };
    let Some(uuid) = parse_id(id) else {
        return;
    };
    if let Err(e) = ctx.julia.db.ensure_visible().await {
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
        reply.replace(ctx, &db_failure(ctx, &e)).await;
        return;
    }
    let reason = format!("killed from Slack by {}", reply.user);
    match ctx.julia.db.kill_job(&uuid, &reason).await {
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
            // It finished (or was marked) since the prompt.
            let now = ctx.julia.db.job(&uuid).await.ok().flatten();
            record(
                ctx,
                &reply.user,
                action,
                "unchanged",
                None,
                now.as_ref().map(|j| j.status.clone()),
                Some("no longer running".into()),
            )
            .await;
            let msg = match now {
                Some(j) => mp::job_not_running(l, id, &j.name, &j.status),
                None => mp::job_unknown(l, id),
            };
            reply.replace(ctx, &msg).await;
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
            reply.replace(ctx, &db_failure(ctx, &e)).await;
        }
    }
}
