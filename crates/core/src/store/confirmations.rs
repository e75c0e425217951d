//! Confirmation tokens of guarded actions (`confirmations`): written at the prompt, claimed
//! once by the click (per user, before expiry), read back to tell why a click was refused,
//! and blanked of secret values once nothing needs them. Every statement on the table is here.

use sqlx::{AnyConnection, AnyPool, Row};

/// One confirmation row.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirmation {
    pub user_id: String,
    /// What the action needs once confirmed (JSON, written by the caller).
    pub args: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// A new token for `user`, valid until `expires_at` (epoch ms).
pub async fn insert(
    pool: &AnyPool,
    token: &str,
    user: &str,
    action: &str,
    args: &str,
    (now, expires_at): (i64, i64),
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO confirmations (token, user_id, action, args, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token)
    .bind(user)
    .bind(action)
    .bind(args)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Marks the token used when it is `user`'s, unused and not expired. One statement, so of two
/// clicks (or two replicas) exactly one gets `true`. In the caller's transaction (with the job
/// that carries the action out).
pub async fn claim(
    conn: &mut AnyConnection,
    token: &str,
    user: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE confirmations SET used_at = $1 WHERE token = $2 AND user_id = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(token)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get(
    conn: &mut AnyConnection,
    token: &str,
) -> Result<Option<Confirmation>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT user_id, args, expires_at, used_at FROM confirmations WHERE token = $1",
    )
    .bind(token)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Confirmation {
        user_id: r.get(0),
        args: r.get(1),
        expires_at: r.get(2),
        used_at: r.get(3),
    }))
}

/// Replaces what a token holds (e.g. the action with its secret values blanked, once nothing
/// needs them). In the caller's transaction.
pub async fn set_args(
    conn: &mut AnyConnection,
    token: &str,
    args: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE confirmations SET args = $1 WHERE token = $2")
        .bind(args)
        .bind(token)
        .execute(conn)
        .await?;
    Ok(())
}

/// Blanks (`{}`) what the prompts never clicked and now expired hold, when it starts with
/// `prefix` (how the caller marks a row that may hold secret values): no click can use them
/// any more, so nothing they hold outlives them. Returns how many rows were blanked.
pub async fn blank_expired(pool: &AnyPool, prefix: &str, now: i64) -> Result<u64, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE confirmations SET args = '{}' WHERE used_at IS NULL AND expires_at <= $1 AND args LIKE $2 ESCAPE '\\'",
    )
    .bind(now)
    .bind(format!("{}%", like_escaped(prefix)))
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}

/// `s` matched literally by `LIKE … ESCAPE '\'`.
fn like_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_prefix_is_matched_literally() {
        assert_eq!(
            super::like_escaped(r#"{"secrets":true,"#),
            r#"{"secrets":true,"#
        );
        assert_eq!(super::like_escaped(r"a_b%c\d"), r"a\_b\%c\\d");
    }
}
