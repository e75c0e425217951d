//! Runs one action's kind: the current value before (for the prompt), the change, and the
//! value read back after. Railway and Kubernetes kinds live in their own modules.

use sqlx::Row;

use super::args::Args;
use super::catalog::Action;
use super::check;
use super::kinds::{render, Kind};
use super::outcome::{Failure, Outcome};
use chatops_core::Ctx;

/// The current value the confirmation shows ("before").
pub async fn preview(ctx: &Ctx, action: &Action, args: &Args) -> Result<Option<String>, Failure> {
    let _ = args;
    match &action.kind {
        k if k.name().starts_with("railway.") => {
            super::railway::preview(ctx, k, action.args.iter().any(|a| a.secret)).await
        }
        k if k.uses_kubernetes() => super::kube::preview(ctx, k).await,
        Kind::SqlFlag { .. } => sql_flag_value(ctx, &action.kind, args).await,
        _ => Ok(None),
    }
}

/// The line the confirmation asks about.
pub fn describe(system: &str, action: &Action, args: &Args) -> String {
    let mut what = format!("`{system} {}`", action.name);
    let shown = args.shown();
    if !shown.is_empty() {
        what.push_str(&format!(" ({shown})"));
    }
    let detail = match &action.kind {
        k if k.uses_kubernetes() => super::kube::describe(k, args),
        Kind::RailwayVariableSet {
            target, variable, ..
        }
        | Kind::RailwayVariableUnset {
            target, variable, ..
        } => format!(
            "variable `{variable}` of `{}` ({})",
            target.service, target.environment
        ),
        Kind::RailwayRestart(t)
        | Kind::RailwayRedeploy(t)
        | Kind::RailwayRollback(t)
        | Kind::RailwayDeploys(t) => format!("Railway `{}` ({})", t.service, t.environment),
        Kind::HttpCall { request, .. } => format!("{} {}", request.method, request.url),
        Kind::SqlFlag {
            table,
            value_column,
            ..
        } => format!("`{table}.{value_column}`"),
        Kind::HttpCheck(_) => String::new(),
        _ => String::new(),
    };
    if !detail.is_empty() {
        what.push_str(&format!(": {detail}"));
    }
    if !action.description.is_empty() {
        what.push_str(&format!(" — {}", action.description));
    }
    what
}

pub async fn run(
    ctx: &Ctx,
    action: &Action,
    args: &Args,
    expected: Option<&str>,
) -> Result<Outcome, Failure> {
    match &action.kind {
        k if k.name().starts_with("railway.") => super::railway::run(ctx, k, args).await,
        k if k.uses_kubernetes() => super::kube::run(ctx, k, args, expected).await,
        Kind::HttpCheck(h) => {
            let r = check::run(ctx, &super::spec::Check::Http(h.clone())).await;
            Ok(Outcome {
                lines: r.lines.clone(),
                check: Some(r),
                ..Outcome::default()
            })
        }
        Kind::HttpCall { request, body } => {
            let fail = |e: String, maybe: bool| Failure {
                system: "HTTP",
                error: e,
                maybe_applied: maybe,
            };
            let body = body
                .as_deref()
                .map(|b| render(b, &args.context()))
                .transpose()
                .map_err(|e| fail(e, false))?;
            let (status, json) = check::send(ctx, request, body.as_deref())
                .await
                .map_err(|e| fail(format!("{} {}: {e}", request.method, request.url), true))?;
            let r = check::judge(ctx, request, status, json.as_ref());
            if !r.ok {
                // A 4xx was refused; a 5xx or an unexpected answer may have applied.
                return Err(fail(
                    format!("{} {}: {}", request.method, request.url, r.summary),
                    !(400..500).contains(&status),
                ));
            }
            Ok(Outcome {
                after: Some(format!("HTTP {status}")),
                lines: r.lines,
                ..Outcome::default()
            })
        }
        Kind::SqlFlag { .. } => sql_flag(ctx, &action.kind, args).await,
        _ => unreachable!("every kind is handled"),
    }
}

fn pg_fail(e: impl std::fmt::Display) -> Failure {
    Failure {
        system: "PostgreSQL",
        error: chatops_core::config::redact_url(&e.to_string()),
        maybe_applied: false,
    }
}

