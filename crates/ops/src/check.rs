//! Guards and checks: an HTTP request whose status and JSON pointers must match, or one value
//! from PostgreSQL. Each result is kept in `ops_checks` (the last one per system and name), so
//! `/ops` shows how each system looked last.

use serde_json::Value;
use sqlx::Row;

use super::spec::{Check, HttpCheck, SqlCheck};
use chatops_core::Ctx;

#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub ok: bool,
    /// One line for `/ops` ("200, /environment = production").
    pub summary: String,
    /// One line per expectation, for messages.
    pub lines: Vec<String>,
}

/// `${VAR}` replaced by the variable's value (read at start); the first one unset is an error.
pub fn fill_env(ctx: &Ctx, s: &str) -> Result<String, String> {
    let mut out = s.to_string();
    for v in super::spec::env_refs(s) {
        let val = crate::settings::of(ctx)
            .var(&v)
            .ok_or_else(|| format!("`{v}` is not set"))?;
        out = out.replace(&format!("${{{v}}}"), val);
    }
    Ok(out)
}

/// Sends the request (with `body` when given); the status and the JSON answer.
pub async fn send(
    ctx: &Ctx,
    h: &HttpCheck,
    body: Option<&str>,
) -> Result<(u16, Option<Value>), String> {
    let url = fill_env(ctx, &h.url)?;
    let method = reqwest::Method::from_bytes(h.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut req = crate::ops_clients::clients(ctx).http.request(method, &url);
    for (k, v) in &h.headers {
        req = req.header(k, fill_env(ctx, v)?);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let started = std::time::Instant::now();
    let r = req.send().await;
    clients::record("ops_http", started, r.is_ok());
    let resp = r.map_err(|e| {
        if e.is_timeout() {
            "no answer in time".to_string()
        } else {
            "could not be reached".to_string()
        }
    })?;
    let status = resp.status().as_u16();
    if resp.status().is_redirection() {
        // Not followed (another origin, see `same_origin_redirects`): where it pointed, host
        // only (a path or query may hold a token).
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| resp.url().join(l).ok());
        if let Some(to) = to.filter(|to| !crate::ops_clients::same_origin(resp.url(), to)) {
            let host = match to.port() {
                Some(p) => format!("{}:{p}", to.host_str().unwrap_or("")),
                None => to.host_str().unwrap_or("").to_string(),
            };
            return Err(format!(
                "answered HTTP {status}, a redirect to another host ({host}): not followed, \
                 so the request's headers do not reach it"
            ));
        }
    }
    let json = resp.json::<Value>().await.ok();
    Ok((status, json))
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Judges an HTTP answer against the check's expectations.
pub fn judge(ctx: &Ctx, h: &HttpCheck, status: u16, json: Option<&Value>) -> CheckResult {
    let l = ctx.locale();
    let mut ok = status == h.expect_status;
    let mut lines = vec![messages::ops::expect_line(
        l,
        "HTTP status",
        &status.to_string(),
        &h.expect_status.to_string(),
        status == h.expect_status,
    )];
    let mut parts = vec![format!("HTTP {status}")];
    for (ptr, want) in &h.expect {
        let got = json.and_then(|j| j.pointer(ptr));
        let this = got == Some(want);
        ok &= this;
        let got_s = got.map(shown).unwrap_or_else(|| "(absent)".into());
        parts.push(format!("{ptr} = {got_s}"));
        lines.push(messages::ops::expect_line(
            l,
            ptr,
            &got_s,
            &shown(want),
            this,
        ));
    }
    CheckResult {
        ok,
        summary: parts.join(", "),
        lines,
    }
}

/// How long one statement of a guard, a check or `sql.flag` may run: PostgreSQL's
/// `statement_timeout`, set with `SET LOCAL` so it lasts for the transaction only ("SET LOCAL
/// … effects last only till the end of the current transaction",
/// https://www.postgresql.org/docs/current/sql-set.html).
pub const SQL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A transaction with [`SQL_TIMEOUT`], read-only when `read_only`: PostgreSQL then refuses any
/// INSERT, UPDATE, DELETE, DDL or `nextval()`, even one inside a function the query calls
/// (https://www.postgresql.org/docs/current/sql-set-transaction.html). Dropped without a
/// commit, it is rolled back.
pub async fn sql_tx(
    pool: &sqlx::PgPool,
    read_only: bool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    if read_only {
        // Before any query of the transaction, as PostgreSQL requires.
        sqlx::query("SET TRANSACTION READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(&format!(
        "SET LOCAL statement_timeout = {}",
        SQL_TIMEOUT.as_millis()
    ))
    .execute(&mut *tx)
    .await?;
    Ok(tx)
}

/// A PostgreSQL error as a line for people: the two refusals the limits cause said plainly
/// (SQLSTATE 57014 `query_canceled`, 25006 `read_only_sql_transaction`,
/// https://www.postgresql.org/docs/current/errcodes-appendix.html), any URL redacted.
pub fn sql_error(e: &sqlx::Error) -> String {
    match e.as_database_error().and_then(|d| d.code()).as_deref() {
        Some("57014") => format!(
            "the query ran longer than {}s and was stopped",
            SQL_TIMEOUT.as_secs()
        ),
        Some("25006") => "the query tried to write: guards and checks run read-only".into(),
        _ => chatops_core::config::redact_url(&e.to_string()),
    }
}

async fn sql_value(ctx: &Ctx, s: &SqlCheck) -> Result<Option<String>, String> {
    let url = crate::settings::of(ctx)
        .var(&s.database_url_env)
        .ok_or_else(|| format!("`{}` is not set", s.database_url_env))?;
    let pool = crate::ops_clients::clients(ctx).pg(url).await?;
    let sql = format!("SELECT (q.v)::text FROM ({}) AS q(v) LIMIT 1", s.query);
    let mut tx = sql_tx(&pool, true).await.map_err(|e| sql_error(&e))?;
    let row = sqlx::query(&sql)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| sql_error(&e))?;
    // Read-only: nothing to keep.
    let _ = tx.rollback().await;
    Ok(row.and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten()))
}

