//! The other switches (`julia.md` §6.5): `/julia campaigns off|on` (the `campaigns` flag:
//! privileged, confirmed, hard-guarded, audited, announced like a pause) and `/julia campaign
//! pause|resume <id or name>` (one campaign, `ativa` ↔ `pausada` only). `/julia flags` is a
//! report ([`super::status`]).

use std::sync::Arc;

use messages::julia as m;

use super::action::Action;
use super::shared::{check_guard, db_failure, db_readback_failure, set_cache};
use chatops_core::guarded::{self, Outcome, Prepared, Refusal, Reply};
use chatops_core::Ctx;
use clients::julia_db::{campaigns_enabled, Campaign};

fn label(c: &Campaign) -> String {
    c.friendly_name
        .clone()
        .or_else(|| c.nome_template.clone())
        .unwrap_or_else(|| "-".into())
}

fn view<'a>(c: &'a Campaign, name: &'a str) -> m::CampaignView<'a> {
    m::CampaignView {
        id: c.id,
        name,
        status: &c.status,
    }
}

pub async fn prepare_campaigns(
    ctx: &Ctx,
    enabled: bool,
    reason: &str,
) -> Result<Prepared<Action>, Refusal> {
    let l = ctx.locale();
    check_guard(ctx).await?;
    let rows = clients::julia(ctx)
        .db
        .flags()
        .await
        .map_err(|e| Refusal::new("failed", db_failure(ctx, &e)))?;
    let now = rows
        .iter()
        .find(|r| r.key == "campaigns")
        .map(|r| r.value.clone());
    let shown = now.clone().unwrap_or_else(|| m::NO_CAMPAIGNS_ROW.into());
    if campaigns_enabled(now.as_deref()) == enabled {
        let msg = m::campaigns_already(l, enabled, &shown);
        return Err(Refusal::new("unchanged", msg).before(Some(shown)));
    }
    let action = Action::Campaigns {
        enabled,
        reason: reason.to_string(),
    };
    Ok(Prepared::new(
        m::what_campaigns(l, enabled, reason),
        action,
        Some(shown),
    ))
}

/// The one campaign `name` designates, or the refusal listing the choices.
async fn find_one(ctx: &Ctx, name: &str) -> Result<Campaign, Refusal> {
    let l = ctx.locale();
    let db = &clients::julia(ctx).db;
    let found = db
        .find_campaigns(name)
        .await
        .map_err(|e| Refusal::new("failed", db_failure(ctx, &e)))?;
    let (outcome, list) = match found.len() {
        1 => return Ok(found.into_iter().next().expect("one")),
        0 => (
            "refused_unknown",
            db.switchable_campaigns().await.unwrap_or_default(),
        ),
        _ => ("refused_ambiguous", found),
    };
    let labels: Vec<String> = list.iter().map(label).collect();
    let views: Vec<_> = list.iter().zip(&labels).map(|(c, n)| view(c, n)).collect();
    let msg = if outcome == "refused_unknown" {
        m::campaign_unknown(l, name, &views)
    } else {
        m::campaign_ambiguous(l, name, &views)
    };
    Err(Refusal::new(outcome, msg))
}

pub async fn prepare_campaign(
    ctx: &Ctx,
    name: &str,
    pause: bool,
) -> Result<Prepared<Action>, Refusal> {
    let l = ctx.locale();
    check_guard(ctx).await?;
    let c = find_one(ctx, name).await?;
    let n = label(&c);
    let (from, to, verb) = if pause {
        ("ativa", "pausada", "pause")
    } else {
        ("pausada", "ativa", "resume")
    };
    if c.status != from {
        let msg = m::campaign_transition_refused(l, &view(&c, &n), verb);
        return Err(Refusal::new("refused_transition", msg).before(Some(c.status.clone())));
    }
    let what = m::what_campaign(l, &view(&c, &n), to, name);
    let action = Action::Campaign {
        name: name.to_string(),
        pause,
        id: Some(c.id),
        label: Some(n),
        from: Some(c.status.clone()),
    };
    Ok(Prepared::new(what, action, Some(c.status)))
}

