//! The doctors a customer notice may reach (`clientes` LEFT JOIN `doctor_state`): a read-only
//! transaction under a statement timeout. Every row comes back with the marks that exclude or
//! hold it, so the caller can count each reason; nothing here decides who is sent to.

use std::time::Duration;

use sqlx::Row;

use super::client::JuliaDb;
use super::types::DbError;

/// Which doctors to read.
#[derive(Debug, Clone)]
pub enum DoctorQuery {
    /// The doctors who wrote to Julia within the last `days` days.
    ActiveWithin(i64),
    /// These numbers (digits only, as `clientes.telefone` stores them).
    Numbers(Vec<String>),
}

/// One doctor with every mark that matters to a notice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoctorRow {
    pub id: String,
    pub phone: String,
    pub deleted: bool,
    /// Any of Julia's opt-out marks: `opt_out`, `opted_out`, `status` (`opt_out`, `optout`,
    /// `opted_out`), `stage_jornada = 'opt_out'`, `doctor_state.permission_state = 'opted_out'`.
    pub opted_out: bool,
    /// `bloqueado` (when the column exists) or `status_telefone = 'invalido'`.
    pub blocked: bool,
    pub cooling_off: bool,
    pub next_allowed: bool,
    /// `contact_count_7d >= 5`.
    pub capped: bool,
}

/// What the query found: `app_settings.environment`, and the rows.
#[derive(Debug, Clone, Default)]
pub struct Doctors {
    pub environment: String,
    /// Julia is paused (`safe_mode.enabled`): its own rule R4b would block this notice.
    pub safe_mode: bool,
    pub rows: Vec<DoctorRow>,
}

const ACTIVE: &str = "(ds.last_inbound_at >= now() - make_interval(days => $1::int)
       OR EXISTS (SELECT 1 FROM public.interacoes i
                  WHERE i.cliente_id = c.id
                    AND (i.tipo = 'entrada' OR i.origem IN ('whatsapp_inbound', 'medico_whatsapp'))
                    AND i.created_at >= now() - make_interval(days => $1::int)))";

impl JuliaDb {
    /// The doctors of `q` with their marks, read in a read-only transaction whose statements
    /// are cancelled after `timeout`. Zero `app_settings` rows is "this role cannot see the
    /// rows" (row-level security), never "no doctors".
    pub async fn doctors(&self, q: &DoctorQuery, timeout: Duration) -> Result<Doctors, DbError> {
        let pool = self.pool()?;
        let ms = timeout.as_millis().clamp(100, 600_000) as i64;
        let work = async {
            let mut tx = pool.begin().await?;
            sqlx::query("SET TRANSACTION READ ONLY")
                .execute(&mut *tx)
                .await?;
            sqlx::query(&format!("SET LOCAL statement_timeout = {ms}"))
                .execute(&mut *tx)
                .await?;
            let env: Option<String> = sqlx::query_scalar(
                "SELECT value FROM public.app_settings WHERE key = 'environment'",
            )
            .fetch_optional(&mut *tx)
            .await?;
            let cols: Vec<String> = sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = 'clientes'
                   AND column_name IN ('bloqueado', 'status_telefone')",
            )
            .fetch_all(&mut *tx)
            .await?;
            let safe = super::safe_mode::read_safe_mode(&mut tx).await?.enabled;
            let sql = doctors_sql(&cols, q);
            let (days, numbers) = match q {
                DoctorQuery::ActiveWithin(d) => (Some(*d as i32), None),
                DoctorQuery::Numbers(n) => (None, Some(n.clone())),
            };
            let rows = sqlx::query(&sql)
                .bind(days)
                .bind(numbers)
                .fetch_all(&mut *tx)
                .await?;
            tx.rollback().await?;
            Ok::<_, sqlx::Error>((env, safe, rows))
        };
        let (env, safe_mode, rows) =
            match tokio::time::timeout(timeout + Duration::from_secs(1), work).await {
                Err(_) => return Err(DbError::Timeout(timeout.as_secs().max(1))),
                Ok(Err(e)) if e.to_string().contains("statement timeout") => {
                    return Err(DbError::Timeout(timeout.as_secs().max(1)))
                }
                Ok(r) => r?,
            };
        let Some(environment) = env else {
            return Err(DbError::Failed(
                "app_settings has no `environment` row this role can see (row-level security?): \
                 the environment is unknown"
                    .into(),
            ));
        };
        Ok(Doctors {
            environment,
            safe_mode,
            rows: rows.iter().map(doctor_row).collect(),
        })
    }
}

/// The query, with Julia's block marks when its database has those columns (`cols`).
fn doctors_sql(cols: &[String], q: &DoctorQuery) -> String {
    let mut blocked = vec!["false".to_string()];
    if cols.iter().any(|c| c == "bloqueado") {
        blocked.push("c.bloqueado IS TRUE".into());
    }
    if cols.iter().any(|c| c == "status_telefone") {
        blocked.push("c.status_telefone = 'invalido'".into());
    }
    let filter = match q {
        DoctorQuery::ActiveWithin(_) => ACTIVE,
        DoctorQuery::Numbers(_) => "c.telefone = ANY($2::text[])",
    };
    format!(
        "SELECT c.id::text, c.telefone::text,
           c.deleted_at IS NOT NULL,
           (c.opt_out IS TRUE OR c.opted_out IS TRUE
            OR COALESCE(c.status, '') IN ('opt_out', 'optout', 'opted_out')
            OR COALESCE(c.stage_jornada, '') = 'opt_out'
            OR ds.permission_state IS NOT DISTINCT FROM 'opted_out'),
           ({}),
           COALESCE(ds.permission_state = 'cooling_off' AND ds.cooling_off_until > now(), false),
           COALESCE(ds.next_allowed_at > now(), false),
           COALESCE(ds.contact_count_7d, 0) >= 5
         FROM public.clientes c
         LEFT JOIN public.doctor_state ds ON ds.cliente_id = c.id
         WHERE ($1::int IS NOT NULL OR $2::text[] IS NOT NULL) AND {filter}
         ORDER BY c.telefone",
        blocked.join(" OR ")
    )
}

fn doctor_row(r: &sqlx::postgres::PgRow) -> DoctorRow {
    DoctorRow {
        id: r.get(0),
        phone: r.get(1),
        deleted: r.get(2),
        // An unknown mark counts as opted out: never contact on a doubt.
        opted_out: r.get::<Option<bool>, _>(3).unwrap_or(true),
        blocked: r.get::<Option<bool>, _>(4).unwrap_or(false),
        cooling_off: r.get(5),
        next_allowed: r.get(6),
        capped: r.get(7),
    }
}
