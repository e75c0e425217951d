//! Incident messages: the runbook's templates (declared / update / resolved / post-mortem),
//! reminders, the topic, modals and the short answers to commands.

use crate::blocks::{self, Block, Style};
use crate::{datetime_token, escape, human_duration, time_token, utc_hm, utc_ymd_hm, Locale, Msg};

/// Action ids of the buttons (the interaction router keys on them).
pub mod action {
    pub const POST_UPDATE: &str = "incident_update_open";
    pub const ON_IT: &str = "incident_ack";
    pub const RESOLVE: &str = "incident_resolve_open";
    pub const SNOOZE: &str = "incident_snooze";
    pub const DECLARE_P1: &str = "incident_declare_p1";
}

/// Callback ids of the modals.
pub mod modal {
    pub const DECLARE: &str = "incident_declare";
    pub const UPDATE: &str = "incident_update";
    pub const RESOLVE: &str = "incident_resolve";
}

/// Everything a template shows about an incident (times in epoch seconds).
#[derive(Debug, Clone, Default)]
pub struct IncidentView {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub started_at: i64,
    pub now: i64,
    pub resolved_at: Option<i64>,
    pub impact: Option<String>,
    pub findings: Option<String>,
    pub actions: Option<String>,
    pub eta: Option<String>,
    pub next_update_at: Option<i64>,
    pub commander: Option<String>,
    pub war_room: Option<String>,
    pub root_cause: Option<String>,
    pub resolution: Option<String>,
    pub preventive: Option<String>,
    pub postmortem_due: Option<i64>,
    pub last_update_at: i64,
}

impl IncidentView {
    pub fn key(&self) -> String {
        format!("INC-{}", self.id)
    }
    fn duration(&self) -> i64 {
        self.resolved_at.unwrap_or(self.now) - self.started_at
    }
}

pub fn status_label(l: Locale, status: &str) -> &'static str {
    match (status, l) {
        ("investigating", Locale::En) => "Investigating",
        ("identified", Locale::En) => "Identified",
        ("monitoring", Locale::En) => "Monitoring",
        ("resolved", Locale::En) => "Resolved",
        ("investigating", Locale::PtBr) => "Investigando",
        ("identified", Locale::PtBr) => "Identificado",
        ("monitoring", Locale::PtBr) => "Monitorando",
        ("resolved", Locale::PtBr) => "Resolvido",
        _ => "?",
    }
}

pub(crate) fn sev_emoji(sev: &str) -> &'static str {
    match sev {
        "P0" => ":rotating_light:",
        "P1" => ":red_circle:",
        "P2" => ":large_orange_circle:",
        _ => ":large_yellow_circle:",
    }
}

pub(crate) fn user(u: &Option<String>, l: Locale) -> String {
    match u {
        Some(u) => format!("<@{u}>"),
        None => l.t("_unassigned_", "_sem responsável_").into(),
    }
}

fn or_dash(s: &Option<String>) -> String {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .map(escape)
        .unwrap_or_else(|| "—".into())
}

/// The Post update / I'm on it / Resolve buttons.
pub fn buttons_for(v: &IncidentView, l: Locale) -> Block {
    buttons(v, l)
}

fn buttons(v: &IncidentView, l: Locale) -> Block {
    let id = v.id.to_string();
    blocks::actions(
        &format!("incident_actions_{}", v.id),
        vec![
            blocks::button(
                action::POST_UPDATE,
                l.t("Post update", "Postar atualização"),
                &id,
                Style::Primary,
            ),
            crate::paging::ack_button(v.id, l),
            blocks::button(
                action::ON_IT,
                l.t("I'm on it", "Estou nisso"),
                &id,
                Style::Default,
            ),
            blocks::button(
                action::RESOLVE,
                l.t("Resolve", "Resolver"),
                &id,
                Style::Danger,
            ),
        ],
    )
}

