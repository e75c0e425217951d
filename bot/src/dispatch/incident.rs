//! The `/incident` dispatcher: one typed command in, the flow that runs it, the ack out. The
//! only place that calls the incident flows for a slash command.

use std::sync::Arc;

use messages::incident::{self as tpl, IncidentView};
use messages::Msg;

use crate::command::IncidentCmd;
use chatops_core::ids::{ChannelId, IncidentId, IncidentTitle, UserId};
use chatops_core::request::{Ack, SlashCommand};
use chatops_core::{Ctx, FlowResult};
use incident::affects::{resolve as resolve_affects, set_components};
use incident::declare::{create_incident, Declaration};
use incident::jobs::DeclaredReply;
use incident::lifecycle::{
    assign_role, reopen, resolve, set_severity, snooze, update, ResolveInput, UpdateInput,
};
use incident::postmortem::postmortem;
use incident::shared::{ensure_open, may_change, open_modal, target, view};
use incident::store;
use incident::timeline::note;
use incident::Severity;

/// Who typed the command, where, and how to answer later.
struct Caller {
    user: UserId,
    channel: ChannelId,
    trigger_id: String,
    response_url: String,
}

pub async fn handle_command(ctx: Arc<Ctx>, cmd: SlashCommand, c: IncidentCmd) -> Ack {
    let who = Caller {
        user: UserId::new(cmd.user_id),
        channel: ChannelId::new(cmd.channel_id),
        trigger_id: cmd.trigger_id,
        response_url: cmd.response_url,
    };
    let ctx: &Ctx = &ctx;
    match c {
        IncidentCmd::Help => Ack::Body(help(ctx).ephemeral()),
        IncidentCmd::Declare {
            severity: Some(sev),
            title: Some(title),
            private,
            drill,
            drill_pages,
            affects,
        } => {
            let flags = DeclareFlags {
                private,
                drill,
                drill_pages,
                affects,
            };
            declare(ctx, &who, sev, title, flags).await
        }
        IncidentCmd::Declare { severity, .. } => {
            let form = tpl::declare_modal(
                who.channel.as_str(),
                severity.map(|s| s.as_str()),
                ctx.locale(),
            );
            let r = open_modal(ctx, &who.trigger_id, form).await;
            modal_ack(ctx, r.map(|()| None))
        }
        IncidentCmd::Update {
            id,
            status,
            text,
            affects,
            stakeholders,
        } => {
            let marked = text.clone().filter(|_| stakeholders);
            let r = update_command(ctx, &who, id, status, text, affects).await;
            let r = match (r, marked) {
                (Ok(Some(m)), Some(t)) => marked_update(ctx, &who, id, &t, m).await,
                (r, _) => r,
            };
            modal_ack(ctx, r)
        }
        IncidentCmd::Resolve { id, resolution } => {
            let r = resolve_command(ctx, &who, id, resolution).await;
            modal_ack(ctx, r)
        }
        IncidentCmd::Stats { days } => {
            stats::ack(ctx, days, who.channel.as_str(), who.user.as_str()).await
        }
        other => ack(ctx, on_target(ctx, &who, other).await),
    }
}

/// The commands that act on one incident (its id, or the war room they were typed in) and
/// answer with one message.
async fn on_target(ctx: &Ctx, who: &Caller, c: IncidentCmd) -> FlowResult<Msg> {
    let actor = &who.user;
    let id_of = |id: Option<IncidentId>| async move {
        target(ctx, id, &who.channel)
            .await
            .map(|i| IncidentId(i.id))
    };
    match c {
        IncidentCmd::Severity { id, severity } => {
            set_severity(ctx, actor, id_of(id).await?, severity).await
        }
        IncidentCmd::Role { id, role, user } => {
            assign_role(ctx, actor, id_of(id).await?, role, &user).await
        }
        IncidentCmd::Note { id, text } => note(ctx, actor, id, &who.channel, &text).await,
        IncidentCmd::Status { id } => {
            let i = target(ctx, id, &who.channel).await?;
            let paging = paging::status_paging(ctx, i.id).await?;
            let m = tpl::status(&view(ctx, &i), &paging, ctx.locale());
            let m = stakeholders::status::with_notified(ctx, i.id, m).await;
            Ok(incident::shared::as_said(ctx, &i, &m))
        }
        IncidentCmd::List { severity, page } => {
            let q = messages::list::ListQuery {
                severity: severity.map(|s| s.as_str().to_string()),
                page,
            };
            list_page(ctx, &q).await
        }
        IncidentCmd::Reopen { id } => reopen(ctx, actor, id_of(id).await?).await,
        IncidentCmd::Postmortem { id, done } => {
            postmortem(ctx, actor, id_of(id).await?, done).await
        }
        IncidentCmd::Snooze { id, duration } => {
            snooze(ctx, actor, id_of(id).await?, duration).await
        }
        IncidentCmd::Ack { id } => {
            let id = id_of(id).await?;
            paging::ack::acknowledge(ctx, actor.as_str(), id.0).await
        }
        IncidentCmd::Oncall(c) => paging::command::run(ctx, actor.as_str(), c).await,
        IncidentCmd::Followup(c) => followup::run(ctx, actor, &who.channel, c).await,
        IncidentCmd::Recovered(c) => recovery::command::run(ctx, actor, &who.channel, c).await,
        IncidentCmd::NotifyCustomers(c) => customers::command::run(ctx, &who.channel, c).await,
        IncidentCmd::StatusPage(c) => statuspage::command::run(ctx, actor, &who.channel, c).await,
        IncidentCmd::Help
        | IncidentCmd::Declare { .. }
        | IncidentCmd::Update { .. }
        | IncidentCmd::Stats { .. }
        | IncidentCmd::Resolve { .. } => Ok(help(ctx)),
    }
}

