//! The confirmation of a runbook action: a single-use row in `confirmations` (the requester
//! only, 5 minutes), then on the click the guard again and the action. The stored copy keeps
//! secret values only until the click.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::args::Args;
use super::catalog::{Action, System};
use super::exec;
use super::flow::{audit_name, execute, guard_refusal, record};
use chatops_core::audit::{self, AuditEntry};
use chatops_core::guarded::Reply;
use chatops_core::Ctx;

const CONFIRM_TTL_MS: i64 = 300_000;

/// What a confirmation row holds until the click.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Stored {
    pub(super) system: String,
    pub(super) action: String,
    pub(super) args: Args,
    pub(super) channel: String,
    /// The current value shown at the prompt (scale checks it has not moved).
    pub(super) expected: Option<String>,
}

/// The confirmation prompt: the row (single use, 5 minutes), the audit entry, the button.
pub(super) async fn prompt(
    ctx: &Arc<Ctx>,
    reply: &Reply,
    sys: &System,
    act: &Action,
    args: &Args,
    expected: Option<String>,
) {
    let l = ctx.locale();
    let (system, action) = (sys.name.as_str(), act.name.as_str());
    let name = audit_name(system, action);
    let token = uuid::Uuid::new_v4().simple().to_string();
    let now = ctx.clock.now_ms();
    // Prompts never clicked may hold secret values: blanked once expired.
    let _ = sqlx::query(
        "UPDATE confirmations SET args = '{}' WHERE action LIKE 'ops.%' AND used_at IS NULL AND expires_at <= $1 AND args <> '{}'",
    )
    .bind(now)
    .execute(&ctx.store.pool)
    .await;
    let stored = Stored {
        system: system.into(),
        action: action.into(),
        args: args.clone(),
        channel: reply.channel.clone(),
        expected: expected.clone(),
    };
    let r = sqlx::query(
        "INSERT INTO confirmations (token, user_id, action, args, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token)
    .bind(&reply.user)
    .bind(&name)
    .bind(serde_json::to_string(&stored).unwrap_or_default())
    .bind(now)
    .bind(now + CONFIRM_TTL_MS)
    .execute(&ctx.store.pool)
    .await;
    if let Err(e) = r {
        return reply
            .send(ctx, &chatops_core::FlowError::from(e).into_msg(l))
            .await;
    }
    let e = AuditEntry {
        actor: reply.user.clone(),
        action: name,
        args: args.shown(),
        outcome: "requested".into(),
        before: expected.clone(),
        ..AuditEntry::default()
    };
    if let Err(err) = audit::record_pool(&ctx.store.pool, &e, now).await {
        tracing::error!(error = %err, "audit write failed");
    }
    let what = exec::describe(system, act, args);
    let msg = messages::ops::confirm(l, &what, expected.as_deref(), &token);
    reply.send(ctx, &msg).await;
}

/// Blanks the secret values of the stored request (after the click: nothing needs them).
pub(super) async fn redact(conn: &mut sqlx::AnyConnection, token: &str, stored: &Stored) {
    let redacted = Stored {
        system: stored.system.clone(),
        action: stored.action.clone(),
        args: stored.args.redacted(),
        channel: stored.channel.clone(),
        expected: stored.expected.clone(),
    };
    let r = sqlx::query("UPDATE confirmations SET args = $1 WHERE token = $2")
        .bind(serde_json::to_string(&redacted).unwrap_or_default())
        .bind(token)
        .execute(conn)
        .await;
    if let Err(e) = r {
        tracing::warn!(error = %chatops_core::config::redact_url(&e.to_string()), "ops: could not blank a confirmation");
    }
}

/// The stored request of a confirmation (for the job that carries it out).
pub(super) async fn stored(ctx: &Ctx, token: &str) -> Result<Option<Stored>, sqlx::Error> {
    let row = sqlx::query("SELECT args FROM confirmations WHERE token = $1")
        .bind(token)
        .fetch_optional(&ctx.store.pool)
        .await?;
    Ok(row.and_then(|r| serde_json::from_str(&r.get::<String, _>(0)).ok()))
}

/// Claims the row for this click (single use, the requester only, not expired) and, for a
/// confirm, writes the job that carries it out, in one transaction: the stored request and the
/// job, or why not. The secret values stay in the row until the job is done with them.
async fn claim(
    ctx: &Ctx,
    reply: &Reply,
    token: &str,
    confirmed: bool,
) -> Result<(Stored, Option<i64>), messages::Msg> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let gone = |why: &str| messages::guarded::confirmation_gone(l, why);
    let store_err = |e: sqlx::Error| chatops_core::FlowError::from(e).into_msg(l);
    let mut tx = ctx.store.begin().await.map_err(store_err)?;
    let claimed = sqlx::query(
        "UPDATE confirmations SET used_at = $1 WHERE token = $2 AND user_id = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(token)
    .bind(&reply.user)
    .execute(&mut *tx)
    .await
    .map_err(store_err)?
    .rows_affected()
        == 1;
    let row = sqlx::query(
        "SELECT user_id, args, expires_at, used_at FROM confirmations WHERE token = $1",
    )
    .bind(token)
    .fetch_optional(&mut *tx)
    .await
    .map_err(store_err)?
    .ok_or_else(|| gone("unknown"))?;
    if !claimed {
        let why = if row.get::<String, _>(0) != reply.user {
            "not_yours"
        } else if row.get::<Option<i64>, _>(3).is_some() {
            "used"
        } else if row.get::<i64, _>(2) <= now {
            "expired"
        } else {
            "unknown"
        };
        return Err(gone(why));
    }
    let stored: Stored =
        serde_json::from_str(&row.get::<String, _>(1)).map_err(|_| gone("unknown"))?;
    let mut job = None;
    if confirmed {
        let j = super::job::OpsConfirmed {
            token: token.to_string(),
            user: reply.user.clone(),
            channel: if stored.channel.is_empty() {
                reply.channel.clone()
            } else {
                stored.channel.clone()
            },
            response_url: reply.response_url.clone(),
            confirmed_at: now,
        };
        job = Some(
            chatops_core::jobs::enqueue(&mut tx, ctx, super::job::OPS_CONFIRMED, &j, now)
                .await
                .map_err(store_err)?,
        );
    } else {
        redact(&mut tx, token, &stored).await;
    }
    tx.commit().await.map_err(store_err)?;
    Ok((stored, job))
}

/// A click on Confirm or Cancel. A confirm is a job written with the click and run here and
/// now; after a crash another process takes it over and never repeats it blindly.
pub async fn answer(ctx: &Arc<Ctx>, reply: &Reply, token: &str, confirmed: bool) {
    let l = ctx.locale();
    let (stored, job) = match claim(ctx, reply, token, confirmed).await {
        Ok(s) => s,
        Err(m) => return reply.send(ctx, &m).await,
    };
    let name = audit_name(&stored.system, &stored.action);
    let command = format!("{} {}", stored.system, stored.action);
    if !confirmed {
        record(ctx, &reply.user, &name, &stored.args, "cancelled", None).await;
        return reply
            .replace(ctx, &messages::guarded::cancelled(l, &command))
            .await;
    }
    record(ctx, &reply.user, &name, &stored.args, "confirmed", None).await;
    if let Some(id) = job {
        if let Err(e) = chatops_core::jobs::run_job(ctx, id).await {
            tracing::warn!(job = id, error = %chatops_core::config::redact_url(&e.to_string()), "ops: the job worker will take the confirmed action over");
        }
    }
}

/// Carries out a confirmed request (from its job): the guard again, then the action.
pub(super) async fn carry_out(ctx: &Arc<Ctx>, reply: &Reply, stored: &Stored) {
    let l = ctx.locale();
    let name = audit_name(&stored.system, &stored.action);
    let Some(catalog) = crate::settings::of(ctx).catalog.clone() else {
        return;
    };
    let (Some(sys), Some(act)) = (
        catalog.system(&stored.system),
        catalog
            .system(&stored.system)
            .and_then(|s| s.action(&stored.action)),
    ) else {
        return reply
            .send(ctx, &messages::guarded::confirmation_gone(l, "unknown"))
            .await;
    };
    // The guard must still hold right before the write.
    if let Some(m) = guard_refusal(ctx, sys, act).await {
        record(
            ctx,
            &reply.user,
            &name,
            &stored.args,
            "refused_guard",
            Some(m.text.clone()),
        )
        .await;
        return reply.replace(ctx, &m).await;
    }
    execute(
        ctx,
        sys,
        act,
        reply,
        &stored.args,
        stored.expected.as_deref(),
        true,
    )
    .await;
}