fn core_fields(v: &IncidentView, l: Locale) -> Vec<(String, String)> {
    let mut f = vec![
        (
            l.t("Severity", "Severidade").into(),
            format!("{} {}", sev_emoji(&v.severity), v.severity),
        ),
        (
            l.t("Status", "Status").into(),
            status_label(l, &v.status).into(),
        ),
        (
            l.t("Started", "Início").into(),
            datetime_token(v.started_at),
        ),
        (
            l.t("Duration", "Duração").into(),
            human_duration(v.duration(), l),
        ),
        (
            l.t("Incident commander", "Comandante do incidente").into(),
            user(&v.commander, l),
        ),
    ];
    if v.status != "resolved" {
        f.push((
            l.t("Next update", "Próxima atualização").into(),
            v.next_update_at
                .map(time_token)
                .unwrap_or_else(|| "—".into()),
        ));
    }
    f
}

/// The declared message (war room, pinned; or the incidents channel when there is none).
pub fn declared(v: &IncidentView, l: Locale) -> Msg {
    let title = escape(&v.title);
    let text = format!(
        "{} {} {} [{}]: {} — {}",
        sev_emoji(&v.severity),
        v.key(),
        l.t("declared", "declarado"),
        v.severity,
        title,
        status_label(l, &v.status)
    );
    let mut b = vec![
        blocks::header(&format!("{} {} · {}", v.severity, v.key(), v.title)),
        blocks::fields(&core_fields(v, l)),
        blocks::section(format!(
            "*{}*\n{}",
            l.t("Impact", "Impacto"),
            or_dash(&v.impact)
        )),
        blocks::section(format!(
            "*{}*\n{}\n*{}*\n{}\n*{}* {}",
            l.t("Latest findings", "Descobertas mais recentes"),
            or_dash(&v.findings),
            l.t("Actions in progress", "Ações em andamento"),
            or_dash(&v.actions),
            l.t("ETA:", "Previsão:"),
            or_dash(&v.eta)
        )),
    ];
    if let Some(w) = &v.war_room {
        b.push(blocks::context(format!(
            "{} <#{w}>",
            l.t("War room:", "Sala de guerra:")
        )));
    }
    b.push(buttons(v, l));
    Msg::with_blocks(text, b)
}

/// The announcement in the incidents channel, linking to the war room.
pub fn announcement(v: &IncidentView, l: Locale) -> Msg {
    let Some(w) = &v.war_room else {
        return declared(v, l);
    };
    let text = format!(
        "{} {} [{}] {}: {} — {} <#{w}>",
        sev_emoji(&v.severity),
        v.key(),
        v.severity,
        l.t("declared", "declarado"),
        escape(&v.title),
        l.t("war room", "sala de guerra")
    );
    let b = vec![
        blocks::section(format!(
            "{} *{} · {}* — {}\n{} {} · {} {} · {} <#{w}>",
            sev_emoji(&v.severity),
            v.key(),
            v.severity,
            escape(&v.title),
            l.t("Started", "Início"),
            datetime_token(v.started_at),
            l.t("IC", "IC"),
            user(&v.commander, l),
            l.t("War room:", "Sala de guerra:"),
        )),
        blocks::context(
            l.t(
                "Updates follow in this thread.",
                "As atualizações seguem nesta thread.",
            )
            .to_string(),
        ),
    ];
    Msg::with_blocks(text, b)
}

/// An update (war room, and as a thread reply under the announcement).
pub fn update(v: &IncidentView, author: &str, l: Locale) -> Msg {
    let text = format!(
        "{} {} {} [{}] — {}: {}",
        sev_emoji(&v.severity),
        v.key(),
        l.t("update", "atualização"),
        status_label(l, &v.status),
        escape(&v.title),
        or_dash(&v.findings)
    );
    let b = vec![
        blocks::section(format!(
            "*{} {} · {}* — {}",
            v.key(),
            l.t("update", "atualização"),
            status_label(l, &v.status),
            escape(&v.title)
        )),
        blocks::fields(&core_fields(v, l)),
        blocks::section(format!(
            "*{}*\n{}\n*{}*\n{}\n*{}* {}",
            l.t("Latest findings", "Descobertas mais recentes"),
            or_dash(&v.findings),
            l.t("Actions in progress", "Ações em andamento"),
            or_dash(&v.actions),
            l.t("ETA:", "Previsão:"),
            or_dash(&v.eta)
        )),
        blocks::context(format!("{} <@{author}>", l.t("Posted by", "Postado por"))),
        buttons(v, l),
    ];
    Msg::with_blocks(text, b)
}

