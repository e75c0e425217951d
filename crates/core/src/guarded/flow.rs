//! The request (permission, preconditions, prompt) and the click (claim the token once,
//! then execute or cancel).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{is_admin, record, Control, Outcome, Reply};
use crate::jobs::ConfirmedAction;
use crate::store::confirmations::{self, Confirmation};
use crate::Ctx;

pub const CONFIRM_TTL: Duration = Duration::from_secs(300);

/// What `confirmations.args` holds until the click.
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(deserialize = "A: serde::de::DeserializeOwned"))]
struct Stored<A> {
    action: A,
    channel: String,
    /// The second choice of a two-way prompt, e.g. "Resume only".
    #[serde(default)]
    alt: Option<A>,
}

/// Which button of a confirmation prompt was clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Confirm,
    /// The prompt's second choice (falls back to Confirm when the prompt has none).
    Alternative,
    Cancel,
}

/// A privileged request: permission, preconditions, then a confirmation prompt.
pub async fn request<A: Control>(ctx: &Arc<Ctx>, reply: &Reply, action: A) {
    let l = ctx.locale();
    if !is_admin(ctx, &reply.user).await {
        let detail = Some("not an admin".to_string());
        record(
            ctx,
            &reply.user,
            &action,
            Outcome::new("refused").detail(detail),
        )
        .await;
        let m = messages::guarded::refused(
            l,
            &action.describe(),
            &ctx.config.admins,
            ctx.config.admin_group.as_deref(),
        );
        reply.send(ctx, &m).await;
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
    let token = uuid::Uuid::new_v4().simple().to_string();
    let now = ctx.clock.now_ms();
    let stored = Stored {
        action: prepared.action.clone(),
        channel: reply.channel.clone(),
        alt: prepared.alt.clone(),
    };
    let args = serde_json::to_string(&stored).unwrap_or_default();
    let expires = now + CONFIRM_TTL.as_millis() as i64;
    let name = prepared.action.name();
    let r = confirmations::insert(
        &ctx.store.pool,
        &token,
        &reply.user,
        name,
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
    let action = stored.chosen(choice);
    if choice == Choice::Cancel {
        let m = messages::guarded::cancelled(l, &action.describe());
        return super::finish(ctx, reply, &action, Outcome::new("cancelled"), &m).await;
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
            action
                .execute(ctx, &reply.in_channel(&stored.channel))
                .await
        }
    }
}

/// What a click found: whether it claimed the token, the row, what it holds, the job written.
struct Claim<A> {
    claimed: bool,
    row: Option<Confirmation>,
    stored: Option<Stored<A>>,
    job: Option<i64>,
}

impl<A: Clone> Stored<A> {
    /// The action the click chose (the alternative, when the prompt has one).
    fn chosen(&self, choice: Choice) -> A {
        match (choice, &self.alt) {
            (Choice::Alternative, Some(alt)) => alt.clone(),
            _ => self.action.clone(),
        }
    }
}

/// Claims the confirmation (single use) and, for a confirm, writes the action's job in the
/// same transaction.
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
    let stored: Option<Stored<A>> = row
        .as_ref()
        .and_then(|r| serde_json::from_str(&r.args).ok());
    let mut job = None;
    if let (true, true, Some(s)) = (claimed, choice != Choice::Cancel, &stored) {
        let c = ConfirmedAction {
            user: reply.user.clone(),
            channel: reply.in_channel(&s.channel).channel,
            response_url: reply.response_url.clone(),
            action: s.chosen(choice),
            confirmed_at: now,
        };
        if let Some(kind) = A::JOB_KIND {
            job = Some(crate::jobs::enqueue(&mut tx, ctx, kind, &c, now).await?);
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
