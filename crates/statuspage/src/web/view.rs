//! What the templates get: the snapshot in the visitor's language, times formatted, links
//! built. Every string here is data; the templates escape it (autoescape).

use messages::statuspage_page::{banner, page_words, state_label, status_label, PageWords};
use messages::Locale;
use serde::Serialize;

use crate::store::{PublicIncident, PublicSnapshot, DAY_MS};

/// `2026-12-06 14:02 UTC`.
pub fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// What every page shares.
#[derive(Serialize)]
pub struct Frame {
    pub w: PageWords,
    pub name: String,
    pub base: String,
    pub generated: String,
}

impl Frame {
    pub fn new(name: &str, base: &str, snap: &PublicSnapshot, l: Locale) -> Frame {
        Frame {
            w: page_words(l),
            name: name.to_string(),
            base: base.to_string(),
            generated: when(snap.generated_at),
        }
    }
}

#[derive(Serialize)]
pub struct IndexView {
    #[serde(flatten)]
    pub frame: Frame,
    pub overall: &'static str,
    pub banner: &'static str,
    pub systems: Vec<SystemV>,
    pub active: Vec<IncidentV>,
    pub recent: Vec<IncidentV>,
}

#[derive(Serialize)]
pub struct SystemV {
    pub name: String,
    pub components: Vec<ComponentV>,
}

#[derive(Serialize)]
pub struct ComponentV {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub cells: Vec<CellV>,
    /// The cells with incidents, newest first (the bar's titles, for a tap).
    pub incident_days: Vec<CellV>,
}

#[derive(Serialize, Clone)]
pub struct CellV {
    pub date: String,
    pub state: &'static str,
    pub state_label: &'static str,
    /// `2026-12-06 · Partial outage · <titles>`: the hover text.
    pub label: String,
    pub href: Option<String>,
    pub incidents: Vec<RefV>,
}

#[derive(Serialize, Clone)]
pub struct RefV {
    pub title: String,
    pub href: String,
}

#[derive(Serialize)]
pub struct IncidentV {
    pub key: String,
    pub href: String,
    pub title: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub impact: &'static str,
    pub impact_label: &'static str,
    pub created: String,
    pub resolved: Option<String>,
    pub next_update: Option<String>,
    pub components: Vec<AffectedV>,
    pub updates: Vec<UpdateV>,
}

#[derive(Serialize)]
pub struct AffectedV {
    pub name: String,
    pub state: &'static str,
    pub state_label: &'static str,
}

#[derive(Serialize)]
pub struct UpdateV {
    pub status_label: &'static str,
    pub body: String,
    pub at: String,
}

#[derive(Serialize)]
pub struct IncidentPage {
    #[serde(flatten)]
    pub frame: Frame,
    pub i: IncidentV,
}

#[derive(Serialize)]
pub struct HistoryView {
    #[serde(flatten)]
    pub frame: Frame,
    pub months: Vec<MonthV>,
}

#[derive(Serialize)]
pub struct MonthV {
    pub month: String,
    pub incidents: Vec<IncidentV>,
}

pub fn incident_href(base: &str, key: &str) -> String {
    format!("{base}/incidents/{key}")
}

pub fn incident(i: &PublicIncident, base: &str, l: Locale) -> IncidentV {
    IncidentV {
        key: i.key.clone(),
        href: incident_href(base, &i.key),
        title: i.title.clone(),
        status: i.status.as_str(),
        status_label: status_label(i.status.as_str(), l),
        impact: i.impact.as_str(),
        impact_label: state_label(i.impact.as_str(), l),
        created: when(i.created_at),
        resolved: i.resolved_at.map(when),
        next_update: i.next_update_at.map(when),
        components: i
            .components
            .iter()
            .map(|c| AffectedV {
                name: c.name.get(l).to_string(),
                state: c.state.as_str(),
                state_label: state_label(c.state.as_str(), l),
            })
            .collect(),
        updates: i
            .updates
            .iter()
            .map(|u| UpdateV {
                status_label: status_label(u.status.as_str(), l),
                body: u.body.clone(),
                at: when(u.created_at),
            })
            .collect(),
    }
}

pub fn index(snap: &PublicSnapshot, frame: Frame, l: Locale) -> IndexView {
    let base = frame.base.clone();
    let recent_since = snap.generated_at - 90 * DAY_MS;
    IndexView {
        overall: snap.overall.as_str(),
        banner: banner(snap.overall.as_str(), l),
        systems: snap
            .systems
            .iter()
            .map(|s| SystemV {
                name: s.name.get(l).to_string(),
                components: s
                    .components
                    .iter()
                    .map(|c| {
                        let cells: Vec<CellV> = c
                            .days
                            .iter()
                            .map(|d| {
                                let incidents: Vec<RefV> = d
                                    .incidents
                                    .iter()
                                    .map(|r| RefV {
                                        title: r.title.clone(),
                                        href: incident_href(&base, &format!("INC-{}", r.id)),
                                    })
                                    .collect();
                                let mut label = format!(
                                    "{} · {}",
                                    date(d.start),
                                    state_label(d.state.as_str(), l)
                                );
                                for r in &incidents {
                                    label.push_str(" · ");
                                    label.push_str(&r.title);
                                }
                                CellV {
                                    date: date(d.start),
                                    state: d.state.as_str(),
                                    state_label: state_label(d.state.as_str(), l),
                                    label,
                                    href: incidents.first().map(|r| r.href.clone()),
                                    incidents,
                                }
                            })
                            .collect();
                        let incident_days = cells
                            .iter()
                            .rev()
                            .filter(|c| !c.incidents.is_empty())
                            .cloned()
                            .collect();
                        ComponentV {
                            id: c.id.clone(),
                            name: c.name.get(l).to_string(),
                            state: c.state.as_str(),
                            state_label: state_label(c.state.as_str(), l),
                            cells,
                            incident_days,
                        }
                    })
                    .collect(),
            })
            .collect(),
        active: snap.active.iter().map(|i| incident(i, &base, l)).collect(),
        recent: snap
            .resolved
            .iter()
            .filter(|i| i.resolved_at.unwrap_or(i.created_at) >= recent_since)
            .take(10)
            .map(|i| incident(i, &base, l))
            .collect(),
        frame,
    }
}

pub fn history(snap: &PublicSnapshot, frame: Frame, l: Locale) -> HistoryView {
    let base = frame.base.clone();
    HistoryView {
        months: snap
            .resolved_by_month()
            .into_iter()
            .map(|(month, v)| MonthV {
                month,
                incidents: v.into_iter().map(|i| incident(i, &base, l)).collect(),
            })
            .collect(),
        frame,
    }
}