/// The resolved message (war room, thread and the incidents channel itself).
pub fn resolved(v: &IncidentView, by: &str, l: Locale) -> Msg {
    let text = format!(
        ":white_check_mark: {} {} — {} ({} {})",
        v.key(),
        l.t("resolved", "resolvido"),
        escape(&v.title),
        l.t("duration", "duração"),
        human_duration(v.duration(), l)
    );
    let mut f = core_fields(v, l);
    f.push((
        l.t("Resolved", "Resolvido em").into(),
        v.resolved_at.map(datetime_token).unwrap_or_default(),
    ));
    if let Some(pm) = v.postmortem_due {
        f.push((
            l.t("Post-mortem due", "Post-mortem até").into(),
            datetime_token(pm),
        ));
    }
    let b = vec![
        blocks::header(&format!(
            "✅ {} {} · {}",
            v.key(),
            l.t("resolved", "resolvido"),
            v.title
        )),
        blocks::fields(&f),
        blocks::section(format!(
            "*{}*\n{}\n*{}*\n{}\n*{}*\n{}\n*{}*\n{}",
            l.t("Impact", "Impacto"),
            or_dash(&v.impact),
            l.t("Root cause", "Causa raiz"),
            or_dash(&v.root_cause),
            l.t("Resolution", "Resolução"),
            or_dash(&v.resolution),
            l.t("Preventive measures", "Medidas preventivas"),
            or_dash(&v.preventive)
        )),
        blocks::context(format!("{} <@{by}>", l.t("Resolved by", "Resolvido por"))),
    ];
    Msg::with_blocks(text, b)
}

/// A one-line timeline notice posted where the incident lives (severity, roles, reopen…).
pub fn notice(v: &IncidentView, what: &str) -> Msg {
    Msg::with_blocks(
        format!("{} {}: {}", v.key(), escape(&v.title), what),
        vec![blocks::section(format!("*{}* · {}", v.key(), what))],
    )
}

pub fn severity_changed(from: &str, to: &str, by: &str, l: Locale) -> String {
    format!(
        "{} {from} → *{to}* {} <@{by}>",
        l.t("Severity", "Severidade"),
        l.t("by", "por")
    )
}

pub fn role_assigned(role: &str, who: &str, by: &str, l: Locale) -> String {
    let role_l = match (role, l) {
        ("commander", Locale::En) => "Incident commander",
        ("commander", Locale::PtBr) => "Comandante do incidente",
        ("comms", _) => "Comms",
        ("scribe", Locale::En) => "Scribe",
        ("scribe", Locale::PtBr) => "Escriba",
        (_, Locale::En) => "Responder",
        (_, Locale::PtBr) => "Respondente",
    };
    format!(
        "{role_l}: <@{who}> ({} <@{by}>)",
        l.t("set by", "definido por")
    )
}

pub fn on_it(who: &str, l: Locale) -> String {
    format!(":raising_hand: <@{who}> {}", l.t("is on it", "está nisso"))
}

pub fn reopened(by: &str, l: Locale) -> String {
    format!(
        ":arrows_counterclockwise: {} <@{by}>",
        l.t("Reopened by", "Reaberto por")
    )
}

