//! Read-only reports: `status` and its parts (pause state, health, circuits, Evolution,
//! Railway, jobs, webhook), `health`, `circuits`, `deploys`.

use super::common::ago;
use crate::blocks;
use crate::{escape, human_duration, Locale, Msg};

/// One section of `/julia status` (or a stand-alone answer): title and mrkdwn lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub title: String,
    pub lines: Vec<String>,
}

/// The latest `julia_status` row that is not the heartbeat.
pub struct StatusRowView<'a> {
    pub status: &'a str,
    pub reason: Option<&'a str>,
    pub by: Option<&'a str>,
    pub via: Option<&'a str>,
    pub age_secs: i64,
}

pub struct PauseView<'a> {
    pub paused: bool,
    pub mode: &'a str,
    pub flag_exists: bool,
    pub flag_by: Option<&'a str>,
    pub flag_age_secs: Option<i64>,
    pub latest: Option<StatusRowView<'a>>,
    pub heartbeat_age_secs: Option<i64>,
    /// The heartbeat is older than the handlers allow.
    pub heartbeat_stale: bool,
}

pub fn pause_lines(l: Locale, v: &PauseView) -> Vec<String> {
    let mut out = Vec::new();
    let state = if v.paused {
        l.t(
            format!(
                ":double_vertical_bar: *PAUSED* (safe_mode on, mode `{}`)",
                v.mode
            ),
            format!(
                ":double_vertical_bar: *PAUSADA* (safe_mode ligado, modo `{}`)",
                v.mode
            ),
        )
    } else if v.flag_exists {
        l.t(
            ":white_check_mark: *Running* (safe_mode off)",
            ":white_check_mark: *Ativa* (safe_mode desligado)",
        )
        .to_string()
    } else {
        l.t(
            ":white_check_mark: *Running* (no safe_mode flag: off by default)",
            ":white_check_mark: *Ativa* (sem flag safe_mode: desligado por padrão)",
        )
        .to_string()
    };
    let mut s = state;
    if let (Some(by), Some(age)) = (v.flag_by, v.flag_age_secs) {
        s.push_str(&l.t(
            format!(", flag set by {} {}", escape(by), ago(l, age)),
            format!(", flag alterada por {} {}", escape(by), ago(l, age)),
        ));
    }
    out.push(s);
    if let Some(StatusRowView {
        status,
        reason,
        by: who,
        via,
        age_secs: age,
    }) = &v.latest
    {
        let age = *age;
        out.push(l.t(
            format!(
                "Latest status row: `{status}` — {} — by {} via {} {}",
                escape(reason.unwrap_or("(no reason)")),
                escape(who.unwrap_or("?")),
                via.unwrap_or("?"),
                ago(l, age)
            ),
            format!(
                "Último registro de status: `{status}` — {} — por {} via {} {}",
                escape(reason.unwrap_or("(sem motivo)")),
                escape(who.unwrap_or("?")),
                via.unwrap_or("?"),
                ago(l, age)
            ),
        ));
    }
    out.push(heartbeat_line(l, v.heartbeat_age_secs, v.heartbeat_stale));
    out
}

fn heartbeat_line(l: Locale, age_secs: Option<i64>, stale: bool) -> String {
    match age_secs {
        Some(a) if !stale => l.t(
            format!("Scheduler heartbeat {}", ago(l, a)),
            format!("Heartbeat do scheduler {}", ago(l, a)),
        ),
        Some(a) => l.t(
            format!(":warning: Scheduler heartbeat {} (stale)", ago(l, a)),
            format!(":warning: Heartbeat do scheduler {} (atrasado)", ago(l, a)),
        ),
        None => l
            .t(
                ":warning: No scheduler heartbeat found",
                ":warning: Nenhum heartbeat do scheduler",
            )
            .to_string(),
    }
}

pub struct CheckView<'a> {
    pub name: &'a str,
    pub status: &'a str,
    pub detail: &'a str,
}

pub struct HealthView<'a> {
    pub healthy: bool,
    pub http_status: u16,
    pub status: &'a str,
    pub deploy_safe: bool,
    pub message: Option<&'a str>,
    pub checks: Vec<CheckView<'a>>,
    /// Show every check (`/julia health`) or only the failing ones (`status`).
    pub all: bool,
}

