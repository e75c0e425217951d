//! `jobs kill <uuid>`: marks a running `job_executions` row `error`, naming who did it. It
//! relabels the row only (`julia.md` §6.4): a job that is really still running overwrites it.

use std::sync::Arc;

use messages::julia as m;

use super::action::Action;
use super::shared::{check_visible, cmd, db_failure};
use chatops_core::guarded::{self, Outcome, Prepared, Refusal, Reply};
use chatops_core::Ctx;

/// The id as a uuid (compared as one: `id = $1::uuid` uses the primary key).
fn parse_id(id: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(id.trim()).ok()
}

pub async fn prepare(ctx: &Ctx, id: &str) -> Result<Prepared<Action>, Refusal> {
    let l = ctx.locale();
    if !clients::julia(ctx).db.configured() {
        let msg = messages::Msg::text(m::db_not_configured(l));
        return Err(Refusal::new("failed", msg));
    }
    let Some(uuid) = parse_id(id) else {
        let msg = m::job_id_invalid(l, id, cmd(ctx));
        return Err(Refusal::new("refused_invalid", msg));
    };
    check_visible(ctx).await?;
    let id = uuid.to_string();
    match clients::julia(ctx).db.job(&uuid).await {
        Err(e) => Err(Refusal::new("failed", db_failure(ctx, &e))),
        Ok(None) => Err(Refusal::new(
            "refused_unknown",
            m::job_unknown(l, &id, cmd(ctx)),
        )),
        Ok(Some(j)) if j.status != "running" => Err(Refusal::new(
            "refused_not_running",
            m::job_not_running(l, &id, &j.name, &j.status),
        )
        .before(Some(j.status.clone()))),
        Ok(Some(j)) => Ok(Prepared::new(
            m::what_job_kill(l, &id, &j.name, j.running_secs),
            Action::JobsKill { id },
            Some(j.status),
        )),
    }
}

pub async fn execute(ctx: &Arc<Ctx>, reply: &Reply, action: &Action, id: &str) {
    let l = ctx.locale();
    let Some(uuid) = parse_id(id) else {
        return;
    };
    let failed = |e: &clients::julia_db::DbError| {
        (
            Outcome::new("failed").detail(Some(e.to_string())),
            db_failure(ctx, e),
        )
    };
    if let Err(e) = clients::julia(ctx).db.ensure_visible().await {
        let (o, msg) = failed(&e);
        return guarded::finish(ctx, reply, action, o, &msg).await;
    }
    let reason = m::job_kill_reason(&reply.user);
    let (o, msg) = match clients::julia(ctx).db.kill_job(&uuid, &reason).await {
        Ok(Some(name)) => (
            Outcome::new("done")
                .before(Some("running".into()))
                .after(Some("error".into()))
                .detail(Some(name.clone())),
            m::job_killed(l, id, &name),
        ),
        Ok(None) => {
            // It finished (or was marked) since the prompt.
            let now = clients::julia(ctx).db.job(&uuid).await.ok().flatten();
            let o = Outcome::new("unchanged")
                .after(now.as_ref().map(|j| j.status.clone()))
                .detail(Some("no longer running".into()));
            let msg = match now {
                Some(j) => m::job_not_running(l, id, &j.name, &j.status),
                None => m::job_unknown(l, id, cmd(ctx)),
            };
            (o, msg)
        }
        Err(e) => failed(&e),
    };
    guarded::finish(ctx, reply, action, o, &msg).await;
}