pub fn snoozed(until: i64, by: &str, capped: bool, l: Locale) -> String {
    let mut s = format!(
        ":zzz: {} {} {} <@{by}>",
        l.t("Reminders snoozed until", "Lembretes adiados até"),
        time_token(until),
        l.t("by", "por")
    );
    if capped {
        s.push_str(l.t(
            " (a P0 can be snoozed for at most 2 cadences)",
            " (um P0 pode ser adiado por no máximo 2 cadências)",
        ));
    }
    s
}

/// The channel topic: `P1 · Identified · IC @ana · next update 14:35 UTC` (plain text).
pub fn topic(v: &IncidentView, l: Locale) -> String {
    let ic = v
        .commander
        .as_ref()
        .map(|u| format!("<@{u}>"))
        .unwrap_or_else(|| "—".into());
    let mut t = format!("{} · {} · IC {ic}", v.severity, status_label(l, &v.status));
    match (v.status.as_str(), v.next_update_at) {
        ("resolved", _) => {}
        (_, Some(n)) => t.push_str(&format!(
            " · {} {}",
            l.t("next update", "próxima atualização"),
            utc_hm(n)
        )),
        _ => {}
    }
    t.push_str(&format!(" · {}", v.key()));
    t
}

/// `inc-<yyyymmdd>-<n>-<slug>`: lowercase, `a-z0-9-_`, accents and other marks folded
/// away ([`crate::fold`]), at most 80 chars.
pub fn war_room_name(id: i64, started_at: i64, title: &str, suffix: Option<u32>) -> String {
    let ymd = utc_ymd_hm(started_at)[..10].replace('-', "");
    let folded = crate::fold::fold_for_channel_name(title);
    let mut slug = String::new();
    for c in folded.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '-'
        };
        if c == '-' && (slug.is_empty() || slug.ends_with('-')) {
            continue;
        }
        slug.push(c);
    }
    let slug = slug.trim_end_matches('-');
    let tail = suffix.map(|n| format!("-{n}")).unwrap_or_default();
    let prefix = format!("inc-{ymd}-{id}-");
    let room = 80usize.saturating_sub(prefix.len() + tail.len());
    let slug: String = slug.chars().take(room).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("inc-{ymd}-{id}{tail}")
    } else {
        format!("{prefix}{slug}{tail}")
    }
}

/// What a reminder shows.
#[derive(Debug, Clone)]
pub struct ReminderView {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub minutes_silent: i64,
    pub commander: Option<String>,
    /// 0 = plain, 1 = escalation engineers, 2 = incident commanders too.
    pub level: u8,
    pub escalate_to: Vec<String>,
    pub war_room: Option<String>,
}

