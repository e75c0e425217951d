//! Privileged actions: who may, the confirmation button (single use, per user, 5 minutes),
//! and the audit trail of every request, allowed or refused, confirmed or cancelled.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::Reply;
use crate::audit::{self, AuditEntry};
use crate::Ctx;

pub const CONFIRM_TTL: Duration = Duration::from_secs(300);

/// A privileged action, stored in `confirmations.args` until confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    Pause {
        reason: String,
        handoff: bool,
    },
    Resume {
        reason: String,
        /// Put back in the queue the young messages blocked by safe mode since the pause.
        #[serde(default)]
        requeue: bool,
        /// At the prompt: how many such messages there were (the button's label).
        #[serde(default)]
        offer: Option<i64>,
    },
    JobsKill {
        id: String,
    },
    /// The `campaigns` flag.
    Campaigns {
        enabled: bool,
        reason: String,
    },
    /// One campaign `ativa` ↔ `pausada`; `id`, `label` and `from` are resolved at the prompt.
    Campaign {
        name: String,
        pause: bool,
        #[serde(default)]
        id: Option<i64>,
        #[serde(default)]
        label: Option<String>,
        #[serde(default)]
        from: Option<String>,
    },
    Restart {
        service: String,
    },
    Redeploy {
        service: String,
    },
    Rollback {
        service: String,
        deployment: Option<String>,
    },
    EvolutionRestart,
    WebhookReset,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Pause { .. } => "julia.pause",
            Action::Resume { .. } => "julia.resume",
            Action::JobsKill { .. } => "julia.jobs_kill",
            Action::Campaigns { .. } => "julia.campaigns",
            Action::Campaign { .. } => "julia.campaign",
            Action::Restart { .. } => "julia.restart",
            Action::Redeploy { .. } => "julia.redeploy",
            Action::Rollback { .. } => "julia.rollback",
            Action::EvolutionRestart => "julia.evolution_restart",
            Action::WebhookReset => "julia.webhook_reset",
        }
    }
    /// The subcommand as typed, for messages.
    pub fn command(&self) -> String {
        match self {
            Action::Pause { .. } => "pause".into(),
            Action::Resume { .. } => "resume".into(),
            Action::JobsKill { .. } => "jobs kill".into(),
            Action::Campaigns { enabled, .. } => {
                format!("campaigns {}", if *enabled { "on" } else { "off" })
            }
            Action::Campaign { pause, name, .. } => {
                format!(
                    "campaign {} {name}",
                    if *pause { "pause" } else { "resume" }
                )
            }
            Action::Restart { service } => format!("restart {service}"),
            Action::Redeploy { service } => format!("redeploy {service}"),
            Action::Rollback { service, .. } => format!("rollback {service}"),
            Action::EvolutionRestart => "evolution restart".into(),
            Action::WebhookReset => "webhook reset".into(),
        }
    }
    pub fn args(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    action: Action,
    channel: String,
    /// The second choice of a two-way prompt (`ACTION_CONFIRM_ALT`), e.g. "Resume only".
    #[serde(default)]
    alt: Option<Action>,
}

/// In `CHATOPS_ADMINS`, or a member of `CHATOPS_ADMIN_GROUP`.
pub async fn is_admin(ctx: &Ctx, user: &str) -> bool {
    if ctx.config.admins.iter().any(|a| a == user) {
        return true;
    }
    if let Some(g) = &ctx.config.admin_group {
        match ctx.slack.usergroup_members(g).await {
            Ok(m) => return m.iter().any(|u| u == user),
            Err(e) => tracing::warn!(error = %e, "admin group lookup failed"),
        }
    }
    false
}

pub async fn record(
    ctx: &Ctx,
    user: &str,
    action: &Action,
    outcome: &str,
    before: Option<String>,
    after: Option<String>,
    detail: Option<String>,
) {
    let e = AuditEntry {
        actor: user.to_string(),
        action: action.name().into(),
        args: action.args(),
        outcome: outcome.into(),
        before,
        after,
        detail,
    };
    if let Err(err) = audit::record_pool(&ctx.store.pool, &e, ctx.clock.now_ms()).await {
        tracing::error!(error = %err, action = action.name(), "audit write failed");
    }
}

