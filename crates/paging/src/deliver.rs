//! Delivering pages: each pending row, under a lease, by WhatsApp (Evolution `sendText`) and
//! Slack DM. Each channel's outcome is recorded as soon as it is known, so a retry never sends
//! twice on a channel that already worked. WhatsApp is not retried: when Evolution is not
//! `open` or the send fails, the war room is told and the ladder's next step comes due at once.
//! A DM is retried with backoff on Slack's transient errors. When both channels are settled
//! the row is done, with one line in the war room; a page no channel delivered is posted in
//! the incidents channel.

use messages::paging::{self as tpl, PageView, Reached};
use sqlx::Row;

use super::ladder::LAST_STEP;
use super::phone::scrub;
use super::post_to_room;
use chatops_core::outbox::{enqueue, OutboxItem};
use chatops_core::Ctx;
use clients::evolution::EvolutionError;
use incident::store::{self, Incident};

/// A claimed page.
#[derive(Debug, Clone)]
struct Page {
    id: i64,
    incident: i64,
    step: i64,
    user: String,
    dm_state: String,
    wa_state: String,
    wa_error: Option<String>,
    dm_error: Option<String>,
    attempts: i64,
}

/// Claims and delivers every due page. Returns how many were settled.
pub async fn deliver_due(ctx: &Ctx) -> Result<usize, sqlx::Error> {
    let token = uuid::Uuid::new_v4().to_string();
    let now = ctx.clock.now_ms();
    let lease_until = now + crate::settings::of(ctx).lease.as_millis() as i64;
    let sql = super::claim_sql(
        ctx,
        "pages",
        "id",
        "next_attempt_at",
        "state = 'pending'",
        "id, incident_id, step, user_id, dm_state, wa_state, wa_error, dm_error, attempts",
    );
    let pages: Vec<Page> = sqlx::query(&sql)
        .bind(&token)
        .bind(lease_until)
        .bind(now)
        .fetch_all(&ctx.store.pool)
        .await?
        .iter()
        .map(|r| Page {
            id: r.get(0),
            incident: r.get(1),
            step: r.get(2),
            user: r.get(3),
            dm_state: r.get(4),
            wa_state: r.get(5),
            wa_error: r.get(6),
            dm_error: r.get(7),
            attempts: r.get(8),
        })
        .collect();
    let mut settled = 0;
    for p in pages {
        match deliver(ctx, p.clone(), &token).await {
            Ok(true) => settled += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(page = p.id, incident = p.incident, error = %chatops_core::config::redact_url(&e.to_string()), "page not delivered; the lease will expire and it will be retried")
            }
        }
    }
    Ok(settled)
}

fn view(ctx: &Ctx, i: &Incident, now: i64) -> PageView {
    let room = i
        .channel_id
        .clone()
        .or_else(|| ctx.config.incidents_channel.clone())
        .or_else(|| i.origin_channel.clone())
        .unwrap_or_default();
    PageView {
        id: i.id,
        severity: i.severity.as_str().into(),
        // A drill that pages (`--drill --page`) says so on the phone too.
        title: if i.is_drill {
            format!("{} · {}", messages::drill::word(ctx.locale()), i.title)
        } else {
            i.title.clone()
        },
        unacked_secs: (now - i.started_at) / 1000,
        war_room: i.channel_id.clone(),
        // Opens the channel in the Slack app, on a phone too.
        link: format!("https://slack.com/app_redirect?channel={room}"),
    }
}

/// Why WhatsApp could not carry a page, for people (no number in it).
fn evolution_failure(e: &EvolutionError) -> String {
    scrub(&e.to_string())
}

/// What the WhatsApp half of a page came to.
struct WaOutcome {
    /// `sent`, `none` (no number, no Evolution), `failed` (Evolution said no) or `unknown`
    /// (no answer in `PAGER_SEND_TIMEOUT`: it may have been delivered).
    state: &'static str,
    why: Option<String>,
    /// `key.id` of the sent message.
    message_id: Option<String>,
}

impl WaOutcome {
    fn new(state: &'static str, why: Option<String>) -> Self {
        WaOutcome {
            state,
            why,
            message_id: None,
        }
    }
}

