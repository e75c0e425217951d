//! Sending the notice on the guarded path (`chatops_core::guarded`): permission (the bot's
//! admins or the incident's commander), preconditions (not a drill, not sent before, WhatsApp
//! connected, the recipients read now), a single-use confirmation naming the count (and a
//! second button that includes the doctors Julia's contact rules hold), then, with the click,
//! a job that checks everything again, writes the notice with its recipients and starts the
//! paced send. Every step is audited with who made it; no number is ever in the audit log.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use chatops_core::guarded::{self, Control, Outcome, Prepared, Refusal, Reply};
use chatops_core::Ctx;
use incident::store::Incident;
use messages::customers as tpl;

use crate::preview::{self, Preview};
use crate::{prompt, send, store};

pub const CONFIRMED: &str = "customers_confirmed";

/// One notice to send: which incident and kind, whether the held doctors are included, and the
/// count the confirmation named (the send refuses to go to more).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    pub incident: i64,
    #[serde(default)]
    pub recovery: bool,
    #[serde(default)]
    pub include_held: bool,
    #[serde(default)]
    pub count: usize,
}

impl Notice {
    async fn incident(&self, ctx: &Ctx) -> Result<Incident, Refusal> {
        let l = ctx.locale();
        match incident::store::get_pool(&ctx.store.pool, self.incident).await {
            Ok(Some(i)) => Ok(i),
            Ok(None) => Err(Refusal::new(
                "failed",
                tpl::problem(&format!("INC-{} ?", self.incident)),
            )),
            Err(e) => Err(Refusal::new(
                "failed",
                chatops_core::FlowError::from(e).into_msg(l),
            )),
        }
    }

    /// What stops this notice whatever the recipients: a drill, the incident's state, a notice
    /// of this kind already sent.
    async fn blocked(&self, ctx: &Ctx, i: &Incident) -> Option<Refusal> {
        let l = ctx.locale();
        if i.is_drill {
            return Some(Refusal::new("refused_drill", tpl::refused_drill(l)));
        }
        if !self.recovery && !i.status.is_open() {
            return Some(Refusal::new("refused_resolved", tpl::refused_resolved(l)));
        }
        if self.recovery && i.status.is_open() {
            return Some(Refusal::new("refused_open", tpl::refused_not_resolved(l)));
        }
        match store::of_incident(&ctx.store.pool, i.id, self.recovery).await {
            Ok(Some(n)) => Some(Refusal::new(
                "refused_already_sent",
                tpl::already(&n.state, l),
            )),
            Ok(None) => None,
            Err(e) => Some(Refusal::new(
                "failed",
                chatops_core::FlowError::from(e).into_msg(l),
            )),
        }
    }

    /// Everything checked, and the recipients read now.
    async fn check(&self, ctx: &Ctx) -> Result<(Incident, Preview), Refusal> {
        let i = self.incident(ctx).await?;
        if let Some(r) = self.blocked(ctx, &i).await {
            return Err(r);
        }
        if let Err(why) = preview::whatsapp_open(ctx).await {
            return Err(Refusal::new("refused_whatsapp", tpl::problem(&why)));
        }
        let p = preview::build(ctx, &i, self.recovery)
            .await
            .map_err(|why| Refusal::new("failed_recipients", tpl::problem(&why)))?;
        Ok((i, p))
    }
}