/// A privileged request: permission, preconditions, then a confirmation prompt.
pub async fn request(ctx: &Arc<Ctx>, reply: &Reply, action: Action) {
    let l = ctx.locale();
    if !is_admin(ctx, &reply.user).await {
        record(
            ctx,
            &reply.user,
            &action,
            "refused",
            None,
            None,
            Some("not an admin".into()),
        )
        .await;
        let m = messages::julia::refused(
            l,
            &action.command(),
            &ctx.config.admins,
            ctx.config.admin_group.as_deref(),
        );
        reply.send(ctx, &m).await;
        return;
    }
    // Preconditions: the description of what will be done, or a message saying why not.
    let prepared = match &action {
        Action::Pause { .. } | Action::Resume { .. } => super::pause::prepare(ctx, &action).await,
        Action::JobsKill { .. } => super::jobs::prepare(ctx, &action).await,
        Action::Campaigns { .. } | Action::Campaign { .. } => {
            super::switches::prepare(ctx, &action).await
        }
        Action::Restart { .. } | Action::Redeploy { .. } | Action::Rollback { .. } => {
            super::deploys::prepare(ctx, &action).await
        }
        Action::EvolutionRestart | Action::WebhookReset => {
            super::evolution::prepare(ctx, &action).await
        }
    };
    let (what, action, before) = match prepared {
        Ok(p) => p,
        Err((outcome, before, msg)) => {
            record(
                ctx,
                &reply.user,
                &action,
                outcome,
                before,
                None,
                Some(msg.text.clone()),
            )
            .await;
            reply.send(ctx, &msg).await;
            return;
        }
    };
    let token = uuid::Uuid::new_v4().simple().to_string();
    let now = ctx.clock.now_ms();
    // A resume with blocked messages to requeue offers "Resume only" as the second choice.
    let (alt, requeue_offer) = match &action {
        Action::Resume {
            reason,
            requeue: true,
            offer: Some(n),
        } if *n > 0 => (
            Some(Action::Resume {
                reason: reason.clone(),
                requeue: false,
                offer: Some(*n),
            }),
            Some(*n),
        ),
        _ => (None, None),
    };
    let stored = Stored {
        action: action.clone(),
        channel: reply.channel.clone(),
        alt,
    };
    let r = sqlx::query(
        "INSERT INTO confirmations (token, user_id, action, args, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&token)
    .bind(&reply.user)
    .bind(action.name())
    .bind(serde_json::to_string(&stored).unwrap_or_default())
    .bind(now)
    .bind(now + CONFIRM_TTL.as_millis() as i64)
    .execute(&ctx.store.pool)
    .await;
    if let Err(e) = r {
        let m = crate::FlowError::from(e).into_msg(l);
        reply.send(ctx, &m).await;
        return;
    }
    record(ctx, &reply.user, &action, "requested", before, None, None).await;
    let j = &ctx.config.julia;
    let view = messages::julia::ConfirmView {
        what: &what,
        environment: j.app_env.as_deref().unwrap_or("(APP_ENV unset)"),
        project_ref: j
            .supabase_project_ref
            .as_deref()
            .unwrap_or("(SUPABASE_PROJECT_REF unset)"),
        token: &token,
    };
    let msg = match requeue_offer {
        Some(n) => messages::julia_pause::resume_confirm(l, &view, n),
        None => messages::julia::confirm(l, &view),
    };
    reply.send(ctx, &msg).await;
}

/// Which button of a confirmation prompt was clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Confirm,
    /// The prompt's second choice (falls back to Confirm when the prompt has none).
    Alternative,
    Cancel,
}

