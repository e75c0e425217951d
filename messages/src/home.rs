//! The App Home tab: open incidents, Julia's pause state and health, and two buttons.

use crate::blocks::{self, Block, Style};
use crate::incident::status_label;
use crate::{datetime_token, escape, human_duration, Locale};

/// Action ids of the Home tab's buttons. Declaring reuses the incidents' router (opens the
/// declare modal); the status button is routed to the Julia controls by its `julia_` prefix.
pub const ACTION_DECLARE: &str = "incident_declare_open";
pub const ACTION_JULIA_STATUS: &str = "julia_home_status";

/// Incidents shown on the Home tab, one section each: with the dozen other blocks the view stays
/// far under Slack's 100 blocks ([`crate::limits::VIEW_BLOCKS`]); the rest are counted.
pub const HOME_INCIDENTS: usize = 40;

/// One open incident as the Home tab lists it (times in epoch seconds).
#[derive(Debug, Clone, Default)]
pub struct HomeIncident {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub started_at: i64,
    pub last_update_at: i64,
    /// The war room's channel id, when there is one.
    pub war_room: Option<String>,
    /// A drill (#28): its line says DRILL.
    pub drill: bool,
}

/// Julia's pause state or health, as one line each.
#[derive(Debug, Clone, PartialEq)]
pub enum JuliaPart {
    /// The source is not configured (names the variable).
    NotConfigured(&'static str),
    /// No answer in time, or an error (short text).
    Unavailable(String),
    /// Pause: paused with this mode, or running.
    Paused(String),
    Running,
    /// Health: healthy, or the failing check names (with the overall status).
    Healthy,
    Unhealthy {
        status: String,
        failing: Vec<String>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct HomeView {
    pub now: i64,
    pub incidents: Vec<HomeIncident>,
    /// The incident store did not answer: say so instead of "no open incidents".
    pub incidents_unavailable: bool,
    /// `None` when no Julia control is configured at all.
    pub pause: Option<JuliaPart>,
    pub health: Option<JuliaPart>,
    pub incident_command: String,
    pub julia_command: String,
    /// The visitor's overdue action items (#28), when there are any.
    pub overdue_actions: Option<String>,
}

fn sev_emoji(sev: &str) -> &'static str {
    match sev {
        "P0" => ":rotating_light:",
        "P1" => ":red_circle:",
        "P2" => ":large_orange_circle:",
        _ => ":large_yellow_circle:",
    }
}

fn part_line(l: Locale, p: &JuliaPart) -> String {
    match p {
        JuliaPart::NotConfigured(var) => l.t(
            format!(":grey_question: not configured (set `{var}`)"),
            format!(":grey_question: não configurado (defina `{var}`)"),
        ),
        JuliaPart::Unavailable(e) => l.t(
            format!(":grey_question: unknown right now ({})", escape(e)),
            format!(":grey_question: desconhecido agora ({})", escape(e)),
        ),
        JuliaPart::Paused(mode) => l.t(
            format!(":double_vertical_bar: *Paused* (mode `{}`)", escape(mode)),
            format!(":double_vertical_bar: *Pausada* (modo `{}`)", escape(mode)),
        ),
        JuliaPart::Running => l
            .t(
                ":arrow_forward: Running (not paused)",
                ":arrow_forward: Rodando (não pausada)",
            )
            .to_string(),
        JuliaPart::Healthy => l
            .t(":white_check_mark: Healthy", ":white_check_mark: Saudável")
            .to_string(),
        JuliaPart::Unhealthy { status, failing } => {
            let checks = if failing.is_empty() {
                String::new()
            } else {
                format!(": {}", escape(&failing.join(", ")))
            };
            l.t(
                format!(":x: *{}*{checks}", escape(status)),
                format!(":x: *{}*{checks}", escape(status)),
            )
        }
    }
}

/// One incident's section: key, severity, title, status, age, last update, war room link.
pub fn incident_line(l: Locale, i: &HomeIncident, now: i64) -> String {
    let room = match &i.war_room {
        Some(c) => format!("<#{c}>"),
        None => l.t("no war room", "sem sala de guerra").to_string(),
    };
    let line = incident_words(l, i, now, room);
    if i.drill {
        format!(":test_tube: *{}* · {line}", crate::drill::word(l))
    } else {
        line
    }
}

fn incident_words(l: Locale, i: &HomeIncident, now: i64, room: String) -> String {
    l.t(
        format!(
            "{} *INC-{}* [{}] {}\n{} · open for {} · last update {} ago · {}",
            sev_emoji(&i.severity),
            i.id,
            i.severity,
            escape(&i.title),
            status_label(l, &i.status),
            human_duration(now - i.started_at, l),
            human_duration(now - i.last_update_at, l),
            room
        ),
        format!(
            "{} *INC-{}* [{}] {}\n{} · aberto há {} · última atualização há {} · {}",
            sev_emoji(&i.severity),
            i.id,
            i.severity,
            escape(&i.title),
            status_label(l, &i.status),
            human_duration(now - i.started_at, l),
            human_duration(now - i.last_update_at, l),
            room
        ),
    )
}

/// The Home tab as a `views.publish` view (`type: home`).
pub fn view(l: Locale, v: &HomeView) -> serde_json::Value {
    let mut b: Vec<Block> = vec![blocks::header(
        l.t("Incidents and Julia", "Incidentes e Julia"),
    )];
    b.push(blocks::actions(
        "home_actions",
        vec![
            blocks::button(
                ACTION_DECLARE,
                l.t("Declare incident", "Declarar incidente"),
                "home",
                Style::Danger,
            ),
            blocks::button(
                ACTION_JULIA_STATUS,
                l.t("Julia status", "Status da Julia"),
                "home",
                Style::Default,
            ),
        ],
    ));
    if let Some(overdue) = &v.overdue_actions {
        b.push(blocks::section(overdue.clone()));
    }
    b.push(blocks::divider());
    let open = v.incidents.len();
    b.push(blocks::section(l.t(
        format!("*Open incidents ({open})*"),
        format!("*Incidentes abertos ({open})*"),
    )));
    if v.incidents_unavailable {
        b.push(blocks::context(l.t(
            ":warning: The incident list is unavailable right now; try again in a moment.",
            ":warning: A lista de incidentes está indisponível agora; tente de novo em instantes.",
        )));
    } else if v.incidents.is_empty() {
        b.push(blocks::context(l.t(
            ":white_check_mark: No open incidents.",
            ":white_check_mark: Nenhum incidente aberto.",
        )));
    }
    for i in v.incidents.iter().take(HOME_INCIDENTS) {
        b.push(blocks::section(incident_line(l, i, v.now)));
    }
    if open > HOME_INCIDENTS {
        let more = open - HOME_INCIDENTS;
        let cmd = &v.incident_command;
        b.push(blocks::context(l.t(
            format!("…and {more} more: `{cmd} list` pages through them all, `{cmd} list P1` shows one severity."),
            format!("…e mais {more}: `{cmd} list` mostra todos, página a página; `{cmd} list P1` mostra uma severidade."),
        )));
    }
    b.push(blocks::divider());
    b.push(blocks::section(l.t("*Julia*", "*Julia*")));
    match (&v.pause, &v.health) {
        (None, None) => b.push(blocks::context(l.t(
            ":grey_question: Julia controls not configured.",
            ":grey_question: Controles da Julia não configurados.",
        ))),
        (pause, health) => {
            let mut items = Vec::new();
            if let Some(p) = pause {
                items.push((l.t("Pause", "Pausa").to_string(), part_line(l, p)));
            }
            if let Some(h) = health {
                items.push((l.t("Health", "Saúde").to_string(), part_line(l, h)));
            }
            b.push(blocks::fields(&items));
            b.push(blocks::context(l.t(
                format!("Details: `{} status`", v.julia_command),
                format!("Detalhes: `{} status`", v.julia_command),
            )));
        }
    }
    b.push(blocks::context(l.t(
        format!("Updated {}", datetime_token(v.now)),
        format!("Atualizado {}", datetime_token(v.now)),
    )));
    blocks::home(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_view_lists_incidents_and_buttons_in_both_locales() {
        for l in [Locale::En, Locale::PtBr] {
            let v = view(
                l,
                &HomeView {
                    now: 1_700_000_600,
                    incidents: vec![HomeIncident {
                        id: 7,
                        title: "db <!channel> down".into(),
                        severity: "P1".into(),
                        status: "investigating".into(),
                        started_at: 1_700_000_000,
                        last_update_at: 1_700_000_300,
                        war_room: Some("CWAR".into()),
                        ..Default::default()
                    }],
                    incidents_unavailable: false,
                    pause: None,
                    health: None,
                    incident_command: "/incident".into(),
                    julia_command: "/julia".into(),
                    ..Default::default()
                },
            );
            assert_eq!(v["type"], "home");
            let s = v.to_string();
            assert!(
                s.contains("INC-7") && s.contains("[P1]") && s.contains("<#CWAR>"),
                "{s}"
            );
            assert!(!s.contains("<!channel>"), "{s}");
            assert!(s.contains(ACTION_DECLARE) && s.contains(ACTION_JULIA_STATUS));
            assert!(s.contains("10m"), "age: {s}");
        }
    }
}
