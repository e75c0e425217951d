//! What a notice would do now: the exact text, who receives it (a fresh read of Julia's
//! database, under its statement timeout), who is left out and held and why, and whether
//! WhatsApp is connected. Read only; any failure is a sentence saying why nothing is sent.

use chatops_core::Ctx;
use clients::julia_db::{DoctorQuery, Doctors};
use clients::JuliaClients;
use incident::store::Incident;
use messages::customers as tpl;

use crate::audience::{classify, query, Audience};
use crate::settings;

/// A notice as it would go out now.
#[derive(Debug, Clone)]
pub struct Preview {
    pub text: String,
    pub audience: Audience,
}

/// The text: as edited in the war room, else the template (`customers_outage.j2`,
/// `customers_recovery.j2`), else the built-in one, in `CUSTOMERS_LANGUAGE`.
pub async fn text(ctx: &Ctx, i: &Incident, recovery: bool) -> Result<String, sqlx::Error> {
    let l = settings::of(ctx).locale;
    if let Some((Some(t), _)) = crate::store::prompt(&ctx.store.pool, i.id, recovery).await? {
        return Ok(t);
    }
    let v = incident::shared::view(ctx, i);
    Ok(ctx
        .config
        .templates
        .customers(recovery, &v, l)
        .unwrap_or_else(|| tpl::default_text(recovery, l)))
}

/// Evolution's instance must be `open`: otherwise the sentence saying WhatsApp is down.
pub async fn whatsapp_open(ctx: &Ctx) -> Result<(), String> {
    let l = ctx.locale();
    let Some(c) = ctx.ext.get::<JuliaClients>() else {
        return Err(tpl::whatsapp_unknown("Evolution is not configured", l));
    };
    let missing = c.evolution.missing();
    if !missing.is_empty() {
        let why = format!("missing {}", missing.join(", "));
        return Err(tpl::whatsapp_unknown(&why, l));
    }
    match c.evolution.state().await {
        Ok(s) if s == "open" => Ok(()),
        Ok(s) => Err(tpl::whatsapp_down(&s, l)),
        Err(e) => Err(tpl::whatsapp_unknown(
            &crate::phone::scrub(&e.to_string()),
            l,
        )),
    }
}

/// The doctors and every rule applied. For the back-to-normal notice, `reached` are the
/// numbers the outage notice reached (looked up again, so an opt-out since is honoured).
pub async fn audience(ctx: &Ctx, reached: Option<Vec<String>>) -> Result<Audience, String> {
    let l = ctx.locale();
    let cfg = settings::of(ctx);
    let Some(c) = ctx.ext.get::<JuliaClients>() else {
        return Err(tpl::query_failed("JULIA_DATABASE_URL is not set", l));
    };
    let (q, listed) = match &reached {
        Some(numbers) => (DoctorQuery::Numbers(numbers.clone()), numbers.clone()),
        None => (query(cfg), cfg.phones.clone()),
    };
    let found: Doctors =
        c.db.doctors(&q, cfg.query_timeout)
            .await
            .map_err(|e| tpl::query_failed(&crate::phone::scrub(&e.to_string()), l))?;
    Ok(classify(cfg, &found, &listed, ctx.clock.now_ms()))
}

/// The text and the audience of `i`'s notice now.
pub async fn build(ctx: &Ctx, i: &Incident, recovery: bool) -> Result<Preview, String> {
    let l = ctx.locale();
    let reached = match recovery {
        false => None,
        true => {
            let r = async {
                let Some(n) = crate::store::of_incident(&ctx.store.pool, i.id, false).await? else {
                    return Ok(Vec::new());
                };
                crate::store::reached(&ctx.store.pool, n.id).await
            };
            let numbers: Vec<String> = r.await.map_err(|e: sqlx::Error| {
                tpl::query_failed(&chatops_core::config::redact_url(&e.to_string()), l)
            })?;
            if numbers.is_empty() {
                return Err(tpl::refused_no_outage_notice(l).text);
            }
            Some(numbers)
        }
    };
    let text = text(ctx, i, recovery)
        .await
        .map_err(|e| tpl::query_failed(&chatops_core::config::redact_url(&e.to_string()), l))?;
    let audience = audience(ctx, reached).await?;
    Ok(Preview { text, audience })
}

/// The war-room prompt's view of `p` (or of the problem that stops it).
pub fn view(
    ctx: &Ctx,
    i: &Incident,
    recovery: bool,
    p: &Result<Preview, String>,
    text: &str,
) -> tpl::PreviewView {
    let cfg = settings::of(ctx);
    let l = ctx.locale();
    let source = if recovery {
        l.t(
            "those the outage notice reached",
            "os que receberam o aviso de instabilidade",
        )
        .to_string()
    } else if cfg.phones.is_empty() {
        l.t(
            format!(
                "doctors who wrote to Julia in the last {} days",
                cfg.active_days
            ),
            format!(
                "médicos que escreveram para a Julia nos últimos {} dias",
                cfg.active_days
            ),
        )
    } else {
        l.t(
            "the configured list (CUSTOMERS_PHONES)",
            "a lista configurada (CUSTOMERS_PHONES)",
        )
        .to_string()
    };
    let mut v = tpl::PreviewView {
        incident: i.id,
        recovery,
        text: text.to_string(),
        source,
        language: cfg.locale.code().to_string(),
        ..Default::default()
    };
    match p {
        Err(why) => v.problem = Some(why.clone()),
        Ok(p) => {
            v.text = p.text.clone();
            v.recipients = p.audience.clear.len();
            v.excluded = p.audience.excluded.clone();
            v.held = p.audience.held_by.clone();
            v.julia_paused = p.audience.safe_mode;
            v.estimate_secs = cfg.estimate_secs(p.audience.clear.len());
            v.estimate_all_secs = cfg.estimate_secs(p.audience.clear.len() + p.audience.held.len());
            if p.audience.clear.is_empty() && p.audience.held.is_empty() {
                v.problem = Some(tpl::nobody(l));
            }
        }
    }
    v
}

/// Why `phone` may no longer receive the notice, checked again just before its send (the same
/// rules; the held ones only when the confirmation included them). `None`: send. A read that
/// fails keeps the snapshot the confirmation checked (it is minutes old at most), and says so
/// in the log.
pub async fn recheck(ctx: &Ctx, phone: &str, include_held: bool) -> Option<String> {
    let cfg = settings::of(ctx);
    let c = ctx.ext.get::<JuliaClients>()?;
    let q = DoctorQuery::Numbers(vec![phone.to_string()]);
    let found = match c.db.doctors(&q, cfg.query_timeout).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(to = %crate::phone::mask(phone), error = %crate::phone::scrub(&e.to_string()), "customers: the check before a send failed; sending on the confirmed snapshot");
            return None;
        }
    };
    let a = classify(cfg, &found, &[phone.to_string()], ctx.clock.now_ms());
    if a.clear.iter().any(|r| r.phone == phone) {
        return None;
    }
    if include_held && a.held.iter().any(|r| r.phone == phone) {
        return None;
    }
    let reason = a
        .excluded
        .first()
        .or(a.held_by.first())
        .map(|(c, _)| c.clone());
    Some(reason.unwrap_or_else(|| "not found".into()))
}
