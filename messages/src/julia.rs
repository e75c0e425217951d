//! Julia control messages (`/julia …`, confirmations, watcher alerts). Every user-facing word
//! of the control flows lives here, in English and Brazilian Portuguese.

use crate::blocks::{self, Style};
use crate::{escape, human_duration, Locale, Msg};

pub const ACTION_CONFIRM: &str = "julia_confirm";
pub const ACTION_CANCEL: &str = "julia_cancel";
/// The second choice of a confirmation with two ways to go (e.g. "Resume only").
pub const ACTION_CONFIRM_ALT: &str = "julia_confirm_alt";
pub const ACTION_PAUSE_PROMPT: &str = "julia_pause_prompt";
pub const ACTION_ROLLBACK_PROMPT: &str = "julia_rollback_prompt";
pub const ACTION_DECLARE_P1: &str = "incident_declare_p1";

pub(crate) fn tr(l: Locale, en: String, pt: String) -> String {
    match l {
        Locale::En => en,
        Locale::PtBr => pt,
    }
}

pub(crate) fn ago(l: Locale, secs: i64) -> String {
    tr(
        l,
        format!("{} ago", human_duration(secs, l)),
        format!("há {}", human_duration(secs, l)),
    )
}

// ---------------------------------------------------------------- status parts

/// One section of `/julia status` (or a stand-alone answer): title and mrkdwn lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub title: String,
    pub lines: Vec<String>,
}

pub fn no_answer(l: Locale, system: &str, secs: u64) -> String {
    tr(
        l,
        format!("{system}: no answer in {secs} s"),
        format!("{system}: sem resposta em {secs} s"),
    )
}

/// A source that failed: what failed and what to try.
pub fn source_failed(l: Locale, system: &str, error: &str) -> String {
    tr(
        l,
        format!(":x: {system}: {}", escape(error)),
        format!(":x: {system}: {}", escape(error)),
    )
}

/// Julia's database is not configured (`JULIA_DATABASE_URL`).
pub fn db_not_configured(l: Locale) -> String {
    not_configured(l, "Julia's database", "JULIA_DATABASE_URL")
}

pub fn not_configured(l: Locale, system: &str, vars: &str) -> String {
    tr(
        l,
        format!(":grey_question: {system} is not configured: set {vars}."),
        format!(":grey_question: {system} não está configurado: defina {vars}."),
    )
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
}

