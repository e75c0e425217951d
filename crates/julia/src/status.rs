//! Read-only reports: `status` (every source at once, each with its own timeout), `health`,
//! `circuits`, `queue`, `jobs`, `evolution`, `webhook`, `deploys`, `audit`.

use std::future::Future;
use std::time::Duration;

use messages::julia::{self as m, Part};
use messages::Locale;

use super::shared::{blocked_view, health_lines, resolve};
use chatops_core::Ctx;
use clients::julia_db::{FlagRow, KNOWN_FLAGS};
use clients::railway::Deployment;

/// Julia's scheduler writes a heartbeat every minute; older than this, it is shown as stale.
const HEARTBEAT_STALE_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Status,
    Health,
    Circuits,
    Queue,
    QueueBlocked,
    Jobs,
    Flags(Option<String>),
    Evolution,
    Webhook,
    Deploys(Option<String>),
    Audit,
}

/// An error of a source: timeouts are shown as "no answer in N s".
pub trait SourceError: std::fmt::Display {
    fn is_timeout(&self) -> bool;
}

impl SourceError for clients::julia_db::DbError {
    fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }
}
impl SourceError for clients::julia_health::HealthError {
    fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }
}
impl SourceError for clients::evolution::EvolutionError {
    fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }
}
impl SourceError for clients::railway::RailwayError {
    fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }
}

/// Runs `f` with its own timeout; a late or failing source becomes a line naming it.
async fn source<T, E: SourceError>(
    l: Locale,
    system: &str,
    timeout: Duration,
    f: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(timeout, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) if e.is_timeout() => Err(m::no_answer(l, system, timeout.as_secs().max(1))),
        Ok(Err(e)) => Err(m::source_failed(l, system, &e.to_string())),
        Err(_) => Err(m::no_answer(l, system, timeout.as_secs().max(1))),
    }
}

fn part(title: String, r: Result<Vec<String>, String>) -> Part {
    Part {
        title,
        lines: r.unwrap_or_else(|e| vec![e]),
    }
}

fn deploy_view<'a>(d: &'a Deployment, now: i64) -> m::DeployView<'a> {
    m::DeployView {
        id: &d.id,
        status: &d.status,
        age_secs: now - d.created_secs(),
        commit: d.commit.as_deref(),
        can_rollback: d.can_rollback,
    }
}

async fn pause_part(ctx: &Ctx, t: Duration) -> Part {
    let l = ctx.locale();
    let title = m::title(l, m::TITLE_PAUSE);
    if !clients::julia(ctx).db.configured() {
        return part(title, Err(m::db_not_configured(l)));
    }
    let now = ctx.clock.now_secs();
    let r = source(l, m::SYS_SUPABASE, t, clients::julia(ctx).db.pause_state())
        .await
        .map(|s| {
            let sm = &s.safe_mode;
            let mut lines = m::pause_lines(
                l,
                &m::PauseView {
                    paused: sm.enabled,
                    mode: &sm.mode,
                    flag_exists: sm.exists,
                    flag_by: sm.updated_by.as_deref(),
                    flag_age_secs: sm.updated_at.map(|a| now - a),
                    latest: s.latest.as_ref().map(|r| m::StatusRowView {
                        status: &r.status,
                        reason: r.reason.as_deref(),
                        by: r.by.as_deref(),
                        via: r.via.as_deref(),
                        age_secs: now - r.at,
                    }),
                    heartbeat_age_secs: s.heartbeat_at.map(|a| now - a),
                    heartbeat_stale: s
                        .heartbeat_at
                        .is_some_and(|a| now - a > HEARTBEAT_STALE_SECS),
                },
            );
            if sm.enabled {
                let row = s.pause_row.as_ref();
                lines.extend(m::paused_lines(
                    l,
                    &m::PausedView {
                        mode: &sm.mode,
                        since_secs: sm.updated_at.map(|a| now - a),
                        by: sm
                            .updated_by
                            .as_deref()
                            .or(row.and_then(|r| r.by.as_deref())),
                        reason: row.and_then(|r| r.reason.as_deref()),
                        blocked: s.blocked.as_ref().map(blocked_view),
                        handoffs: s.handoffs.as_ref().map(|h| (h.pending, h.oldest_secs)),
                    },
                ));
            }
            lines
        });
    part(title, r)
}