/// `e` with every secret value blanked: PostgreSQL repeats a value it cannot cast
/// (`invalid input syntax for type integer: "…"`), and a template may embed it in a longer
/// string (`rendered`: the key and value sent).
fn hide(e: String, args: &Args, rendered: &[&str]) -> String {
    if args.secret.is_empty() {
        return e;
    }
    let mut out = e;
    let secrets = args.secret.iter().filter_map(|k| args.values.get(k));
    let raw: Vec<String> = secrets
        .map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let mut all: Vec<&str> = rendered
        .iter()
        .copied()
        .chain(raw.iter().map(String::as_str))
        .collect();
    // Longest first, so a value inside another is blanked with it.
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in all.into_iter().filter(|s| !s.is_empty()) {
        out = out.replace(s, "[secret]");
    }
    out
}

/// A PostgreSQL failure with secret values blanked.
fn pg_secret_fail(e: &sqlx::Error, args: &Args, rendered: &[&str]) -> Failure {
    pg_fail(hide(check::sql_error(e), args, rendered))
}

async fn sql_pool(ctx: &Ctx, env: &str) -> Result<sqlx::PgPool, Failure> {
    let url = crate::settings::of(ctx)
        .var(env)
        .ok_or_else(|| pg_fail(format!("`{env}` is not set")))?;
    crate::ops_clients::clients(ctx)
        .pg(url)
        .await
        .map_err(pg_fail)
}

/// The flag's value now, read in a read-only transaction; with a secret argument only whether
/// a row is there (`(set)`), as for a Railway variable.
async fn sql_flag_value(ctx: &Ctx, kind: &Kind, args: &Args) -> Result<Option<String>, Failure> {
    let Kind::SqlFlag {
        database_url_env,
        table,
        key_column,
        value_column,
        key,
        ..
    } = kind
    else {
        return Ok(None);
    };
    let pool = sql_pool(ctx, database_url_env).await?;
    let key = render(key, &args.context()).map_err(|e| pg_fail(hide(e, args, &[])))?;
    let fail = |e: sqlx::Error| pg_secret_fail(&e, args, &[&key]);
    let mut tx = check::sql_tx(&pool, true).await.map_err(fail)?;
    let row = sqlx::query(&format!(
        "SELECT ({value_column})::text FROM {table} WHERE {key_column} = $1"
    ))
    .bind(&key)
    .fetch_optional(&mut *tx)
    .await
    .map_err(fail)?;
    let _ = tx.rollback().await;
    let v = row.and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten());
    Ok(Some(match v {
        None => "(no row)".into(),
        Some(_) if !args.secret.is_empty() => "(set)".into(),
        Some(v) => v,
    }))
}

/// Upserts the value (with the statement timeout), then reads it back.
async fn sql_flag(ctx: &Ctx, kind: &Kind, args: &Args) -> Result<Outcome, Failure> {
    let Kind::SqlFlag {
        database_url_env,
        table,
        key_column,
        value_column,
        key,
        value,
        cast,
    } = kind
    else {
        unreachable!("sql.flag only")
    };
    let before = sql_flag_value(ctx, kind, args).await?;
    let pool = sql_pool(ctx, database_url_env).await?;
    let key_v = render(key, &args.context()).map_err(|e| pg_fail(hide(e, args, &[])))?;
    let value_v = render(value, &args.context()).map_err(|e| pg_fail(hide(e, args, &[])))?;
    let fail = |e: sqlx::Error| pg_secret_fail(&e, args, &[&key_v, &value_v]);
    let mut tx = check::sql_tx(&pool, false).await.map_err(fail)?;
    sqlx::query(&format!(
        "INSERT INTO {table} ({key_column}, {value_column}) VALUES ($1, CAST($2 AS {cast}))
         ON CONFLICT ({key_column}) DO UPDATE SET {value_column} = EXCLUDED.{value_column}"
    ))
    .bind(&key_v)
    .bind(&value_v)
    .execute(&mut *tx)
    .await
    .map_err(fail)?;
    // The value as PostgreSQL stores it, to compare with what is read back.
    let expected: Option<String> = sqlx::query(&format!("SELECT (CAST($1 AS {cast}))::text"))
        .bind(&value_v)
        .fetch_one(&mut *tx)
        .await
        .ok()
        .and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten());
    tx.commit().await.map_err(|e| Failure {
        maybe_applied: true,
        ..fail(e)
    })?;
    let after = sql_flag_value(ctx, kind, args).await?;
    let expected = match expected {
        Some(_) if !args.secret.is_empty() => Some("(set)".to_string()),
        e => e,
    };
    if after != expected {
        return Err(Failure {
            system: "PostgreSQL",
            error: messages::ops::readback_mismatch(ctx.locale()),
            maybe_applied: true,
        });
    }
    if !args.secret.is_empty() {
        return Ok(Outcome::changed(
            before,
            Some(messages::ops::secret_changed(ctx.locale())),
        ));
    }
    Ok(Outcome::changed(before, after))
}