pub fn pause_lines(l: Locale, v: &PauseView) -> Vec<String> {
    let mut out = Vec::new();
    let state = if v.paused {
        tr(
            l,
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
        tr(
            l,
            ":white_check_mark: *Running* (safe_mode off)".into(),
            ":white_check_mark: *Ativa* (safe_mode desligado)".into(),
        )
    } else {
        tr(
            l,
            ":white_check_mark: *Running* (no safe_mode flag: off by default)".into(),
            ":white_check_mark: *Ativa* (sem flag safe_mode: desligado por padrão)".into(),
        )
    };
    let mut s = state;
    if let (Some(by), Some(age)) = (v.flag_by, v.flag_age_secs) {
        s.push_str(&tr(
            l,
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
        out.push(tr(
            l,
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
    match v.heartbeat_age_secs {
        Some(a) if a <= 300 => out.push(tr(
            l,
            format!("Scheduler heartbeat {}", ago(l, a)),
            format!("Heartbeat do scheduler {}", ago(l, a)),
        )),
        Some(a) => out.push(tr(
            l,
            format!(":warning: Scheduler heartbeat {} (stale)", ago(l, a)),
            format!(":warning: Heartbeat do scheduler {} (atrasado)", ago(l, a)),
        )),
        None => out.push(tr(
            l,
            ":warning: No scheduler heartbeat found".into(),
            ":warning: Nenhum heartbeat do scheduler".into(),
        )),
    }
    out
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
        out.push(tr(
            l,
            "All checks pass.".into(),
            "Todas as verificações passam.".into(),
        ));
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
        return vec![tr(
            l,
            ":large_green_circle: All circuits closed".into(),
            ":large_green_circle: Todos os circuitos fechados".into(),
        )];
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
            tr(
                l,
                format!("{icon} `{n}`: {s} ({f} consecutive failures{e})"),
                format!("{icon} `{n}`: {s} ({f} falhas seguidas{e})"),
            )
        })
        .collect()
}

pub fn evolution_line(l: Locale, instance: &str, state: &str) -> String {
    match state {
        "open" => tr(l, format!(":large_green_circle: `{instance}`: open (connected)"), format!(":large_green_circle: `{instance}`: open (conectada)")),
        "connecting" => tr(l, format!(":large_yellow_circle: `{instance}`: connecting (waiting for QR/pairing)"), format!(":large_yellow_circle: `{instance}`: connecting (aguardando QR/pareamento)")),
        "close" => tr(l, format!(":red_circle: `{instance}`: close (disconnected) — try `evolution restart` or `evolution qr`"), format!(":red_circle: `{instance}`: close (desconectada) — tente `evolution restart` ou `evolution qr`")),
        other => tr(l, format!(":grey_question: `{instance}`: state {other} (instance not loaded?)"), format!(":grey_question: `{instance}`: estado {other} (instância não carregada?)")),
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
        None => tr(
            l,
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
        tr(l, "can roll back".into(), "rollback possível".into())
    } else {
        tr(l, "no rollback".into(), "sem rollback".into())
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
        out.push(tr(
            l,
            "No job running for over 30 min".into(),
            "Nenhum job rodando há mais de 30 min".into(),
        ));
    }
    for (id, name, secs) in long {
        out.push(tr(
            l,
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
        out.push(tr(
            l,
            "No failures in the last 24 h".into(),
            "Nenhuma falha nas últimas 24 h".into(),
        ));
    } else {
        let list = failures
            .iter()
            .map(|(n, c)| format!("`{}` ×{c}", escape(n)))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(tr(
            l,
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

// ---------------------------------------------------------------- permissions and confirmations

pub fn refused(l: Locale, action: &str, admins: &[String], group: Option<&str>) -> Msg {
    let mut who: Vec<String> = admins.iter().map(|u| format!("<@{u}>")).collect();
    if let Some(g) = group {
        who.push(format!("<!subteam^{g}>"));
    }
    let who = if who.is_empty() {
        tr(
            l,
            "nobody yet (set CHATOPS_ADMINS or CHATOPS_ADMIN_GROUP)".into(),
            "ninguém ainda (defina CHATOPS_ADMINS ou CHATOPS_ADMIN_GROUP)".into(),
        )
    } else {
        who.join(", ")
    };
    Msg::text(tr(
        l,
        format!(":no_entry: `{action}` is restricted. Who may do it: {who}. Nothing was changed."),
        format!(":no_entry: `{action}` é restrito. Quem pode: {who}. Nada foi alterado."),
    ))
}

pub struct ConfirmView<'a> {
    pub what: &'a str,
    pub environment: &'a str,
    pub project_ref: &'a str,
    pub token: &'a str,
}

/// The question of a confirmation prompt: what, environment, project ref, single use.
pub fn confirm_text(l: Locale, v: &ConfirmView) -> String {
    tr(
        l,
        format!(
            ":warning: *Confirm:* {}\nEnvironment `{}`, project ref `{}`. This button works once, for you only, for 5 minutes.",
            v.what, v.environment, v.project_ref
        ),
        format!(
            ":warning: *Confirme:* {}\nAmbiente `{}`, project ref `{}`. Este botão funciona uma vez, só para você, por 5 minutos.",
            v.what, v.environment, v.project_ref
        ),
    )
}

pub fn confirm(l: Locale, v: &ConfirmView) -> Msg {
    let q = confirm_text(l, v);
    Msg::with_blocks(
        q.clone(),
        vec![
            blocks::section(q),
            blocks::actions(
                "julia_confirm",
                vec![
                    blocks::button(
                        ACTION_CONFIRM,
                        l.t("Confirm", "Confirmar"),
                        v.token,
                        Style::Danger,
                    ),
                    blocks::button(
                        ACTION_CANCEL,
                        l.t("Cancel", "Cancelar"),
                        v.token,
                        Style::Default,
                    ),
                ],
            ),
        ],
    )
}

pub fn confirmation_gone(l: Locale, why: &str) -> Msg {
    let (en, pt) = match why {
        "expired" => (
            "This confirmation expired (5 minutes). Nothing was done; run the command again.",
            "Esta confirmação expirou (5 minutos). Nada foi feito; rode o comando de novo.",
        ),
        "used" => (
            "This confirmation was already used. Nothing more was done.",
            "Esta confirmação já foi usada. Nada mais foi feito.",
        ),
        "not_yours" => (
            "Only the person who asked can confirm or cancel this. Nothing was done.",
            "Só quem pediu pode confirmar ou cancelar. Nada foi feito.",
        ),
        _ => (
            "Unknown confirmation. Nothing was done.",
            "Confirmação desconhecida. Nada foi feito.",
        ),
    };
    Msg::text(format!(":no_entry_sign: {}", l.t(en, pt)))
}

pub fn cancelled(l: Locale, what: &str) -> Msg {
    Msg::text(tr(
        l,
        format!("Cancelled: {what}. Nothing was changed."),
        format!("Cancelado: {what}. Nada foi alterado."),
    ))
}

pub fn guard_mismatch(l: Locale, app_env: &str, db_env: &str, app_ref: &str, db_ref: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(
            ":octagonal_sign: *Refused: hard guard mismatch.* APP_ENV `{app_env}` vs app_settings.environment `{db_env}`; SUPABASE_PROJECT_REF `{app_ref}` vs app_settings.supabase_project_ref `{db_ref}`. The bot may be pointed at the wrong database. Nothing was changed; fix JULIA_DATABASE_URL / APP_ENV / SUPABASE_PROJECT_REF."
        ),
        format!(
            ":octagonal_sign: *Recusado: hard guard não confere.* APP_ENV `{app_env}` vs app_settings.environment `{db_env}`; SUPABASE_PROJECT_REF `{app_ref}` vs app_settings.supabase_project_ref `{db_ref}`. O bot pode estar apontando para o banco errado. Nada foi alterado; corrija JULIA_DATABASE_URL / APP_ENV / SUPABASE_PROJECT_REF."
        ),
    ))
}

pub fn already(l: Locale, paused: bool, state: &str) -> Msg {
    Msg::text(if paused {
        tr(
            l,
            format!(":information_source: Julia is already paused ({state}). Nothing was changed."),
            format!(":information_source: A Julia já está pausada ({state}). Nada foi alterado."),
        )
    } else {
        tr(
            l,
            format!(":information_source: Julia is not paused ({state}). Nothing was changed."),
            format!(":information_source: A Julia não está pausada ({state}). Nada foi alterado."),
        )
    })
}

/// A failure naming the system, what was and was not done, and what to try.
pub fn failure(l: Locale, system: &str, error: &str, done: &str, try_: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(
            ":x: *{system}* failed: {}\nDone: {done}\nTry: {try_}",
            escape(error)
        ),
        format!(
            ":x: *{system}* falhou: {}\nFeito: {done}\nTente: {try_}",
            escape(error)
        ),
    ))
}

pub fn nothing_done(l: Locale) -> String {
    l.t("nothing was changed.", "nada foi alterado.")
        .to_string()
}

pub fn retry_hint(l: Locale) -> String {
    l.t(
        "check the status with `/julia status` and try again in a minute.",
        "confira com `/julia status` e tente de novo em um minuto.",
    )
    .to_string()
}

// ---------------------------------------------------------------- deploys

pub fn unknown_service(l: Locale, given: &str, valid: &[String]) -> Msg {
    let list = valid
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Msg::text(tr(
        l,
        format!("Unknown service `{}`. Valid: {list}.", escape(given)),
        format!("Serviço `{}` desconhecido. Válidos: {list}.", escape(given)),
    ))
}

pub fn what_deploy(l: Locale, action: &str, service: &str, deployment: &str) -> String {
    tr(
        l,
        format!("{action} `{service}` (deployment `{deployment}`)"),
        format!("{action} `{service}` (deploy `{deployment}`)"),
    )
}

pub fn cannot_rollback(l: Locale, service: &str, why: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(":no_entry: Cannot roll back `{service}`: {why}. Nothing was changed."),
        format!(
            ":no_entry: Não é possível fazer rollback de `{service}`: {why}. Nada foi alterado."
        ),
    ))
}

pub fn deploy_started(l: Locale, action: &str, service: &str, deployment: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(":rocket: Railway accepted `{action}` on `{service}` (deployment `{deployment}`). Following the deployment and /health/deep; the outcome will be posted in this channel."),
        format!(":rocket: O Railway aceitou `{action}` em `{service}` (deploy `{deployment}`). Acompanhando o deploy e o /health/deep; o resultado sai neste canal."),
    ))
}

pub fn deploy_outcome(
    l: Locale,
    action: &str,
    service: &str,
    status: &str,
    healthy: Option<bool>,
    health_lines: &[String],
) -> Msg {
    let (icon, verdict) = match (status, healthy) {
        ("SUCCESS", Some(true)) => (
            ":white_check_mark:",
            tr(l, "healthy".into(), "saudável".into()),
        ),
        ("SUCCESS", Some(false)) => (
            ":red_circle:",
            tr(
                l,
                "deployed but /health/deep fails".into(),
                "implantado, mas o /health/deep falha".into(),
            ),
        ),
        (_, None) => (
            ":hourglass:",
            tr(
                l,
                "still not settled after the follow limit".into(),
                "ainda não estabilizou no limite de acompanhamento".into(),
            ),
        ),
        _ => (
            ":red_circle:",
            tr(
                l,
                "the deployment did not succeed".into(),
                "o deploy não teve sucesso".into(),
            ),
        ),
    };
    let text = tr(
        l,
        format!("{icon} `{action}` on `{service}`: deployment {status} — {verdict}"),
        format!("{icon} `{action}` em `{service}`: deploy {status} — {verdict}"),
    );
    let mut b = vec![blocks::section(text.clone())];
    if !health_lines.is_empty() {
        b.push(blocks::section(health_lines.join("\n")));
    }
    if healthy == Some(false) || (status != "SUCCESS" && healthy.is_some()) {
        b.push(blocks::actions(
            "julia_rollback_offer",
            vec![blocks::button(
                ACTION_ROLLBACK_PROMPT,
                &tr(
                    l,
                    format!("Rollback {service}"),
                    format!("Rollback {service}"),
                ),
                service,
                Style::Danger,
            )],
        ));
    }
    Msg::with_blocks(text, b)
}

// ---------------------------------------------------------------- evolution

pub fn qr_already_open(l: Locale, instance: &str) -> Msg {
    Msg::text(tr(
        l,
        format!("`{instance}` is already connected (open): no QR code needed."),
        format!("`{instance}` já está conectada (open): não precisa de QR code."),
    ))
}

pub fn qr_missing(l: Locale) -> Msg {
    Msg::text(tr(
        l,
        "Evolution has no QR code yet. Try again in a few seconds.".into(),
        "A Evolution ainda não tem QR code. Tente de novo em alguns segundos.".into(),
    ))
}

pub fn evolution_restarted(l: Locale, state: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(":arrows_counterclockwise: Evolution restarted; state now `{state}`."),
        format!(":arrows_counterclockwise: Evolution reiniciada; estado agora `{state}`."),
    ))
}

