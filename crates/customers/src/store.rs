//! The bot's own rows of the customer notice (SQL on both stores): the prompt per incident
//! and kind, the notice with its counters, and each recipient's state.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::audience::Recipient;

pub fn kind(recovery: bool) -> &'static str {
    if recovery {
        "recovery"
    } else {
        "outage"
    }
}

/// Writes the prompt row of `incident` and `kind` unless it exists; true when written now.
pub async fn claim_prompt(
    conn: &mut AnyConnection,
    incident: i64,
    recovery: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO customer_prompts (incident_id, kind, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (incident_id, kind) DO NOTHING",
    )
    .bind(incident)
    .bind(kind(recovery))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The prompt row: (edited text, dismissed by).
pub async fn prompt(
    pool: &AnyPool,
    incident: i64,
    recovery: bool,
) -> Result<Option<(Option<String>, Option<String>)>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT text, dismissed_by FROM customer_prompts WHERE incident_id = $1 AND kind = $2",
    )
    .bind(incident)
    .bind(kind(recovery))
    .fetch_optional(pool)
    .await?;
    Ok(r.map(|r| (r.get(0), r.get(1))))
}

/// Sets the edited text, or the one who said "Not now" (the row is written if missing).
pub async fn set_prompt(
    conn: &mut AnyConnection,
    incident: i64,
    recovery: bool,
    text: Option<&str>,
    dismissed_by: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    claim_prompt(conn, incident, recovery, now).await?;
    sqlx::query(
        "UPDATE customer_prompts SET text = COALESCE($1, text), dismissed_by = $2
         WHERE incident_id = $3 AND kind = $4",
    )
    .bind(text)
    .bind(dismissed_by)
    .bind(incident)
    .bind(kind(recovery))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn mark_posted(
    conn: &mut AnyConnection,
    incident: i64,
    recovery: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE customer_prompts SET posted_at = $1 WHERE incident_id = $2 AND kind = $3")
        .bind(now)
        .bind(incident)
        .bind(kind(recovery))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A notice as stored.
#[derive(Debug, Clone)]
pub struct Notice {
    pub id: i64,
    pub incident: i64,
    pub recovery: bool,
    pub text: String,
    pub state: String,
    pub channel: String,
    pub progress_outbox_id: Option<i64>,
    pub total: i64,
    pub sent: i64,
    pub failed: i64,
    pub uncertain: i64,
    pub include_held: bool,
    pub confirmed_by: String,
    pub stopped_by: Option<String>,
}

const COLS: &str = "id, incident_id, kind, text, state, channel, progress_outbox_id, total, sent, failed, uncertain, include_held, confirmed_by, stopped_by";

fn from_row(r: &sqlx::any::AnyRow) -> Notice {
    Notice {
        id: r.get(0),
        incident: r.get(1),
        recovery: r.get::<String, _>(2) == "recovery",
        text: r.get(3),
        state: r.get(4),
        channel: r.get(5),
        progress_outbox_id: r.get(6),
        total: r.get(7),
        sent: r.get(8),
        failed: r.get(9),
        uncertain: r.get(10),
        include_held: r.get::<i64, _>(11) != 0,
        confirmed_by: r.get(12),
        stopped_by: r.get(13),
    }
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Notice>, sqlx::Error> {
    let r = sqlx::query(&format!(
        "SELECT {COLS} FROM customer_notices WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.as_ref().map(from_row))
}

pub async fn of_incident(
    pool: &AnyPool,
    incident: i64,
    recovery: bool,
) -> Result<Option<Notice>, sqlx::Error> {
    let r = sqlx::query(&format!(
        "SELECT {COLS} FROM customer_notices WHERE incident_id = $1 AND kind = $2"
    ))
    .bind(incident)
    .bind(kind(recovery))
    .fetch_optional(pool)
    .await?;
    Ok(r.as_ref().map(from_row))
}

/// What a new notice holds.
pub struct NewNotice<'a> {
    pub incident: i64,
    pub recovery: bool,
    pub text: &'a str,
    pub channel: &'a str,
    pub include_held: bool,
    pub confirmed_by: &'a str,
    pub recipients: &'a [Recipient],
}

/// Writes the notice and its recipients (all `pending`), or `None` when the incident already
/// has a notice of this kind (the unique key: never sent twice).
pub async fn insert(
    conn: &mut AnyConnection,
    n: &NewNotice<'_>,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO customer_notices (incident_id, kind, text, state, channel, total, include_held, confirmed_by, created_at)
         VALUES ($1, $2, $3, 'sending', $4, $5, $6, $7, $8)
         ON CONFLICT (incident_id, kind) DO NOTHING RETURNING id",
    )
    .bind(n.incident)
    .bind(kind(n.recovery))
    .bind(n.text)
    .bind(n.channel)
    .bind(n.recipients.len() as i64)
    .bind(n.include_held as i64)
    .bind(n.confirmed_by)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: i64 = row.get(0);
    for (seq, r) in n.recipients.iter().enumerate() {
        sqlx::query(
            "INSERT INTO customer_recipients (notice_id, seq, phone, cliente_id, state) VALUES ($1, $2, $3, $4, 'pending')",
        )
        .bind(id)
        .bind(seq as i64)
        .bind(&r.phone)
        .bind(r.cliente_id.as_deref())
        .execute(&mut *conn)
        .await?;
    }
    Ok(Some(id))
}

pub async fn set_progress_post(
    conn: &mut AnyConnection,
    id: i64,
    outbox_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE customer_notices SET progress_outbox_id = $1 WHERE id = $2")
        .bind(outbox_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Recipients a crash left in `sending` (the call may or may not have reached WhatsApp) become
/// `uncertain`, counted, and are never sent again. Returns how many.
pub async fn reconcile(conn: &mut AnyConnection, id: i64, now: i64) -> Result<i64, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE customer_recipients SET state = 'uncertain', at = $1, error = 'interrupted by a restart'
         WHERE notice_id = $2 AND state = 'sending'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected() as i64;
    if n > 0 {
        sqlx::query("UPDATE customer_notices SET uncertain = uncertain + $1 WHERE id = $2")
            .bind(n)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(n)
}

/// The next recipient still to send: (seq, phone).
pub async fn next_pending(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT seq, phone FROM customer_recipients WHERE notice_id = $1 AND state = 'pending' ORDER BY seq LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.map(|r| (r.get(0), r.get(1))))
}

/// Moves one recipient from `from` to `to`; false when it was not in `from`.
pub async fn set_state(
    conn: &mut AnyConnection,
    id: i64,
    seq: i64,
    (from, to): (&str, &str),
    error: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE customer_recipients SET state = $1, error = $2, at = $3 WHERE notice_id = $4 AND seq = $5 AND state = $6",
    )
    .bind(to)
    .bind(error)
    .bind(now)
    .bind(id)
    .bind(seq)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Adds one to `sent`, `failed` or `uncertain`.
pub async fn count(conn: &mut AnyConnection, id: i64, column: &str) -> Result<(), sqlx::Error> {
    let column = match column {
        "sent" => "sent",
        "failed" => "failed",
        _ => "uncertain",
    };
    sqlx::query(&format!(
        "UPDATE customer_notices SET {column} = {column} + 1 WHERE id = $1"
    ))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends a notice (`done` or `stopped`); the recipients still pending are `skipped`. False when
/// it had already ended.
pub async fn finish(
    conn: &mut AnyConnection,
    id: i64,
    state: &str,
    stopped_by: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE customer_notices SET state = $1, stopped_by = $2, finished_at = $3 WHERE id = $4 AND state = 'sending'",
    )
    .bind(state)
    .bind(stopped_by)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE customer_recipients SET state = 'skipped', at = $1 WHERE notice_id = $2 AND state = 'pending'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// The numbers an outage notice reached (sent, or maybe sent): the back-to-normal audience.
pub async fn reached(pool: &AnyPool, id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT phone FROM customer_recipients WHERE notice_id = $1 AND state IN ('sent', 'uncertain') ORDER BY seq",
    )
    .bind(id)
    .fetch_all(pool)
    .await
}

/// How many recipients the check just before their send left out (an opt-out since, …).
pub async fn excluded(conn: &mut AnyConnection, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM customer_recipients WHERE notice_id = $1 AND state = 'excluded'",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await
}

/// The WhatsApp state a recipient is waiting on (`whatsapp <state>` on a pending row), if any.
pub async fn waiting(conn: &mut AnyConnection, id: i64) -> Result<Option<String>, sqlx::Error> {
    let e: Option<String> = sqlx::query_scalar(
        "SELECT error FROM customer_recipients WHERE notice_id = $1 AND state = 'pending' AND error LIKE 'whatsapp %' LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(e.and_then(|e| e.strip_prefix("whatsapp ").map(String::from)))
}
