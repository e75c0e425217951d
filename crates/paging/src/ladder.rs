//! The paging ladder of one incident: step 0 the primary on call (after the ack window),
//! step 1 the secondary (another window later), step 2 the commanders, step 3 "nobody
//! acknowledged". Firing a step writes its pages (unique per incident, step and person) and
//! the next due time in one transaction, conditional on the lease and on the step read, so a
//! step fires once whatever the replicas and restarts.

use messages::paging as tpl;
use sqlx::{AnyConnection, Row};

use super::{claim_sql, oncall, post_to_room};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::Ctx;
use incident::store::{self, Incident};
use incident::Severity;

/// The last step that pages people (the commanders).
pub const LAST_STEP: i64 = 2;
/// The step that says nobody acknowledged, then stops.
const EXHAUSTED: i64 = 3;

/// The ack window of a severity, in milliseconds (`None`: off).
pub fn window_ms(ctx: &Ctx, sev: Severity) -> Option<i64> {
    crate::settings::of(ctx).ack[sev.index()].map(|d| d.as_millis() as i64)
}

/// Called in the declaration's transaction: the ladder starts, due after the ack window.
pub async fn on_declared(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    id: i64,
    sev: Severity,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(w) = window_ms(ctx, sev) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO pager_ladders (incident_id, severity, step, due_at, created_at) VALUES ($1, $2, 0, $3, $4)
         ON CONFLICT (incident_id) DO NOTHING",
    )
    .bind(id)
    .bind(sev.as_str())
    .bind(now + w)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Called in a severity change's transaction: a severity that now has a window starts (or