pub fn webhook_lines(
    l: Locale,
    w: Option<(&str, bool, &[String], bool)>,
    expected_url: Option<&str>,
) -> Vec<String> {
    match w {
        None => vec![tr(
            l,
            ":warning: No webhook configured: Julia receives nothing. Use `webhook reset`.".into(),
            ":warning: Nenhum webhook configurado: a Julia não recebe nada. Use `webhook reset`."
                .into(),
        )],
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
                    v.push(tr(
                        l,
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

pub fn webhook_reset_done(l: Locale, url: &str, events: &[String]) -> Msg {
    Msg::text(tr(
        l,
        format!(
            ":white_check_mark: Webhook set and read back: `{}` enabled, events {}.",
            escape(url),
            events.join(", ")
        ),
        format!(
            ":white_check_mark: Webhook gravado e conferido: `{}` habilitado, eventos {}.",
            escape(url),
            events.join(", ")
        ),
    ))
}

// ---------------------------------------------------------------- jobs, audit

pub fn job_killed(l: Locale, id: &str, name: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(
            ":skull: Job `{}` (`{id}`) marked `error` and finished; read back from the database.",
            escape(name)
        ),
        format!(
            ":skull: Job `{}` (`{id}`) marcado `error` e finalizado; conferido no banco.",
            escape(name)
        ),
    ))
}

pub struct AuditView<'a> {
    pub at_secs: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub args: &'a str,
    pub outcome: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

pub fn audit(l: Locale, rows: &[AuditView]) -> Msg {
    if rows.is_empty() {
        return Msg::text(l.t("No control actions yet.", "Nenhuma ação de controle ainda."));
    }
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            let ba = match (r.before, r.after) {
                (None, None) => String::new(),
                (b, a) => format!(
                    " — {} → {}",
                    escape(b.unwrap_or("-")),
                    escape(a.unwrap_or("-"))
                ),
            };
            format!(
                "{} <@{}> `{}` {} — *{}*{ba}",
                crate::utc_ymd_hm(r.at_secs),
                r.actor,
                r.action,
                escape(r.args),
                r.outcome
            )
        })
        .collect();
    let header = l.t("Last control actions", "Últimas ações de controle");
    let mut b = vec![blocks::header(header)];
    for chunk in lines.chunks(10) {
        b.push(blocks::section(chunk.join("\n")));
    }
    Msg::with_blocks(format!("{header}\n{}", lines.join("\n")), b)
}