/// The WhatsApp half of a page.
async fn whatsapp(ctx: &Ctx, user: &str, text: &str) -> WaOutcome {
    let l = ctx.locale();
    let Some(phone) = crate::settings::of(ctx).phones.of(user) else {
        return WaOutcome::new("none", Some(tpl::no_phone(l)));
    };
    let evo = clients::julia(ctx)
        .evolution
        .with_instance(crate::settings::of(ctx).instance.as_deref());
    if !evo.missing().is_empty() {
        // No Evolution at all: pages go by DM only (check-config says so); no hurry either.
        let why = format!("{} {}", tpl::no_evolution(l), evo.missing().join(", "));
        return WaOutcome::new("none", Some(why));
    }
    match evo.state().await {
        Ok(s) if s == "open" => {}
        Ok(s) => return WaOutcome::new("failed", Some(tpl::evolution_state(&s, l))),
        Err(e) => return WaOutcome::new("failed", Some(evolution_failure(&e))),
    }
    let timeout = crate::settings::of(ctx).send_timeout;
    match evo.send_text(phone.digits(), text, timeout).await {
        Ok(id) => WaOutcome {
            state: "sent",
            why: None,
            message_id: id,
        },
        Err(e @ EvolutionError::Timeout(_)) => {
            // The request reached Evolution, which may still deliver it: not a failure.
            tracing::warn!(user, phone = %phone.masked(), error = %evolution_failure(&e), "WhatsApp page unconfirmed");
            WaOutcome::new("unknown", Some(evolution_failure(&e)))
        }
        Err(e) => {
            tracing::warn!(user, phone = %phone.masked(), error = %evolution_failure(&e), "WhatsApp page failed");
            WaOutcome::new("failed", Some(evolution_failure(&e)))
        }
    }
}

/// Delivers what is left of one page; true when it is settled.
async fn deliver(ctx: &Ctx, mut p: Page, token: &str) -> Result<bool, sqlx::Error> {
    let l = ctx.locale();
    let now = ctx.clock.now_ms();
    let i = store::get_pool(&ctx.store.pool, p.incident).await?;
    let acked: Option<i64> = sqlx::query_scalar("SELECT acked_at FROM incidents WHERE id = $1")
        .bind(p.incident)
        .fetch_optional(&ctx.store.pool)
        .await?
        .flatten();
    let Some(i) = i.filter(|i| i.status.is_open() && acked.is_none()) else {
        sqlx::query("UPDATE pages SET state = 'cancelled', lease_token = NULL, lease_until = NULL, done_at = $1 WHERE id = $2 AND lease_token = $3")
            .bind(now)
            .bind(p.id)
            .bind(token)
            .execute(&ctx.store.pool)
            .await?;
        return Ok(false);
    };
    let v = view(ctx, &i, now);
    if p.wa_state == "pending" {
        let wa = whatsapp(ctx, &p.user, &tpl::page_whatsapp(&v, l)).await;
        let sent_at = (wa.state == "sent").then(|| ctx.clock.now_ms());
        sqlx::query(
            "UPDATE pages SET wa_state = $1, wa_error = $2, wa_message_id = $3, wa_sent_at = $4
             WHERE id = $5 AND lease_token = $6",
        )
        .bind(wa.state)
        .bind(wa.why.as_deref())
        .bind(wa.message_id.as_deref())
        .bind(sent_at)
        .bind(p.id)
        .bind(token)
        .execute(&ctx.store.pool)
        .await?;
        p.wa_state = wa.state.into();
        p.wa_error = wa.why;
    }
    if p.dm_state == "pending" {
        let body = tpl::page_dm(&v, l).post(&p.user);
        match ctx.slack.call("chat.postMessage", &body).await {
            Ok(_) => p.dm_state = "sent".into(),
            Err(e)
                if e.retryable()
                    && p.attempts + 1 < crate::settings::of(ctx).max_attempts as i64 =>
            {
                let wait = chatops_core::jobs::backoff(p.attempts + 1).as_millis() as i64;
                sqlx::query("UPDATE pages SET attempts = attempts + 1, next_attempt_at = $1, dm_error = $2, lease_token = NULL, lease_until = NULL WHERE id = $3 AND lease_token = $4")
                    .bind(now + wait)
                    .bind(e.code())
                    .bind(p.id)
                    .bind(token)
                    .execute(&ctx.store.pool)
                    .await?;
                return Ok(false);
            }
            Err(e) => {
                p.dm_state = "failed".into();
                p.dm_error = Some(e.code());
            }
        }
    }
    settle(ctx, &i, &p, token, now).await
}

