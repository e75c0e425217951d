//! The incident side's variables that need more than one check: war-room severities,
//! templates, responders.

use messages::templates::Templates;

use super::checks;
use super::reader::{list, Reader};
use crate::severity::Severity;

/// `WAR_ROOM_SEVERITIES` (default P0, P1).
pub(super) fn war_room_severities(r: &Reader) -> Vec<Severity> {
    r.check("WAR_ROOM_SEVERITIES", |v| {
        list(Some(v.to_string()))
            .iter()
            .map(|s| {
                Severity::parse(s)
                    .ok_or_else(|| format!("`{s}` is not a severity; use P0, P1, P2, P3"))
            })
            .collect()
    })
    .unwrap_or_else(|| vec![Severity::P0, Severity::P1])
}

/// `TEMPLATES_DIR` and the templates, validated at load (the built-in ones when unset or bad).
pub(super) fn templates(r: &Reader) -> (Option<String>, Templates) {
    let templates_dir = r.get("TEMPLATES_DIR");
    let templates = match &templates_dir {
        None => Templates::builtin(),
        Some(d) => Templates::load(std::path::Path::new(d)).unwrap_or_else(|problem| {
            r.problem("TEMPLATES_DIR", problem);
            Templates::builtin()
        }),
    };
    (templates_dir, templates)
}

/// `COMPONENTS_FILE`: the components (none when unset; a bad file is reported and ignored).
pub(super) fn components(r: &Reader) -> std::sync::Arc<crate::components::Components> {
    let loaded = match r.get("COMPONENTS_FILE").filter(|p| !p.trim().is_empty()) {
        None => crate::components::Components::default(),
        Some(path) => crate::components::Components::load(path.trim()).unwrap_or_else(|problem| {
            r.problem("COMPONENTS_FILE", problem);
            crate::components::Components::default()
        }),
    };
    std::sync::Arc::new(loaded)
}

/// `INCIDENT_RESPONDERS` (users, and at most one group) and `INCIDENT_RESPONDER_GROUP`: the
/// users, and the one group invited to war rooms; extra groups are a warning.
pub(super) fn responders(r: &Reader) -> (Vec<String>, Option<String>) {
    let responders = r.users("INCIDENT_RESPONDERS", true);
    let groups: Vec<&String> = responders.iter().filter(|u| u.starts_with('S')).collect();
    let group_var = r.checked("INCIDENT_RESPONDER_GROUP", checks::usergroup_id);
    if groups.len() > 1 || !groups.is_empty() && group_var.is_some() {
        let ignored: Vec<String> = groups
            .iter()
            .skip(1)
            .map(|g| format!("`{g}`"))
            .chain(
                group_var
                    .iter()
                    .map(|g| format!("INCIDENT_RESPONDER_GROUP `{g}`")),
            )
            .collect();
        r.warn(
            "INCIDENT_RESPONDERS",
            format!(
                "one user group is invited to war rooms; {} ignored (list its members as user ids instead)",
                ignored.join(", ")
            ),
        );
    }
    let group = groups.first().map(|g| g.to_string()).or(group_var);
    let users = responders
        .iter()
        .filter(|u| !u.starts_with('S'))
        .cloned()
        .collect();
    (users, group)
}
