//! What a pause leaves behind (`julia.md` §6.2, §6.3): messages blocked by safe mode, their
//! requeue in Julia's own shape, and pending handoffs.

use sqlx::{PgConnection, Row};

use super::client::JuliaDb;
use super::types::{Blocked, DbError, Handoffs};

/// Rows blocked by safe mode since the pause began (the flag row's `updated_at`), or, when
/// `since_pause` is false, in the last 24 h.
const BLOCKED_WHERE: &str = "f.status = 'bloqueada' AND f.outcome = 'BLOCKED_SAFE_MODE'";

fn since(since_pause: bool) -> &'static str {
    if since_pause {
        "f.outcome_at >= (SELECT updated_at FROM feature_flags WHERE key = 'safe_mode')"
    } else {
        "f.outcome_at > now() - interval '24 hours'"
    }
}

pub(super) async fn blocked(
    conn: &mut PgConnection,
    since_pause: bool,
) -> Result<Blocked, sqlx::Error> {
    let cond = format!("{BLOCKED_WHERE} AND {}", since(since_pause));
    let r = sqlx::query(&format!(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE f.created_at > now() - interval '24 hours'),
                EXTRACT(EPOCH FROM now() - MIN(f.created_at))::bigint,
                EXTRACT(EPOCH FROM now() - MAX(f.created_at))::bigint
         FROM fila_mensagens f WHERE {cond}"
    ))
    .fetch_one(&mut *conn)
    .await?;
    let by_tipo = sqlx::query(&format!(
        "SELECT COALESCE(f.tipo, '?'), COUNT(*) FROM fila_mensagens f WHERE {cond}
         GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20"
    ))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    Ok(Blocked {
        since_pause,
        total: r.get(0),
        young: r.get(1),
        by_tipo,
        oldest_secs: r.get(2),
        newest_secs: r.get(3),
    })
}

/// Julia's requeue shape (`resetar_mensagens_travadas`): `pendente`, no `processando_desde`,
/// due now; the outcome columns cleared. Only rows blocked by safe mode since this pause, and
/// only those created less than 24 h ago (Julia cancels older pending rows anyway).
pub(super) async fn requeue_blocked(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(&format!(
        "UPDATE fila_mensagens f SET status = 'pendente', processando_desde = NULL, agendar_para = now(),
                outcome = NULL, outcome_reason_code = NULL, outcome_at = NULL
         WHERE {BLOCKED_WHERE} AND {} AND f.created_at > now() - interval '24 hours'",
        since(true)
    ))
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

pub(super) async fn pending_handoffs(
    conn: &mut PgConnection,
) -> Result<Option<Handoffs>, sqlx::Error> {
    let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass('handoffs')::text")
        .fetch_one(&mut *conn)
        .await?;
    if exists.is_none() {
        return Ok(None);
    }
    let r = sqlx::query(
        "SELECT COUNT(*), EXTRACT(EPOCH FROM now() - MIN(created_at))::bigint
         FROM handoffs WHERE status = 'pendente' AND resolvido_em IS NULL",
    )
    .fetch_one(conn)
    .await?;
    Ok(Some(Handoffs {
        pending: r.get(0),
        oldest_secs: r.get(1),
    }))
}

impl JuliaDb {
    /// `/julia queue blocked`: since the pause began when paused, else over the last 24 h.
    pub async fn blocked(&self) -> Result<Blocked, DbError> {
        let pool = self.pool()?;
        self.timed(async {
            let mut conn = pool.acquire().await?;
            let paused = super::safe_mode::read_safe_mode(&mut conn).await?.enabled;
            blocked(&mut conn, paused).await
        })
        .await
    }
}
