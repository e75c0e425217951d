//! What several controls share, below all of them: the failure answers of each system, the
//! hard guard, the service lookup, and the views messages take.

use messages::julia as m;
use messages::Locale;

use chatops_core::guarded::Refusal;
use chatops_core::Ctx;
use clients::evolution::EvolutionError;
use clients::julia_db::{Blocked, DbError};
use clients::julia_health::Deep;
use clients::railway::{RailwayError, ServiceState};

/// The configured `JULIA_COMMAND` (e.g. `/julia`), for answers that name a subcommand.
pub fn cmd(ctx: &Ctx) -> &str {
    &ctx.config.julia_command
}

/// A failure of Julia's database: the clear RLS answer, or the system, what, and what to try.
pub fn db_failure(ctx: &Ctx, e: &DbError) -> messages::Msg {
    let l = ctx.locale();
    if let Some(t) = super::visibility::hidden_text(ctx, e) {
        return messages::Msg::text(t);
    }
    let try_ = match e {
        DbError::Unconfigured => m::db_not_configured(l),
        _ => m::retry_hint(l, cmd(ctx)),
    };
    m::failure(l, m::SYS_DB, &e.to_string(), &m::nothing_done(l), &try_)
}

/// A read-back of Julia's database that does not show the change.
pub fn db_readback_failure(ctx: &Ctx, what: &str, value: &str, done: &str) -> messages::Msg {
    let l = ctx.locale();
    let seen = m::read_back(what, value);
    m::failure(l, m::SYS_DB, &seen, done, &m::retry_hint(l, cmd(ctx)))
}

pub fn railway_failure(ctx: &Ctx, e: &RailwayError, done: &str) -> messages::Msg {
    let l = ctx.locale();
    let try_ = match e {
        RailwayError::Unconfigured(v) => m::not_configured(l, m::SYS_RAILWAY, v),
        RailwayError::Auth | RailwayError::BadProjectToken => {
            m::hint(l, m::Hint::RailwayCredentials, cmd(ctx))
        }
        _ => m::retry_hint(l, cmd(ctx)),
    };
    m::failure(l, m::SYS_RAILWAY, &e.to_string(), done, &try_)
}

pub fn evo_failure(ctx: &Ctx, e: &EvolutionError, done: &str) -> messages::Msg {
    let l = ctx.locale();
    let hint = |h| m::hint(l, h, cmd(ctx));
    let try_ = match e {
        EvolutionError::Unconfigured(v) => m::not_configured(l, m::SYS_EVOLUTION, v),
        EvolutionError::Http { status: 401, .. } => hint(m::Hint::EvolutionKey),
        EvolutionError::Http { status: 404, .. } => hint(m::Hint::EvolutionInstance),
        EvolutionError::Failed(_) => hint(m::Hint::EvolutionUseQr),
        _ => m::retry_hint(l, cmd(ctx)),
    };
    m::failure(l, m::SYS_EVOLUTION, &e.to_string(), done, &try_)
}

/// `Ok` when the connection sees Julia's rows; otherwise the refusal (`refused_rows_hidden`
/// when row-level security hides them).
pub async fn check_visible(ctx: &Ctx) -> Result<(), Refusal> {
    clients::julia(ctx).db.ensure_visible().await.map_err(|e| {
        let outcome = if matches!(e, DbError::Hidden { .. }) {
            "refused_rows_hidden"
        } else {
            "failed"
        };
        Refusal::new(outcome, db_failure(ctx, &e))
    })
}

/// `Ok` when the connection sees Julia's rows and `app_settings` matches `APP_ENV` and
/// `SUPABASE_PROJECT_REF`. Otherwise the refusal.
pub async fn check_guard(ctx: &Ctx) -> Result<(), Refusal> {
    let l = ctx.locale();
    check_visible(ctx).await?;
    let g = clients::julia(ctx)
        .db
        .guard()
        .await
        .map_err(|e| Refusal::new("failed", db_failure(ctx, &e)))?;
    if g.visible_rows == 0 {
        return Err(Refusal::new(
            "refused_settings_hidden",
            m::settings_hidden(l),
        ));
    }
    let j = &clients::julia_config::of(ctx);
    let app_env = j.app_env.as_deref().unwrap_or(m::UNSET);
    let app_ref = j.supabase_project_ref.as_deref().unwrap_or(m::UNSET);
    let db_env = g.db_environment.as_deref().unwrap_or(m::MISSING);
    let db_ref = g.db_project_ref.as_deref().unwrap_or(m::MISSING);
    if j.app_env.is_none()
        || j.supabase_project_ref.is_none()
        || app_env != db_env
        || app_ref != db_ref
    {
        return Err(Refusal::new(
            "refused_guard",
            m::guard_mismatch(l, app_env, db_env, app_ref, db_ref),
        ));
    }
    Ok(())
}

/// The configured service named `name`, found in Railway's environment.
pub async fn resolve(ctx: &Ctx, name: &str) -> Result<ServiceState, messages::Msg> {
    let l = ctx.locale();
    let rw = &clients::julia(ctx).railway;
    let missing = rw.missing();
    if !missing.is_empty() {
        return Err(messages::Msg::text(m::not_configured(
            l,
            m::SYS_RAILWAY,
            &missing.join(", "),
        )));
    }
    if !rw.services.iter().any(|s| s == name) {
        return Err(m::unknown_service(l, name, &rw.services));
    }
    let all = rw
        .julia_services()
        .await
        .map_err(|e| railway_failure(ctx, &e, &m::nothing_done(l)))?;
    all.into_iter()
        .find(|s| s.name == name || s.id == name)
        .ok_or_else(|| {
            m::failure(
                l,
                m::SYS_RAILWAY,
                &m::service_not_in_environment(l, name),
                &m::nothing_done(l),
                &m::hint(l, m::Hint::RailwayServiceNames, cmd(ctx)),
            )
        })
}

pub fn blocked_view(b: &Blocked) -> m::BlockedView<'_> {
    m::BlockedView {
        since_pause: b.since_pause,
        total: b.total,
        young: b.young,
        by_tipo: &b.by_tipo,
        oldest_secs: b.oldest_secs,
        newest_secs: b.newest_secs,
    }
}

/// The lines of a `/health/deep` answer (`all`: the passing checks too).
pub fn health_lines(l: Locale, d: &Deep, all: bool) -> Vec<String> {
    m::health_lines(
        l,
        &m::HealthView {
            healthy: d.healthy(),
            http_status: d.http_status,
            status: &d.status,
            deploy_safe: d.deploy_safe,
            message: d.message.as_deref(),
            checks: d
                .checks
                .iter()
                .map(|c| m::CheckView {
                    name: &c.name,
                    status: &c.status,
                    detail: &c.detail,
                })
                .collect(),
            all,
        },
    )
}

/// Sets Julia's Redis cache of a flag: whether the change applies now, or the problem.
pub async fn set_cache(ctx: &Ctx, flag: &str, value: &str) -> (bool, Option<String>) {
    let j = &clients::julia_config::of(ctx);
    let r = clients::julia_db::set_flag_cache(j.redis_url.as_ref(), flag, value, j.source_timeout)
        .await;
    match r {
        Ok(done) => (done, None),
        Err(p) => (false, Some(p)),
    }
}
