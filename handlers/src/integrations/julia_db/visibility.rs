//! Can this connection see Julia's rows? (`julia.md` §6.1)
//!
//! Julia's tables have row-level security enabled and no policy for an ordinary role, so a
//! role that is neither the owner, a superuser nor `BYPASSRLS` reads zero rows and writes
//! nothing, without any error. Every `/julia` command that touches the database checks this
//! first rather than report empty tables as facts.

use sqlx::Row;

use super::{DbError, JuliaDb};

/// The tables the bot reads or writes.
pub const CHECKED_TABLES: &[&str] = &[
    "app_settings",
    "feature_flags",
    "julia_status",
    "fila_mensagens",
    "handoffs",
    "campanhas",
    "job_executions",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    /// `current_user` of the connection.
    pub role: String,
    pub superuser: bool,
    pub bypassrls: bool,
    /// Tables with row-level security that this role does not bypass.
    pub hidden: Vec<String>,
    /// The owner of the hidden tables (what to connect as).
    pub owner: Option<String>,
    /// Checked tables that do not exist.
    pub missing: Vec<String>,
}

impl Visibility {
    pub fn can_see(&self) -> bool {
        self.hidden.is_empty()
    }

    /// `Err(DbError::Hidden)` when some table's rows are hidden.
    pub fn ensure(self) -> Result<Visibility, DbError> {
        if self.can_see() {
            Ok(self)
        } else {
            Err(DbError::Hidden {
                role: self.role,
                tables: self.hidden,
                owner: self.owner,
            })
        }
    }
}

impl JuliaDb {
    /// Reads the role's attributes and each checked table's row-level security and owner.
    /// A role sees a table's rows when RLS is off, or it is a superuser, or `BYPASSRLS`, or it
    /// has the owner's privileges (`pg_has_role … 'USAGE'`) and RLS is not forced.
    pub async fn visibility(&self) -> Result<Visibility, DbError> {
        let pool = self.pool()?;
        self.timed(async {
            let mut conn = pool.acquire().await?;
            let me = sqlx::query(
                "SELECT current_user::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
            )
            .fetch_one(&mut *conn)
            .await?;
            let (role, superuser, bypassrls): (String, bool, bool) = (me.get(0), me.get(1), me.get(2));
            let tables = sqlx::query(
                "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                        pg_get_userbyid(c.relowner)::text, pg_has_role(current_user, c.relowner, 'USAGE')
                 FROM pg_class c
                 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                   AND c.relname = ANY($1)
                 ORDER BY c.relname",
            )
            .bind(CHECKED_TABLES.iter().map(|t| t.to_string()).collect::<Vec<_>>())
            .fetch_all(&mut *conn)
            .await?;
            let mut hidden = Vec::new();
            let mut owner = None;
            for t in &tables {
                let (name, rls, force, table_owner, owns): (String, bool, bool, String, bool) =
                    (t.get(0), t.get(1), t.get(2), t.get(3), t.get(4));
                let bypasses = superuser || bypassrls || (owns && !force);
                if rls && !bypasses {
                    hidden.push(name);
                    owner.get_or_insert(table_owner);
                }
            }
            let missing = CHECKED_TABLES
                .iter()
                .filter(|c| !tables.iter().any(|t| t.get::<String, _>(0) == **c))
                .map(|c| c.to_string())
                .collect();
            Ok(Visibility { role, superuser, bypassrls, hidden, owner, missing })
        })
        .await
    }

    /// `Ok` when the connection sees every table's rows, else `DbError::Hidden`.
    pub async fn ensure_visible(&self) -> Result<(), DbError> {
        self.visibility().await?.ensure().map(|_| ())
    }
}