/// Records a page done with its war-room lines, in one transaction.
async fn settle(
    ctx: &Ctx,
    i: &Incident,
    p: &Page,
    token: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = ctx.store.begin().await?;
    let done = sqlx::query(
        "UPDATE pages SET state = 'done', dm_state = $1, dm_error = $2, attempts = attempts + 1, done_at = $3, lease_token = NULL, lease_until = NULL
         WHERE id = $4 AND lease_token = $5 AND state = 'pending'",
    )
    .bind(&p.dm_state)
    .bind(p.dm_error.as_deref())
    .bind(now)
    .bind(p.id)
    .bind(token)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    let reached = Reached {
        whatsapp: p.wa_state == "sent",
        dm: p.dm_state == "sent",
    };
    let wa_failed = p.wa_state == "failed";
    // No answer from Evolution: the page may have reached them; they keep their window.
    let wa_unknown = p.wa_state == "unknown";
    report(&mut tx, ctx, i, p, reached, now).await?;
    let how = match (reached.whatsapp, reached.dm) {
        (true, true) => "whatsapp+dm",
        (true, false) => "whatsapp",
        (false, true) => "dm",
        (false, false) => "undelivered",
    };
    metrics::counter!("pages_total", "delivered" => how).increment(1);
    store::add_event(
        &mut tx,
        i.id,
        now,
        "chatops",
        incident::timeline::EventKind::Paged,
        &format!("{} step {} by {how}", p.user, p.step),
    )
    .await?;
    if (wa_failed || !(reached.whatsapp || reached.dm || wa_unknown)) && p.step < LAST_STEP {
        // WhatsApp is the broken thing: do not wait for the window, go to the next step now.
        sqlx::query("UPDATE pager_ladders SET due_at = $1 WHERE incident_id = $2 AND step = $3 AND due_at > $1")
            .bind(now)
            .bind(i.id)
            .bind(p.step + 1)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The war-room lines of a settled page, and the incidents channel's when nothing reached.
async fn report(
    conn: &mut sqlx::AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    p: &Page,
    reached: Reached,
    now: i64,
) -> Result<(), sqlx::Error> {
    let l = ctx.locale();
    if p.wa_state == "failed" {
        let why = p.wa_error.clone().unwrap_or_default();
        post_to_room(
            &mut *conn,
            ctx,
            i,
            &tpl::whatsapp_failed(&p.user, &why, p.step >= LAST_STEP, l),
            now,
        )
        .await?;
    }
    if p.wa_state == "unknown" {
        let why = p.wa_error.clone().unwrap_or_default();
        post_to_room(
            &mut *conn,
            ctx,
            i,
            &tpl::whatsapp_unconfirmed(&p.user, &why, l),
            now,
        )
        .await?;
    }
    post_to_room(
        &mut *conn,
        ctx,
        i,
        &tpl::paged_line(&p.user, reached, p.step, l),
        now,
    )
    .await?;
    if !reached.whatsapp && !reached.dm && p.wa_state != "unknown" {
        let msg = tpl::undeliverable(
            i.id,
            &p.user,
            p.dm_error.as_deref().unwrap_or("-"),
            p.wa_error.as_deref().unwrap_or("-"),
            l,
        );
        let ch = ctx
            .config
            .incidents_channel
            .clone()
            .or_else(|| i.origin_channel.clone());
        if let Some(ch) = ch {
            enqueue(&mut *conn, &OutboxItem::post(&ch, &msg), now).await?;
        }
    }
    Ok(())
}
