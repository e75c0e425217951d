//! The other switches (`julia.md` §6.5): `/julia flags`, `/julia campaigns off|on` (the
//! `campaigns` flag: privileged, confirmed, hard-guarded, audited, announced like a pause) and
//! `/julia campaign pause|resume <id or name>` (one campaign, `ativa` ↔ `pausada` only).

use std::sync::Arc;

use messages::julia as m;
use messages::julia_switches as ms;

use super::access::{record, Action, Prepared};
use super::pause::{check_guard, db_failure};
use super::Reply;
use crate::integrations::julia_db::{Campaign, FlagRow, KNOWN_FLAGS};
use crate::Ctx;

/// The lines of `/julia flags [name]`, or the refusal of an unknown name.
pub fn flag_lines(
    l: messages::Locale,
    rows: &[FlagRow],
    name: Option<&str>,
    now_secs: i64,
) -> Result<Vec<String>, String> {
    let known: Vec<&str> = KNOWN_FLAGS.iter().map(|(k, _)| *k).collect();
    if let Some(n) = name {
        if !known.contains(&n) {
            return Err(ms::unknown_flag(l, n, &known).text);
        }
    }
    let mut out: Vec<String> = KNOWN_FLAGS
        .iter()
        .filter(|(k, _)| name.is_none_or(|n| n == *k))
        .map(|(k, default)| {
            let row = rows.iter().find(|r| r.key == *k);
            ms::flag_line(
                l,
                &ms::FlagView {
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
        out.push(ms::other_flags_line(l, &others));
    }
    Ok(out)
}

fn label(c: &Campaign) -> String {
    c.friendly_name
        .clone()
        .or_else(|| c.nome_template.clone())
        .unwrap_or_else(|| "-".into())
}

fn view<'a>(c: &'a Campaign, name: &'a str) -> ms::CampaignView<'a> {
    ms::CampaignView {
        id: c.id,
        name,
        status: &c.status,
    }
}

#[allow(clippy::too_many_lines)] // over 80 lines: split by the /julia half of #12 (control/); remove when it lands
pub async fn prepare(ctx: &Ctx, action: &Action) -> Prepared {
    let l = ctx.locale();
    check_guard(ctx).await.map_err(|(o, msg)| (o, None, msg))?;
    match action {
        Action::Campaigns { enabled, reason } => {
            let rows = ctx
                .julia
                .db
                .flags()
                .await
                .map_err(|e| ("failed", None, db_failure(ctx, &e)))?;
            let now = rows
                .iter()
                .find(|r| r.key == "campaigns")
                .map(|r| r.value.clone());
            let shown = now.clone().unwrap_or_else(|| "(no row: enabled)".into());
            if crate::integrations::julia_db::campaigns_enabled(now.as_deref()) == *enabled {
                return Err((
                    "unchanged",
                    Some(shown.clone()),
                    ms::campaigns_already(l, *enabled, &shown),
                ));
            }
            Ok((
                ms::what_campaigns(l, *enabled, reason),
                action.clone(),
                Some(shown),
            ))
        }
        Action::Campaign { name, pause, .. } => {
            let found = ctx
                .julia
                .db
                .find_campaigns(name)
                .await
                .map_err(|e| ("failed", None, db_failure(ctx, &e)))?;
            let c = match found.as_slice() {
                [] => {
                    let list = ctx
                        .julia
                        .db
                        .switchable_campaigns()
                        .await
                        .unwrap_or_default();
                    let labels: Vec<String> = list.iter().map(label).collect();
                    let views: Vec<_> = list.iter().zip(&labels).map(|(c, n)| view(c, n)).collect();
                    return Err((
                        "refused_unknown",
                        None,
                        ms::campaign_unknown(l, name, &views),
                    ));
                }
                [c] => c,
                many => {
                    let labels: Vec<String> = many.iter().map(label).collect();
                    let views: Vec<_> = many.iter().zip(&labels).map(|(c, n)| view(c, n)).collect();
                    return Err((
                        "refused_ambiguous",
                        None,
                        ms::campaign_ambiguous(l, name, &views),
                    ));
                }
            };
            let n = label(c);
            let (from, to, verb) = if *pause {
                ("ativa", "pausada", "pause")
            } else {
                ("pausada", "ativa", "resume")
            };
            if c.status != from {
                return Err((
                    "refused_transition",
                    Some(c.status.clone()),
                    ms::campaign_transition_refused(l, &view(c, &n), verb),
                ));
            }
            let what = ms::what_campaign(l, &view(c, &n), to, name);
            Ok((
                what,
                Action::Campaign {
                    name: name.clone(),
                    pause: *pause,
                    id: Some(c.id),
                    label: Some(n.clone()),
                    from: Some(c.status.clone()),
                },
                Some(c.status.clone()),
            ))
        }
        _ => unreachable!("switches::prepare only takes campaigns/campaign"),
    }
}

pub async fn execute(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    if let Err((outcome, msg)) = check_guard(ctx).await {
        record(
            ctx,
            &reply.user,
            action,
            outcome,
            None,
            None,
            Some(msg.text.clone()),
        )
        .await;
        reply.replace(ctx, &msg).await;
        return;
    }
    match action {
        Action::Campaigns { enabled, reason } => {
            campaigns(ctx, reply, action, *enabled, reason).await
        }
        Action::Campaign {
            pause,
            id: Some(id),
            label,
            from: Some(from),
            ..
        } => {
            campaign(
                ctx,
                reply,
                action,
                *pause,
                *id,
                label.as_deref().unwrap_or("-"),
                from,
            )
            .await
        }
        _ => {}
    }
}

async fn campaigns(ctx: &Arc<Ctx>, reply: &Reply, action: &Action, enabled: bool, reason: &str) {
    let l = ctx.locale();
    let change = match ctx.julia.db.set_campaigns(enabled, &reply.user).await {
        Ok(c) => c,
        Err(e) => {
            record(
                ctx,
                &reply.user,
                action,
                "failed",
                None,
                None,
                Some(e.to_string()),
            )
            .await;
            reply.replace(ctx, &db_failure(ctx, &e)).await;
            return;
        }
    };
    let before = change
        .before
        .clone()
        .unwrap_or_else(|| "(no row: enabled)".into());
    let Some(after) = change.after else {
        record(
            ctx,
            &reply.user,
            action,
            "unchanged",
            Some(before.clone()),
            Some(before.clone()),
            None,
        )
        .await;
        reply
            .replace(ctx, &ms::campaigns_already(l, enabled, &before))
            .await;
        return;
    };
    let cache = crate::integrations::julia_db::set_flag_cache(
        ctx.config.julia.redis_url.as_ref(),
        "campaigns",
        &after,
        ctx.config.julia.source_timeout,
    )
    .await;
    let (applies_now, cache_problem) = match &cache {
        Ok(done) => (*done, None),
        Err(p) => (false, Some(p.clone())),
    };
    let ok = crate::integrations::julia_db::campaigns_enabled(Some(&after)) == enabled;
    let entry = crate::audit::AuditEntry {
        actor: reply.user.clone(),
        action: action.name().into(),
        args: action.args(),
        outcome: if ok { "done" } else { "failed_readback" }.into(),
        before: Some(before),
        after: Some(after.clone()),
        detail: cache_problem.clone(),
    };
    let announce = ms::campaigns_announcement(l, enabled, reason, &reply.user);
    audit_and_announce(ctx, &entry, ok.then_some(&announce)).await;
    let msg = if ok {
        ms::campaigns_done(l, enabled, &after, applies_now, cache_problem.as_deref())
    } else {
        m::failure(
            l,
            "Julia's database (Supabase)",
            &format!("read back campaigns = {after}"),
            &m::readback_mismatch(l),
            &m::retry_hint(l),
        )
    };
    reply.replace(ctx, &msg).await;
}

async fn campaign(
    ctx: &Arc<Ctx>,
    reply: &Reply,
    action: &Action,
    pause: bool,
    id: i64,
    label: &str,
    from: &str,
) {
    let l = ctx.locale();
    let to = if pause { "pausada" } else { "ativa" };
    let c = Campaign {
        id,
        nome_template: None,
        friendly_name: Some(label.to_string()),
        status: from.to_string(),
    };
    match ctx.julia.db.set_campaign_status(id, from, to).await {
        Ok(Some(now)) => {
            let entry = crate::audit::AuditEntry {
                actor: reply.user.clone(),
                action: action.name().into(),
                args: action.args(),
                outcome: "done".into(),
                before: Some(from.to_string()),
                after: Some(now.clone()),
                detail: None,
            };
            let announce = ms::campaign_announcement(l, &view(&c, label), &now, &reply.user);
            audit_and_announce(ctx, &entry, Some(&announce)).await;
            reply
                .replace(ctx, &ms::campaign_done(l, &view(&c, label), &now))
                .await;
        }
        Ok(None) => {
            record(
                ctx,
                &reply.user,
                action,
                "unchanged",
                Some(from.to_string()),
                None,
                Some("status changed since the prompt".into()),
            )
            .await;
            reply
                .replace(ctx, &ms::campaign_changed_meanwhile(l, &view(&c, label)))
                .await;
        }
        Err(e) => {
            record(
                ctx,
                &reply.user,
                action,
                "failed",
                None,
                None,
                Some(e.to_string()),
            )
            .await;
            reply.replace(ctx, &db_failure(ctx, &e)).await;
        }
    }
}

/// The audit entry and (when given) the incidents-channel announcement, in one transaction.
async fn audit_and_announce(
    ctx: &Ctx,
    entry: &crate::audit::AuditEntry,
    announce: Option<&messages::Msg>,
) {
    let now = ctx.clock.now_ms();
    let r = async {
        let mut tx = ctx.store.pool.begin().await?;
        crate::audit::record(&mut tx, entry, now).await?;
        if let (Some(ch), Some(msg)) = (&ctx.config.incidents_channel, announce) {
            crate::outbox::enqueue(&mut tx, &crate::outbox::OutboxItem::post(ch, msg), now).await?;
        }
        tx.commit().await
    };
    if let Err(e) = r.await {
        tracing::error!(error = %crate::config::redact_url(&e.to_string()), "audit/announce failed");
    }
    ctx.outbox_wake.notify_one();
}