impl Control for Notice {
    fn name(&self) -> Cow<'static, str> {
        if self.recovery {
            "customers.back_to_normal".into()
        } else {
            "customers.notify".into()
        }
    }

    fn describe(&self) -> String {
        let back = if self.recovery { " back" } else { "" };
        format!("notify-customers INC-{}{back}", self.incident)
    }

    /// The bot's admins, or the incident's commander.
    async fn allowed(&self, ctx: &Ctx, user: &str) -> bool {
        if guarded::is_admin(ctx, user).await {
            return true;
        }
        matches!(
            incident::store::get_pool(&ctx.store.pool, self.incident).await,
            Ok(Some(i)) if i.commander.as_deref() == Some(user)
        )
    }

    fn refused(&self, ctx: &Ctx) -> messages::Msg {
        let c = &ctx.config;
        let m = messages::guarded::refused(
            ctx.locale(),
            &self.describe(),
            &c.admins,
            c.admin_group.as_deref(),
        );
        m.with_context_line(&tpl::commander_may(ctx.locale()))
    }

    async fn prepare(&self, ctx: &Ctx) -> Result<Prepared<Self>, Refusal> {
        let l = ctx.locale();
        let (i, p) = self.check(ctx).await?;
        let (clear, held) = (p.audience.clear.len(), p.audience.held.len());
        if clear + held == 0 {
            return Err(Refusal::new(
                "refused_nobody",
                tpl::problem(&tpl::nobody(l)),
            ));
        }
        let mut what = tpl::confirm_what(i.id, self.recovery, clear, held, l);
        if p.audience.safe_mode {
            what.push_str(&tpl::julia_paused(l));
        }
        let action = Notice {
            include_held: false,
            count: clear,
            ..self.clone()
        };
        let mut prepared = Prepared::new(
            what,
            action,
            Some(format!("{clear} recipients, {held} held")),
        );
        if held > 0 {
            prepared.alt = Some(Notice {
                include_held: true,
                count: clear + held,
                ..self.clone()
            });
        }
        Ok(prepared)
    }

    fn prompt(ctx: &Ctx, p: &Prepared<Self>, token: &str) -> messages::Msg {
        let all = p.alt.as_ref().map(|a| a.count);
        tpl::confirm(ctx.locale(), &p.what, token, p.action.count, all)
    }

    /// After the click: everything again, then the notice, its recipients, its progress
    /// message and its first send step, in one transaction.
    async fn execute(&self, ctx: &Arc<Ctx>, reply: &Reply) {
        let (i, p) = match self.check(ctx).await {
            Ok(v) => v,
            Err(r) => return guarded::stop(ctx, reply, self, r).await,
        };
        let recipients = p.audience.recipients(self.include_held);
        let l = ctx.locale();
        if recipients.is_empty() {
            let r = Refusal::new("refused_nobody", tpl::problem(&tpl::nobody(l)));
            return guarded::stop(ctx, reply, self, r).await;
        }
        if recipients.len() > self.count {
            let why = l.t(
                format!("The recipients changed since the confirmation ({} now, {} confirmed): nothing was sent. Ask again.", recipients.len(), self.count),
                format!("Os destinatários mudaram desde a confirmação ({} agora, {} confirmados): nada foi enviado. Peça de novo.", recipients.len(), self.count),
            );
            let r = Refusal::new("refused_changed", tpl::problem(&why));
            return guarded::stop(ctx, reply, self, r).await;
        }
        let Some(room) = prompt::room(&i) else {
            return;
        };
        let held = p.audience.held.len();
        let mut detail = format!(
            "{} recipients; held by contact rules ({}): {}",
            recipients.len(),
            held,
            if self.include_held {
                "included"
            } else {
                "left out"
            }
        );
        if p.audience.safe_mode {
            detail.push_str("; Julia paused (safe_mode on): sent as an exception to its rule R4b");
        }
        let now = ctx.clock.now_ms();
        let started = async {
            let mut tx = ctx.store.begin().await?;
            let n = store::NewNotice {
                incident: i.id,
                recovery: self.recovery,
                text: &p.text,
                channel: &room,
                include_held: self.include_held,
                confirmed_by: &reply.user,
                recipients: &recipients,
            };
            let Some(id) = store::insert(&mut tx, &n, now).await? else {
                return Ok::<_, sqlx::Error>(false);
            };
            send::render_progress(&mut tx, ctx, id, now).await?;
            send::schedule(&mut tx, ctx, id, now, now).await?;
            let entry = Outcome::new("started")
                .detail(Some(detail.clone()))
                .entry(&reply.user, self);
            chatops_core::audit::record(&mut tx, &entry, now).await?;
            tx.commit().await?;
            Ok(true)
        };
        match started.await {
            Ok(true) => {
                ctx.outbox_wake.notify_one();
                ctx.jobs_wake.notify_one();
                reply.replace(ctx, &tpl::started(recipients.len(), l)).await;
            }
            Ok(false) => {
                let r = Refusal::new("refused_already_sent", tpl::already("sending", l));
                guarded::stop(ctx, reply, self, r).await
            }
            Err(e) => {
                let m = chatops_core::FlowError::from(e).into_msg(l);
                guarded::finish(ctx, reply, self, Outcome::new("failed"), &m).await
            }
        }
    }

    fn command_line(&self, ctx: &Ctx) -> String {
        format!("{} {}", ctx.config.incident_command, self.describe())
    }

    fn interrupted(&self, ctx: &Ctx, user: &str) -> messages::Msg {
        tpl::interrupted(&self.command_line(ctx), user, ctx.locale())
    }

    const JOB_KIND: Option<&'static str> = Some(CONFIRMED);
}
