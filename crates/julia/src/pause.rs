//! Pause and resume: the connection must see Julia's rows and pass the hard guard; then
//! `feature_flags.safe_mode`, a `julia_status` row and (on a resume, if asked) the requeue of
//! the messages blocked since the pause, all in one transaction; read back, Julia's flag cache
//! set, and an announcement via the outbox.

use std::sync::Arc;

use messages::julia as m;

use super::action::Action;
use super::shared::{blocked_view, check_guard, cmd, db_failure, db_readback_failure, set_cache};
use chatops_core::guarded::{self, Outcome, Prepared, Refusal, Reply};
use chatops_core::Ctx;
use clients::julia_db::{PauseChange, PauseState};

/// What a confirmed pause or resume changes.
pub struct Change<'a> {
    pub pause: bool,
    pub handoff: bool,
    pub requeue: bool,
    pub reason: &'a str,
}

pub async fn prepare_pause(
    ctx: &Ctx,
    reason: &str,
    handoff: bool,
) -> Result<Prepared<Action>, Refusal> {
    let l = ctx.locale();
    let state = state(ctx).await?.safe_mode;
    let before = Some(state.describe());
    if state.enabled {
        return Err(
            Refusal::new("unchanged", m::already(l, true, &state.describe())).before(before),
        );
    }
    let action = Action::Pause {
        reason: reason.to_string(),
        handoff,
    };
    Ok(Prepared::new(
        m::what_pause(l, reason, handoff),
        action,
        before,
    ))
}

/// A resume with young blocked messages offers two choices: resume and requeue them
/// (Confirm), or resume only (the alternative).
pub async fn prepare_resume(ctx: &Ctx, reason: &str) -> Result<Prepared<Action>, Refusal> {
    let l = ctx.locale();
    let state = state(ctx).await?;
    let sm = &state.safe_mode;
    let before = Some(sm.describe());
    if !sm.enabled {
        return Err(Refusal::new("unchanged", m::already(l, false, &sm.describe())).before(before));
    }
    let young = state.blocked.as_ref().map(|b| b.young).unwrap_or(0);
    let what = m::what_resume(l, reason, state.blocked.as_ref().map(blocked_view).as_ref());
    let resume = |requeue| Action::Resume {
        reason: reason.to_string(),
        requeue,
        offer: Some(young),
    };
    let mut p = Prepared::new(what, resume(young > 0), before);
    if young > 0 {
        p.alt = Some(resume(false));
    }
    Ok(p)
}

/// The guard, then the pause state.
async fn state(ctx: &Ctx) -> Result<PauseState, Refusal> {
    check_guard(ctx).await?;
    let state = clients::julia(ctx).db.pause_state().await;
    state.map_err(|e| Refusal::new("failed", db_failure(ctx, &e)))
}

pub async fn execute(ctx: &Arc<Ctx>, reply: &Reply, action: &Action, c: Change<'_>) {
    let l = ctx.locale();
    // Visibility and the guard again: the database may have changed since the prompt.
    if let Err(r) = check_guard(ctx).await {
        return guarded::stop(ctx, reply, action, r).await;
    }
    let db = &clients::julia(ctx).db;
    let change = match db
        .set_pause(c.pause, c.handoff, c.requeue, c.reason, &reply.user)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            let o = Outcome::new("failed").detail(Some(e.to_string()));
            return guarded::finish(ctx, reply, action, o, &db_failure(ctx, &e)).await;
        }
    };
    let before = change.before.describe();
    if change.after.is_none() {
        let o = Outcome::new("unchanged")
            .before(Some(before.clone()))
            .after(Some(before.clone()));
        let msg = m::already(l, c.pause, &before);
        return guarded::finish(ctx, reply, action, o, &msg).await;
    }
    changed(ctx, reply, action, &c, change).await;
}

/// After the change: Julia's flag cache, then audit, announcement and answer.
async fn changed(ctx: &Ctx, reply: &Reply, action: &Action, c: &Change<'_>, ch: PauseChange) {
    let l = ctx.locale();
    let Some(after) = ch.after else { return };
    let stored = ch.stored_json.clone().unwrap_or_else(|| after.describe());
    let (applies_now, cache_problem) = set_cache(ctx, "safe_mode", &stored).await;
    let ok = after.enabled == c.pause;
    let requeued = (!c.pause).then_some(ch.requeued);
    let mut after_s = after.describe();
    let mut detail: Vec<String> = Vec::new();
    if let Some(n) = requeued {
        after_s.push_str(&format!("; requeued {n}"));
        detail.push(format!("requeued {n} messages"));
    }
    detail.extend(cache_problem.clone());
    let o = Outcome::new(if ok { "done" } else { "failed_readback" })
        .before(Some(ch.before.describe()))
        .after(Some(after_s))
        .detail((!detail.is_empty()).then(|| detail.join("; ")));
    let announce = m::pause_announcement(l, c.pause, c.handoff, c.reason, &reply.user, requeued);
    let msg = if ok {
        let cache = cache_problem.as_deref();
        m::pause_done(
            l,
            c.pause,
            &after.describe(),
            applies_now,
            cache,
            requeued,
            cmd(ctx),
        )
    } else {
        db_readback_failure(ctx, "safe_mode", &after.describe(), &m::nothing_done(l))
    };
    guarded::finish_announced(ctx, reply, action, o, (Some(&announce), &msg)).await;
}
