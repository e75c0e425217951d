//! `/api/v2/summary.json`, `/api/v2/status.json`, `/api/v2/incidents.json` in the shape of
//! Atlassian Statuspage's public API (v2), so status aggregators and widgets read them as is:
//! `page`, `status {indicator, description}`, `components` (each system a group with its
//! components' ids, each component with `group_id`), `incidents` with `incident_updates`.
//! Ids are strings (`INC-7`, the component ids, `upd-12`); times RFC 3339 in UTC.

use chatops_core::components::ComponentState;
use messages::statuspage_page::banner;
use messages::Locale;
use serde_json::{json, Value};

use crate::store::{PublicIncident, PublicSnapshot};

/// How many incidents `incidents.json` lists (Statuspage: the 50 most recent).
pub const INCIDENTS_LIMIT: usize = 50;

fn iso(ms: i64) -> Value {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| Value::String(d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
        .unwrap_or(Value::Null)
}

/// Statuspage's `status.indicator`: none, minor, major, critical (maintenance for maintenance).
pub fn indicator(s: ComponentState) -> &'static str {
    match s {
        ComponentState::Operational => "none",
        ComponentState::UnderMaintenance => "maintenance",
        ComponentState::DegradedPerformance => "minor",
        ComponentState::PartialOutage => "major",
        ComponentState::MajorOutage => "critical",
    }
}

/// An incident's `impact`: none, minor, major, critical.
fn impact(s: ComponentState) -> &'static str {
    match s {
        ComponentState::UnderMaintenance => "maintenance",
        other => indicator(other),
    }
}

pub struct Page<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// The page's public URL (`STATUSPAGE_URL`), or its path on this host.
    pub url: &'a str,
    pub locale: Locale,
}

fn page(p: &Page, snap: &PublicSnapshot) -> Value {
    let updated = snap
        .active
        .iter()
        .chain(snap.resolved.iter())
        .map(|i| i.updated_at.max(i.resolved_at.unwrap_or(0)))
        .max()
        .unwrap_or(snap.generated_at);
    json!({
        "id": p.id,
        "name": p.name,
        "url": p.url,
        "time_zone": "Etc/UTC",
        "updated_at": iso(updated),
    })
}

fn status(p: &Page, snap: &PublicSnapshot) -> Value {
    json!({
        "indicator": indicator(snap.overall),
        "description": banner(snap.overall.as_str(), p.locale),
    })
}

fn components(p: &Page, snap: &PublicSnapshot) -> Vec<Value> {
    let at = iso(snap.generated_at);
    let mut out = Vec::new();
    let mut position = 0;
    for s in &snap.systems {
        position += 1;
        out.push(json!({
            "id": s.id, "name": s.name.get(p.locale), "status":
                ComponentState::worst(s.components.iter().map(|c| c.state)).as_str(),
            "created_at": at, "updated_at": at, "position": position, "description": null,
            "showcase": false, "start_date": null, "group_id": null, "page_id": p.id,
            "group": true, "only_show_if_degraded": false,
            "components": s.components.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        }));
        for c in &s.components {
            position += 1;
            out.push(json!({
                "id": c.id, "name": c.name.get(p.locale), "status": c.state.as_str(),
                "created_at": at, "updated_at": at, "position": position, "description": null,
                "showcase": true, "start_date": null, "group_id": s.id, "page_id": p.id,
                "group": false, "only_show_if_degraded": false,
            }));
        }
    }
    out
}

fn incident(p: &Page, i: &PublicIncident) -> Value {
    let comps: Vec<Value> = i
        .components
        .iter()
        .map(|c| json!({"id": c.id, "name": c.name.get(p.locale), "status": c.state.as_str()}))
        .collect();
    let monitoring_at = i
        .updates
        .iter()
        .rev()
        .find(|u| u.status.as_str() == "monitoring")
        .map(|u| iso(u.created_at))
        .unwrap_or(Value::Null);
    json!({
        "id": i.key,
        "name": i.title,
        "status": i.status.as_str(),
        "created_at": iso(i.created_at),
        "updated_at": iso(i.updated_at),
        "monitoring_at": monitoring_at,
        "resolved_at": i.resolved_at.map(iso).unwrap_or(Value::Null),
        "impact": impact(i.impact),
        "shortlink": format!("{}/incidents/{}", p.url.trim_end_matches('/'), i.key),
        "started_at": iso(i.created_at),
        "page_id": p.id,
        "incident_updates": i.updates.iter().map(|u| json!({
            "id": format!("upd-{}", u.id),
            "status": u.status.as_str(),
            "body": u.body,
            "incident_id": i.key,
            "created_at": iso(u.created_at),
            "updated_at": iso(u.created_at),
            "display_at": iso(u.created_at),
            "affected_components": null,
            "deliver_notifications": true,
        })).collect::<Vec<_>>(),
        "components": comps,
    })
}

pub fn status_json(p: &Page, snap: &PublicSnapshot) -> Value {
    json!({ "page": page(p, snap), "status": status(p, snap) })
}

pub fn summary_json(p: &Page, snap: &PublicSnapshot) -> Value {
    json!({
        "page": page(p, snap),
        "components": components(p, snap),
        "incidents": snap.active.iter().map(|i| incident(p, i)).collect::<Vec<_>>(),
        "scheduled_maintenances": [],
        "status": status(p, snap),
    })
}

pub fn incidents_json(p: &Page, snap: &PublicSnapshot) -> Value {
    json!({
        "page": page(p, snap),
        "incidents": snap.active.iter().chain(snap.resolved.iter())
            .take(INCIDENTS_LIMIT).map(|i| incident(p, i)).collect::<Vec<_>>(),
    })
}
