//! An alert group becomes an incident: from the Declare button's form ([`link`], called after
//! the form's declaration) or by itself for groups labelled `chatops_declare="P0"`… when
//! `ALERTS_AUTO_DECLARE` is on ([`auto`]). Either way the incident knows its group
//! (`incidents.alert_group_id`) and the group its incident (`alert_groups.incident_id`); the
//! group's later firings and resolution go to the incident's timeline ([`super::intake`]).
//!
//! An auto-declared incident goes through `create_incident` like any other: war room,
//! announcement, reminders and the paging ladder (#15) of its severity.

use chatops_core::ids::{ChannelId, IncidentTitle, UserId};
use chatops_core::{Ctx, FlowResult};
use incident::declare::{create_incident, Declaration};
use incident::{store as incidents, Severity};

/// The actor of what the bot does by itself (timeline, `declared_by`).
pub use chatops_core::BOT_ACTOR;

/// How long an auto-declaration in flight holds the group against a second one (Alertmanager
/// in HA sends every notification twice, possibly to two replicas at once).
const CLAIM_MS: i64 = 60_000;

/// Links a just-declared incident and its alert group, both ways, in one transaction; the
/// group's message then shows the incident instead of the Declare button.
pub async fn link(ctx: &Ctx, group: i64, incident: i64, actor: &str) -> FlowResult<()> {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let Some(g) = super::lock(&mut tx, ctx.store.backend, group).await? else {
        return Ok(());
    };
    if g.incident_id.is_some() {
        // Declared twice at once (two forms): the first incident keeps the group.
        return Ok(());
    }
    sqlx::query("UPDATE alert_groups SET incident_id = $1, updated_at = $2 WHERE id = $3")
        .bind(incident)
        .bind(now)
        .bind(group)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE incidents SET alert_group_id = $1 WHERE id = $2")
        .bind(group)
        .bind(incident)
        .execute(&mut *tx)
        .await?;
    let total = g.firing + g.resolved;
    incidents::add_event(
        &mut tx,
        incident,
        now,
        actor,
        incident::timeline::EventKind::Alert,
        &format!(
            "declared from alert {} ({} of {total} firing, source {})",
            g.title, g.firing, g.source
        ),
    )
    .await?;
    let mut g = g;
    g.incident_id = Some(incident);
    super::refresh(&mut tx, ctx, &g).await?;
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}

/// Declares the group as the bot would a person's declaration (war room, announcement,
/// reminders), once even when the same notification reaches two replicas.
pub async fn auto(ctx: &Ctx, group: i64, severity: Severity) -> FlowResult<Option<i64>> {
    let now = ctx.clock.now_ms();
    let claimed = sqlx::query(
        "UPDATE alert_groups SET auto_declare_at = $1
         WHERE id = $2 AND incident_id IS NULL AND (auto_declare_at IS NULL OR auto_declare_at < $3)",
    )
    .bind(now)
    .bind(group)
    .bind(now - CLAIM_MS)
    .execute(&ctx.store.pool)
    .await?
    .rows_affected();
    if claimed != 1 {
        return Ok(None);
    }
    let Some(g) = super::get(&ctx.store.pool, group).await? else {
        return Ok(None);
    };
    let title = IncidentTitle::parse(&g.title)
        .or_else(|_| IncidentTitle::parse(&format!("Alert {}", g.title)))
        .or_else(|_| IncidentTitle::parse(&format!("Alert group {group}")))
        .expect("a short fixed title is valid");
    let d = Declaration {
        actor: UserId::new(BOT_ACTOR),
        origin_channel: ChannelId::new(g.channel.clone()),
        severity,
        title,
        impact: g.summary.clone(),
        commander: ctx.config.commander_users.first().cloned().map(UserId::new),
        private: false,
        affects: Vec::new(),
        drill: false,
        drill_pages: false,
    };
    let id = create_incident(ctx, &d, None).await?.0;
    link(ctx, group, id, BOT_ACTOR).await?;
    tracing::info!(
        group,
        incident = id,
        severity = severity.as_str(),
        "alert group auto-declared"
    );
    Ok(Some(id))
}
