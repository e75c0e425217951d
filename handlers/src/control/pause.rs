//! Pause and resume: the connection must see Julia's rows and pass the hard guard; then
//! `feature_flags.safe_mode`, a `julia_status` row and (on a resume, if asked) the requeue of
//! the messages blocked since the pause, all in one transaction; read back, Julia's flag cache
//! set, and an announcement via the outbox.

use std::sync::Arc;

use messages::julia as m;
use messages::julia_pause as mp;

use super::access::{record, Action, Prepared};
use super::Reply;
use crate::integrations::julia_db::{Blocked, DbError};
use crate::Ctx;

/// A failure of Julia's database: the clear RLS answer, or the system, what, and what to try.
pub fn db_failure(ctx: &Ctx, e: &DbError) -> messages::Msg {
    let l = ctx.locale();
    if let Some(t) = super::visibility::hidden_text(ctx, e) {
        return messages::Msg::text(t);
    }
    let try_ = match e {
        DbError::Unconfigured => messages::julia::db_not_configured(l),
        _ => m::retry_hint(l),
    };
    m::failure(
        l,
        "Julia's database (Supabase)",
        &e.to_string(),
        &m::nothing_done(l),
        &try_,
    )
}

/// `Ok` when the connection sees Julia's rows and `app_settings` matches `APP_ENV` and
/// `SUPABASE_PROJECT_REF`. Otherwise the audit outcome and the answer.
pub async fn check_guard(ctx: &Ctx) -> Result<(), (&'static str, messages::Msg)> {
    let l = ctx.locale();
    if let Err(e) = ctx.julia.db.ensure_visible().await {
        let outcome = if matches!(e, DbError::Hidden { .. }) {
            "refused_rows_hidden"
        } else {
            "failed"
        };
        return Err((outcome, db_failure(ctx, &e)));
    }
    let g = ctx
        .julia
        .db
        .guard()
        .await
        .map_err(|e| ("failed", db_failure(ctx, &e)))?;
    if g.visible_rows == 0 {
        return Err(("refused_settings_hidden", mp::settings_hidden(l)));
    }
    let j = &ctx.config.julia;
    let app_env = j.app_env.as_deref().unwrap_or("(unset)");
    let app_ref = j.supabase_project_ref.as_deref().unwrap_or("(unset)");
    let db_env = g.db_environment.as_deref().unwrap_or("(missing)");
    let db_ref = g.db_project_ref.as_deref().unwrap_or("(missing)");
    if j.app_env.is_none()
        || j.supabase_project_ref.is_none()
        || app_env != db_env
        || app_ref != db_ref
    {
        return Err((
            "refused_guard",
            m::guard_mismatch(l, app_env, db_env, app_ref, db_ref),
        ));
    }
    Ok(())
}

pub fn blocked_view(b: &Blocked) -> mp::BlockedView<'_> {
    mp::BlockedView {
        since_pause: b.since_pause,
        total: b.total,
        young: b.young,
        by_tipo: &b.by_tipo,
        oldest_secs: b.oldest_secs,
        newest_secs: b.newest_secs,
    }
}

pub async fn prepare(ctx: &Ctx, action: &Action) -> Prepared {
    let l = ctx.locale();
    check_guard(ctx).await.map_err(|(o, msg)| (o, None, msg))?;
    let state = ctx
        .julia
        .db
        .pause_state()
        .await
        .map_err(|e| ("failed", None, db_failure(ctx, &e)))?;
    let before = Some(state.safe_mode.describe());
    match action {
        Action::Pause { reason, handoff } => {
            if state.safe_mode.enabled {
                return Err((
                    "unchanged",
                    before,
                    m::already(l, true, &state.safe_mode.describe()),
                ));
            }
            Ok((mp::what_pause(l, reason, *handoff), action.clone(), before))
        }
        Action::Resume { reason, .. } => {
            if !state.safe_mode.enabled {
                return Err((
                    "unchanged",
                    before,
                    m::already(l, false, &state.safe_mode.describe()),
                ));
            }
            let young = state.blocked.as_ref().map(|b| b.young).unwrap_or(0);
            let what =
                mp::what_resume(l, reason, state.blocked.as_ref().map(blocked_view).as_ref());
            let action = Action::Resume {
                reason: reason.clone(),
                requeue: young > 0,
                offer: Some(young),
            };
            Ok((what, action, before))
        }
        _ => unreachable!("pause::prepare only takes pause/resume"),
    }
}