async fn health_part(ctx: &Ctx, t: Duration, all: bool) -> Part {
    let l = ctx.locale();
    let title = m::title(l, m::TITLE_HEALTH);
    if !clients::julia(ctx).health.configured() {
        return part(
            title,
            Err(m::not_configured(l, m::SYS_HEALTH, "JULIA_BASE_URL")),
        );
    }
    part(
        title,
        source(l, m::SYS_DEEP, t, clients::julia(ctx).health.deep())
            .await
            .map(|d| health_lines(l, &d, all)),
    )
}

async fn circuits_part(ctx: &Ctx, t: Duration, only_open: bool) -> Part {
    let l = ctx.locale();
    let title = m::title(l, m::TITLE_CIRCUITS);
    if !clients::julia(ctx).health.configured() {
        return part(
            title,
            Err(m::not_configured(l, m::SYS_HEALTH, "JULIA_BASE_URL")),
        );
    }
    let r = source(l, m::SYS_CIRCUITS, t, clients::julia(ctx).health.circuits())
        .await
        .map(|c| {
            let v: Vec<_> = c
                .into_iter()
                .map(|c| (c.name, c.state, c.failures, c.last_error))
                .collect();
            m::circuit_lines(l, &v, only_open)
        });
    part(title, r)
}

async fn evolution_part(ctx: &Ctx, t: Duration) -> Part {
    let l = ctx.locale();
    let title = m::title(l, m::TITLE_EVOLUTION);
    let ev = &clients::julia(ctx).evolution;
    let missing = ev.missing();
    if !missing.is_empty() {
        return part(
            title,
            Err(m::not_configured(l, m::SYS_EVOLUTION, &missing.join(", "))),
        );
    }
    part(
        title,
        source(l, m::SYS_EVOLUTION, t, ev.state())
            .await
            .map(|s| vec![m::evolution_line(l, ev.instance(), &s)]),
    )
}

async fn railway_part(ctx: &Ctx, t: Duration) -> Part {
    let l = ctx.locale();
    let title = m::title(l, m::TITLE_DEPLOYS);
    let rw = &clients::julia(ctx).railway;
    let missing = rw.missing();
    if !missing.is_empty() {
        return part(
            title,
            Err(m::not_configured(l, m::SYS_RAILWAY, &missing.join(", "))),
        );
    }
    let now = ctx.clock.now_secs();
    let r = source(l, m::SYS_RAILWAY, t, rw.julia_services())
        .await
        .map(|svcs| {
            let mut lines: Vec<String> = svcs
                .iter()
                .map(|s| {
                    m::service_line(
                        l,
                        &s.name,
                        s.latest.as_ref().map(|d| deploy_view(d, now)).as_ref(),
                    )
                })
                .collect();
            for name in &rw.services {
                if !svcs.iter().any(|s| &s.name == name) {
                    lines.push(m::service_missing_line(l, name));
                }
            }
            lines
        });
    part(title, r)
}

async fn queue_part(ctx: &Ctx, t: Duration) -> Part {
    let l = ctx.locale();
    let title = m::title(l, m::TITLE_QUEUE);
    if !clients::julia(ctx).db.configured() {
        return part(title, Err(m::db_not_configured(l)));
    }
    part(
        title,
        source(l, m::SYS_SUPABASE, t, clients::julia(ctx).db.queue())
            .await
            .map(|q| {
                m::queue_lines(
                    l,
                    &m::QueueView {
                        pending: q.pending,
                        due: q.due,
                        oldest_due_secs: q.oldest_due_secs,
                        sent_5m: q.sent_5m,
                        stuck: q.stuck,
                        oldest_stuck_secs: q.oldest_stuck_secs,
                    },
                )
            }),
    )
}

async fn blocked_part(ctx: &Ctx, t: Duration) -> Part {
    let l = ctx.locale();
    let title = m::title(l, m::TITLE_BLOCKED);
    if !clients::julia(ctx).db.configured() {
        return part(title, Err(m::db_not_configured(l)));
    }
    part(
        title,
        source(l, m::SYS_SUPABASE, t, clients::julia(ctx).db.blocked())
            .await
            .map(|b| m::blocked_lines(l, &blocked_view(&b))),
    )
}