pub fn health_lines(l: Locale, v: &HealthView) -> Vec<String> {
    let icon = if v.healthy {
        ":large_green_circle:"
    } else {
        ":red_circle:"
    };
    let mut out = vec![format!(
        "{icon} `{}` — deploy_safe `{}` — HTTP {}",
        v.status, v.deploy_safe, v.http_status
    )];
    if let Some(m) = v.message {
        out.push(format!("*{}*", escape(m)));
    }
    for c in &v.checks {
        let failing = !matches!(c.status, "ok" | "skipped" | "warning" | "pending");
        if v.all || failing {
            let mark = if failing {
                ":x:"
            } else if c.status == "warning" {
                ":warning:"
            } else {
                ":white_check_mark:"
            };
            let detail = if c.detail.is_empty() {
                String::new()
            } else {
                format!(" — {}", escape(c.detail))
            };
            out.push(format!("{mark} `{}`: {}{detail}", c.name, c.status));
        }
    }
    if !v.all && v.healthy {
        out.push(
            l.t("All checks pass.", "Todas as verificações passam.")
                .to_string(),
        );
    }
    out
}

/// (name, state, consecutive failures, last error kind)
pub fn circuit_lines(
    l: Locale,
    circuits: &[(String, String, i64, Option<String>)],
    only_open: bool,
) -> Vec<String> {
    let shown: Vec<_> = circuits
        .iter()
        .filter(|c| !only_open || c.1 != "closed")
        .collect();
    if shown.is_empty() {
        return vec![l
            .t(
                ":large_green_circle: All circuits closed",
                ":large_green_circle: Todos os circuitos fechados",
            )
            .to_string()];
    }
    shown
        .iter()
        .map(|(n, s, f, e)| {
            let icon = if s == "closed" {
                ":large_green_circle:"
            } else {
                ":red_circle:"
            };
            let e = e.as_deref().map(|e| format!(", {e}")).unwrap_or_default();
            l.t(
                format!("{icon} `{n}`: {s} ({f} consecutive failures{e})"),
                format!("{icon} `{n}`: {s} ({f} falhas seguidas{e})"),
            )
        })
        .collect()
}

pub fn evolution_line(l: Locale, instance: &str, state: &str) -> String {
    match state {
        "open" => l.t(format!(":large_green_circle: `{instance}`: open (connected)"), format!(":large_green_circle: `{instance}`: open (conectada)")),
        "connecting" => l.t(format!(":large_yellow_circle: `{instance}`: connecting (waiting for QR/pairing)"), format!(":large_yellow_circle: `{instance}`: connecting (aguardando QR/pareamento)")),
        "close" => l.t(format!(":red_circle: `{instance}`: close (disconnected) — try `evolution restart` or `evolution qr`"), format!(":red_circle: `{instance}`: close (desconectada) — tente `evolution restart` ou `evolution qr`")),
        other => l.t(format!(":grey_question: `{instance}`: state {other} (instance not loaded?)"), format!(":grey_question: `{instance}`: estado {other} (instância não carregada?)")),
    }
}

pub struct DeployView<'a> {
    pub id: &'a str,
    pub status: &'a str,
    pub age_secs: i64,
    pub commit: Option<&'a str>,
    pub can_rollback: bool,
}

pub fn service_line(l: Locale, service: &str, d: Option<&DeployView>) -> String {
    match d {
        None => l.t(
            format!("`{service}`: never deployed"),
            format!("`{service}`: nunca implantado"),
        ),
        Some(d) => {
            let icon = match d.status {
                "SUCCESS" => ":large_green_circle:",
                "FAILED" | "CRASHED" => ":red_circle:",
                _ => ":large_yellow_circle:",
            };
            format!(
                "{icon} `{service}`: {} {} — `{}`",
                d.status,
                ago(l, d.age_secs),
                d.commit.unwrap_or("-")
            )
        }
    }
}

pub fn deploy_row(l: Locale, d: &DeployView) -> String {
    let rb = if d.can_rollback {
        l.t("can roll back", "rollback possível").to_string()
    } else {
        l.t("no rollback", "sem rollback").to_string()
    };
    format!(
        "`{}` {} — {} — `{}` — {rb}",
        d.id,
        d.status,
        ago(l, d.age_secs),
        d.commit.unwrap_or("-")
    )
}

