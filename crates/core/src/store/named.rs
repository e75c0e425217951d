//! Small named rows: leases (`leases`: one holder at a time, for work only one replica should
//! do) and state values (`kv_state`: JSON kept across restarts and replicas).

use sqlx::{AnyConnection, AnyPool, Row};

/// Takes or renews the lease `name` for `holder` until `until` (epoch ms): `true` when this
/// holder has it (it held it, or the last lease ran out before `now`).
pub async fn acquire_lease(
    pool: &AnyPool,
    name: &str,
    holder: &str,
    (now, until): (i64, i64),
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO leases (name, holder, lease_until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
         WHERE leases.holder = excluded.holder OR leases.lease_until < $4",
    )
    .bind(name)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The state value `name`, if any.
pub async fn get_state(pool: &AnyPool, name: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT value FROM kv_state WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.get::<String, _>(0)))
}

/// Writes the state value `name` (inside the caller's transaction).
pub async fn put_state(
    conn: &mut AnyConnection,
    name: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO kv_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
        .bind(name)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}
