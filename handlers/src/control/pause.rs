//! Pause and resume: the hard guard, then `feature_flags.safe_mode` and a `julia_status` row in
//! one transaction, read back, Julia's flag cache dropped, and an announcement via the outbox.

use std::sync::Arc;

use messages::julia as m;

use super::access::{record, Action, Prepared};
use super::Reply;
use crate::integrations::julia_db::DbError;
use crate::Ctx;

fn db_failure(ctx: &Ctx, e: &DbError) -> messages::Msg {
    let l = ctx.locale();
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

/// `Ok` when `app_settings` matches `APP_ENV` and `SUPABASE_PROJECT_REF`.
pub async fn check_guard(ctx: &Ctx) -> Result<(), (&'static str, messages::Msg)> {
    let l = ctx.locale();
    let g = ctx
        .julia
        .db
        .guard()
        .await
        .map_err(|e| ("failed", db_failure(ctx, &e)))?;
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
            Ok((m::what_pause(l, reason, *handoff), action.clone(), before))
        }
        Action::Resume { reason } => {
            if !state.safe_mode.enabled {
                return Err((
                    "unchanged",
                    before,
                    m::already(l, false, &state.safe_mode.describe()),
                ));
            }
            Ok((m::what_resume(l, reason), action.clone(), before))
        }
        _ => unreachable!("pause::prepare only takes pause/resume"),
    }
}

pub async fn execute(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    let l = ctx.locale();
    let (pause, handoff, reason) = match action {
        Action::Pause { reason, handoff } => (true, *handoff, reason.clone()),
        Action::Resume { reason } => (false, false, reason.clone()),
        _ => return,
    };
    // The guard again: the database may have changed since the prompt.
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
    let (before, after) = match ctx
        .julia
        .db
        .set_pause(pause, handoff, &reason, &reply.user)
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
    let Some(after) = after else {
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
    let cache = crate::integrations::julia_db::drop_flag_cache(
        ctx.config.julia.redis_url.as_ref(),
        "safe_mode",
        ctx.config.julia.source_timeout,
    )
    .await;
    let (applies_now, cache_problem) = match &cache {
        Ok(done) => (*done, None),
        Err(p) => (false, Some(p.as_str())),
    };
    let outcome = if after.enabled == pause {
        "done"
    } else {
        "failed_readback"
    };
    // Audit and announcement in one transaction of the bot's store.
    let now = ctx.clock.now_ms();
    let entry = crate::audit::AuditEntry {
        actor: reply.user.clone(),
        action: action.name().into(),
        args: action.args(),
        outcome: outcome.into(),
        before: Some(before.describe()),
        after: Some(after.describe()),
        detail: cache_problem.map(String::from),
    };
    let announce = m::pause_announcement(l, pause, &reason, &reply.user);
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
    let msg = if after.enabled == pause {
        m::pause_done(l, pause, &after.describe(), applies_now, cache_problem)
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
