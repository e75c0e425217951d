//! The parts of the guarded path that are the runbooks' own (the path itself is
//! `chatops_core::guarded`, shared with `/julia`): who may run a system's privileged actions,
//! its guard, and the action with its read-back, then in one transaction the audit row (before
//! → after), the announcement (outbox) and the follow-up job. Also `/ops` and `/ops <system>`.
//! Secret arguments never reach a message, a log line or the audit log.

use std::sync::Arc;

use super::catalog::{Action, Catalog, System};
use super::check;
use super::exec;
use super::outcome::{self, Failure};
use super::runbook::RunbookAction;
use chatops_core::audit;
use chatops_core::guarded::{self, Reply};
use chatops_core::Ctx;

pub fn usage_line(cmd: &str, sys: &System, act: &Action) -> String {
    let mut u = format!("{cmd} {} {}", sys.name, act.name);
    for a in &act.args {
        u.push(' ');
        u.push_str(&a.usage());
    }
    u
}

/// Who may run the system's privileged actions: its `admins`, else the bot's.
fn admins(ctx: &Ctx, sys: &System) -> (Vec<String>, Vec<String>) {
    let all: Vec<String> = if sys.admins.is_empty() {
        ctx.config
            .admins
            .iter()
            .cloned()
            .chain(ctx.config.admin_group.iter().cloned())
            .collect()
    } else {
        sys.admins.clone()
    };
    all.into_iter().partition(|a| !a.starts_with('S'))
}

pub(crate) fn mentions(ctx: &Ctx, sys: &System) -> Vec<String> {
    let (users, groups) = admins(ctx, sys);
    users
        .iter()
        .map(|u| format!("<@{u}>"))
        .chain(groups.iter().map(|g| format!("<!subteam^{g}>")))
        .collect()
}

/// Whether `user` may run `sys`'s privileged actions.
pub(crate) async fn may_run(ctx: &Ctx, sys: &System, user: &str) -> bool {
    let (users, groups) = admins(ctx, sys);
    if users.iter().any(|u| u == user) {
        return true;
    }
    for g in groups {
        match ctx.slack.usergroup_members(&g).await {
            Ok(m) if m.iter().any(|u| u == user) => return true,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "ops: admin group lookup failed"),
        }
    }
    false
}

/// `/ops`: each system with the last result of its guard and checks (guards run now).
pub async fn list(ctx: &Arc<Ctx>, catalog: &Catalog) -> messages::Msg {
    let l = ctx.locale();
    let guards = catalog.systems.iter().filter_map(|s| {
        s.guard.as_ref().map(|g| async move {
            let r = check::run(ctx, g).await;
            check::remember_pool(ctx, &s.name, "guard", &r).await;
        })
    });
    futures::future::join_all(guards).await;
    let results = match check::last_results(ctx).await {
        Ok(r) => r,
        Err(e) => return chatops_core::FlowError::from(e).into_msg(l),
    };
    let rows: Vec<messages::ops::SystemRow> = catalog
        .systems
        .iter()
        .map(|s| messages::ops::SystemRow {
            name: &s.name,
            description: &s.description,
            actions: s.actions.len(),
            has_guard: s.guard.is_some(),
            checks: results
                .iter()
                .filter(|r| r.0 == s.name)
                .map(|r| messages::ops::CheckRow {
                    name: &r.1,
                    ok: r.2,
                    summary: &r.3,
                    at_secs: r.4 / 1000,
                })
                .collect(),
        })
        .collect();
    messages::ops::list(l, &crate::settings::of(ctx).command, &rows)
}

pub fn system_view(ctx: &Ctx, sys: &System) -> messages::Msg {
    let cmd = &crate::settings::of(ctx).command;
    let view = messages::ops::SystemView {
        name: &sys.name,
        description: &sys.description,
        admins: mentions(ctx, sys),
        guard: sys.guard.as_ref().map(check::describe),
        announce: sys.announce.as_deref(),
        actions: sys
            .actions
            .iter()
            .map(|a| messages::ops::ActionRow {
                name: &a.name,
                description: &a.description,
                usage: a
                    .args
                    .iter()
                    .map(|x| x.usage())
                    .collect::<Vec<_>>()
                    .join(" "),
                writes: a.writes,
                privileged: a.privileged,
                confirm: a.confirm,
            })
            .collect(),
    };
    messages::ops::system(ctx.locale(), cmd, &view)
}