#[allow(clippy::too_many_lines)] // over 80 lines: split by the /julia half of #12 (control/); remove when it lands
pub async fn execute(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    let l = ctx.locale();
    let (pause, handoff, requeue, reason) = match action {
        Action::Pause { reason, handoff } => (true, *handoff, false, reason.clone()),
        Action::Resume {
            reason, requeue, ..
        } => (false, false, *requeue, reason.clone()),
        _ => return,
    };
    // Visibility and the guard again: the database may have changed since the prompt.
    if let Err((outcome, msg)) = check_guard(ctx).await {
        record(
            ctx,
            &reply.user,
            action,
            outcome,
            None,
            None,
            Some(msg.text.clone()),
        )
        .await;
        reply.replace(ctx, &msg).await;
        return;
    }
    let change = match ctx
        .julia
        .db
        .set_pause(pause, handoff, requeue, &reason, &reply.user)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            let msg = db_failure(ctx, &e);
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
            reply.replace(ctx, &msg).await;
            return;
        }
    };
    let before = change.before;
    let Some(after) = change.after else {
        record(
            ctx,
            &reply.user,
            action,
            "unchanged",
            Some(before.describe()),
            Some(before.describe()),
            None,
        )
        .await;
        reply
            .replace(ctx, &m::already(l, pause, &before.describe()))
            .await;
        return;
    };
    let stored = change
        .stored_json
        .clone()
        .unwrap_or_else(|| after.describe());
    let cache = crate::integrations::julia_db::set_flag_cache(
        ctx.config.julia.redis_url.as_ref(),
        "safe_mode",
        &stored,
        ctx.config.julia.source_timeout,
    )
    .await;
    let (applies_now, cache_problem) = match &cache {
        Ok(done) => (*done, None),
        Err(p) => (false, Some(p.as_str())),
    };
    let ok = after.enabled == pause;
    let outcome = if ok { "done" } else { "failed_readback" };
    let requeued = (!pause).then_some(change.requeued);
    let mut after_s = after.describe();
    let mut detail: Vec<String> = Vec::new();
    if let Some(n) = requeued {
        after_s.push_str(&format!("; requeued {n}"));
        detail.push(format!("requeued {n} messages"));
    }
    if let Some(p) = cache_problem {
        detail.push(p.to_string());
    }
    // Audit and announcement in one transaction of the bot's store.
    let now = ctx.clock.now_ms();
    let entry = crate::audit::AuditEntry {
        actor: reply.user.clone(),
        action: action.name().into(),
        args: action.args(),
        outcome: outcome.into(),
        before: Some(before.describe()),
        after: Some(after_s),
        detail: (!detail.is_empty()).then(|| detail.join("; ")),
    };
    let announce = mp::pause_announcement(l, pause, handoff, &reason, &reply.user, requeued);
    let store = async {
        let mut tx = ctx.store.pool.begin().await?;
        crate::audit::record(&mut tx, &entry, now).await?;
        if let Some(ch) = &ctx.config.incidents_channel {
            crate::outbox::enqueue(
                &mut tx,
                &crate::outbox::OutboxItem::post(ch, &announce),
                now,
            )
            .await?;
        }
        tx.commit().await
    };
    if let Err(e) = store.await {
        tracing::error!(error = %crate::config::redact_url(&e.to_string()), "audit/announce after pause failed");
    }
    ctx.outbox_wake.notify_one();
    let msg = if ok {
        mp::pause_done(
            l,
            pause,
            &after.describe(),
            applies_now,
            cache_problem,
            requeued,
        )
    } else {
        m::failure(
            l,
            "Julia's database (Supabase)",
            &format!("read back safe_mode = {}", after.describe()),
            &m::nothing_done(l),
            &m::retry_hint(l),
        )
    };
    reply.replace(ctx, &msg).await;
}
