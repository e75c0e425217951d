//! Management updates, by Slack (the severity's stakeholder channel) and by email: at the
//! declaration, at each public or stakeholder update, at the resolution, and on a cadence while
//! the incident is open. Written for people who are not engineers: the title, status,
//! duration, the impact in the words of the latest public or stakeholder update (never the
//! war room's), and when they hear next.
//!
//! The cadence is a durable job (`stakeholder_cadence`) due at the next update time; every
//! update plans the next one, and the job only fires while its due time is still the one
//! planned, in the transaction that writes the update and completes the job: exactly once.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::{mail, settings, state};
use chatops_core::jobs::{enqueue, JobResult, Lease};
use chatops_core::outbox::{self, OutboxItem};
use chatops_core::Ctx;
use incident::store::{self, Incident};
use messages::stakeholders::{self as tpl, UpdateKind, UpdateView};

pub const CADENCE: &str = "stakeholder_cadence";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cadence {
    pub incident: i64,
    /// The planned time (ms): a job whose time is no longer the planned one does nothing.
    pub due: i64,
}

/// Where one update went.
#[derive(Debug, Default, Clone)]
pub struct Sent {
    pub channel: Option<String>,
    pub mails: usize,
}

/// Writes a management update of `i` (post, mail and the next one planned) in the caller's
/// transaction. Nothing when the severity has no stakeholder channel and no addresses.
pub async fn write(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    kind: UpdateKind,
    now: i64,
) -> Result<Sent, sqlx::Error> {
    let cfg = settings::of(ctx);
    let sev = i.severity;
    // A drill's Slack update goes to its war room (to be reviewed), never to management.
    let channel = if i.is_drill {
        i.channel_id.clone()
    } else {
        cfg.channel[sev.index()].clone()
    };
    let to = cfg.mail_to(sev, i.is_drill);
    if channel.is_none() && to.is_empty() {
        return Ok(Sent::default());
    }
    state::ensure(conn, i.id, sev).await?;
    let st = state::get(conn, i.id).await?;
    let open = kind != UpdateKind::Resolved && i.status.is_open();
    let next = if open {
        cfg.cadence_of(sev).map(|c| now + c.as_millis() as i64)
    } else {
        None
    };
    let l = ctx.locale();
    let view = UpdateView {
        id: i.id,
        kind,
        title: i.title.clone(),
        severity: sev.as_str().into(),
        status: i.status.as_str().into(),
        started_at: i.started_at / 1000,
        until: i.resolved_at.unwrap_or(now) / 1000,
        impact: st.and_then(|s| s.impact),
        next_update_at: next.map(|t| t / 1000),
        drill: i.is_drill,
    };
    let text = crate::privacy::mask_phones(&ctx.config.templates.stakeholder(&view, l));
    if let Some(ch) = &channel {
        outbox::enqueue(conn, &OutboxItem::post(ch, &tpl::update_slack(&text)), now).await?;
    }
    if !to.is_empty() {
        let m = mail::Draft {
            incident: i.id,
            to: to.to_vec(),
            subject: crate::privacy::mask_phones(&view.subject(l)),
            text: text.clone(),
            html: tpl::update_html(&text, l),
        };
        mail::write(conn, ctx, &m, now).await?;
    }
    state::set_next(conn, i.id, next).await?;
    if let Some(due) = next {
        let id = enqueue(
            conn,
            ctx,
            CADENCE,
            &Cadence {
                incident: i.id,
                due,
            },
            now,
        )
        .await?;
        sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2")
            .bind(due)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(Sent {
        channel,
        mails: to.len(),
    })
}

/// A public or stakeholder text: it becomes the impact management reads, then the update.
pub async fn with_text(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    text: &str,
    now: i64,
) -> Result<Sent, sqlx::Error> {
    state::ensure(conn, i.id, i.severity).await?;
    state::set_impact(conn, i.id, text.trim(), now).await?;
    let kind = if i.status.is_open() {
        UpdateKind::Update
    } else {
        UpdateKind::Resolved
    };
    write(conn, ctx, i, kind, now).await
}

pub fn run<'a>(ctx: &'a Arc<Ctx>, job: Cadence, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        if state::take_due(&mut tx, job.incident, job.due).await? {
            if let Some(i) = store::get(&mut tx, job.incident).await? {
                if i.status.is_open() {
                    write(&mut tx, ctx, &i, UpdateKind::Cadence, now).await?;
                }
            }
        }
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        Ok(())
    })
}
