//! The `/incident` dispatcher: one typed command in, the flow that runs it, the ack out.

use std::sync::Arc;

use messages::incident::{self as tpl, IncidentView};
use messages::Msg;
use serde_json::Value;

use super::declare::{create_incident, Declaration};
use super::lifecycle::{
    assign_role, reopen, resolve, set_severity, snooze, update, ResolveInput, UpdateInput,
};
use super::postmortem::postmortem;
use super::shared::{may_change, open_modal, target, user_err, view};
use super::store::{self, Incident};
use crate::command::{IncidentCmd, IncidentId};
use crate::jobs::DeclaredReply;
use crate::request::{Ack, SlashCommand};
use crate::{Ctx, FlowResult};

async fn on_target<F, Fut>(
    ctx: &Ctx,
    id: Option<IncidentId>,
    channel: &str,
    flow: F,
) -> FlowResult<Msg>
where
    F: FnOnce(Incident) -> Fut,
    Fut: std::future::Future<Output = FlowResult<Msg>>,
{
    flow(target(ctx, id, channel).await?).await
}

fn ack(r: FlowResult<Msg>, ctx: &Ctx) -> Ack {
    Ack::Body(r.unwrap_or_else(|e| e.into_msg(ctx.locale())).ephemeral())
}

// ---------------------------------------------------------------------------------------------
// Slash commands

pub async fn handle_command(ctx: Arc<Ctx>, cmd: SlashCommand, c: IncidentCmd) -> Ack {
    let l = ctx.locale();
    let cfg = &ctx.config;
    let user = cmd.user_id.clone();
    // Plain references, copied into the flows' closures below.
    let (cx, actor): (&Ctx, &str) = (&ctx, &user);
    match c {
        IncidentCmd::Help => Ack::Body(
            messages::usage::help(
                messages::usage::Topic::Incident,
                &cfg.incident_command,
                &cfg.julia_command,
                l,
            )
            .ephemeral(),
        ),
        IncidentCmd::Declare {
            severity: Some(sev),
            title: Some(title),
            private,
        } => {
            // The incident row and the job that finishes it are written before the ack, so an
            // acknowledged declaration survives a crash (any replica's job worker finishes it).
            let d = Declaration {
                actor: cmd.user_id.clone(),
                origin_channel: cmd.channel_id.clone(),
                severity: sev,
                title: title.as_str().to_string(),
                impact: None,
                commander: None,
                private,
            };
            let reply = DeclaredReply::ResponseUrl {
                url: cmd.response_url.clone(),
            };
            match create_incident(&ctx, &d, Some(reply)).await {
                Err(e) => Ack::Body(e.into_msg(l).ephemeral()),
                Ok(id) => Ack::Body(
                    tpl::reply::declaring(&format!("INC-{id}"), sev.as_str(), title.as_str(), l)
                        .ephemeral(),
                ),
            }
        }
        IncidentCmd::Declare { severity, .. } => {
            let view = tpl::declare_modal(&cmd.channel_id, severity.map(|s| s.as_str()), l);
            ack(
                open_modal(&ctx, &cmd.trigger_id, view)
                    .await
                    .map(|_| Msg::text("")),
                &ctx,
            )
            .or_empty()
        }
        IncidentCmd::Update { id, status, text } => {
            let r = async {
                let i = target(&ctx, id, &cmd.channel_id).await?;
                match text {
                    None => {
                        if !i.status.is_open() {
                            return Err(user_err(tpl::reply::already_resolved(
                                &format!("INC-{}", i.id),
                                l,
                            )));
                        }
                        open_modal(
                            &ctx,
                            &cmd.trigger_id,
                            tpl::update_modal(i.id, i.status.as_str(), l),
                        )
                        .await?;
                        Ok(Msg::text(""))
                    }
                    Some(findings) => {
                        update(
                            &ctx,
                            &user,
                            i.id,
                            UpdateInput {
                                status,
                                findings,
                                actions: None,
                                eta: None,
                            },
                        )
                        .await
                    }
                }
            }
            .await;
            ack(r, &ctx).or_empty()
        }
        IncidentCmd::Severity { id, severity } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                set_severity(cx, actor, i.id, severity).await
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Role {
            id,
            role,
            user: who,
        } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                assign_role(cx, actor, i.id, role, who.as_str()).await
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Note { id, text } => {
            let r = async {
                let i = target(&ctx, id, &cmd.channel_id).await?;
                let mut tx = ctx.store.begin().await?;
                store::add_event(&mut tx, i.id, ctx.clock.now_ms(), &user, "note", &text).await?;
                tx.commit().await?;
                Ok(tpl::reply::done(
                    &format!("INC-{}", i.id),
                    l.t(
                        "note added to the timeline.",
                        "nota adicionada à linha do tempo.",
                    ),
                ))
            }
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Status { id } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                Ok(tpl::status(&view(cx, &i), l))
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::List { severity, page } => {
            let q = messages::list::ListQuery {
                severity: severity.map(|s| s.as_str().to_string()),
                page,
            };
            ack(list_page(&ctx, &q).await, &ctx)
        }
        IncidentCmd::Resolve { id, resolution } => {
            let r = async {
                let i = target(&ctx, id, &cmd.channel_id).await?;
                may_change(&ctx, &i, &user).await?;
                if !i.status.is_open() {
                    return Err(user_err(tpl::reply::already_resolved(
                        &format!("INC-{}", i.id),
                        l,
                    )));
                }
                match resolution {
                    None => {
                        open_modal(&ctx, &cmd.trigger_id, tpl::resolve_modal(i.id, l)).await?;
                        Ok(Msg::text(""))
                    }
                    Some(text) => {
                        resolve(
                            &ctx,
                            &user,
                            i.id,
                            ResolveInput {
                                resolution: text,
                                root_cause: None,
                                preventive: None,
                            },
                        )
                        .await
                    }
                }
            }
            .await;
            ack(r, &ctx).or_empty()
        }
        IncidentCmd::Reopen { id } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                reopen(cx, actor, i.id).await
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Postmortem { id, done } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                postmortem(cx, actor, i.id, done).await
            })
            .await;
            ack(r, &ctx)
        }
        IncidentCmd::Snooze { id, duration } => {
            let r = on_target(cx, id, &cmd.channel_id, |i| async move {
                snooze(cx, actor, i.id, duration).await
            })
            .await;
            ack(r, &ctx)
        }
    }
}

trait OrEmpty {
    fn or_empty(self) -> Ack;
}

impl OrEmpty for Ack {
    /// An empty message (a modal was opened) becomes an empty 200.
    fn or_empty(self) -> Ack {
        match &self {
            Ack::Body(v)
                if v.get("text").and_then(Value::as_str) == Some("")
                    && v.get("blocks").is_none() =>
            {
                Ack::Empty
            }
            _ => self,
        }
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
