//! Recovery posts written after the change that causes them commits (`recovery_post` jobs), so
//! they follow the incident's own message (the update, the resolution) in the war room: the
//! recovery objectives when components are named, the recovery times when they are back, the
//! watches started by the move to Monitoring, and the report after the resolution.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::clocks;
use crate::where_to::post_in_room;
use chatops_core::jobs::{enqueue, JobResult, Lease};
use chatops_core::Ctx;
use incident::shared::key;
use incident::store;
use messages::recovery as words;
use messages::Msg;

pub const RECOVERY_POST: &str = "recovery_post";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "post", rename_all = "snake_case")]
pub enum Post {
    /// Each clock's RTO and when it must be back.
    Objectives { incident: i64, clocks: Vec<i64> },
    /// These clocks stopped: recovery times against the RTO.
    Recovered {
        incident: i64,
        clocks: Vec<i64>,
        by: String,
    },
    /// The stability watches the move to Monitoring started.
    Watches {
        incident: i64,
        started: crate::watch::Started,
    },
    /// After the resolution: every clock of the incident.
    Report { incident: i64 },
}

/// Writes the post's job in the caller's transaction.
pub async fn later(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    post: &Post,
    now: i64,
) -> Result<(), sqlx::Error> {
    enqueue(conn, ctx, RECOVERY_POST, post, now)
        .await
        .map(|_| ())
}

fn incident_of(p: &Post) -> i64 {
    match p {
        Post::Objectives { incident, .. }
        | Post::Recovered { incident, .. }
        | Post::Watches { incident, .. }
        | Post::Report { incident } => *incident,
    }
}

async fn render(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &store::Incident,
    p: &Post,
    now: i64,
) -> Result<Option<Msg>, sqlx::Error> {
    let l = ctx.locale();
    let k = key(i);
    let views = |cs: Vec<clocks::Clock>| cs.iter().map(|c| c.view(ctx)).collect::<Vec<_>>();
    Ok(match p {
        Post::Objectives { clocks: ids, .. } => {
            let cs = views(clocks::with_ids(conn, ids).await?);
            (!cs.is_empty()).then(|| words::objectives(&k, i.is_drill, &cs, l))
        }
        Post::Recovered {
            clocks: ids, by, ..
        } => {
            let cs = views(clocks::with_ids(conn, ids).await?);
            (!cs.is_empty()).then(|| words::recovered(&k, by, i.is_drill, &cs, l))
        }
        Post::Watches { started, .. } => {
            let cfg = crate::settings::of(ctx);
            let length = cfg.watch.map(|d| d.as_secs() as i64).unwrap_or_default();
            Some(words::watch_started(
                &k,
                i.is_drill,
                &started.watching,
                &started.not_watched(),
                cfg.interval.as_secs() as i64,
                length,
                l,
            ))
        }
        Post::Report { .. } => {
            let cs = views(clocks::of_incident(conn, i.id).await?);
            let (t, d) = (now / 1000, i.is_drill);
            let vars = words::report_context(&k, d, &cs, t, l);
            let custom = ctx.config.templates.recovery("recovery_report", &vars);
            (!cs.is_empty()).then(|| custom.unwrap_or_else(|| words::report(&k, d, &cs, t, l)))
        }
    })
}

pub(crate) fn run<'a>(ctx: &'a Arc<Ctx>, job: Post, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        if let Some(i) = store::get(&mut tx, incident_of(&job)).await? {
            if let Some(msg) = render(&mut tx, ctx, &i, &job, now).await? {
                post_in_room(&mut tx, ctx, &i, &msg, now).await?;
            }
        }
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        Ok(())
    })
}