/// The guard, when the action writes: `None` when it holds (or there is none).
pub(crate) async fn guard_refusal(ctx: &Ctx, sys: &System, act: &Action) -> Option<messages::Msg> {
    let g = sys.guard.as_ref().filter(|_| act.writes)?;
    let r = check::run(ctx, g).await;
    check::remember_pool(ctx, &sys.name, "guard", &r).await;
    (!r.ok).then(|| {
        messages::ops::guard_failed(ctx.locale(), &sys.name, &check::describe(g), &r.lines)
    })
}

pub(crate) fn failure_msg(ctx: &Ctx, command: &str, f: &Failure) -> messages::Msg {
    if f.unchanged() {
        messages::ops::unchanged(ctx.locale(), command, &f.error)
    } else {
        messages::ops::failure(ctx.locale(), f.system, command, &f.error, f.maybe_applied)
    }
}

/// Runs the action; then the audit row, the announcement and the follow-up in one
/// transaction. The answer replaces the prompt (`replace`) or, without one, is a new message.
pub(crate) async fn execute(
    ctx: &Arc<Ctx>,
    r: &RunbookAction,
    (sys, act): (&System, &Action),
    reply: &Reply,
    replace: bool,
) {
    let l = ctx.locale();
    let command = r.shown();
    let answer = |m: messages::Msg| async move {
        if replace {
            reply.replace(ctx, &m).await
        } else {
            reply.send(ctx, &m).await
        }
    };
    let out = match exec::run(ctx, act, &r.args, r.expected.as_deref()).await {
        Ok(o) => o,
        Err(f) => {
            let outcome = if f.unchanged() { "unchanged" } else { "failed" };
            let o = guarded::Outcome::new(outcome).detail(Some(f.error.clone()));
            guarded::record(ctx, &reply.user, r, o).await;
            return answer(failure_msg(ctx, &command, &f)).await;
        }
    };
    if let Some(c) = &out.check {
        check::remember_pool(ctx, &sys.name, &act.name, c).await;
    }
    if let Some(logs) = &out.logs {
        // Logs go to the requester only (ephemeral), never to a channel.
        let detail = Some(format!("{} pods", logs.len()));
        let o = guarded::Outcome::new("done").detail(detail);
        guarded::record(ctx, &reply.user, r, o).await;
        return reply
            .send(ctx, &messages::ops::logs(l, &command, logs))
            .await;
    }
    let follow = act
        .follow_up
        .as_ref()
        .filter(|_| out.state.is_none())
        .map(|f| check::describe(&f.check));
    let view = messages::ops::DoneView {
        user: &reply.user,
        command: &command,
        before: out.before.as_deref(),
        after: out.after.as_deref(),
        lines: &out.lines,
        follow_up: follow,
    };
    let done = messages::ops::done(l, &view);
    let announce = act
        .writes
        .then(|| {
            sys.announce
                .clone()
                .unwrap_or_else(|| reply.channel.clone())
        })
        .filter(|c| !c.is_empty())
        .map(|c| (c, messages::ops::announce(l, &view)));
    if let Err(e) = commit(ctx, r, act, reply, &out, announce).await {
        let m = chatops_core::FlowError::Internal(e).into_msg(l);
        reply.send(ctx, &m).await;
    }
    answer(done).await
}

async fn commit(
    ctx: &Ctx,
    r: &RunbookAction,
    act: &Action,
    reply: &Reply,
    out: &outcome::Outcome,
    announce: Option<(String, messages::Msg)>,
) -> anyhow::Result<()> {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let entry = guarded::Outcome::new(out.state.unwrap_or("done"))
        .before(out.before.clone())
        .after(out.after.clone())
        .entry(&reply.user, r);
    audit::record(&mut tx, &entry, now).await?;
    let channel = announce
        .as_ref()
        .map(|(c, _)| c.clone())
        .unwrap_or_default();
    if let Some((c, msg)) = &announce {
        let post = chatops_core::outbox::OutboxItem::post(c, msg);
        chatops_core::outbox::enqueue(&mut tx, &post, now).await?;
    }
    let follow_up = act.follow_up.as_ref().filter(|_| out.state.is_none());
    if let Some(f) = follow_up {
        let job = super::follow::OpsFollow {
            user: reply.user.clone(),
            channel: if channel.is_empty() {
                reply.channel.clone()
            } else {
                channel
            },
            response_url: reply.response_url.clone(),
            system: r.system.clone(),
            action: r.action.clone(),
            args: r.args.redacted(),
            check: f.check.clone(),
            deadline_ms: now + f.within.as_millis() as i64,
            every_ms: f.every.as_millis() as i64,
            within_secs: f.within.as_secs(),
        };
        chatops_core::jobs::enqueue(&mut tx, ctx, super::follow::OPS_FOLLOW, &job, now).await?;
    }
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    if follow_up.is_some() {
        ctx.jobs_wake.notify_one();
    }
    Ok(())
}