pub fn jobs_lines(
    l: Locale,
    long: &[(String, String, i64)],
    failures: &[(String, i64)],
) -> Vec<String> {
    let mut out = Vec::new();
    if long.is_empty() {
        out.push(
            l.t(
                "No job running for over 30 min",
                "Nenhum job rodando há mais de 30 min",
            )
            .to_string(),
        );
    }
    for (id, name, secs) in long {
        out.push(l.t(
            format!(
                ":warning: `{}` running for {} (id `{id}`)",
                escape(name),
                human_duration(*secs, l)
            ),
            format!(
                ":warning: `{}` rodando há {} (id `{id}`)",
                escape(name),
                human_duration(*secs, l)
            ),
        ));
    }
    if failures.is_empty() {
        out.push(
            l.t(
                "No failures in the last 24 h",
                "Nenhuma falha nas últimas 24 h",
            )
            .to_string(),
        );
    } else {
        let list = failures
            .iter()
            .map(|(n, c)| format!("`{}` ×{c}", escape(n)))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(l.t(
            format!("Failures in the last 24 h: {list}"),
            format!("Falhas nas últimas 24 h: {list}"),
        ));
    }
    out
}

pub const TITLE_PAUSE: (&str, &str) = ("Pause state", "Estado de pausa");

pub const TITLE_HEALTH: (&str, &str) = ("Health (/health/deep)", "Saúde (/health/deep)");

pub const TITLE_CIRCUITS: (&str, &str) = ("Circuits", "Circuitos");

pub const TITLE_EVOLUTION: (&str, &str) = ("Evolution", "Evolution");

pub const TITLE_DEPLOYS: (&str, &str) = ("Railway deployments", "Deploys no Railway");

pub const TITLE_QUEUE: (&str, &str) = ("Queue (fila_mensagens)", "Fila (fila_mensagens)");

pub const TITLE_JOBS: (&str, &str) = ("Jobs", "Jobs");

pub const TITLE_WEBHOOK: (&str, &str) = ("Evolution webhook", "Webhook da Evolution");

pub fn title(l: Locale, t: (&str, &str)) -> String {
    l.t(t.0, t.1).to_string()
}

/// A report of one or more parts (`/julia status`, `health`, `queue`…).
pub fn report(l: Locale, header: &str, parts: &[Part]) -> Msg {
    let mut text = format!("{header}\n");
    let mut b = vec![blocks::header(header)];
    for p in parts {
        let body = format!("*{}*\n{}", p.title, p.lines.join("\n"));
        text.push_str(&format!("{body}\n"));
        b.push(blocks::section(body));
    }
    let _ = l;
    Msg::with_blocks(text, b)
}

pub fn status_header(l: Locale) -> String {
    l.t("Julia status", "Status da Julia").to_string()
}

pub fn webhook_lines(
    l: Locale,
    w: Option<(&str, bool, &[String], bool)>,
    expected_url: Option<&str>,
) -> Vec<String> {
    match w {
        None => vec![l.t(":warning: No webhook configured: Julia receives nothing. Use `webhook reset`.", ":warning: Nenhum webhook configurado: a Julia não recebe nada. Use `webhook reset`.").to_string()],
        Some((url, enabled, events, by_events)) => {
            let mut v = vec![
                format!("URL: `{}`", escape(url)),
                format!("enabled: `{enabled}`, byEvents: `{by_events}`"),
                format!(
                    "events: {}",
                    if events.is_empty() {
                        "(all)".to_string()
                    } else {
                        events.join(", ")
                    }
                ),
            ];
            if let Some(e) = expected_url {
                if e != url {
                    v.push(l.t(
                        format!(
                            ":warning: differs from EVOLUTION_WEBHOOK_URL `{}`",
                            escape(e)
                        ),
                        format!(
                            ":warning: diferente de EVOLUTION_WEBHOOK_URL `{}`",
                            escape(e)
                        ),
                    ));
                }
            }
            v
        }
    }
}

pub fn service_missing_line(l: Locale, name: &str) -> String {
    l.t(
        format!(":grey_question: `{name}`: not found in Railway"),
        format!(":grey_question: `{name}`: não encontrado no Railway"),
    )
}

/// The title of one service's part of `deploys`.
pub fn service_title(name: &str) -> String {
    format!("`{name}`")
}

/// A service with no deployment, in `deploys`.
pub const NO_DEPLOYMENTS: &str = "-";
