//! The RTO clock's two moments, as durable jobs (`rto_clock`): at 80 % a warning to the
//! commander (DM), at 100 % a breach notice in the war room and to the escalation list
//! (`ESCALATION_USERS`, `ESCALATION_USERGROUP`), each by DM. The posts, the clock's record and
//! the job's completion are one transaction: sent once, through restarts and replicas. A clock
//! stopped before its moment (the component recovered, the incident resolved) sends nothing.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::clocks::{self, Stage};
use crate::where_to::{dm_commander, post_in_room};
use chatops_core::jobs::{JobResult, Lease};
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::Ctx;
use incident::shared::key;
use incident::store;
use incident::timeline::EventKind;
use incident::Severity;
use stakeholders::settings::Target;

pub const RTO_CLOCK: &str = "rto_clock";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alarm {
    pub clock: i64,
    pub stage: Stage,
}

/// The escalation list of the incident's severity: the stakeholders' matrix
/// (`STAKEHOLDERS_NOTIFY_P*`: people, user groups' members, channels) when it names anyone for
/// it, else `ESCALATION_USERS` and the members of `ESCALATION_USERGROUP`.
async fn escalation_list(ctx: &Ctx, severity: Severity) -> Vec<String> {
    let cfg = &ctx.config;
    let matrix = stakeholders::settings::of(ctx).notify_of(severity);
    let (mut out, groups) = if matrix.is_empty() {
        let groups: Vec<String> = cfg.escalation_usergroup.iter().cloned().collect();
        (cfg.escalation_users.clone(), groups)
    } else {
        let mut people = Vec::new();
        let mut groups = Vec::new();
        for t in matrix {
            match t {
                Target::User(u) | Target::Channel(u) => people.push(u.clone()),
                Target::Group(g) => groups.push(g.clone()),
            }
        }
        (people, groups)
    };
    for g in groups {
        match ctx.slack.usergroup_members(&g).await {
            Ok(m) => out.extend(m),
            Err(e) => {
                tracing::warn!(group = %g, error = %e, "RTO breach: could not read an escalation user group")
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|u| seen.insert(u.clone()));
    out
}

pub(crate) fn run<'a>(ctx: &'a Arc<Ctx>, job: Alarm, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let severity = match &clocks::get(&mut *ctx.store.pool.acquire().await?, job.clock).await? {
            Some(c) => store::get_pool(&ctx.store.pool, c.incident_id)
                .await?
                .map(|i| i.severity),
            None => None,
        };
        let escalate = match (job.stage, severity) {
            (Stage::Breach, Some(s)) => escalation_list(ctx, s).await,
            _ => Vec::new(),
        };
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        let clock = clocks::get(&mut tx, job.clock).await?;
        let incident = match &clock {
            Some(c) => store::get(&mut tx, c.incident_id).await?,
            None => None,
        };
        if let (Some(c), Some(i)) = (clock, incident) {
            if c.recovered_at.is_none() && i.status.is_open() {
                let l = ctx.locale();
                let v = c.view(ctx);
                let k = key(&i);
                let room = i.channel_id.as_deref();
                match job.stage {
                    Stage::Warn => {
                        let cmd = &ctx.config.incident_command;
                        let msg = messages::recovery::warning(
                            &k,
                            room,
                            &v,
                            now / 1000,
                            cmd,
                            i.is_drill,
                            l,
                        );
                        dm_commander(&mut tx, ctx, &i, &msg, now).await?;
                    }
                    Stage::Breach => {
                        // People are mentioned; a channel of the matrix gets the post.
                        let people: Vec<String> = escalate
                            .iter()
                            .filter(|u| u.starts_with('U') || u.starts_with('W'))
                            .cloned()
                            .collect();
                        let (t, d) = (now / 1000, i.is_drill);
                        let vars =
                            messages::recovery::breach_context(&k, room, &v, t, &people, d, l);
                        let msg = ctx
                            .config
                            .templates
                            .recovery("rto_breach", &vars)
                            .unwrap_or_else(|| {
                                messages::recovery::breach(&k, room, &v, t, &people, d, l)
                            });
                        post_in_room(&mut tx, ctx, &i, &msg, now).await?;
                        for u in &escalate {
                            enqueue(&mut tx, &OutboxItem::post(u, &msg), now).await?;
                        }
                        let text =
                            format!("RTO breached: {} ({})", c.component, escalate.join(","));
                        store::add_event(
                            &mut tx,
                            i.id,
                            now,
                            "chatops",
                            EventKind::Escalation,
                            &text,
                        )
                        .await?;
                    }
                }
                clocks::mark(&mut tx, c.id, job.stage, now).await?;
            }
        }
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        Ok(())
    })
}