async fn flags_part(ctx: &Ctx, t: Duration, name: Option<&str>) -> Part {
    let l = ctx.locale();
    let title = m::title(l, m::TITLE_FLAGS);
    if !clients::julia(ctx).db.configured() {
        return part(title, Err(m::db_not_configured(l)));
    }
    let now = ctx.clock.now_secs();
    let r = source(l, m::SYS_SUPABASE, t, clients::julia(ctx).db.flags()).await;
    part(title, r.and_then(|rows| flag_lines(l, &rows, name, now)))
}

/// The database parts of `/julia status`, or one part saying the rows are hidden. The
/// visibility check runs alongside the (read-only) parts, whose answers are dropped when the
/// rows are hidden: no extra round trip before the first answer.
async fn db_parts(ctx: &Ctx, t: Duration) -> Vec<Part> {
    let (gate, a, b, c) = tokio::join!(
        super::visibility::gate(ctx),
        pause_part(ctx, t),
        queue_part(ctx, t),
        jobs_part(ctx, t)
    );
    match gate {
        Err(hidden) => vec![part(m::title(ctx.locale(), m::TITLE_PAUSE), Err(hidden))],
        Ok(()) => vec![a, b, c],
    }
}

/// A report that reads Julia's database: the part, or the one answer when rows are hidden.
async fn db_report(ctx: &Ctx, head: &str, f: impl Future<Output = Part>) -> messages::Msg {
    let l = ctx.locale();
    match tokio::join!(super::visibility::gate(ctx), f) {
        (Err(hidden), _) => messages::Msg::text(hidden),
        (Ok(()), p) => m::report(l, head, &[p]),
    }
}

async fn jobs_part(ctx: &Ctx, t: Duration) -> Part {
    let l = ctx.locale();
    let title = m::title(l, m::TITLE_JOBS);
    if !clients::julia(ctx).db.configured() {
        return part(title, Err(m::db_not_configured(l)));
    }
    part(
        title,
        source(l, m::SYS_SUPABASE, t, clients::julia(ctx).db.jobs())
            .await
            .map(|j| m::jobs_lines(l, &j.long_running, &j.failures)),
    )
}

async fn webhook_part(ctx: &Ctx, t: Duration) -> Part {
    let l = ctx.locale();
    let title = m::title(l, m::TITLE_WEBHOOK);
    let ev = &clients::julia(ctx).evolution;
    let missing = ev.missing();
    if !missing.is_empty() {
        return part(
            title,
            Err(m::not_configured(l, m::SYS_EVOLUTION, &missing.join(", "))),
        );
    }
    let r = source(l, m::SYS_EVOLUTION, t, ev.webhook()).await.map(|w| {
        m::webhook_lines(
            l,
            w.as_ref()
                .map(|w| (w.url.as_str(), w.enabled, w.events.as_slice(), w.by_events)),
            ev.webhook_url.as_deref(),
        )
    });
    part(title, r)
}

async fn deploys_part(ctx: &Ctx, t: Duration, service: Option<String>) -> Vec<Part> {
    let l = ctx.locale();
    let rw = &clients::julia(ctx).railway;
    let missing = rw.missing();
    if !missing.is_empty() {
        return vec![part(
            m::title(l, m::TITLE_DEPLOYS),
            Err(m::not_configured(l, m::SYS_RAILWAY, &missing.join(", "))),
        )];
    }
    // One environment query for the ids, then the lists concurrently.
    let svcs = match service {
        Some(name) => match resolve(ctx, &name).await {
            Ok(s) => vec![s],
            Err(msg) => return vec![part(m::service_title(&name), Err(msg.text))],
        },
        None => match source(l, m::SYS_RAILWAY, t, rw.julia_services()).await {
            Ok(s) => s,
            Err(e) => return vec![part(m::title(l, m::TITLE_DEPLOYS), Err(e))],
        },
    };
    let now = ctx.clock.now_secs();
    let lists = futures::future::join_all(
        svcs.iter()
            .map(|svc| source(l, m::SYS_RAILWAY, t, rw.deployments(&svc.id, 10))),
    )
    .await;
    let mut parts: Vec<Part> = svcs
        .iter()
        .zip(lists)
        .map(|(svc, r)| {
            let r = r.map(|list| {
                if list.is_empty() {
                    vec![m::NO_DEPLOYMENTS.to_string()]
                } else {
                    list.iter()
                        .take(10)
                        .map(|d| m::deploy_row(l, &deploy_view(d, now)))
                        .collect()
                }
            });
            part(m::service_title(&svc.name), r)
        })
        .collect();
    for name in &rw.services {
        if svcs.len() > 1 && !svcs.iter().any(|s| &s.name == name) {
            parts.push(part(
                m::service_title(name),
                Err(m::service_missing_line(l, name)),
            ));
        }
    }
    parts
}