/// hurries) the ladder of an incident nobody has acknowledged, counted from now.
pub async fn on_severity(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    id: i64,
    sev: Severity,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(w) = window_ms(ctx, sev) else {
        // No window any more: the next firing stops the ladder.
        return Ok(());
    };
    if is_acked(conn, id).await? {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO pager_ladders (incident_id, severity, step, due_at, created_at) VALUES ($1, $2, 0, $3, $4)
         ON CONFLICT (incident_id) DO UPDATE SET due_at = excluded.due_at, severity = excluded.severity
         WHERE pager_ladders.due_at IS NULL AND pager_ladders.step = 0",
    )
    .bind(id)
    .bind(sev.as_str())
    .bind(now + w)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE pager_ladders SET due_at = $1, severity = $2 WHERE incident_id = $3 AND due_at > $1")
        .bind(now + w)
        .bind(sev.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Called with the declaration's posts: the on-call is mentioned where the incident lives.
pub async fn declared_notice(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    now: i64,
) -> Result<(), sqlx::Error> {
    // Only where paging applies: a severity without an ack window pages nobody.
    let Some(window) = window_ms(ctx, i.severity).map(|w| w / 1000) else {
        return Ok(());
    };
    let o = oncall::who(conn, ctx, now).await?;
    let Some(p) = o.primary else {
        return Ok(());
    };
    let window = Some(window);
    post_to_room(
        conn,
        ctx,
        i,
        &tpl::oncall_notice(i.id, &p, window, ctx.locale()),
        now,
    )
    .await
}

/// The commanders: `COMMANDER_USERS` plus the members of `COMMANDER_USERGROUP`.
async fn commanders(ctx: &Ctx) -> Vec<String> {
    let mut out = ctx.config.commander_users.clone();
    if let Some(g) = &ctx.config.commander_usergroup {
        match ctx.slack.usergroup_members(g).await {
            Ok(m) => out.extend(m),
            Err(e) => {
                tracing::warn!(group = %g, error = %e, "paging: could not read COMMANDER_USERGROUP")
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|u| seen.insert(u.clone()));
    out
}

/// Claims and fires every due step. Returns how many fired.
pub async fn fire_due(ctx: &Ctx) -> Result<usize, sqlx::Error> {
    let token = uuid::Uuid::new_v4().to_string();
    let now = ctx.clock.now_ms();
    let lease_until = now + crate::settings::of(ctx).lease.as_millis() as i64;
    let sql = claim_sql(
        ctx,
        "pager_ladders",
        "incident_id",
        "due_at",
        "due_at IS NOT NULL",
        "incident_id, step, due_at",
    );
    let claimed: Vec<(i64, i64, i64)> = sqlx::query(&sql)
        .bind(&token)
        .bind(lease_until)
        .bind(now)
        .fetch_all(&ctx.store.pool)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    if claimed.is_empty() {
        return Ok(0);
    }
    let commanders = if claimed.iter().any(|c| c.1 == LAST_STEP) {
        commanders(ctx).await
    } else {
        Vec::new()
    };
    let mut fired = 0;
    for (id, step, due) in claimed {
        match fire_step(ctx, id, step, due, &token, &commanders).await {
            Ok(true) => fired += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(incident = id, step, error = %chatops_core::config::redact_url(&e.to_string()), "paging step not fired; the lease will expire and it will be retried")
            }
        }
    }
    Ok(fired)
}

/// Stops the ladder (acknowledged, resolved, or no window any more).
pub async fn stop(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE pager_ladders SET due_at = NULL, lease_token = NULL, lease_until = NULL WHERE incident_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn is_acked(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("SELECT acked_at FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(r.and_then(|r| r.get::<Option<i64>, _>(0)).is_some())
}

/// The people of a step.
async fn targets(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    step: i64,
    commanders: &[String],
    now: i64,
) -> Result<Vec<String>, sqlx::Error> {
    Ok(match step {
        0 => oncall::who(conn, ctx, now)
            .await?
            .primary
            .into_iter()
            .collect(),
        1 => oncall::who(conn, ctx, now)
            .await?
            .secondary
            .into_iter()
            .collect(),
        _ => commanders.to_vec(),
    })
}

async fn fire_step(
    ctx: &Ctx,
    id: i64,
    step: i64,
    due: i64,
    token: &str,
    commanders: &[String],
) -> Result<bool, sqlx::Error> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let i = store::get(&mut tx, id).await?;
    let window = i.as_ref().and_then(|i| window_ms(ctx, i.severity));
    let (Some(i), Some(window)) = (i, window) else {
        stop(&mut tx, id).await?;
        tx.commit().await?;
        return Ok(false);
    };
    // A drill that does not page (turned into one after its declaration, `drill on`) stops too.
    if !i.status.is_open() || is_acked(&mut tx, id).await? || !pages(&mut tx, id).await? {
        stop(&mut tx, id).await?;
        tx.commit().await?;
        return Ok(false);
    }
    // The step and its due time as claimed, and still our lease: else someone else fired it.
    let (next_step, next_due) = if step >= EXHAUSTED {
        (step, None)
    } else {
        (step + 1, Some(now + window))
    };
    let moved = sqlx::query(
        "UPDATE pager_ladders SET step = $1, due_at = $2, lease_token = NULL, lease_until = NULL
         WHERE incident_id = $3 AND lease_token = $4 AND step = $5 AND due_at = $6",
    )
    .bind(next_step)
    .bind(next_due)
    .bind(id)
    .bind(token)
    .bind(step)
    .bind(due)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    if step >= EXHAUSTED {
        let msg = tpl::ladder_exhausted(id, l);
        post_to_room(&mut tx, ctx, &i, &msg, now).await?;
        if let (Some(ch), Some(_)) = (&ctx.config.incidents_channel, &i.channel_id) {
            enqueue(&mut tx, &OutboxItem::post(ch, &msg), now).await?;
        }
        store::add_event(
            &mut tx,
            id,
            now,
            "chatops",
            incident::timeline::EventKind::PagingExhausted,
            "nobody acknowledged",
        )
        .await?;
        tx.commit().await?;
        return Ok(true);
    }
    let people = targets(&mut tx, ctx, step, commanders, now).await?;
    if people.is_empty() {
        // Nobody at this step: say so and go on at once.
        post_to_room(&mut tx, ctx, &i, &tpl::nobody_at_step(step, l), now).await?;
        sqlx::query("UPDATE pager_ladders SET due_at = $1 WHERE incident_id = $2 AND step = $3")
            .bind(now)
            .bind(id)
            .bind(next_step)
            .execute(&mut *tx)
            .await?;
    }
    for u in &people {
        sqlx::query(
            "INSERT INTO pages (incident_id, step, user_id, state, next_attempt_at, created_at) VALUES ($1, $2, $3, 'pending', $4, $4)
             ON CONFLICT (incident_id, step, user_id) DO NOTHING",
        )
        .bind(id)
        .bind(step)
        .bind(u)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Whether incident `id` pages phones: a real incident does, a drill only with `--page`.
pub async fn pages(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT is_drill, drill_pages FROM incidents WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_none_or(|r| r.get::<i64, _>(0) == 0 || r.get::<i64, _>(1) != 0))
}
