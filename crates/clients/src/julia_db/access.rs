//! Which of Julia's tables this connection can see (row-level security).

use sqlx::Row;

use super::client::JuliaDb;
use super::types::DbError;

/// Julia's tables the bot reads or writes (row-level security is on for most of them).
pub const JULIA_TABLES: &[&str] = &[
    "app_settings",
    "feature_flags",
    "julia_status",
    "fila_mensagens",
    "job_executions",
];

/// One table as the connection's role sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableAccess {
    pub table: String,
    pub exists: bool,
    pub rls: bool,
    /// Row-level security also applies to the owner (`FORCE ROW LEVEL SECURITY`).
    pub forced: bool,
    /// The role owns the table (or has the privileges of its owner).
    pub owned: bool,
}

/// Whether the connection's role can see the rows of Julia's tables (contract §6.1): a role
/// that is not the owner, not a superuser and not `BYPASSRLS` reads zero rows and writes
/// nothing, without any error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    pub role: String,
    /// Superuser or `BYPASSRLS`.
    pub bypass: bool,
    pub tables: Vec<TableAccess>,
}

impl Visibility {
    /// Tables whose rows this role cannot see.
    pub fn blind(&self) -> Vec<&str> {
        self.tables
            .iter()
            .filter(|t| t.exists && t.rls && !self.bypass && (!t.owned || t.forced))
            .map(|t| t.table.as_str())
            .collect()
    }
    pub fn missing(&self) -> Vec<&str> {
        self.tables
            .iter()
            .filter(|t| !t.exists)
            .map(|t| t.table.as_str())
            .collect()
    }
}

impl JuliaDb {
    /// Reads the role's attributes and each of [`JULIA_TABLES`]' row-level security from the
    /// catalogs (reads no table rows).
    pub async fn visibility(&self) -> Result<Visibility, DbError> {
        let pool = self.pool()?;
        self.timed(async {
            let (role, bypass): (String, bool) = sqlx::query_as(
                "SELECT current_user::text, COALESCE(rolsuper OR rolbypassrls, false)
                 FROM pg_roles WHERE rolname = current_user",
            )
            .fetch_one(pool)
            .await?;
            let rows = sqlx::query(
                "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                        pg_has_role(current_user, c.relowner, 'USAGE')
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname = ANY($1)",
            )
            .bind(
                JULIA_TABLES
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>(),
            )
            .fetch_all(pool)
            .await?;
            let tables = JULIA_TABLES
                .iter()
                .map(
                    |t| match rows.iter().find(|r| r.get::<String, _>(0) == *t) {
                        Some(r) => TableAccess {
                            table: t.to_string(),
                            exists: true,
                            rls: r.get(1),
                            forced: r.get(2),
                            owned: r.get(3),
                        },
                        None => TableAccess {
                            table: t.to_string(),
                            exists: false,
                            rls: false,
                            forced: false,
                            owned: false,
                        },
                    },
                )
                .collect();
            Ok(Visibility {
                role,
                bypass,
                tables,
            })
        })
        .await
    }
}