async fn audit_msg(ctx: &Ctx) -> messages::Msg {
    let l = ctx.locale();
    let rows = match chatops_core::audit::latest_with_prefix(&ctx.store.pool, "julia.", 20).await {
        Ok(rows) => rows,
        Err(e) => return chatops_core::FlowError::from(e).into_msg(l),
    };
    let views: Vec<m::AuditView> = rows
        .iter()
        .map(|d| m::AuditView {
            at_secs: d.at_ms / 1000,
            actor: &d.entry.actor,
            action: &d.entry.action,
            args: &d.entry.args,
            outcome: &d.entry.outcome,
            before: d.entry.before.as_deref(),
            after: d.entry.after.as_deref(),
        })
        .collect();
    m::audit(l, &views)
}

/// The lines of `/julia flags [name]`, or the refusal of an unknown name.
pub fn flag_lines(
    l: Locale,
    rows: &[FlagRow],
    name: Option<&str>,
    now_secs: i64,
) -> Result<Vec<String>, String> {
    let known: Vec<&str> = KNOWN_FLAGS.iter().map(|(k, _)| *k).collect();
    if let Some(n) = name {
        if !known.contains(&n) {
            return Err(m::unknown_flag(l, n, &known).text);
        }
    }
    let mut out: Vec<String> = KNOWN_FLAGS
        .iter()
        .filter(|(k, _)| name.is_none_or(|n| n == *k))
        .map(|(k, default)| {
            let row = rows.iter().find(|r| r.key == *k);
            m::flag_line(
                l,
                &m::FlagView {
                    key: k,
                    value: row.map(|r| r.value.as_str()),
                    default,
                    by: row.and_then(|r| r.updated_by.as_deref()),
                    age_secs: row.and_then(|r| r.updated_at).map(|a| now_secs - a),
                },
            )
        })
        .collect();
    let others: Vec<&str> = rows
        .iter()
        .map(|r| r.key.as_str())
        .filter(|k| !known.contains(k))
        .collect();
    if name.is_none() && !others.is_empty() {
        out.push(m::other_flags_line(l, &others));
    }
    Ok(out)
}

pub async fn report(ctx: &Ctx, r: Report) -> messages::Msg {
    let l = ctx.locale();
    let t = clients::julia_config::of(ctx).source_timeout;
    let head = m::status_header(l);
    match r {
        Report::Status => {
            let (db, b, c, d, e) = tokio::join!(
                db_parts(ctx, t),
                health_part(ctx, t, false),
                circuits_part(ctx, t, true),
                evolution_part(ctx, t),
                railway_part(ctx, t),
            );
            let mut db = db.into_iter();
            let pause = db.next();
            let mut parts: Vec<Part> = pause.into_iter().collect();
            parts.extend([b, c, d, e]);
            parts.extend(db);
            m::report(l, &head, &parts)
        }
        Report::Health => m::report(l, &head, &[health_part(ctx, t, true).await]),
        Report::Circuits => m::report(l, &head, &[circuits_part(ctx, t, false).await]),
        Report::Queue => db_report(ctx, &head, queue_part(ctx, t)).await,
        Report::QueueBlocked => db_report(ctx, &head, blocked_part(ctx, t)).await,
        Report::Jobs => db_report(ctx, &head, jobs_part(ctx, t)).await,
        Report::Flags(name) => db_report(ctx, &head, flags_part(ctx, t, name.as_deref())).await,
        Report::Evolution => m::report(l, &head, &[evolution_part(ctx, t).await]),
        Report::Webhook => m::report(l, &head, &[webhook_part(ctx, t).await]),
        Report::Deploys(s) => m::report(l, &head, &deploys_part(ctx, t, s).await),
        Report::Audit => audit_msg(ctx).await,
    }
}