// ---------------------------------------------------------------- watcher

pub fn health_problem(l: Locale) -> String {
    l.t(
        "/health/deep failed twice in a row",
        "/health/deep falhou duas vezes seguidas",
    )
    .to_string()
}

pub fn evolution_problem(l: Locale, state: &str) -> String {
    tr(
        l,
        format!("Evolution state `{state}` (not open) twice in a row"),
        format!("Evolution no estado `{state}` (não open) duas vezes seguidas"),
    )
}

pub fn health_recovered(l: Locale) -> String {
    l.t(
        "/health/deep is healthy again",
        "/health/deep está saudável de novo",
    )
    .to_string()
}

pub fn evolution_recovered(l: Locale) -> String {
    l.t("Evolution is open again", "Evolution está open de novo")
        .to_string()
}

// ---------------------------------------------------------------- hints and descriptions

/// What to try after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    RailwayCredentials,
    RailwayServiceNames,
    EvolutionKey,
    EvolutionInstance,
    EvolutionUseQr,
}

pub fn hint(l: Locale, h: Hint) -> String {
    let (en, pt) = match h {
        Hint::RailwayCredentials => (
            "check RAILWAY_API_TOKEN / RAILWAY_TOKEN and its permissions.",
            "confira RAILWAY_API_TOKEN / RAILWAY_TOKEN e as permissões.",
        ),
        Hint::RailwayServiceNames => (
            "set JULIA_RAILWAY_SERVICES to the service names shown in Railway.",
            "defina JULIA_RAILWAY_SERVICES com os nomes de serviço do Railway.",
        ),
        Hint::EvolutionKey => ("check EVOLUTION_API_KEY.", "confira EVOLUTION_API_KEY."),
        Hint::EvolutionInstance => ("check EVOLUTION_INSTANCE.", "confira EVOLUTION_INSTANCE."),
        Hint::EvolutionUseQr => (
            "if the instance is closed, use `/julia evolution qr` to reconnect.",
            "se a instância estiver fechada, use `/julia evolution qr` para reconectar.",
        ),
    };
    l.t(en, pt).to_string()
}

