//! Reminders: the update cadence, the escalation ladder and post-mortem due dates.
//!
//! Schedules are columns of the incident row (`next_reminder_at`, `pm_due_at`, both indexed),
//! never timers in memory. The worker sleeps until the earliest due row (or a short poll, or a
//! wake-up after a change), claims due rows with a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL) and fires them in chunks: one transaction per chunk of up to [`FIRE_CHUNK`]
//! reminders writes, for each, the outbox post, the timeline event and the next due time,
//! conditional on still holding the lease and on the due time being the one claimed (an update
//! in between wins). A chunk that fails is retried one reminder per transaction. A replica that
//! dies holding a lease loses it when it expires. A bot that was down posts one catch-up
//! reminder per overdue incident, then goes on with the cadence from now.
//!
//! [`run_once`] is one step of the loop (recovery sweep aside): tests and benchmarks drive it.
//! Where the time goes under load, and why it is built this way: `docs/performance.md`.

use std::sync::Arc;
use std::time::Duration;

use messages::incident::{self as tpl, ReminderView};
use sqlx::Row;

use crate::shared::{cadence, post_to_incident};
use crate::store::{self, Incident};
use crate::timeline::EventKind;
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::store::Backend;
use chatops_core::Ctx;

/// Due rows claimed per query.
const CLAIM_BATCH: i64 = 500;
/// Reminders written per transaction. One transaction per reminder cost a commit (and, on
/// SQLite, a turn of the single write lock shared with the outbox) each.
pub const FIRE_CHUNK: usize = 50;

/// Escalation step for a silence of `silent_ms` at cadence `c`: 2 cadences -> 1, 4 -> 2.
pub fn escalation_level(silent_ms: i64, c: Duration) -> i64 {
    let c = c.as_millis().max(1) as i64;
    let n = silent_ms / c;
    if n >= 4 {
        2
    } else if n >= 2 {
        1
    } else {
        0
    }
}

/// Leases up to [`CLAIM_BATCH`] rows whose `column` is due and returns them as they are now.
///
/// On PostgreSQL the ids are matched with `= ANY(ARRAY(...))`: with `IN (subquery)` the generic
/// plan of the prepared statement (used after five executions) hash-joins the subquery against a
/// sequential scan of the whole table, on every tick.
async fn claim(
    ctx: &Ctx,
    column: &str,
    token: &str,
    now: i64,
) -> Result<Vec<Incident>, sqlx::Error> {
    let lease_until = now + ctx.config.reminder_lease.as_millis() as i64;
    let sql = format!(
        "UPDATE incidents SET lease_token = $1, lease_until = $2 WHERE {} (
           SELECT id FROM incidents WHERE {column} <= $3 AND (lease_until IS NULL OR lease_until < $3)
           ORDER BY {column} LIMIT $4{}){}
         RETURNING {}",
        ctx.store.claimed_ids(),
        ctx.store.skip_locked(),
        ctx.store.claimed_ids_end(),
        store::COLS
    );
    let rows = sqlx::query(&sql)
        .bind(token)
        .bind(lease_until)
        .bind(now)
        .bind(CLAIM_BATCH)
        .fetch_all(&ctx.store.pool)
        .await?;
    Ok(rows.iter().map(store::from_row).collect())
}

/// One step of the worker: claims and fires every due reminder (and post-mortem reminder), then
/// wakes the outbox. Returns how many were posted.
pub async fn run_once(ctx: &Ctx) -> Result<usize, sqlx::Error> {
    fire_due(ctx).await
}

/// Claims and fires every due reminder (and post-mortem reminder). Returns how many were posted.
pub async fn fire_due(ctx: &Ctx) -> Result<usize, sqlx::Error> {
    let token = uuid::Uuid::new_v4().to_string();
    let now = ctx.clock.now_ms();
    let mut fired = 0;
    let claimed = claim(ctx, "next_reminder_at", &token, now).await?;
    if !claimed.is_empty() {
        use futures::StreamExt;
        let recipients = Recipients::load(ctx).await;
        // SQLite has one writer: chunks one after the other. PostgreSQL writes several at once.
        let parallel = match ctx.store.backend {
            Backend::Postgres => 4,
            Backend::Sqlite => 1,
        };
        // The futures are built in a loop, not a closure over borrowed chunks: such a closure
        // makes the worker's future not `Send` for every lifetime, and it runs as its own task.
        let mut chunks = Vec::new();
        for chunk in claimed.chunks(FIRE_CHUNK) {
            chunks.push(fire_chunk(ctx, chunk, &token, &recipients));
        }
        let counts: Vec<usize> = futures::stream::iter(chunks)
            .buffer_unordered(parallel)
            .collect()
            .await;
        fired += counts.iter().sum::<usize>();
    }
    for i in claim(ctx, "pm_due_at", &token, now).await? {
        match fire_postmortem(ctx, i.id, &token).await {
            Ok(true) => fired += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(incident = i.id, error = %e, "post-mortem reminder not fired"),
        }
    }
    if fired > 0 {
        ctx.outbox_wake.notify_one();
    }
    Ok(fired)
}

