//! Julia: `/health`, `/health/deep`, the hard guards (`app_settings` against `APP_ENV` /
//! `SUPABASE_PROJECT_REF`), whether the database role can see the tables (row-level security)
//! and Julia's Redis (`JULIA_REDIS_URL`). Read-only.

use std::time::Duration;

use super::{show_url, timed, Check, Options};
use crate::Settings as Config;
use chatops_core::config::Secret;
use clients::julia_db::{DbError, JuliaDb};
use clients::julia_health::{HealthClient, HealthError};

const S: &str = "Julia";

pub(super) async fn check(c: &Config<'_>, opts: &Options) -> Vec<Check> {
    let j = c.julia;
    let mut cfg = j.clone();
    cfg.source_timeout = opts.timeout;
    // The API, the database and Redis are independent: checked at the same time.
    let (api, db, redis) = tokio::join!(
        api(&cfg, &c.julia_command, opts),
        db(c, &cfg, opts),
        redis(c, opts)
    );
    api.into_iter().chain(db).chain(redis).collect()
}

async fn api(cfg: &clients::julia_config::JuliaConfig, cmd: &str, opts: &Options) -> Vec<Check> {
    match &cfg.base_url {
        None => vec![Check::unconfigured(S, "/health", "JULIA_BASE_URL")],
        Some(base) => {
            let client = HealthClient::new(cfg);
            let (live, deep) = tokio::join!(liveness(base, cmd, opts), deep(&client, cmd, opts));
            vec![live, deep]
        }
    }
}

async fn db(
    c: &Config<'_>,
    cfg: &clients::julia_config::JuliaConfig,
    opts: &Options,
) -> Vec<Check> {
    let Some(url) = &cfg.database_url else {
        return vec![Check::unconfigured(S, "hard guards", "JULIA_DATABASE_URL")];
    };
    let mut out = Vec::new();
    if transaction_pooler(url.expose()) {
        out.push(Check::fail(
            S,
            "database URL",
            "JULIA_DATABASE_URL points at Supabase's transaction pooler (port 6543), which does not keep prepared statements across transactions: the bot's queries fail there",
            "use the session pooler (same host, port 5432) or the direct connection string in JULIA_DATABASE_URL",
        ));
        for n in ["hard guards", "database role"] {
            out.push(Check::not_checked(S, n, "fix the database URL first"));
        }
        return out;
    }
    if let Err(e) = probe(url.expose(), opts).await {
        out.push(db_failure("hard guards", &e));
        out.push(Check::not_checked(
            S,
            "database role",
            "the database could not be reached",
        ));
    } else {
        database(c, cfg, opts, &mut out).await;
    }
    out
}

/// Julia's Redis (the flag cache the bot drops after a pause or resume).
async fn redis(c: &Config<'_>, opts: &Options) -> Vec<Check> {
    vec![match &c.julia.redis_url {
        None => Check::unconfigured(
            S,
            "Julia's Redis",
            "JULIA_REDIS_URL, or accept that pause/resume apply within 30 s",
        ),
        Some(url) => match ping(url, opts.timeout).await {
            Ok(()) => Check::pass(S, "Julia's Redis", "PING answered PONG"),
            Err(e) => Check::fail(
                S,
                "Julia's Redis",
                e,
                "check JULIA_REDIS_URL (Julia's REDIS_URL on Railway) and that it is reachable from here",
            ),
        },
    }]
}

/// Supabase's transaction pooler: `*.pooler.supabase.com` on port 6543 (contract §6.1).
fn transaction_pooler(url: &str) -> bool {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else {
        return false;
    };
    let host_port = rest
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(rest)
        .split(['/', '?'])
        .next()
        .unwrap_or("");
    match host_port.rsplit_once(':') {
        Some((host, port)) => port == "6543" && host.ends_with("pooler.supabase.com"),
        None => false,
    }
}

/// One direct connection, for the real reason when the database cannot be reached (a pool
/// only says it timed out).
async fn probe(url: &str, opts: &Options) -> Result<(), DbError> {
    use sqlx::Connection as _;
    match timed(opts, sqlx::PgConnection::connect(url)).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(DbError::from(e)),
        Err(t) => Err(DbError::Failed(t)),
    }
}

