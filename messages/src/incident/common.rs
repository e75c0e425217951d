//! What every incident message shares: the view of an incident, its labels, the core fields
//! and the Post update / Acknowledge / I'm on it / Resolve buttons.

use super::ids::action;
use crate::blocks::{self, Block, Style};
use crate::{datetime_token, escape, human_duration, time_token, Locale};

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
    /// A drill (#28): its post-mortem says so.
    pub drill: bool,
    /// The post-mortem's action items (#28): action, owner's name, due date, status.
    pub action_items: Vec<[String; 4]>,
}

/// What `/incident status` says about paging: who acknowledged the incident and when
/// (epoch milliseconds), and who is on call now (`None` without a rotation).
#[derive(Debug, Clone, Default)]
pub struct StatusPaging {
    pub acked: Option<(String, i64)>,
    pub on_call: Option<String>,
}

impl IncidentView {
    pub fn key(&self) -> String {
        format!("INC-{}", self.id)
    }
    pub(crate) fn duration(&self) -> i64 {
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

pub(crate) fn or_dash(s: &Option<String>) -> String {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .map(escape)
        .unwrap_or_else(|| "—".into())
}

/// The Post update / I'm on it / Resolve buttons.
pub fn buttons_for(v: &IncidentView, l: Locale) -> Block {
    buttons(v, l)
}

pub(super) fn buttons(v: &IncidentView, l: Locale) -> Block {
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
                crate::paging::on_it_label(l),
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

pub(crate) fn core_fields(v: &IncidentView, l: Locale) -> Vec<(String, String)> {
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
