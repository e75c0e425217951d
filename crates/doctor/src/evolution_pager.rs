//! The pager instance (`PAGER_EVOLUTION_INSTANCE`), when pages go by WhatsApp: it is connected,
//! Evolution accepts the key for it, and its webhook brings replies (`MESSAGES_UPSERT`) to the
//! bot's `/pager/evolution/<PAGER_WEBHOOK_TOKEN>` (with `byEvents` Evolution appends
//! `/messages-upsert`, which the bot accepts). The token is never shown. Read-only.

use crate::check::{show_url, timed, Check, Options, Settings as Config};
use clients::evolution::{EvolutionClient, EvolutionError, Webhook};

const S: &str = "Evolution";
const N: &str = "pager instance";
const W: &str = "pager webhook";

/// The webhook URL with the token replaced.
fn hide(url: &str, token: &str) -> String {
    show_url(&url.replace(token, "…"))
}

fn failure(e: &EvolutionError, inst: &str) -> (String, String) {
    match e {
        EvolutionError::Http { status: 404, .. } => (
            format!("pager instance `{inst}` does not exist ({e})"),
            "create the instance in Evolution (its own WhatsApp number) and put its exact name in PAGER_EVOLUTION_INSTANCE".into(),
        ),
        EvolutionError::Http { status: 401 | 403, .. } => (
            format!("Evolution refused the API key for `{inst}` ({e})"),
            "set EVOLUTION_API_KEY to Evolution's global key (AUTHENTICATION_API_KEY)".into(),
        ),
        other => (
            other.to_string(),
            "check that EVOLUTION_API_URL is reachable; run `chatops doctor` again".into(),
        ),
    }
}

fn webhook(w: Option<&Webhook>, token: &str) -> Check {
    let fix = "set the pager instance's webhook to https://<bot>/pager/evolution/<PAGER_WEBHOOK_TOKEN> with the event MESSAGES_UPSERT (README, \"Paging and on-call\")";
    let Some(w) = w.filter(|w| w.enabled) else {
        return Check::fail(
            S,
            W,
            "no enabled webhook: WhatsApp replies to pages acknowledge nothing",
            fix,
        );
    };
    let path = format!("/pager/evolution/{token}");
    if !w.url.trim_end_matches('/').ends_with(&path) {
        let shown = hide(&w.url, token);
        return Check::fail(
            S,
            W,
            format!("points to {shown}, not the bot's /pager/evolution/<PAGER_WEBHOOK_TOKEN>"),
            fix,
        );
    }
    if !w.events.is_empty() && !w.events.iter().any(|e| e == "MESSAGES_UPSERT") {
        return Check::fail(
            S,
            W,
            "does not send MESSAGES_UPSERT: replies never reach the bot",
            fix,
        );
    }
    Check::pass(S, W, format!("enabled, points to {}", hide(&w.url, token)))
}

pub(crate) async fn check(c: &Config<'_>, opts: &Options) -> Vec<Check> {
    let p = c.paging;
    if p.phones.0.is_empty() {
        return Vec::new();
    }
    let mut cfg = c.julia.clone();
    cfg.source_timeout = opts.timeout;
    let julia = EvolutionClient::new(&cfg);
    if !julia.missing().is_empty() {
        return Vec::new();
    }
    let Some(inst) = p.instance.as_deref().filter(|i| *i != julia.instance()) else {
        return vec![Check::warn(
            S,
            N,
            "pages go through Julia's own instance: replies reach Julia's webhook, not the bot, so a WhatsApp `ack` acknowledges nothing (set PAGER_EVOLUTION_INSTANCE to a separate instance)",
        )];
    };
    let client = julia.with_instance(Some(inst));
    let timeout = EvolutionError::Timeout(opts.timeout.as_secs().max(1));
    let mut out = Vec::new();
    match timed(opts, client.state()).await.unwrap_or(Err(timeout)) {
        Ok(s) if s == "open" => out.push(Check::pass(S, N, format!("`{inst}` is open"))),
        Ok(s) => {
            out.push(Check::fail(
                S,
                N,
                format!("`{inst}` is {}: pages cannot go by WhatsApp (they go by DM, and the next step comes at once)", if s.is_empty() || s == "unknown" { "not loaded" } else { &s }),
                "connect the pager number: Evolution's manager, instance → QR code, scanned with the pager phone",
            ));
            return out;
        }
        Err(e) => {
            let (detail, fix) = failure(&e, inst);
            out.push(Check::fail(S, N, detail, fix));
            return out;
        }
    }
    let Some(token) = p.webhook_token.as_ref() else {
        out.push(Check::warn(
            S,
            W,
            "PAGER_WEBHOOK_TOKEN is not set: WhatsApp replies to pages acknowledge nothing",
        ));
        return out;
    };
    out.push(match timed(opts, client.webhook()).await {
        Ok(Ok(w)) => webhook(w.as_ref(), token.expose()),
        Ok(Err(e)) => {
            let (detail, fix) = failure(&e, inst);
            Check::fail(S, W, detail, fix)
        }
        Err(why) => Check::fail(S, W, why, "run `chatops doctor` again"),
    });
    out
}
