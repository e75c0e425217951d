//! The escalation matrix: who hears of an incident at its declaration, when its severity is
//! raised, and when it is still open after a while (Fabrica's L4: 1 hour).
//!
//! Each level is a durable job (`stakeholder_notify`) written in the transaction of the change
//! (or, for `late`, due when the time is up). It reads the members of user groups from Slack,
//! then writes in one transaction, for each person or channel, a `stakeholder_notices` row
//! (unique per incident, level and recipient) and, only when that row is new, the notice's
//! outbox post; plus the war room's line naming who was notified, and the job's completion. So
//! each person hears once per incident and level, whatever the restarts and replicas.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::settings::{self, Target};
use chatops_core::jobs::{enqueue, JobError, JobResult, Lease};
use chatops_core::outbox::{self, OutboxItem};
use chatops_core::Ctx;
use incident::store::{self, Incident};
use incident::Severity;
use messages::stakeholders::{self as tpl, NoticeView};

pub const NOTIFY: &str = "stakeholder_notify";

/// The level `late`: still open after `STAKEHOLDERS_LATE_AFTER`.
pub const LATE: &str = "late";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notify {
    pub incident: i64,
    /// `P0`..`P3`, or [`LATE`].
    pub level: String,
}

/// Writes the job notifying `level`'s people (due at `at`), if the level names anyone.
pub async fn schedule(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    incident: i64,
    level: &str,
    at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let cfg = settings::of(ctx);
    let targets = match Severity::parse(level) {
        Some(s) if level != LATE => cfg.notify_of(s),
        _ => &cfg.late_notify,
    };
    if targets.is_empty() {
        return Ok(());
    }
    let job = Notify {
        incident,
        level: level.to_string(),
    };
    let id = enqueue(conn, ctx, NOTIFY, &job, now).await?;
    if at > now {
        sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The people and channels of `targets`, user groups read from Slack (in order, once each),
/// and the groups Slack would not list (with its error code).
async fn recipients(ctx: &Ctx, targets: &[Target]) -> (Vec<String>, Vec<(String, String)>) {
    let mut out: Vec<String> = Vec::new();
    let mut unread = Vec::new();
    for t in targets {
        let ids = match t {
            Target::User(u) | Target::Channel(u) => vec![u.clone()],
            Target::Group(g) => match ctx.slack.usergroup_members(g).await {
                Ok(m) => m,
                Err(e) => {
                    unread.push((g.clone(), e.code()));
                    continue;
                }
            },
        };
        for id in ids {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    (out, unread)
}

fn notice_view(ctx: &Ctx, i: &Incident, level: &str) -> NoticeView {
    NoticeView {
        id: i.id,
        title: i.title.clone(),
        severity: i.severity.as_str().into(),
        status: i.status.as_str().into(),
        commander: i.commander.clone(),
        war_room: i.channel_id.clone(),
        level: level.to_string(),
        open_minutes: (ctx.clock.now_ms() - i.started_at) / 60_000,
        drill: i.is_drill,
    }
}

/// Should `level` still be notified about `i` now?
fn still_due(ctx: &Ctx, i: &Incident, level: &str) -> bool {
    if level != LATE {
        return true;
    }
    let cfg = settings::of(ctx);
    i.status.is_open() && cfg.late_severities.contains(&i.severity)
}

pub fn run<'a>(ctx: &'a Arc<Ctx>, job: Notify, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let cfg = settings::of(ctx);
        let Some(i) = store::get_pool(&ctx.store.pool, job.incident).await? else {
            return Ok(());
        };
        if !still_due(ctx, &i, &job.level) {
            let mut tx = ctx.store.begin().await?;
            lease.complete_in(&mut tx, ctx.clock.now_ms()).await?;
            tx.commit().await?;
            return Ok(());
        }
        let targets = match Severity::parse(&job.level) {
            Some(s) if job.level != LATE => cfg.notify_of(s),
            _ => &cfg.late_notify,
        };
        let (people, unread) = recipients(ctx, targets).await;
        // A group Slack would not list is tried again; on the last attempt the others are
        // notified all the same and the war room hears which group was not.
        if let Some((g, code)) = unread.first().filter(|_| !lease.is_last_attempt()) {
            return Err(JobError::Retry(format!(
                "Slack usergroups.users.list for {g} failed ({code}); check the group exists and the bot has usergroups:read"
            )));
        }
        let now = ctx.clock.now_ms();
        let l = ctx.locale();
        let notice = tpl::notice(&notice_view(ctx, &i, &job.level), l);
        let mut tx = ctx.store.begin().await?;
        let mut reached = Vec::new();
        for who in &people {
            let r = sqlx::query(
                "INSERT INTO stakeholder_notices (incident_id, level, recipient, at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (incident_id, level, recipient) DO NOTHING",
            )
            .bind(i.id)
            .bind(&job.level)
            .bind(who)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() == 1 {
                outbox::enqueue(&mut tx, &OutboxItem::post(who, &notice), now).await?;
                reached.push(who.clone());
            }
        }
        if !reached.is_empty() {
            let line = tpl::notified(&job.level, &reached, l);
            match &i.channel_id {
                Some(w) => {
                    outbox::enqueue(&mut tx, &OutboxItem::post(w, &line), now).await?;
                }
                None => {
                    incident::shared::post_to_incident(&mut tx, ctx, &i, &line, false, now).await?
                }
            }
        }
        if !unread.is_empty() {
            let line = tpl::groups_unread(&unread, l);
            incident::shared::post_to_incident(&mut tx, ctx, &i, &line, false, now).await?;
        }
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        Ok(())
    })
}