/// Who escalations mention: users plus the members of a user group (read once per batch).
struct Recipients {
    escalation: Vec<String>,
    commanders: Vec<String>,
}

impl Recipients {
    async fn load(ctx: &Ctx) -> Recipients {
        let cfg = &ctx.config;
        let mut escalation = cfg.escalation_users.clone();
        let mut commanders = cfg.commander_users.clone();
        for (group, into) in [
            (&cfg.escalation_usergroup, &mut escalation),
            (&cfg.commander_usergroup, &mut commanders),
        ] {
            if let Some(g) = group {
                match ctx.slack.usergroup_members(g).await {
                    Ok(m) => into.extend(m),
                    Err(e) => {
                        tracing::warn!(group = %g, error = %e, "could not read an escalation user group")
                    }
                }
            }
            let mut seen = std::collections::HashSet::new();
            into.retain(|u| seen.insert(u.clone()));
        }
        Recipients {
            escalation,
            commanders,
        }
    }
}

/// A reminder written (committed only with its transaction).
struct Fired {
    kind: &'static str,
    late_ms: i64,
}

/// Fires a chunk of claimed reminders in one transaction; if it fails, each one in its own.
async fn fire_chunk(ctx: &Ctx, chunk: &[Incident], token: &str, who: &Recipients) -> usize {
    let one_tx = async {
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        let mut fired = Vec::with_capacity(chunk.len());
        for i in chunk {
            if let Some(f) = fire_reminder(&mut tx, ctx, i, token, who, now).await? {
                fired.push(f);
            }
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(fired)
    };
    match one_tx.await {
        Ok(fired) => record(&fired),
        Err(e) if chunk.len() > 1 => {
            tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), reminders = chunk.len(), "a chunk of reminders failed; firing them one by one");
            let mut n = 0;
            for i in chunk {
                n += Box::pin(fire_chunk(ctx, std::slice::from_ref(i), token, who)).await;
            }
            n
        }
        Err(e) => {
            tracing::warn!(incident = chunk[0].id, error = %chatops_core::config::redact_url(&e.to_string()), "reminder not fired; the lease will expire and it will be retried");
            0
        }
    }
}

fn record(fired: &[Fired]) -> usize {
    for f in fired {
        metrics::histogram!("reminder_lateness_seconds").record(f.late_ms.max(0) as f64 / 1000.0);
        metrics::counter!("reminders_total", "kind" => f.kind).increment(1);
    }
    fired.len()
}

/// Writes one reminder of `i` (as claimed) in the caller's transaction: the next due time and
/// the lease first (only if the lease is still ours and the due time unchanged, so an update
/// or snooze that came in between wins), then the posts and the timeline event.
async fn fire_reminder(
    conn: &mut sqlx::AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    token: &str,
    who: &Recipients,
    now: i64,
) -> Result<Option<Fired>, sqlx::Error> {
    let id = i.id;
    let (Some(due), Some(c)) = (i.next_reminder_at, cadence(ctx, i.severity)) else {
        release(conn, id, token, None).await?;
        return Ok(None);
    };
    if !i.status.is_open() || due > now {
        release(conn, id, token, None).await?;
        return Ok(None);
    }
    let silent = now - i.last_update_at;
    let level = escalation_level(silent, c).max(i.escalation_level);
    let stepping_up = level > i.escalation_level;
    let next = now + c.as_millis() as i64;
    let updated = sqlx::query(
        "UPDATE incidents SET next_reminder_at = $1, reminder_count = reminder_count + 1, escalation_level = $2,
           lease_token = NULL, lease_until = NULL WHERE id = $3 AND lease_token = $4 AND next_reminder_at = $5",
    )
    .bind(next)
    .bind(level)
    .bind(id)
    .bind(token)
    .bind(due)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() != 1 {
        // Lease lost, or an update/snooze moved the due time: nothing to post.
        release(conn, id, token, None).await?;
        return Ok(None);
    }
    let escalate_to = match level {
        2 => who.commanders.clone(),
        1 => who.escalation.clone(),
        _ => Vec::new(),
    };
    let r = ReminderView {
        id,
        title: i.title.clone(),
        severity: i.severity.as_str().into(),
        minutes_silent: silent / 60_000,
        commander: i.commander.clone(),
        level: if stepping_up { level as u8 } else { 0 },
        escalate_to,
        war_room: i.channel_id.clone(),
    };
    let msg = ctx.config.templates.reminder(&r, ctx.locale());
    post_to_incident(conn, ctx, i, &msg, false, now).await?;
    if stepping_up && i.channel_id.is_some() {
        // Escalations are also seen in the incidents channel itself.
        if let Some(ch) = &ctx.config.incidents_channel {
            let msg = crate::shared::as_said(ctx, i, &msg);
            enqueue(conn, &OutboxItem::post(ch, &msg), now).await?;
        }
    }
    let kind = if stepping_up {
        "escalation"
    } else {
        "reminder"
    };
    let text = if stepping_up {
        format!("level {level}: {}", r.escalate_to.join(","))
    } else {
        format!("{} min without update", r.minutes_silent)
    };
    let event = if stepping_up {
        EventKind::Escalation
    } else {
        EventKind::Reminder
    };
    store::add_event(conn, id, now, "chatops", event, &text).await?;
    // The topic keeps "next update <due>": the update is still owed since then, so a reminder
    // does not rewrite it (conversations.setTopic is also a Tier 2 method).
    Ok(Some(Fired {
        kind,
        late_ms: now - due,
    }))
}

