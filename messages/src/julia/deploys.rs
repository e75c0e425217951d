//! Railway: restart, redeploy, rollback (what will be done, refusals, started, outcome).

use super::common::ACTION_ROLLBACK_PROMPT;
use crate::blocks::{self, Style};
use crate::{escape, Locale, Msg};

pub fn unknown_service(l: Locale, given: &str, valid: &[String]) -> Msg {
    let list = valid
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Msg::text(l.t(
        format!("Unknown service `{}`. Valid: {list}.", escape(given)),
        format!("Serviço `{}` desconhecido. Válidos: {list}.", escape(given)),
    ))
}

pub fn what_deploy(l: Locale, action: &str, service: &str, deployment: &str) -> String {
    l.t(
        format!("{action} `{service}` (deployment `{deployment}`)"),
        format!("{action} `{service}` (deploy `{deployment}`)"),
    )
}

/// A rollback's confirmation: it restores the target deployment's variables too (Railway docs
/// `deployments/deployment-actions.md`); `differ`: the names that differ (`None`: unknown).
pub fn rollback_restores_variables(l: Locale, differ: Option<&[String]>) -> String {
    let names = |d: &[String]| {
        d.iter()
            .map(|n| format!("`{}`", crate::escape(n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match differ {
        Some([]) => l.t(
            "\nIt also restores that deployment's variables (the same as now).".to_string(),
            "\nTambém restaura as variáveis daquele deploy (as mesmas de agora).".to_string(),
        ),
        Some(d) => l.t(
            format!("\n:warning: It also restores that deployment's variables: {} will go back to their values then (a kill switch set since is undone).", names(d)),
            format!("\n:warning: Também restaura as variáveis daquele deploy: {} voltarão aos valores de então (um kill switch ligado depois é desfeito).", names(d)),
        ),
        None => l.t(
            "\n:warning: It also restores that deployment's variables (they could not be compared now).".to_string(),
            "\n:warning: Também restaura as variáveis daquele deploy (não foi possível compará-las agora).".to_string(),
        ),
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
    l.t(format!(
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

pub fn cannot_rollback(l: Locale, service: &str, why: &str) -> Msg {
    Msg::text(l.t(
        format!(":no_entry: Cannot roll back `{service}`: {why}. Nothing was changed."),
        format!(
            ":no_entry: Não é possível fazer rollback de `{service}`: {why}. Nada foi alterado."
        ),
    ))
}

/// No deployment to restart: none is running.
pub fn nothing_to_restart(l: Locale, service: &str, cmd: &str) -> Msg {
    Msg::text(l.t(format!(":no_entry: Cannot restart `{service}`: none of its last 20 deployments is running (SUCCESS, SLEEPING or CRASHED). Nothing was changed. Try `{cmd} redeploy {service}` or `{cmd} rollback {service}`."),
        format!(":no_entry: Não é possível reiniciar `{service}`: nenhum dos 20 últimos deploys está rodando (SUCCESS, SLEEPING ou CRASHED). Nada foi alterado. Tente `{cmd} redeploy {service}` ou `{cmd} rollback {service}`."),
    ))
}

/// Railway says `canRedeploy = false` for the latest deployment.
pub fn cannot_redeploy(
    l: Locale,
    service: &str,
    (deployment, status): (&str, &str),
    cmd: &str,
) -> Msg {
    Msg::text(l.t(format!(
            ":no_entry: Cannot redeploy `{service}`: Railway says canRedeploy = false for its latest deployment `{}` ({}), for example while it is still building or deploying. Nothing was changed. Check `{cmd} deploys {service}` and try again when it has settled.",
            escape(deployment),
            escape(status)
        ),
        format!(
            ":no_entry: Não é possível fazer redeploy de `{service}`: o Railway diz canRedeploy = false para o deploy mais recente `{}` ({}), por exemplo enquanto ainda está em build ou deploy. Nada foi alterado. Confira `{cmd} deploys {service}` e tente de novo quando assentar.",
            escape(deployment),
            escape(status)
        ),
    ))
}

pub fn deploy_started(l: Locale, action: &str, service: &str, deployment: &str) -> Msg {
    Msg::text(l.t(format!(":rocket: Railway accepted `{action}` on `{service}` (deployment `{deployment}`). Following the deployment and /health/deep; the outcome will be posted in this channel."),
        format!(":rocket: O Railway aceitou `{action}` em `{service}` (deploy `{deployment}`). Acompanhando o deploy e o /health/deep; o resultado sai neste canal."),
    ))
}

/// How a followed deployment ended.
pub struct OutcomeView<'a> {
    pub action: &'a str,
    pub service: &'a str,
    /// Railway's last status of the deployment.
    pub status: &'a str,
    /// `/health/deep` once settled (`None`: never settled).
    pub healthy: Option<bool>,
    pub health_lines: &'a [String],
    /// Show a rollback button (the handlers decide when).
    pub offer_rollback: bool,
}

pub fn deploy_outcome(l: Locale, v: &OutcomeView) -> Msg {
    let (action, service, status, healthy) = (v.action, v.service, v.status, v.healthy);
    let (icon, verdict) = match (status, healthy) {
        ("SUCCESS", Some(true)) => (":white_check_mark:", l.t("healthy", "saudável").to_string()),
        ("SUCCESS", Some(false)) => (
            ":red_circle:",
            l.t(
                "deployed but /health/deep fails",
                "implantado, mas o /health/deep falha",
            )
            .to_string(),
        ),
        (_, None) => (
            ":hourglass:",
            l.t(
                "still not settled after the follow limit",
                "ainda não estabilizou no limite de acompanhamento",
            )
            .to_string(),
        ),
        _ => (
            ":red_circle:",
            l.t(
                "the deployment did not succeed",
                "o deploy não teve sucesso",
            )
            .to_string(),
        ),
    };
    let text = l.t(
        format!("{icon} `{action}` on `{service}`: deployment {status} — {verdict}"),
        format!("{icon} `{action}` em `{service}`: deploy {status} — {verdict}"),
    );
    let mut b = vec![blocks::section(text.clone())];
    if !v.health_lines.is_empty() {
        b.push(blocks::section(v.health_lines.join("\n")));
    }
    if v.offer_rollback {
        b.push(blocks::actions(
            "julia_rollback_offer",
            vec![blocks::button(
                ACTION_ROLLBACK_PROMPT,
                &l.t(format!("Rollback {service}"), format!("Rollback {service}")),
                service,
                Style::Danger,
            )],
        ));
    }
    Msg::with_blocks(text, b)
}

pub fn service_not_in_environment(l: Locale, name: &str) -> String {
    l.t(
        format!("service `{name}` is not in the environment JULIA_RAILWAY_ENVIRONMENT_ID"),
        format!("o serviço `{name}` não está no ambiente JULIA_RAILWAY_ENVIRONMENT_ID"),
    )
}

/// Why a rollback is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackWhy {
    NotFound(String),
    NoOlderSuccess,
    CannotRollback(String),
    NoDeployment,
}

pub fn rollback_why(l: Locale, w: &RollbackWhy) -> String {
    match w {
        RollbackWhy::NotFound(id) => l.t(format!("deployment `{}` is not among the last 20", escape(id)),
            format!("o deploy `{}` não está entre os 20 últimos", escape(id)),
        ),
        RollbackWhy::NoOlderSuccess => l.t("no deployment older than the running one that Railway can roll back to (REMOVED or SUCCESS with canRollback)", "nenhum deploy mais antigo que o atual para o qual o Railway permita rollback (REMOVED ou SUCCESS com canRollback)").to_string(),
        RollbackWhy::CannotRollback(id) => l.t(format!("Railway says canRollback = false for `{id}`"),
            format!("o Railway diz canRollback = false para `{id}`"),
        ),
        RollbackWhy::NoDeployment => l.t("it has no deployment yet", "ainda não tem deploy").to_string(),
    }
}

/// `name=value` pairs, escaped, for a button label or a sentence.
fn pairs(keep: &[(String, String)]) -> String {
    keep.iter()
        .map(|(n, v)| format!("{}={}", escape(n), escape(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A kill switch a rollback would put back: its value now and then (`None`: unset then).
pub fn switch_goes_back(l: Locale, name: &str, now: &str, then: Option<&str>) -> String {
    let then = then.map(|v| format!("`{}`", escape(v)));
    let (n, v) = (escape(name), escape(now));
    l.t(
        format!("\n:rotating_light: Kill switch `{n}` is `{v}` now; *Confirm* rolls it back to {} with the rest. *Roll back, keep {n}={v}* keeps it.", then.clone().unwrap_or_else(|| "unset".into())),
        format!("\n:rotating_light: O kill switch `{n}` está `{v}` agora; *Confirmar* o volta para {} com o resto. *Rollback, manter {n}={v}* o mantém.", then.unwrap_or_else(|| "não definido".into())),
    )
}

/// The label of the rollback's second button.
pub fn keep_label(l: Locale, keep: &[(String, String)]) -> String {
    let p = pairs(keep);
    let s = l.t(
        format!("Roll back, keep {p}"),
        format!("Rollback, manter {p}"),
    );
    // Slack's button text is at most 75 characters.
    if s.chars().count() > 75 {
        s.chars().take(74).collect::<String>() + "…"
    } else {
        s
    }
}

/// Added to "Railway accepted rollback" when switches were kept.
pub fn switches_kept(l: Locale, keep: &[(String, String)]) -> String {
    let p = pairs(keep);
    l.t(
        format!(" Kept {p}: written back after the rollback, and Railway deploys the rolled-back service with it (the deployment followed is the service's latest)."),
        format!(" Mantido {p}: regravado depois do rollback, e o Railway faz o deploy do serviço revertido com ele (o deploy acompanhado é o mais recente do serviço)."),
    )
}

/// The rollback went through, a kill switch could not be written back.
pub fn switch_not_kept(l: Locale, service: &str, names: &[String], error: &str) -> Msg {
    let names = names
        .iter()
        .map(|n| format!("`{}`", escape(n)))
        .collect::<Vec<_>>()
        .join(", ");
    let e = escape(error);
    Msg::text(l.t(
        format!(":rotating_light: *Rolled back `{service}`, but {names} could not be kept*: Railway answered {e}. The service now runs with the rollback target's value. Set it again (e.g. the catalog's kill-switch action in `/ops`, or Railway's dashboard)."),
        format!(":rotating_light: *Rollback de `{service}` feito, mas {names} não pôde ser mantido*: o Railway respondeu {e}. O serviço agora roda com o valor do deploy de destino. Defina de novo (p. ex. a ação kill-switch do catálogo no `/ops`, ou o painel do Railway)."),
    ))
}