async fn database(
    c: &Config<'_>,
    cfg: &clients::julia_config::JuliaConfig,
    opts: &Options,
    out: &mut Vec<Check>,
) {
    {
        let db = JuliaDb::new(cfg);
        let vis = timed(opts, db.visibility())
            .await
            .unwrap_or(Err(DbError::Timeout(opts.timeout.as_secs().max(1))));
        let blind = match &vis {
            Ok(v) => !v.blind().is_empty(),
            Err(_) => false,
        };
        out.push(guards(c, &db, opts, blind).await);
        out.push(match vis {
            Err(e) => db_failure("database role", &e),
            Ok(v) if !v.missing().is_empty() => Check::fail(
                S,
                "database role",
                format!("tables missing: {} (is JULIA_DATABASE_URL Julia's database?)", v.missing().join(", ")),
                "point JULIA_DATABASE_URL at Julia's Supabase database (Project Settings → Database → connection string)",
            ),
            Ok(v) if !v.blind().is_empty() => Check::fail(
                S,
                "database role",
                format!(
                    "role `{}` cannot see the rows of {}: row-level security is on and the role is not their owner, a superuser or BYPASSRLS, so reads return nothing and writes change nothing, without an error",
                    v.role,
                    v.blind().join(", ")
                ),
                "use the `postgres` connection string of the Supabase project (or a role with BYPASSRLS: `ALTER ROLE … BYPASSRLS`) in JULIA_DATABASE_URL",
            ),
            Ok(v) => Check::pass(
                S,
                "database role",
                format!(
                    "role `{}` sees every row of {} ({})",
                    v.role,
                    v.tables.iter().map(|t| t.table.as_str()).collect::<Vec<_>>().join(", "),
                    if v.bypass { "superuser or BYPASSRLS" } else { "owner" }
                ),
            ),
        });
    }
}

async fn liveness(base: &str, cmd: &str, opts: &Options) -> Check {
    let http = reqwest::Client::builder()
        .timeout(opts.timeout)
        .connect_timeout(opts.timeout)
        .build()
        .expect("http client");
    let fix = format!(
        "check JULIA_BASE_URL ({}) and that julia-api is running (`{cmd} deploys julia-api`)",
        show_url(base)
    );
    match http.get(format!("{base}/health")).send().await {
        Ok(r) if r.status().as_u16() == 200 => {
            let v: serde_json::Value = r.json().await.unwrap_or_default();
            Check::pass(
                S,
                "/health",
                format!(
                    "200 from {}",
                    v["service"].as_str().unwrap_or("Julia's API")
                ),
            )
        }
        Ok(r) => Check::fail(S, "/health", format!("HTTP {}", r.status().as_u16()), fix),
        Err(e) if e.is_timeout() => Check::fail(
            S,
            "/health",
            format!("no answer in {}", super::secs(opts.timeout)),
            fix,
        ),
        Err(_) => Check::fail(S, "/health", "Julia could not be reached", fix),
    }
}

async fn deep(client: &HealthClient, cmd: &str, opts: &Options) -> Check {
    let r = timed(opts, client.deep())
        .await
        .unwrap_or(Err(HealthError::Timeout(opts.timeout.as_secs().max(1))));
    match r {
        Ok(d) if d.healthy() => Check::pass(S, "/health/deep", "healthy, deploy_safe"),
        Ok(d) => {
            let failing: Vec<String> = d
                .failing()
                .iter()
                .map(|c| {
                    if c.detail.is_empty() {
                        format!("{}={}", c.name, c.status)
                    } else {
                        format!("{}={} ({})", c.name, c.status, c.detail)
                    }
                })
                .collect();
            let mut detail = format!(
                "HTTP {}, status {}, deploy_safe {}",
                d.http_status, d.status, d.deploy_safe
            );
            if let Some(m) = &d.message {
                detail.push_str(&format!(": {m}"));
            }
            if !failing.is_empty() {
                detail.push_str(&format!("; failing: {}", failing.join("; ")));
            }
            let fix = if d.status == "CRITICAL" {
                format!("Julia runs against the wrong environment or project: roll back (`{cmd} rollback julia-api`) and check its APP_ENV / SUPABASE_PROJECT_REF")
            } else {
                format!(
                    "see `{cmd} health` in Slack; fix the failing checks (Julia's logs on Railway)"
                )
            };
            Check::fail(S, "/health/deep", detail, fix)
        }
        Err(e) => Check::fail(
            S,
            "/health/deep",
            e.to_string(),
            "check JULIA_BASE_URL and that julia-api is running",
        ),
    }
}