fn help(ctx: &Ctx) -> Msg {
    let cfg = &ctx.config;
    messages::usage::help(
        messages::usage::Topic::Incident,
        &cfg.incident_command,
        &cfg.julia_command,
        ctx.locale(),
    )
}

/// `declare`'s flags.
struct DeclareFlags {
    private: bool,
    drill: bool,
    drill_pages: bool,
    affects: Vec<String>,
}

/// `declare <severity> <title>`: the incident row and the job that finishes it are written
/// before the ack, so an acknowledged declaration survives a crash (any replica's job worker
/// finishes it). An unknown component is refused before anything is written.
async fn declare(
    ctx: &Ctx,
    who: &Caller,
    sev: Severity,
    title: IncidentTitle,
    f: DeclareFlags,
) -> Ack {
    let l = ctx.locale();
    let affects = match resolve_affects(ctx, &f.affects) {
        Ok(a) => a,
        Err(e) => return Ack::Body(e.into_msg(l).ephemeral()),
    };
    let d = Declaration {
        actor: who.user.clone(),
        origin_channel: who.channel.clone(),
        severity: sev,
        title,
        impact: None,
        commander: None,
        private: f.private,
        affects,
        drill: f.drill,
        drill_pages: f.drill_pages,
    };
    let reply = DeclaredReply::ResponseUrl {
        url: who.response_url.clone(),
    };
    match create_incident(ctx, &d, Some(reply)).await {
        Err(e) => Ack::Body(e.into_msg(l).ephemeral()),
        Ok(id) => {
            let m = tpl::reply::declaring(&id.to_string(), sev.as_str(), d.title.as_str(), l);
            let m = if d.drill {
                messages::drill::mark(&m, l)
            } else {
                m
            };
            Ack::Body(m.ephemeral())
        }
    }
}

/// `update [INC-n] [status] [--affects …] [text]`: with text, posts it; with only `--affects`,
/// changes the components; with neither, opens the form.
async fn update_command(
    ctx: &Ctx,
    who: &Caller,
    id: Option<IncidentId>,
    status: Option<incident::IncidentStatus>,
    text: Option<String>,
    affects: Vec<String>,
) -> FlowResult<Option<Msg>> {
    let affects = resolve_affects(ctx, &affects)?;
    let i = target(ctx, id, &who.channel).await?;
    let Some(findings) = text else {
        ensure_open(ctx, &i)?;
        if !affects.is_empty() && status.is_none() {
            return set_components(ctx, &who.user, IncidentId(i.id), &affects)
                .await
                .map(Some);
        }
        let form = tpl::update_modal(i.id, i.status.as_str(), ctx.locale());
        open_modal(ctx, &who.trigger_id, form).await?;
        return Ok(None);
    };
    let u = UpdateInput {
        status,
        findings,
        actions: None,
        eta: None,
        affects,
    };
    update(ctx, &who.user, IncidentId(i.id), u).await.map(Some)
}

/// `update --stakeholders <text>`: once the update is posted, its text goes to management too.
async fn marked_update(
    ctx: &Ctx,
    who: &Caller,
    id: Option<IncidentId>,
    text: &str,
    posted: Msg,
) -> FlowResult<Option<Msg>> {
    let i = target(ctx, id, &who.channel).await?;
    let said = stakeholders::command::marked(ctx, i.id, text).await?;
    Ok(Some(posted.with_context_line(&said)))
}

/// `resolve [INC-n] [resolution]`: with a resolution, resolves; without, opens the form.
async fn resolve_command(
    ctx: &Ctx,
    who: &Caller,
    id: Option<IncidentId>,
    resolution: Option<String>,
) -> FlowResult<Option<Msg>> {
    let i = target(ctx, id, &who.channel).await?;
    may_change(ctx, &i, &who.user).await?;
    ensure_open(ctx, &i)?;
    let Some(resolution) = resolution else {
        open_modal(ctx, &who.trigger_id, tpl::resolve_modal(i.id, ctx.locale())).await?;
        return Ok(None);
    };
    let r = ResolveInput {
        resolution,
        root_cause: None,
        preventive: None,
    };
    resolve(ctx, &who.user, IncidentId(i.id), r).await.map(Some)
}

/// The answer to a command, shown only to the person.
fn ack(ctx: &Ctx, r: FlowResult<Msg>) -> Ack {
    Ack::Body(r.unwrap_or_else(|e| e.into_msg(ctx.locale())).ephemeral())
}

/// A command that may open a form: an empty 200 when it did (the form is the answer).
fn modal_ack(ctx: &Ctx, r: FlowResult<Option<Msg>>) -> Ack {
    match r {
        Ok(None) => Ack::Empty,
        Ok(Some(m)) => ack(ctx, Ok(m)),
        Err(e) => ack(ctx, Err(e)),
    }
}

/// One page of `/incident list` (also the Previous / Next buttons).
pub(crate) async fn list_page(ctx: &Ctx, q: &messages::list::ListQuery) -> FlowResult<Msg> {
    let open = store::open(&ctx.store.pool).await?;
    let views: Vec<IncidentView> = open.iter().map(|i| view(ctx, i)).collect();
    Ok(messages::list::list(
        &views,
        q,
        &ctx.config.incident_command,
        ctx.locale(),
    ))
}
