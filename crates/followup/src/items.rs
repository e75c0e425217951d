//! Action items (SQL, table `action_items`). Times are epoch milliseconds here; the views
//! handed to `messages` are in seconds ([`Item::view`]).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub incident_id: i64,
    pub text: String,
    pub owner: String,
    pub created_by: String,
    pub created_at: i64,
    /// None while it waits for the resolution (then due [`crate::settings`]' `due_after` later).
    pub due_at: Option<i64>,
    pub done_at: Option<i64>,
    pub done_by: Option<String>,
    /// The incident is a drill.
    pub drill: bool,
}

const COLS: &str = "a.id, a.incident_id, a.text, a.owner, a.created_by, a.created_at, a.due_at, a.done_at, a.done_by, i.is_drill";
const FROM: &str = "FROM action_items a JOIN incidents i ON i.id = a.incident_id";

fn from_row(r: &AnyRow) -> Item {
    Item {
        id: r.get(0),
        incident_id: r.get(1),
        text: r.get(2),
        owner: r.get(3),
        created_by: r.get(4),
        created_at: r.get(5),
        due_at: r.get(6),
        done_at: r.get(7),
        done_by: r.get(8),
        drill: r.get::<i64, _>(9) != 0,
    }
}

impl Item {
    pub fn view(&self) -> messages::followup::ItemView {
        messages::followup::ItemView {
            id: self.id,
            incident: self.incident_id,
            text: self.text.clone(),
            owner: self.owner.clone(),
            due_at: self.due_at.map(|t| t / 1000),
            done_at: self.done_at.map(|t| t / 1000),
            drill: self.drill,
        }
    }
}

pub struct NewItem<'a> {
    pub incident_id: i64,
    pub text: &'a str,
    pub owner: &'a str,
    pub created_by: &'a str,
    pub due_at: Option<i64>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    n: &NewItem<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO action_items (incident_id, text, owner, created_by, created_at, due_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(n.incident_id)
    .bind(n.text)
    .bind(n.owner)
    .bind(n.created_by)
    .bind(now)
    .bind(n.due_at)
    .fetch_one(&mut *conn)
    .await?;
    row.try_get(0)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Item>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLS} {FROM} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// The items of an incident, in the order they were added.
pub async fn of_incident(pool: &AnyPool, incident: i64) -> Result<Vec<Item>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} {FROM} WHERE a.incident_id = $1 ORDER BY a.id"
    ))
    .bind(incident)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// A person's open items, soonest due first (undated last).
pub async fn open_of(pool: &AnyPool, owner: &str) -> Result<Vec<Item>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} {FROM} WHERE a.owner = $1 AND a.done_at IS NULL
         ORDER BY CASE WHEN a.due_at IS NULL THEN 1 ELSE 0 END, a.due_at, a.id"
    ))
    .bind(owner)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// Open items past their due date (of `owner` only, when given), most overdue first.
/// `drills`: include the items of drills.
pub async fn overdue(
    pool: &AnyPool,
    now: i64,
    owner: Option<&str>,
    drills: bool,
) -> Result<Vec<Item>, sqlx::Error> {
    let drill = if drills { "" } else { " AND i.is_drill = 0" };
    let who = if owner.is_some() {
        " AND a.owner = $2"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {COLS} {FROM} WHERE a.done_at IS NULL AND a.due_at IS NOT NULL AND a.due_at < $1{drill}{who}
         ORDER BY a.due_at, a.id"
    );
    let mut q = sqlx::query(&sql).bind(now);
    if let Some(o) = owner {
        q = q.bind(o.to_string());
    }
    Ok(q.fetch_all(pool).await?.iter().map(from_row).collect())
}

/// The open items of `incident` still waiting for a due date.
pub async fn undated(conn: &mut AnyConnection, incident: i64) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id FROM action_items WHERE incident_id = $1 AND due_at IS NULL AND done_at IS NULL ORDER BY id",
    )
    .bind(incident)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(|r| r.get::<i64, _>(0)).collect())
}

pub async fn set_done(
    conn: &mut AnyConnection,
    id: i64,
    by: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE action_items SET done_at = $1, done_by = $2 WHERE id = $3 AND done_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_owner(conn: &mut AnyConnection, id: i64, owner: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE action_items SET owner = $1 WHERE id = $2")
        .bind(owner)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_due(conn: &mut AnyConnection, id: i64, due: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE action_items SET due_at = $1 WHERE id = $2")
        .bind(due)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
