//! Railway checks Railway's own CLI makes before acting: which deployment a restart acts on,
//! and a redeploy Railway would refuse.

use crate::{escape, Locale, Msg};

fn tr(l: Locale, en: String, pt: String) -> String {
    match l {
        Locale::En => en,
        Locale::PtBr => pt,
    }
}

/// The confirmation's description when the latest deployment is not the running one.
pub fn what_restart_active(
    l: Locale,
    service: &str,
    active: &str,
    latest: &str,
    latest_status: &str,
) -> String {
    tr(
        l,
        format!(
            "restart `{service}` (deployment `{}`, the one running; the latest, `{}`, is {} and is not running)",
            escape(active),
            escape(latest),
            escape(latest_status)
        ),
        format!(
            "restart `{service}` (deploy `{}`, o que está rodando; o mais recente, `{}`, está {} e não roda)",
            escape(active),
            escape(latest),
            escape(latest_status)
        ),
    )
}

/// No deployment to restart: none is running.
pub fn nothing_to_restart(l: Locale, service: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(":no_entry: Cannot restart `{service}`: none of its last 20 deployments is running (SUCCESS, SLEEPING or CRASHED). Nothing was changed. Try `/julia redeploy {service}` or `/julia rollback {service}`."),
        format!(":no_entry: Não é possível reiniciar `{service}`: nenhum dos 20 últimos deploys está rodando (SUCCESS, SLEEPING ou CRASHED). Nada foi alterado. Tente `/julia redeploy {service}` ou `/julia rollback {service}`."),
    ))
}

/// Railway says `canRedeploy = false` for the latest deployment.
pub fn cannot_redeploy(l: Locale, service: &str, deployment: &str, status: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(
            ":no_entry: Cannot redeploy `{service}`: Railway says canRedeploy = false for its latest deployment `{}` ({}), for example while it is still building or deploying. Nothing was changed. Check `/julia deploys {service}` and try again when it has settled.",
            escape(deployment),
            escape(status)
        ),
        format!(
            ":no_entry: Não é possível fazer redeploy de `{service}`: o Railway diz canRedeploy = false para o deploy mais recente `{}` ({}), por exemplo enquanto ainda está em build ou deploy. Nada foi alterado. Confira `/julia deploys {service}` e tente de novo quando assentar.",
            escape(deployment),
            escape(status)
        ),
    ))
}