fn db_failure(name: &str, e: &DbError) -> Check {
    Check::fail(
        S,
        name,
        e.to_string(),
        "check JULIA_DATABASE_URL (Supabase: the session pooler on 5432 or a direct connection) and that it is reachable from here",
    )
}

async fn guards(c: &Config<'_>, db: &JuliaDb, opts: &Options, blind: bool) -> Check {
    let name = "hard guards";
    let j = c.julia;
    let g = match timed(opts, db.guard()).await {
        Ok(Ok(g)) => g,
        Ok(Err(e)) => return db_failure(name, &e),
        Err(t) => return db_failure(name, &DbError::Failed(t)),
    };
    if g.db_environment.is_none() && g.db_project_ref.is_none() && blind {
        return Check::fail(
            S,
            name,
            "app_settings shows no rows to this role (row-level security, see `database role`): the guards cannot be read",
            "fix the database role below; pause and resume refuse until the guards can be read",
        );
    }
    let (Some(app_env), Some(app_ref)) = (&j.app_env, &j.supabase_project_ref) else {
        let unset: Vec<&str> = [
            j.app_env.is_none().then_some("APP_ENV"),
            j.supabase_project_ref
                .is_none()
                .then_some("SUPABASE_PROJECT_REF"),
        ]
        .into_iter()
        .flatten()
        .collect();
        return Check::fail(
            S,
            name,
            format!(
                "{} unset: pause and resume refuse without them (the database says environment {}, project ref {})",
                unset.join(" and "),
                g.db_environment.as_deref().unwrap_or("(missing)"),
                g.db_project_ref.as_deref().unwrap_or("(missing)")
            ),
            format!("set {} to the values Julia's database holds", unset.join(" and ")),
        );
    };
    let db_env = g.db_environment.as_deref().unwrap_or("(missing)");
    let db_ref = g.db_project_ref.as_deref().unwrap_or("(missing)");
    if app_env == db_env && app_ref == db_ref {
        Check::pass(
            S,
            name,
            format!("app_settings matches: environment {db_env}, project ref {db_ref}"),
        )
    } else {
        Check::fail(
            S,
            name,
            format!(
                "mismatch: APP_ENV={app_env} vs app_settings.environment={db_env}, SUPABASE_PROJECT_REF={app_ref} vs app_settings.supabase_project_ref={db_ref}: this is not the database you named"
            ),
            "point JULIA_DATABASE_URL at the intended Supabase project, or correct APP_ENV / SUPABASE_PROJECT_REF; pause and resume refuse until they match",
        )
    }
}

/// `PING` with a timeout; the error never contains the URL.
pub(super) async fn ping(url: &Secret, timeout: Duration) -> Result<(), String> {
    let fut = async {
        let client = redis::Client::open(url.expose())
            .map_err(|e| format!("the URL is not a valid Redis URL ({})", e.category()))?;
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| {
                format!(
                    "Redis could not be reached ({})",
                    chatops_core::config::redact_url(&e.to_string())
                )
            })?;
        let pong: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(|e| format!("PING failed ({})", e.category()))?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(format!("PING answered {pong}"))
        }
    };
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(format!("Redis did not answer in {}", super::secs(timeout))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn recognises_supabases_transaction_pooler() {
        let t = super::transaction_pooler;
        assert!(t(
            "postgresql://postgres.ref:pw@aws-0-sa-east-1.pooler.supabase.com:6543/postgres"
        ));
        assert!(!t(
            "postgresql://postgres.ref:pw@aws-0-sa-east-1.pooler.supabase.com:5432/postgres"
        ));
        assert!(!t(
            "postgresql://postgres:pw@db.ref.supabase.co:5432/postgres"
        ));
        assert!(!t("postgres://u:p@localhost:6543/db"));
    }
}
