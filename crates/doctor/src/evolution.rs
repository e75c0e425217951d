//! Evolution: the instance exists and is connected to WhatsApp (`connectionState`), and its
//! webhook is set, enabled, points at `EVOLUTION_WEBHOOK_URL` and carries the configured events
//! (`webhook/find`). When pages go by WhatsApp (`ONCALL_PHONES`), the pager instance too
//! (`PAGER_EVOLUTION_INSTANCE`): connected, the key accepted, and a webhook that brings replies
//! to the bot's `/pager/evolution/<token>` with `MESSAGES_UPSERT`. Read-only.

use super::{show_url, timed, Check, Options};
use crate::Settings as Config;
use clients::evolution::{EvolutionClient, EvolutionError};

const S: &str = "Evolution";

async fn call<T>(
    opts: &Options,
    f: impl std::future::Future<Output = Result<T, EvolutionError>>,
) -> Result<T, EvolutionError> {
    timed(opts, f)
        .await
        .unwrap_or(Err(EvolutionError::Timeout(opts.timeout.as_secs().max(1))))
}

fn failure(e: &EvolutionError, instance: &str, url: &str) -> (String, String) {
    match e {
        EvolutionError::Http { status: 404, message } if !message.contains("does not exist") => (
            format!("Evolution has no such route ({e})"),
            format!("check that EVOLUTION_API_URL ({url}) is Evolution's base URL (routes are mounted at the root)"),
        ),
        EvolutionError::Http { status: 404, .. } => (
            format!("instance `{instance}` does not exist ({e})"),
            "put the instance name exactly as Evolution lists it (case-sensitive) in EVOLUTION_INSTANCE".into(),
        ),
        EvolutionError::Http { status: 401 | 403, .. } => (
            format!("Evolution refused the API key ({e})"),
            "set EVOLUTION_API_KEY to Evolution's AUTHENTICATION_API_KEY (or the instance's own token)".into(),
        ),
        EvolutionError::Timeout(_) | EvolutionError::Network => (
            e.to_string(),
            format!("check that EVOLUTION_API_URL ({url}) is reachable from here"),
        ),
        other => (
            other.to_string(),
            "run `chatops doctor` again; if it persists look at Evolution's logs".into(),
        ),
    }
}

pub(super) async fn check(c: &Config<'_>, opts: &Options) -> Vec<Check> {
    let mut out = julia_instance(c, opts).await;
    out.extend(crate::evolution_pager::check(c, opts).await);
    out
}

async fn julia_instance(c: &Config<'_>, opts: &Options) -> Vec<Check> {
    let j = c.julia;
    let mut cfg = j.clone();
    cfg.source_timeout = opts.timeout;
    let client = EvolutionClient::new(&cfg);
    let missing = client.missing();
    if missing.len() == 3 {
        return vec![Check::unconfigured(S, "instance", &missing.join(", "))];
    }
    if !missing.is_empty() {
        return vec![Check::fail(
            S,
            "instance",
            format!("half configured: {} missing", missing.join(", ")),
            format!("set {}", missing.join(", ")),
        )];
    }
    let inst = client.instance().to_string();
    let url = show_url(j.evolution_api_url.as_deref().unwrap_or(""));
    let cmd = &c.julia_command;
    let mut out = Vec::new();
    match call(opts, client.state()).await {
        Ok(state) => out.push(match state.as_str() {
            "open" => Check::pass(S, "instance", format!("`{inst}` is open (connected to WhatsApp)")),
            "connecting" | "close" => Check::fail(
                S,
                "instance",
                format!("`{inst}` is {state}: WhatsApp is not connected, Julia sends and receives nothing"),
                format!("in Slack run `{cmd} evolution qr` and scan the code with Julia's phone (WhatsApp → Linked devices)"),
            ),
            _ => Check::fail(
                S,
                "instance",
                format!("`{inst}` exists but its state is unknown (not loaded in Evolution's memory)"),
                format!("in Slack run `{cmd} evolution restart`, then `{cmd} evolution`"),
            ),
        }),
        Err(e) => {
            let (detail, fix) = failure(&e, &inst, &url);
            out.push(Check::fail(S, "instance", detail, fix));
            out.push(Check::not_checked(S, "webhook", "the instance could not be read"));
            return out;
        }
    }

    out.push(match call(opts, client.webhook()).await {
        Err(e) => {
            let (detail, fix) = failure(&e, &inst, &url);
            Check::fail(S, "webhook", detail, fix)
        }
        Ok(w) => webhook(j, cmd, w.as_ref()),
    });
    out
}

/// The webhook Evolution has for the instance, against `EVOLUTION_WEBHOOK_URL` and
/// `EVOLUTION_WEBHOOK_EVENTS`.
fn webhook(
    j: &clients::julia_config::JuliaConfig,
    cmd: &str,
    w: Option<&clients::evolution::Webhook>,
) -> Check {
    let expected = j.evolution_webhook_url.as_deref();
    let reset = if expected.is_some() {
        format!("in Slack run `{cmd} webhook reset` (sets EVOLUTION_WEBHOOK_URL with EVOLUTION_WEBHOOK_EVENTS)")
    } else {
        format!("set EVOLUTION_WEBHOOK_URL to Julia's webhook endpoint, then run `{cmd} webhook reset` in Slack")
    };
    match w {
        None => Check::fail(
            S,
            "webhook",
            "no webhook is set: Julia receives no WhatsApp messages",
            reset,
        ),
        Some(w) if !w.enabled => Check::fail(
            S,
            "webhook",
            format!("set to {} but disabled: Julia receives no WhatsApp messages", show_url(&w.url)),
            reset,
        ),
        Some(w) => match expected {
            Some(want) if w.url.trim_end_matches('/') != want.trim_end_matches('/') => Check::fail(
                S,
                "webhook",
                format!("points to {}, not EVOLUTION_WEBHOOK_URL ({})", show_url(&w.url), show_url(want)),
                reset,
            ),
            Some(_) => {
                // An empty list subscribes to every event.
                let missing: Vec<&str> = j
                    .evolution_webhook_events
                    .iter()
                    .map(String::as_str)
                    .filter(|e| !w.events.is_empty() && !w.events.iter().any(|h| h == e))
                    .collect();
                if missing.is_empty() {
                    Check::pass(
                        S,
                        "webhook",
                        format!(
                            "enabled, points to {}, events {}",
                            show_url(&w.url),
                            if w.events.is_empty() { "all".to_string() } else { w.events.join(",") }
                        ),
                    )
                } else {
                    Check::fail(
                        S,
                        "webhook",
                        format!("points to {} but does not send {}", show_url(&w.url), missing.join(", ")),
                        reset,
                    )
                }
            }
            None => Check::warn(
                S,
                "webhook",
                format!(
                    "enabled, points to {} (set EVOLUTION_WEBHOOK_URL so the doctor can tell whether that is right)",
                    show_url(&w.url)
                ),
            ),
        },
    }
}