/// Runs a guard or a check.
pub async fn run(ctx: &Ctx, c: &Check) -> CheckResult {
    let l = ctx.locale();
    match c {
        Check::Http(h) => match send(ctx, h, None).await {
            Ok((status, json)) => judge(ctx, h, status, json.as_ref()),
            Err(e) => CheckResult {
                ok: false,
                summary: e.clone(),
                lines: vec![messages::ops::check_failed_line(l, &h.url, &e)],
            },
        },
        Check::Sql(s) => match sql_value(ctx, s).await {
            Ok(v) => {
                let got = v.unwrap_or_else(|| "(no row)".into());
                let ok = got == shown(&s.expect);
                CheckResult {
                    ok,
                    summary: format!("SQL = {got}"),
                    lines: vec![messages::ops::expect_line(
                        l,
                        &s.query,
                        &got,
                        &shown(&s.expect),
                        ok,
                    )],
                }
            }
            Err(e) => CheckResult {
                ok: false,
                summary: e.clone(),
                lines: vec![messages::ops::check_failed_line(l, "PostgreSQL", &e)],
            },
        },
    }
}

/// How a check is described ("GET https://…/health: /environment = production").
pub fn describe(c: &Check) -> String {
    match c {
        Check::Http(h) => {
            let exp: Vec<String> = h
                .expect
                .iter()
                .map(|(p, v)| format!("{p} = {}", shown(v)))
                .collect();
            format!(
                "{} {} → {}{}",
                h.method,
                h.url,
                h.expect_status,
                if exp.is_empty() {
                    String::new()
                } else {
                    format!(", {}", exp.join(", "))
                }
            )
        }
        Check::Sql(s) => format!("SQL `{}` = {}", s.query, shown(&s.expect)),
    }
}

/// Keeps the last result of `name` for `system`.
pub async fn remember(
    conn: &mut sqlx::AnyConnection,
    system: &str,
    name: &str,
    r: &CheckResult,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ops_checks (system, name, ok, summary, at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (system, name) DO UPDATE SET ok = excluded.ok, summary = excluded.summary, at = excluded.at",
    )
    .bind(system)
    .bind(name)
    .bind(r.ok as i64)
    .bind(&r.summary)
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn remember_pool(ctx: &Ctx, system: &str, name: &str, r: &CheckResult) {
    let now = ctx.clock.now_ms();
    let res = async {
        let mut conn = ctx.store.pool.acquire().await?;
        remember(&mut conn, system, name, r, now).await
    }
    .await;
    if let Err(e) = res {
        tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "ops: could not keep a check result");
    }
}

/// The last results: (system, name, ok, summary, at ms).
pub async fn last_results(
    ctx: &Ctx,
) -> Result<Vec<(String, String, bool, String, i64)>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT system, name, ok, summary, at FROM ops_checks ORDER BY system, name")
            .fetch_all(&ctx.store.pool)
            .await?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get::<i64, _>(2) != 0,
                r.get(3),
                r.get(4),
            )
        })
        .collect())
}
