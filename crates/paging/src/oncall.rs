//! The rotation, kept in the store: one row with the order, the index on call and the next
//! handoff. `ONCALL_ROTATION` seeds it and, when the list changes, the person on call stays on
//! call if still listed. Overrides (`/incident oncall set`) are rows with an end.
//!
//! A handoff is a conditional update (`WHERE next_handoff_at = <the one read>`): with two
//! replicas one of them moves the rotation and writes the DM, in one transaction.

use messages::paging as tpl;
use sqlx::{AnyConnection, Row};

use chatops_core::audit::{self, AuditEntry};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::Ctx;

/// The rotation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub members: Vec<String>,
    pub current: usize,
    pub next_handoff_at: i64,
}

/// Who is paged, now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnCall {
    pub primary: Option<String>,
    pub secondary: Option<String>,
    /// After the next handoff (the rotation's next person).
    pub next: Option<String>,
    pub override_until: Option<i64>,
    pub override_by: Option<String>,
    pub next_handoff_at: Option<i64>,
    pub members: Vec<String>,
}

fn join(m: &[String]) -> String {
    m.join(",")
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|u| !u.is_empty())
        .map(String::from)
        .collect()
}

/// The stored rotation, created from `ONCALL_ROTATION` or brought in line with it.
pub async fn rotation(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    now: i64,
) -> Result<Option<Rotation>, sqlx::Error> {
    let cfg = &crate::settings::of(ctx);
    if cfg.rotation.is_empty() {
        return Ok(None);
    }
    let read = |r: sqlx::any::AnyRow| Rotation {
        members: split(&r.get::<String, _>(0)),
        current: r.get::<i64, _>(1).max(0) as usize,
        next_handoff_at: r.get(2),
    };
    let row =
        sqlx::query("SELECT members, current, next_handoff_at FROM oncall_rotation WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else {
        let next = cfg.handoff.next_after(now, cfg.tz);
        sqlx::query(
            "INSERT INTO oncall_rotation (id, members, current, next_handoff_at, updated_at) VALUES (1, $1, 0, $2, $3)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(join(&cfg.rotation))
        .bind(next)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        let r = sqlx::query(
            "SELECT members, current, next_handoff_at FROM oncall_rotation WHERE id = 1",
        )
        .fetch_one(&mut *conn)
        .await?;
        return Ok(Some(read(r)));
    };
    let mut r = read(row);
    if r.members != cfg.rotation {
        // The list changed: whoever is on call stays on call if still listed.
        let who = r.members.get(r.current % r.members.len().max(1)).cloned();
        let current = who
            .and_then(|w| cfg.rotation.iter().position(|m| *m == w))
            .unwrap_or(0);
        sqlx::query(
            "UPDATE oncall_rotation SET members = $1, current = $2, updated_at = $3 WHERE id = 1",
        )
        .bind(join(&cfg.rotation))
        .bind(current as i64)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        r.members = cfg.rotation.clone();
        r.current = current;
    }
    Ok(Some(r))
}

/// The override in force at `now`, newest first: (user, ends_at, set_by).
async fn active_override(
    conn: &mut AnyConnection,
    now: i64,
) -> Result<Option<(String, i64, String)>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT user_id, ends_at, set_by FROM oncall_overrides WHERE starts_at <= $1 AND ends_at > $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.get(0), r.get(1), r.get(2))))
}

/// Who is on call at `now`: the override, else the rotation's current person; the secondary
/// is the next person in the rotation (the rotation's current one under an override).
pub async fn who(conn: &mut AnyConnection, ctx: &Ctx, now: i64) -> Result<OnCall, sqlx::Error> {
    let rot = rotation(conn, ctx, now).await?;
    let ov = active_override(conn, now).await?;
    let mut o = OnCall::default();
    if let Some(r) = &rot {
        let n = r.members.len();
        let at = |k: usize| r.members.get((r.current + k) % n).cloned();
        o.members = r.members.clone();
        o.next_handoff_at = Some(r.next_handoff_at);
        o.primary = at(0);
        o.next = if n > 1 { at(1) } else { None };
        o.secondary = o.next.clone();
    }
    if let Some((user, until, by)) = ov {
        let rotation_person = o.primary.take();
        o.secondary = match rotation_person {
            Some(p) if p != user => Some(p),
            _ => o.next.clone().filter(|n| *n != user),
        };
        o.primary = Some(user);
        o.override_until = Some(until);
        o.override_by = Some(by);
    }
    Ok(o)
}

/// `/incident oncall set @user [until]`: an audited override, announced and DMed, in one
/// transaction. `until` None: until the next regular handoff (24 h without a rotation).
pub async fn set_override(
    ctx: &Ctx,
    actor: &str,
    user: &str,
    until: Option<i64>,
) -> Result<messages::Msg, sqlx::Error> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let before = who(&mut tx, ctx, now).await?;
    let until = until.or(before.next_handoff_at).unwrap_or(now + 86_400_000);
    // Overrides still running end now (without their end-of-override DM: this one replaces it).
    sqlx::query("UPDATE oncall_overrides SET ends_at = $1, notified = 2 WHERE ends_at > $1")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO oncall_overrides (user_id, starts_at, ends_at, set_by, notified, created_at) VALUES ($1, $2, $3, $4, 1, $2)",
    )
    .bind(user)
    .bind(now)
    .bind(until)
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: actor.into(),
            action: "oncall.override".into(),
            args: user.into(),
            outcome: "ok".into(),
            before: before.primary.clone(),
            after: Some(user.into()),
            detail: Some(format!("until {until}")),
        },
        now,
    )
    .await?;
    let msg = tpl::override_set(user, until / 1000, actor, l);
    if before.primary.as_deref() != Some(user) {
        enqueue(
            &mut tx,
            &OutboxItem::post(user, &tpl::handoff_dm(Some(until / 1000), l)),
            now,
        )
        .await?;
    }
    if let Some(ch) = &ctx.config.incidents_channel {
        enqueue(&mut tx, &OutboxItem::post(ch, &msg), now).await?;
    }
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(msg)
}