/// "Done:" of a mutation that timed out: it may have applied.
pub fn maybe_applied(l: Locale) -> String {
    l.t(
        "unknown: Railway may have applied it; check `/julia deploys` before retrying.",
        "desconhecido: o Railway pode ter aplicado; confira `/julia deploys` antes de repetir.",
    )
    .to_string()
}

pub fn readback_mismatch(l: Locale) -> String {
    l.t(
        "the request was sent, but the read-back does not match.",
        "o pedido foi enviado, mas a conferência não bate.",
    )
    .to_string()
}

pub fn service_not_in_environment(l: Locale, name: &str) -> String {
    tr(
        l,
        format!("service `{name}` is not in the environment JULIA_RAILWAY_ENVIRONMENT_ID"),
        format!("o serviço `{name}` não está no ambiente JULIA_RAILWAY_ENVIRONMENT_ID"),
    )
}

pub fn service_missing_line(l: Locale, name: &str) -> String {
    tr(
        l,
        format!(":grey_question: `{name}`: not found in Railway"),
        format!(":grey_question: `{name}`: não encontrado no Railway"),
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
        RollbackWhy::NotFound(id) => tr(
            l,
            format!("deployment `{}` is not among the last 20", escape(id)),
            format!("o deploy `{}` não está entre os 20 últimos", escape(id)),
        ),
        RollbackWhy::NoOlderSuccess => tr(
            l,
            "no deployment older than the running one that Railway can roll back to (REMOVED or SUCCESS with canRollback)".into(),
            "nenhum deploy mais antigo que o atual para o qual o Railway permita rollback (REMOVED ou SUCCESS com canRollback)".into(),
        ),
        RollbackWhy::CannotRollback(id) => tr(
            l,
            format!("Railway says canRollback = false for `{id}`"),
            format!("o Railway diz canRollback = false para `{id}`"),
        ),
        RollbackWhy::NoDeployment => tr(
            l,
            "it has no deployment yet".into(),
            "ainda não tem deploy".into(),
        ),
    }
}

pub fn what_evolution_restart(l: Locale, instance: &str, state: &str) -> String {
    tr(
        l,
        format!("restart the Evolution instance `{instance}` (state now `{state}`)"),
        format!("reiniciar a instância Evolution `{instance}` (estado agora `{state}`)"),
    )
}

pub fn what_webhook_reset(
    l: Locale,
    instance: &str,
    url: &str,
    events: &[String],
    now: Option<&str>,
) -> String {
    tr(
        l,
        format!(
            "set the webhook of `{instance}` to `{}` with events {} (now: {})",
            escape(url),
            events.join(","),
            escape(now.unwrap_or("none"))
        ),
        format!(
            "gravar o webhook de `{instance}` como `{}` com eventos {} (agora: {})",
            escape(url),
            events.join(","),
            escape(now.unwrap_or("nenhum"))
        ),
    )
}

/// The reason of a pause requested from a watcher alert button.
pub fn alert_pause_reason(l: Locale) -> String {
    l.t("health alert", "alerta de saúde").to_string()
}