/// `campaigns on|off`, after the click.
pub async fn execute_campaigns(
    ctx: &Arc<Ctx>,
    reply: &Reply,
    action: &Action,
    (enabled, reason): (bool, &str),
) {
    let l = ctx.locale();
    if let Err(r) = check_guard(ctx).await {
        return guarded::stop(ctx, reply, action, r).await;
    }
    let change = match clients::julia(ctx)
        .db
        .set_campaigns(enabled, &reply.user)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            let o = Outcome::new("failed").detail(Some(e.to_string()));
            return guarded::finish(ctx, reply, action, o, &db_failure(ctx, &e)).await;
        }
    };
    let before = change
        .before
        .clone()
        .unwrap_or_else(|| m::NO_CAMPAIGNS_ROW.into());
    let Some(after) = change.after else {
        let o = Outcome::new("unchanged")
            .before(Some(before.clone()))
            .after(Some(before.clone()));
        let msg = m::campaigns_already(l, enabled, &before);
        return guarded::finish(ctx, reply, action, o, &msg).await;
    };
    let (applies_now, cache_problem) = set_cache(ctx, "campaigns", &after).await;
    let ok = campaigns_enabled(Some(&after)) == enabled;
    let o = Outcome::new(if ok { "done" } else { "failed_readback" })
        .before(Some(before))
        .after(Some(after.clone()))
        .detail(cache_problem.clone());
    let announce = m::campaigns_announcement(l, enabled, reason, &reply.user);
    let msg = if ok {
        m::campaigns_done(l, enabled, &after, applies_now, cache_problem.as_deref())
    } else {
        db_readback_failure(ctx, "campaigns", &after, &m::readback_mismatch(l))
    };
    let announce = ok.then_some(&announce);
    guarded::finish_announced(ctx, reply, action, o, (announce, &msg)).await;
}

/// `campaign pause|resume`, after the click: `id`, `label` and `from` were resolved at the
/// prompt; the change applies only if the status is still `from`.
pub async fn execute_campaign(ctx: &Arc<Ctx>, reply: &Reply, action: &Action) {
    let l = ctx.locale();
    let Action::Campaign {
        pause,
        id: Some(id),
        label,
        from: Some(from),
        ..
    } = action
    else {
        return;
    };
    if let Err(r) = check_guard(ctx).await {
        return guarded::stop(ctx, reply, action, r).await;
    }
    let label = label.as_deref().unwrap_or("-");
    let to = if *pause { "pausada" } else { "ativa" };
    let c = Campaign {
        id: *id,
        nome_template: None,
        friendly_name: Some(label.to_string()),
        status: from.to_string(),
    };
    let (o, msg, announce) = match clients::julia(ctx)
        .db
        .set_campaign_status(*id, from, to)
        .await
    {
        Ok(Some(now)) => (
            Outcome::new("done")
                .before(Some(from.to_string()))
                .after(Some(now.clone())),
            m::campaign_done(l, &view(&c, label), &now),
            Some(m::campaign_announcement(
                l,
                &view(&c, label),
                &now,
                &reply.user,
            )),
        ),
        Ok(None) => (
            Outcome::new("unchanged")
                .before(Some(from.to_string()))
                .detail(Some("status changed since the prompt".into())),
            m::campaign_changed_meanwhile(l, &view(&c, label)),
            None,
        ),
        Err(e) => (
            Outcome::new("failed").detail(Some(e.to_string())),
            db_failure(ctx, &e),
            None,
        ),
    };
    match announce {
        Some(a) => guarded::finish_announced(ctx, reply, action, o, (Some(&a), &msg)).await,
        None => guarded::finish(ctx, reply, action, o, &msg).await,
    }
}