/// A click on Confirm, the alternative, or Cancel.
pub async fn answer(ctx: &Arc<Ctx>, reply: &Reply, token: &str, choice: Choice) {
    let confirmed = choice != Choice::Cancel;
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let (claimed, row, job) = match claim(ctx, reply, token, choice, now).await {
        Ok(c) => c,
        Err(e) => {
            let m = crate::FlowError::from(e).into_msg(l);
            reply.send(ctx, &m).await;
            return;
        }
    };
    let Some(row) = row else {
        reply
            .send(ctx, &messages::julia::confirmation_gone(l, "unknown"))
            .await;
        return;
    };
    let stored: Option<Stored> = serde_json::from_str(&row.get::<String, _>(1)).ok();
    if !claimed {
        let owner: String = row.get(0);
        let expires: i64 = row.get(2);
        let used: Option<i64> = row.get(3);
        let why = if owner != reply.user {
            "not_yours"
        } else if used.is_some() {
            "used"
        } else if expires <= now {
            "expired"
        } else {
            "unknown"
        };
        if let Some(s) = &stored {
            record(
                ctx,
                &reply.user,
                &s.action,
                &format!("rejected_click_{why}"),
                None,
                None,
                None,
            )
            .await;
        }
        reply
            .send(ctx, &messages::julia::confirmation_gone(l, why))
            .await;
        return;
    }
    let Some(mut stored) = stored else {
        reply
            .send(ctx, &messages::julia::confirmation_gone(l, "unknown"))
            .await;
        return;
    };
    if choice == Choice::Alternative {
        if let Some(alt) = stored.alt.take() {
            stored.action = alt;
        }
    }
    if !confirmed {
        record(
            ctx,
            &reply.user,
            &stored.action,
            "cancelled",
            None,
            None,
            None,
        )
        .await;
        reply
            .replace(
                ctx,
                &messages::julia::cancelled(l, &stored.action.command()),
            )
            .await;
        return;
    }
    record(
        ctx,
        &reply.user,
        &stored.action,
        "confirmed",
        None,
        None,
        None,
    )
    .await;
    // A job written with the click, run here and now; after a crash, taken over (#13).
    if let Some(id) = job {
        if let Err(e) = crate::jobs::run_job(ctx, id).await {
            tracing::warn!(job = id, error = %crate::config::redact_url(&e.to_string()), "confirmed action: the job worker will take it over");
        }
    }
}

/// Claims the confirmation (single use) and, for a confirm, writes the action's job in the same
/// transaction: (claimed, the confirmation row, the job).
async fn claim(
    ctx: &Ctx,
    reply: &Reply,
    token: &str,
    choice: Choice,
    now: i64,
) -> Result<(bool, Option<sqlx::any::AnyRow>, Option<i64>), sqlx::Error> {
    let mut tx = ctx.store.begin().await?;
    let claimed = sqlx::query(
        "UPDATE confirmations SET used_at = $1 WHERE token = $2 AND user_id = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(token)
    .bind(&reply.user)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let row = sqlx::query(
        "SELECT user_id, args, expires_at, used_at FROM confirmations WHERE token = $1",
    )
    .bind(token)
    .fetch_optional(&mut *tx)
    .await?;
    let stored: Option<Stored> = row
        .as_ref()
        .and_then(|r| serde_json::from_str(&r.get::<String, _>(1)).ok());
    let mut job = None;
    if let (true, true, Some(mut stored)) = (claimed, choice != Choice::Cancel, stored) {
        if choice == Choice::Alternative {
            if let Some(alt) = stored.alt.take() {
                stored.action = alt;
            }
        }
        let a = crate::jobs::ConfirmedAction {
            user: reply.user.clone(),
            channel: if stored.channel.is_empty() {
                reply.channel.clone()
            } else {
                stored.channel
            },
            response_url: reply.response_url.clone(),
            action: stored.action,
            confirmed_at: now,
        };
        let j = crate::jobs::Job::ConfirmedAction(Box::new(a));
        job = Some(crate::jobs::enqueue(&mut tx, ctx, &j, now).await?);
    }
    tx.commit().await?;
    Ok((claimed, row, job))
}

/// Carries out a confirmed action (from its job, [`crate::jobs::confirmed`]).
pub async fn carry_out(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    match action {
        Action::Pause { .. } | Action::Resume { .. } => {
            super::pause::execute(ctx, reply, action).await
        }
        Action::JobsKill { .. } => super::jobs::execute(ctx, reply, action).await,
        Action::Campaigns { .. } | Action::Campaign { .. } => {
            super::switches::execute(ctx, reply, action).await
        }
        Action::Restart { .. } | Action::Redeploy { .. } | Action::Rollback { .. } => {
            super::deploys::execute(ctx, reply, action).await
        }
        Action::EvolutionRestart | Action::WebhookReset => {
            super::evolution::execute(ctx, reply, action).await
        }
    }
}

/// What a precondition check returns: the description to confirm, the (maybe resolved)
/// action and the current value, or (audit outcome, before value, message).
pub type Prepared =
    Result<(String, Action, Option<String>), (&'static str, Option<String>, messages::Msg)>;