pub fn reminder(r: &ReminderView, l: Locale) -> Msg {
    let ic = r
        .commander
        .as_ref()
        .map(|u| format!("<@{u}>"))
        .unwrap_or_else(|| l.t("the commander", "o comandante").into());
    let mut line = match l {
        Locale::En => format!(
            ":alarm_clock: *INC-{} ({})* has had no update for {} min. {ic}, please post an update.",
            r.id, r.severity, r.minutes_silent
        ),
        Locale::PtBr => format!(
            ":alarm_clock: *INC-{} ({})* está há {} min sem atualização. {ic}, poste uma atualização.",
            r.id, r.severity, r.minutes_silent
        ),
    };
    if r.level > 0 {
        let who = if r.escalate_to.is_empty() {
            l.t(
                "(no escalation contacts configured)",
                "(nenhum contato de escalonamento configurado)",
            )
            .to_string()
        } else {
            r.escalate_to
                .iter()
                .map(|u| format!("<@{u}>"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let step = if r.level >= 2 {
            l.t(
                "Escalating to incident commanders",
                "Escalonando para comandantes de incidente",
            )
        } else {
            l.t(
                "Escalating to the escalation engineers",
                "Escalonando para os engenheiros de escalonamento",
            )
        };
        line.push_str(&format!("\n:rotating_light: {step}: {who}"));
        if let Some(w) = &r.war_room {
            line.push_str(&format!(" — <#{w}>"));
        }
    }
    let text = format!(
        "INC-{} {} {} min",
        r.id,
        l.t("no update for", "sem atualização há"),
        r.minutes_silent
    );
    let id = r.id.to_string();
    Msg::with_blocks(
        format!("{text} — {}", escape(&r.title)),
        vec![
            blocks::section(line),
            blocks::actions(
                &format!("reminder_{}", r.id),
                vec![
                    blocks::button(
                        action::POST_UPDATE,
                        l.t("Post update", "Postar atualização"),
                        &id,
                        Style::Primary,
                    ),
                    blocks::button(
                        action::SNOOZE,
                        l.t("Snooze 15m", "Adiar 15m"),
                        &format!("{id}:900"),
                        Style::Default,
                    ),
                ],
            ),
        ],
    )
}

pub fn postmortem_reminder(id: i64, title: &str, stage: u8, due: i64, l: Locale) -> Msg {
    let what = if stage == 0 {
        l.t(
            "The post-mortem draft is due",
            "O rascunho do post-mortem vence",
        )
    } else {
        l.t(
            "The post-mortem review is due",
            "A revisão do post-mortem vence",
        )
    };
    Msg::text(format!(
        ":memo: INC-{id} ({}): {what} {}. {}",
        escape(title),
        datetime_token(due),
        l.t(
            "Say `/incident postmortem done` when it is.",
            "Diga `/incident postmortem done` quando estiver pronto."
        )
    ))
}

/// One timeline row for the post-mortem table.
#[derive(Debug, Clone)]
pub struct TimelineRow {
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub text: String,
}

/// The post-mortem draft in Markdown, following the runbook's template.
pub fn postmortem_markdown(v: &IncidentView, timeline: &[TimelineRow], l: Locale) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut md = String::new();
    let (h, sum, tl, imp, rc, res, les, well, better, ai) = match l {
        Locale::En => (
            "Post-mortem",
            "Summary",
            "Timeline (UTC)",
            "Impact",
            "Root cause",
            "Resolution",
            "Lessons learned",
            "What went well",
            "What could have been better",
            "Action items",
        ),
        Locale::PtBr => (
            "Post-mortem",
            "Resumo",
            "Linha do tempo (UTC)",
            "Impacto",
            "Causa raiz",
            "Resolução",
            "Lições aprendidas",
            "O que funcionou",
            "O que poderia ter sido melhor",
            "Itens de ação",
        ),
    };
    md.push_str(&format!("# {h}: {} — {}\n\n", v.key(), v.title));
    md.push_str(&format!("## {sum}\n\n"));
    md.push_str(&format!(
        "- {}: {}\n- {}: {}\n- {}: {} UTC\n- {}: {}\n- {}: {}\n\n",
        l.t("Severity", "Severidade"),
        v.severity,
        l.t("Status", "Status"),
        status_label(l, &v.status),
        l.t("Started", "Início"),
        utc_ymd_hm(v.started_at),
        l.t("Duration", "Duração"),
        human_duration(v.duration(), l),
        l.t("Incident commander", "Comandante do incidente"),
        v.commander.clone().unwrap_or_else(|| "—".into())
    ));
    md.push_str(&format!(
        "## {tl}\n\n| {} | {} |\n|---|---|\n",
        l.t("Time", "Hora"),
        l.t("Event", "Evento")
    ));
    for r in timeline {
        let text = if r.text.is_empty() {
            r.kind.clone()
        } else {
            format!("{}: {}", r.kind, r.text)
        };
        md.push_str(&format!(
            "| {} | {} ({}) |\n",
            utc_ymd_hm(r.at),
            cell(&text),
            cell(&r.actor)
        ));
    }
    let p = |s: &Option<String>| {
        s.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "_TBD_".into())
    };
    md.push_str(&format!(
        "\n## {imp}\n\n{}\n\n## {rc}\n\n{}\n\n## {res}\n\n{}\n\n",
        p(&v.impact),
        p(&v.root_cause),
        p(&v.resolution)
    ));
    md.push_str(&format!(
        "## {les}\n\n### {well}\n\n- \n\n### {better}\n\n- \n\n"
    ));
    md.push_str(&format!(
        "## {ai}\n\n| {} | {} | {} | {} |\n|---|---|---|---|\n",
        l.t("Action", "Ação"),
        l.t("Owner", "Responsável"),
        l.t("Due", "Prazo"),
        l.t("Status", "Status")
    ));
    match &v.preventive {
        Some(pm) if !pm.is_empty() => md.push_str(&format!(
            "| {} | | | {} |\n",
            cell(pm),
            l.t("open", "aberto")
        )),
        _ => md.push_str("| | | | |\n"),
    }
    md
}

/// Short ephemeral answers.
pub mod reply {
    use super::*;

    pub fn declaring(key: &str, sev: &str, title: &str, l: Locale) -> Msg {
        Msg::text(format!(
            ":hourglass_flowing_sand: {key} {} {sev}: {}… {}",
            l.t("declared", "declarado"),
            escape(title),
            l.t("Setting up the war room.", "Preparando a sala de guerra.")
        ))
    }
    pub fn declared(
        key: &str,
        war_room: Option<&str>,
        war_room_error: Option<&str>,
        l: Locale,
    ) -> Msg {
        let mut s = format!(":white_check_mark: {key} {}.", l.t("declared", "declarado"));
        if let Some(w) = war_room {
            s.push_str(&format!(" {} <#{w}>.", l.t("War room:", "Sala de guerra:")));
        }
        if let Some(e) = war_room_error {
            s.push_str(&match l {
                Locale::En => format!(" The war room could not be created (Slack said `{e}`), so everything posts to the incidents channel. Check the bot's scopes (`channels:manage`, `groups:write`)."),
                Locale::PtBr => format!(" A sala de guerra não pôde ser criada (o Slack respondeu `{e}`), então tudo vai para o canal de incidentes. Verifique os escopos do bot (`channels:manage`, `groups:write`)."),
            });
        }
        Msg::text(s)
    }
    pub fn done(key: &str, what: &str) -> Msg {
        Msg::text(format!(":white_check_mark: {key}: {what}"))
    }
    pub fn unknown_id(key: &str, l: Locale) -> Msg {
        Msg::text(format!(
            "{key} {}",
            l.t(
                "does not exist. `/incident list` shows the open ones.",
                "não existe. `/incident list` mostra os abertos."
            )
        ))
    }
    pub fn which_incident(open: &[(i64, String, String)], l: Locale) -> Msg {
        let mut s = l
            .t(
                "Which incident? This channel is not a war room: start with the id, e.g. `update INC-12 …`.",
                "Qual incidente? Este canal não é uma sala de guerra: comece pelo id, ex. `update INC-12 …`.",
            )
            .to_string();
        if open.is_empty() {
            s.push_str(l.t("\nNo incident is open.", "\nNenhum incidente aberto."));
        } else {
            s.push_str(l.t("\nOpen:", "\nAbertos:"));
            for (id, sev, title) in open {
                s.push_str(&format!("\n• INC-{id} [{sev}] {}", escape(title)));
            }
        }
        Msg::text(s)
    }
    pub fn already_resolved(key: &str, l: Locale) -> Msg {
        Msg::text(format!(
            "{key} {}",
            l.t(
                "is resolved. `/incident reopen` it first to post updates.",
                "está resolvido. Use `/incident reopen` antes de postar atualizações."
            )
        ))
    }
    pub fn not_resolved(key: &str, l: Locale) -> Msg {
        Msg::text(format!(
            "{key} {}",
            l.t(
                "is open; only a resolved incident can be reopened.",
                "está aberto; só um incidente resolvido pode ser reaberto."
            )
        ))
    }
    pub fn bad_transition(key: &str, from: &str, to: &str, allowed: &[&str], l: Locale) -> Msg {
        Msg::text(match l {
            Locale::En => format!(
                "{key} cannot move from {from} to {to}. Allowed: {}.",
                allowed.join(", ")
            ),
            Locale::PtBr => format!(
                "{key} não pode passar de {from} para {to}. Permitido: {}.",
                allowed.join(", ")
            ),
        })
    }
    pub fn not_allowed(key: &str, commander: Option<&str>, l: Locale) -> Msg {
        let ic = commander
            .map(|c| format!("<@{c}>"))
            .unwrap_or_else(|| "—".into());
        Msg::text(match l {
            Locale::En => format!("Only the incident commander ({ic}) or a chatops admin may change severity, roles or resolution of {key}."),
            Locale::PtBr => format!("Só o comandante do incidente ({ic}) ou um admin do chatops pode mudar severidade, papéis ou resolução de {key}."),
        })
    }
    pub fn no_open(l: Locale) -> Msg {
        Msg::text(l.t(
            "No incident is open. :tada:",
            "Nenhum incidente aberto. :tada:",
        ))
    }
    pub fn modal_failed(l: Locale) -> Msg {
        Msg::text(l.t(
            "Slack would not open the form (the 3-second window may have passed). Use the one-line command instead, e.g. `/incident declare P1 <title>`.",
            "O Slack não abriu o formulário (a janela de 3 segundos pode ter passado). Use o comando de uma linha, ex. `/incident declare P1 <título>`.",
        ))
    }
    pub fn already_on_it(key: &str, l: Locale) -> Msg {
        Msg::text(format!(
            "{} {key}.",
            l.t("You are already a responder on", "Você já é respondente em")
        ))
    }
}

/// `/incident status`.
pub fn status(v: &IncidentView, l: Locale) -> Msg {
    let mut b = vec![
        blocks::section(format!("*{}* — {}", v.key(), escape(&v.title))),
        blocks::fields(&core_fields(v, l)),
    ];
    b.push(blocks::section(format!(
        "*{}*\n{}\n*{}*\n{}",
        l.t("Impact", "Impacto"),
        or_dash(&v.impact),
        l.t("Latest findings", "Descobertas mais recentes"),
        or_dash(&v.findings)
    )));
    if let Some(w) = &v.war_room {
        b.push(blocks::context(format!("<#{w}>")));
    }
    Msg::with_blocks(
        format!(
            "{} [{}] {}",
            v.key(),
            status_label(l, &v.status),
            escape(&v.title)
        ),
        b,
    )
}

pub fn declare_modal(origin_channel: &str, severity: Option<&str>, l: Locale) -> serde_json::Value {
    let sev = [("P0", "P0"), ("P1", "P1"), ("P2", "P2"), ("P3", "P3")];
    blocks::modal(
        modal::DECLARE,
        l.t("Declare an incident", "Declarar incidente"),
        l.t("Declare", "Declarar"),
        origin_channel,
        vec![
            blocks::text_input(
                "title",
                "title_input",
                l.t("Title", "Título"),
                false,
                false,
                None,
            ),
            blocks::select_input(
                "severity",
                "severity_select",
                l.t("Severity", "Severidade"),
                &sev,
                severity.or(Some("P1")),
            ),
            blocks::text_input(
                "impact",
                "impact_input",
                l.t("Impact", "Impacto"),
                true,
                true,
                None,
            ),
            blocks::user_input(
                "commander",
                "commander_select",
                l.t("Incident commander", "Comandante do incidente"),
                true,
            ),
        ],
    )
}

pub fn update_modal(id: i64, status: &str, l: Locale) -> serde_json::Value {
    let opts = [
        ("investigating", status_label(l, "investigating")),
        ("identified", status_label(l, "identified")),
        ("monitoring", status_label(l, "monitoring")),
    ];
    blocks::modal(
        modal::UPDATE,
        &format!("{} INC-{id}", l.t("Update", "Atualizar")),
        l.t("Post", "Postar"),
        &id.to_string(),
        vec![
            blocks::select_input(
                "status",
                "status_select",
                l.t("Status", "Status"),
                &opts,
                Some(status),
            ),
            blocks::text_input(
                "findings",
                "findings_input",
                l.t("Latest findings", "Descobertas mais recentes"),
                true,
                false,
                None,
            ),
            blocks::text_input(
                "actions",
                "actions_input",
                l.t("Actions in progress", "Ações em andamento"),
                true,
                true,
                None,
            ),
            blocks::text_input(
                "eta",
                "eta_input",
                l.t("ETA", "Previsão"),
                false,
                true,
                None,
            ),
        ],
    )
}

pub fn resolve_modal(id: i64, l: Locale) -> serde_json::Value {
    blocks::modal(
        modal::RESOLVE,
        &format!("{} INC-{id}", l.t("Resolve", "Resolver")),
        l.t("Resolve", "Resolver"),
        &id.to_string(),
        vec![
            blocks::text_input(
                "root_cause",
                "root_cause_input",
                l.t("Root cause", "Causa raiz"),
                true,
                true,
                None,
            ),
            blocks::text_input(
                "resolution",
                "resolution_input",
                l.t("Resolution", "Resolução"),
                true,
                false,
                None,
            ),
            blocks::text_input(
                "preventive",
                "preventive_input",
                l.t("Preventive measures", "Medidas preventivas"),
                true,
                true,
                None,
            ),
        ],
    )
}

pub fn field_error_title(len: usize, l: Locale) -> String {
    match l {
        Locale::En => format!("The title must be 3 to 150 characters (it has {len})."),
        Locale::PtBr => format!("O título deve ter de 3 a 150 caracteres (tem {len})."),
    }
}

pub fn field_required(l: Locale) -> String {
    l.t("Required.", "Obrigatório.").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn war_room_names_fold_accents_and_stay_short() {
        let t = 1_763_800_000; // 2025-11-22
        assert_eq!(
            war_room_name(12, t, "Evolução fora do ar", None),
            "inc-20251122-12-evolucao-fora-do-ar"
        );
        assert_eq!(
            war_room_name(12, t, "Evolução fora do ar", Some(2)),
            "inc-20251122-12-evolucao-fora-do-ar-2"
        );
        let long = war_room_name(
            3,
            t,
            &"Julia não responde aos médicos ".repeat(10),
            Some(10),
        );
        assert!(long.len() <= 80, "{long}");
        assert!(long.ends_with("-10"));
        assert!(long
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'));
        assert_eq!(war_room_name(4, t, "!!!", None), "inc-20251122-4");
        assert_eq!(
            war_room_name(5, t, "z\u{337}a\u{337}l\u{337}g\u{337}o\u{337} down", None),
            "inc-20251122-5-zalgo-down"
        );
    }

    fn view() -> IncidentView {
        IncidentView {
            id: 7,
            title: "<!channel> Evolution down".into(),
            severity: "P1".into(),
            status: "identified".into(),
            started_at: 1_700_000_000,
            now: 1_700_000_600,
            commander: Some("U0ANA".into()),
            next_update_at: Some(1_700_001_500),
            ..Default::default()
        }
    }

    #[test]
    fn templates_escape_titles_and_use_date_tokens() {
        for l in [Locale::En, Locale::PtBr] {
            let m = declared(&view(), l);
            let json = serde_json::to_string(&m).unwrap();
            assert!(!json.contains("<!channel>"), "{json}");
            assert!(json.contains("<!date^1700000000^"));
            assert!(json.contains(action::POST_UPDATE));
        }
        assert_eq!(
            topic(&view(), Locale::En),
            "P1 · Identified · IC <@U0ANA> · next update 22:38 UTC · INC-7"
        );
        assert!(topic(&view(), Locale::PtBr).contains("Identificado"));
    }
}