/// Regular handoffs that are due (once, whichever replica gets there first) and overrides that
/// ended: the rotation moves and the person now on call gets a DM. Returns how many.
pub async fn run_handoffs(ctx: &Ctx) -> Result<usize, sqlx::Error> {
    if crate::settings::of(ctx).rotation.is_empty() {
        return Ok(0);
    }
    let mut n = 0;
    let now = ctx.clock.now_ms();
    // A read first: the write transaction (SQLite's write lock) only when a handoff is due.
    let due: Option<i64> =
        sqlx::query_scalar("SELECT next_handoff_at FROM oncall_rotation WHERE id = 1")
            .fetch_optional(&ctx.store.pool)
            .await?;
    if due.is_none_or(|d| d <= now) {
        let mut tx = ctx.store.begin().await?;
        if let Some(r) = rotation(&mut tx, ctx, now).await? {
            if r.next_handoff_at <= now {
                n += handoff(&mut tx, ctx, &r, now).await?;
            }
        }
        tx.commit().await?;
    }
    n += end_overrides(ctx, now).await?;
    Ok(n)
}

async fn handoff(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    r: &Rotation,
    now: i64,
) -> Result<usize, sqlx::Error> {
    let cfg = &crate::settings::of(ctx);
    // A bot that was down for several handoffs moves as many places, and DMs once.
    let (mut next, mut steps) = (r.next_handoff_at, 0usize);
    while next <= now && steps < 1000 {
        next = cfg.handoff.next_after(next, cfg.tz);
        steps += 1;
    }
    let current = (r.current + steps) % r.members.len().max(1);
    let moved = sqlx::query(
        "UPDATE oncall_rotation SET current = $1, next_handoff_at = $2, updated_at = $3 WHERE id = 1 AND next_handoff_at = $4",
    )
    .bind(current as i64)
    .bind(next)
    .bind(now)
    .bind(r.next_handoff_at)
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() != 1 {
        return Ok(0);
    }
    let from = r.members.get(r.current % r.members.len().max(1)).cloned();
    let to = r.members[current].clone();
    audit::record(
        conn,
        &AuditEntry {
            actor: "chatops".into(),
            action: "oncall.handoff".into(),
            args: String::new(),
            outcome: "ok".into(),
            before: from,
            after: Some(to.clone()),
            detail: None,
        },
        now,
    )
    .await?;
    // Under an override the person taking over is told when the override ends.
    if active_override(conn, now).await?.is_none() {
        let dm = tpl::handoff_dm(Some(next / 1000), ctx.locale());
        enqueue(conn, &OutboxItem::post(&to, &dm), now).await?;
    }
    Ok(1)
}

/// Overrides that ended: marked (once) and the person now on call told.
async fn end_overrides(ctx: &Ctx, now: i64) -> Result<usize, sqlx::Error> {
    let ended: Vec<(i64, String)> = sqlx::query(
        "SELECT id, user_id FROM oncall_overrides WHERE notified = 1 AND ends_at <= $1 ORDER BY id",
    )
    .bind(now)
    .fetch_all(&ctx.store.pool)
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    let mut n = 0;
    for (id, user) in ended {
        let mut tx = ctx.store.begin().await?;
        let marked =
            sqlx::query("UPDATE oncall_overrides SET notified = 2 WHERE id = $1 AND notified = 1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if marked.rows_affected() != 1 {
            continue;
        }
        let o = who(&mut tx, ctx, now).await?;
        audit::record(
            &mut tx,
            &AuditEntry {
                actor: "chatops".into(),
                action: "oncall.override_ended".into(),
                args: user.clone(),
                outcome: "ok".into(),
                before: Some(user.clone()),
                after: o.primary.clone(),
                detail: None,
            },
            now,
        )
        .await?;
        if let Some(p) = o.primary.filter(|p| *p != user) {
            let until = o.override_until.or(o.next_handoff_at).map(|t| t / 1000);
            enqueue(
                &mut tx,
                &OutboxItem::post(&p, &tpl::handoff_dm(until, ctx.locale())),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// What `/incident oncall` shows.
pub async fn view(ctx: &Ctx) -> Result<tpl::OncallView, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let mut conn = ctx.store.pool.acquire().await?;
    let o = who(&mut conn, ctx, now).await?;
    let cfg = &crate::settings::of(ctx);
    Ok(tpl::OncallView {
        now: o.primary,
        override_until: o.override_until.map(|t| t / 1000),
        override_by: o.override_by,
        next: o.next,
        handoff_at: o.next_handoff_at.map(|t| t / 1000),
        handoff_rule: cfg.handoff.describe(),
        tz: cfg.tz.name().to_string(),
        rotation: o.members,
    })
}
