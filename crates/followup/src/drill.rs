//! Drills (#28): the report posted in the war room when a drill is resolved (each component's
//! recovery time against its RTO, the alerts that fired, Fabrica's checklist with buttons), the
//! checklist's answers (on the timeline), and `drill on` / `drill off`, the only way an
//! incident becomes a drill or a real one (commander or admin, audited).

use messages::drill as tpl;
use messages::{Locale, Msg};
use sqlx::AnyConnection;

use chatops_core::admins::is_admin;
use chatops_core::audit::{record, AuditEntry};
use chatops_core::ids::{ChannelId, IncidentId, UserId};
use chatops_core::{Ctx, FlowError, FlowResult};
use incident::hooks::{announce, Event};
use incident::shared::{load, post_to_incident, target};
use incident::store::{self, Incident};
use incident::timeline::EventKind;

/// `msg`, marked DRILL when `drill`.
pub fn marked(msg: &Msg, drill: bool, l: Locale) -> Msg {
    if drill {
        tpl::mark(msg, l)
    } else {
        msg.clone()
    }
}

/// Posts the drill report of `i` where it lives (in the resolution's transaction).
pub async fn report(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    now: i64,
) -> Result<(), sqlx::Error> {
    let l = ctx.locale();
    let affected = incident::components::of_incident(conn, i.id).await?;
    let lines: Vec<tpl::RecoveryLine> = affected
        .iter()
        .map(|a| {
            let c = ctx.config.components.get(&a.component);
            tpl::RecoveryLine {
                component: c
                    .map(|c| c.name.get(l).to_string())
                    .unwrap_or_else(|| a.component.clone()),
                took: a.recovered_at.map(|r| (r - i.started_at).max(0) / 1000),
                rto: c.and_then(|c| c.rto).map(|d| d.as_secs() as i64),
            }
        })
        .collect();
    let alerts: Vec<tpl::FiredAlert> = alerts::of_incident(conn, i.id)
        .await?
        .into_iter()
        .map(|g| tpl::FiredAlert {
            name: g.title,
            state: g.status,
        })
        .collect();
    let msg = tpl::report(i.id, &lines, &alerts, l);
    post_to_incident(conn, ctx, i, &msg, false, now).await?;
    let summary: Vec<String> = lines
        .iter()
        .map(|r| match (r.took, r.rto) {
            (Some(t), Some(rto)) => format!("{} {t}s/{rto}s", r.component),
            (Some(t), None) => format!("{} {t}s", r.component),
            (None, _) => format!("{} -", r.component),
        })
        .collect();
    let text = format!(
        "{} · {} {}",
        l.t("report", "relatório"),
        summary.join(", "),
        alerts.len()
    );
    store::add_event(conn, i.id, now, "chatops", EventKind::Drill, text.trim()).await
}

/// A checklist button: `<incident>:<question>:<yes|no>`. Recorded on the timeline and said in
/// the war room.
pub async fn answer(ctx: &Ctx, user: &UserId, value: &str) -> FlowResult<Msg> {
    let l = ctx.locale();
    let mut parts = value.splitn(3, ':');
    let (Some(n), Some(q), Some(a)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(FlowError::Internal(anyhow::anyhow!(
            "bad checklist value {value:?}"
        )));
    };
    let id = n
        .parse::<i64>()
        .map_err(|_| FlowError::Internal(anyhow::anyhow!("bad checklist value {value:?}")))?;
    if !tpl::QUESTIONS.contains(&q) || !(a == "yes" || a == "no") {
        return Err(FlowError::Internal(anyhow::anyhow!(
            "bad checklist value {value:?}"
        )));
    }
    let yes = a == "yes";
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let i = load(&mut tx, ctx, IncidentId(id)).await?;
    if !i.is_drill {
        return Err(FlowError::User(tpl::not_a_drill(id, l)));
    }
    let line = tpl::answered_timeline(q, yes, l);
    // A second click on the same answer records nothing more (a changed answer is recorded).
    if last_answer(&mut tx, id, q, l).await?.as_deref() == Some(line.as_str()) {
        return Ok(tpl::answered(id, q, yes, user.as_str(), l));
    }
    store::add_event(&mut tx, id, now, user.as_str(), EventKind::Drill, &line).await?;
    let msg = tpl::answered(id, q, yes, user.as_str(), l);
    post_to_incident(&mut tx, ctx, &i, &msg, false, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(msg)
}

/// The timeline text of the latest answer to checklist question `q` of an incident, if any.
async fn last_answer(
    conn: &mut AnyConnection,
    id: i64,
    q: &str,
    l: Locale,
) -> Result<Option<String>, sqlx::Error> {
    let (yes, no) = (
        tpl::answered_timeline(q, true, l),
        tpl::answered_timeline(q, false, l),
    );
    let last: Option<String> = sqlx::query_scalar(
        "SELECT text FROM timeline WHERE incident_id = $1 AND kind = 'drill' AND (text = $2 OR text = $3)
         ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .bind(&yes)
    .bind(&no)
    .fetch_optional(conn)
    .await?;
    Ok(last)
}

/// `drill on|off [INC-n]`: the commander or an admin turns an incident into a drill, or a drill
/// into a real incident; audited, on the timeline, said where it lives. A drill turned real
/// pages from now on; a real incident turned into a drill stops paging.
pub async fn switch(
    ctx: &Ctx,
    actor: &UserId,
    id: Option<IncidentId>,
    channel: &ChannelId,
    on: bool,
) -> FlowResult<Msg> {
    let l = ctx.locale();
    let found = target(ctx, id, channel).await?;
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let mut i = load(&mut tx, ctx, IncidentId(found.id)).await?;
    let key = IncidentId(i.id).to_string();
    let allowed =
        i.commander.as_deref() == Some(actor.as_str()) || is_admin(ctx, actor.as_str()).await;
    let action = if on {
        "incident.drill_on"
    } else {
        "incident.drill_off"
    };
    let word = |d: bool| if d { "drill" } else { "real" };
    if !allowed {
        let e = AuditEntry {
            actor: actor.to_string(),
            action: action.into(),
            args: key.clone(),
            outcome: "denied".into(),
            before: Some(word(i.is_drill).into()),
            ..Default::default()
        };
        record(&mut tx, &e, now).await?;
        tx.commit().await?;
        return Err(FlowError::User(tpl::not_allowed(i.id, l)));
    }
    if i.is_drill == on {
        return Ok(tpl::already(i.id, on, l));
    }
    sqlx::query("UPDATE incidents SET is_drill = $1, drill_pages = 0 WHERE id = $2")
        .bind(on as i64)
        .bind(i.id)
        .execute(&mut *tx)
        .await?;
    let e = AuditEntry {
        actor: actor.to_string(),
        action: action.into(),
        args: key,
        outcome: "ok".into(),
        before: Some(word(i.is_drill).into()),
        after: Some(word(on).into()),
        detail: None,
    };
    record(&mut tx, &e, now).await?;
    i.is_drill = on;
    let text = format!("{} -> {}", word(!on), word(on));
    store::add_event(&mut tx, i.id, now, actor.as_str(), EventKind::Drill, &text).await?;
    let msg = tpl::switched(i.id, on, actor.as_str(), l);
    post_to_incident(&mut tx, ctx, &i, &msg, true, now).await?;
    let ev = Event::DrillChanged {
        incident: &i,
        actor: actor.as_str(),
    };
    announce(&mut tx, ctx, ev, now).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(msg)
}