async fn fire_postmortem(ctx: &Ctx, id: i64, token: &str) -> Result<bool, sqlx::Error> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let Some(i) = store::get(&mut tx, id).await? else {
        return Ok(false);
    };
    let Some(due) = i.pm_due_at else {
        release(&mut tx, id, token, None).await?;
        tx.commit().await?;
        return Ok(false);
    };
    if i.pm_done || i.status.is_open() {
        release(&mut tx, id, token, Some("pm")).await?;
        tx.commit().await?;
        return Ok(false);
    }
    let stage = i.pm_stage;
    let cmd = &ctx.config.incident_command;
    let msg = tpl::postmortem_reminder(id, &i.title, stage.min(1) as u8, due / 1000, cmd, l);
    post_to_incident(&mut tx, ctx, &i, &msg, false, now).await?;
    store::add_event(
        &mut tx,
        id,
        now,
        "chatops",
        EventKind::PostmortemReminder,
        if stage == 0 {
            "draft due"
        } else {
            "review due"
        },
    )
    .await?;
    let next = if stage == 0 {
        Some(i.resolved_at.unwrap_or(now) + ctx.config.postmortem_reminders[1].as_millis() as i64)
            .map(|t| t.max(now + 1000))
    } else {
        None
    };
    let updated = sqlx::query(
        "UPDATE incidents SET pm_stage = $1, pm_due_at = $2, lease_token = NULL, lease_until = NULL WHERE id = $3 AND lease_token = $4",
    )
    .bind(stage + 1)
    .bind(next)
    .bind(id)
    .bind(token)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Drops our lease (and, for `pm`, the post-mortem due date that no longer applies).
async fn release(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    token: &str,
    what: Option<&str>,
) -> Result<(), sqlx::Error> {
    let sql = match what {
        Some("pm") => "UPDATE incidents SET pm_due_at = NULL, lease_token = NULL, lease_until = NULL WHERE id = $1 AND lease_token = $2",
        _ => "UPDATE incidents SET lease_token = NULL, lease_until = NULL WHERE id = $1 AND lease_token = $2",
    };
    sqlx::query(sql).bind(id).bind(token).execute(conn).await?;
    Ok(())
}

/// The earliest due time of any schedule (index lookups, no table scan).
pub async fn earliest_due(ctx: &Ctx) -> Result<Option<i64>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT (SELECT MIN(next_reminder_at) FROM incidents WHERE next_reminder_at IS NOT NULL),
                (SELECT MIN(pm_due_at) FROM incidents WHERE pm_due_at IS NOT NULL)",
    )
    .fetch_one(&ctx.store.pool)
    .await?;
    let a: Option<i64> = r.get(0);
    let b: Option<i64> = r.get(1);
    Ok(match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// The reminder loop: until `shutdown`.
pub async fn run_worker(ctx: Arc<Ctx>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let poll = ctx.config.reminder_poll;
    loop {
        if *shutdown.borrow() {
            return;
        }
        if let Err(e) = run_once(&ctx).await {
            tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "reminders: store unavailable, retrying");
        }
        let now = ctx.clock.now_ms();
        let wait = match earliest_due(&ctx).await {
            Ok(Some(due)) if due > now => Duration::from_millis((due - now) as u64).min(poll),
            // Due now but leased by another replica (or just fired): poll.
            Ok(Some(_)) => Duration::from_millis(50).max(poll / 4),
            Ok(None) | Err(_) => poll,
        };
        tokio::select! {
            _ = ctx.reminder_wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalation_ladder() {
        let c = Duration::from_secs(600);
        assert_eq!(escalation_level(599_000, c), 0);
        assert_eq!(escalation_level(1_199_000, c), 0);
        assert_eq!(escalation_level(1_200_000, c), 1);
        assert_eq!(escalation_level(2_399_000, c), 1);
        assert_eq!(escalation_level(2_400_000, c), 2);
    }
}
