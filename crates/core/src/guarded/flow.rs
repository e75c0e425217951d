//! The request (permission, preconditions, prompt) and the click (claim the token once,
//! then execute or cancel).

use std::sync::Arc;
use std::time::Duration;

use super::control::{Control, Outcome};
use super::finish::{finish, record};
use super::reply::Reply;
use super::stored::{self, Stored};
use crate::jobs::ConfirmedAction;
use crate::store::confirmations::{self, Confirmation};
use crate::Ctx;

pub const CONFIRM_TTL: Duration = Duration::from_secs(300);

/// Which button of a confirmation prompt was clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Confirm,
    /// The prompt's second choice (falls back to Confirm when the prompt has none).
    Alternative,
    Cancel,
}

/// A privileged request: permission, preconditions, then a confirmation prompt (or, when
/// the preconditions say so, the action at once).
pub async fn request<A: Control>(ctx: &Arc<Ctx>, reply: &Reply, action: A) {
    let l = ctx.locale();
    if !action.allowed(ctx, &reply.user).await {
        let detail = Some("not an admin".to_string());
        let o = Outcome::new("refused").detail(detail);
        record(ctx, &reply.user, &action, o).await;
        reply.send(ctx, &action.refused(ctx)).await;
        return;
    }
    let prepared = match action.prepare(ctx).await {
        Ok(p) => p,
        Err(r) => {
            record(ctx, &reply.user, &action, r.outcome()).await;
            reply.send(ctx, &r.msg).await;
            return;
        }
    };
    if !prepared.confirm {
        return prepared.action.execute_unconfirmed(ctx, reply).await;
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let now = ctx.clock.now_ms();
    // Prompts never clicked may hold secret values: blanked once expired.
    stored::blank_expired(ctx, now).await;
    let s = Stored::new(
        prepared.action.clone(),
        reply.channel.clone(),
        prepared.alt.clone(),
    );
    let expires = now + CONFIRM_TTL.as_millis() as i64;
    let (name, args) = (prepared.action.name(), s.json());
    let r = confirmations::insert(
        &ctx.store.pool,
        &token,
        &reply.user,
        &name,
        &args,
        (now, expires),
    );
    if let Err(e) = r.await {
        reply
            .send(ctx, &crate::FlowError::from(e).into_msg(l))
            .await;
        return;
    }
    let o = Outcome::new("requested").before(prepared.before.clone());
    record(ctx, &reply.user, &prepared.action, o).await;
    reply.send(ctx, &A::prompt(ctx, &prepared, &token)).await;
}

/// A click on Confirm, the alternative, or Cancel of a prompt for an `A`.
pub async fn answer<A: Control>(ctx: &Arc<Ctx>, reply: &Reply, token: &str, choice: Choice) {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let c = match claim::<A>(ctx, reply, token, choice, now).await {
        Ok(c) => c,
        Err(e) => {
            reply
                .send(ctx, &crate::FlowError::from(e).into_msg(l))
                .await;
            return;
        }
    };
    let Some(row) = c.row else {
        return gone(ctx, reply, "unknown").await;
    };
    if !c.claimed {
        let why = why_refused(&row, &reply.user, now);
        if let Some(s) = &c.stored {
            let o = Outcome::new(format!("rejected_click_{why}"));
            record(ctx, &reply.user, &s.action, o).await;
        }
        return gone(ctx, reply, why).await;
    }
    let Some(stored) = c.stored else {
        return gone(ctx, reply, "unknown").await;
    };
    let action = chosen(&stored, choice);
    if choice == Choice::Cancel {
        let m = messages::guarded::cancelled(l, &action.describe());
        return finish(ctx, reply, &action, Outcome::new("cancelled"), &m).await;
    }
    record(ctx, &reply.user, &action, Outcome::new("confirmed")).await;
    // The job written with the click, run here and now; after a crash, taken over.
    match c.job {
        Some(id) => {
            if let Err(e) = crate::jobs::run_job(ctx, id).await {
                tracing::warn!(job = id, error = %crate::config::redact_url(&e.to_string()), "confirmed action: the job worker will take it over");
            }
        }
        None => {
            let reply = reply.in_channel(&stored.channel);
            action.execute(ctx, &reply).await;
            if stored.secrets {
                blank(ctx, token, &action, &reply.channel).await;
            }
        }
    }
}

/// Blanks the secret values of `token`'s row (a failure is logged).
async fn blank<A: Control>(ctx: &Ctx, token: &str, action: &A, channel: &str) {
    let r = async {
        let mut conn = ctx.store.pool.acquire().await?;
        stored::redact(&mut conn, token, action, channel).await
    };
    if let Err(e) = r.await {
        tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "guarded: could not blank a confirmation");
    }
}

/// What a click found: whether it claimed the token, the row, what it holds, the job written.
struct Claim<A> {
    claimed: bool,
    row: Option<Confirmation>,
    stored: Option<Stored<A>>,
    job: Option<i64>,
}

/// Claims the confirmation (single use) and, for a confirm, writes the action's job in the
/// same transaction. The secret values the row holds are blanked on a cancel; on a confirm
/// they stay (with the confirmed action only) until the job is done with them, and the job's
/// payload holds the action without them.
async fn claim<A: Control>(
    ctx: &Ctx,
    reply: &Reply,
    token: &str,
    choice: Choice,
    now: i64,
) -> Result<Claim<A>, sqlx::Error> {
    let mut tx = ctx.store.begin().await?;
    let claimed = confirmations::claim(&mut tx, token, &reply.user, now).await?;
    let row = confirmations::get(&mut tx, token).await?;
    let stored = row.as_ref().and_then(|r| Stored::<A>::read(&r.args));
    let mut job = None;
    if let (true, Some(s)) = (claimed, &stored) {
        let picked = chosen(s, choice);
        let channel = reply.in_channel(&s.channel).channel;
        if choice == Choice::Cancel {
            if s.secrets {
                stored::redact(&mut tx, token, &picked, &channel).await?;
            }
        } else {
            if s.secrets {
                stored::keep_confirmed(&mut tx, token, &picked, &channel).await?;
            }
            let c = ConfirmedAction {
                user: reply.user.clone(),
                channel,
                response_url: reply.response_url.clone(),
                action: picked.redacted(),
                confirmed_at: now,
                token: s.secrets.then(|| token.to_string()),
            };
            if let Some(kind) = A::JOB_KIND {
                job = Some(crate::jobs::enqueue(&mut tx, ctx, kind, &c, now).await?);
            }
        }
    }
    tx.commit().await?;
    Ok(Claim {
        claimed,
        row,
        stored,
        job,
    })
}

/// The action the click chose (the alternative, when the prompt has one).
fn chosen<A: Clone>(s: &Stored<A>, choice: Choice) -> A {
    match (choice, &s.alt) {
        (Choice::Alternative, Some(alt)) => alt.clone(),
        _ => s.action.clone(),
    }
}

/// Why a click did not claim its token.
fn why_refused(row: &Confirmation, user: &str, now: i64) -> &'static str {
    if row.user_id != user {
        "not_yours"
    } else if row.used_at.is_some() {
        "used"
    } else if row.expires_at <= now {
        "expired"
    } else {
        "unknown"
    }
}

async fn gone(ctx: &Ctx, reply: &Reply, why: &str) {
    let m = messages::guarded::confirmation_gone(ctx.locale(), why);
    reply.send(ctx, &m).await;
}
