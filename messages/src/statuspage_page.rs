//! The public status page's words (the page, its feed and badge), in English and Brazilian
//! Portuguese. The page picks the visitor's language (`Accept-Language`, `?lang=`) or the
//! configured one; states and statuses are named as status pages name them.

use serde::Serialize;

use crate::Locale;

/// The fixed words of the page, handed to its template as `w`.
#[derive(Debug, Clone, Serialize)]
pub struct PageWords {
    pub lang: &'static str,
    pub title: &'static str,
    pub all_operational: &'static str,
    pub active_incidents: &'static str,
    pub components: &'static str,
    pub history: &'static str,
    pub past_incidents: &'static str,
    pub no_past_incidents: &'static str,
    pub days_ago: &'static str,
    pub today: &'static str,
    pub next_update: &'static str,
    pub affected: &'static str,
    pub updates: &'static str,
    pub incident_days: &'static str,
    pub no_incidents_90: &'static str,
    pub back: &'static str,
    pub feed: &'static str,
    pub not_found: &'static str,
    pub resolved_at: &'static str,
    pub started_at: &'static str,
    pub badge_label: &'static str,
}

pub fn page_words(l: Locale) -> PageWords {
    PageWords {
        lang: l.code(),
        title: l.t("Status", "Status"),
        all_operational: l.t("All systems operational", "Todos os sistemas operacionais"),
        active_incidents: l.t("Active incidents", "Incidentes em andamento"),
        components: l.t("Components", "Componentes"),
        history: l.t("History", "Histórico"),
        past_incidents: l.t("Past incidents", "Incidentes anteriores"),
        no_past_incidents: l.t("No past incidents.", "Nenhum incidente anterior."),
        days_ago: l.t("90 days ago", "90 dias atrás"),
        today: l.t("Today", "Hoje"),
        next_update: l.t("Next update by", "Próximo update até"),
        affected: l.t("Affected components", "Componentes afetados"),
        updates: l.t("Updates", "Atualizações"),
        incident_days: l.t("Days with incidents", "Dias com incidentes"),
        no_incidents_90: l.t(
            "No incidents in the last 90 days.",
            "Nenhum incidente nos últimos 90 dias.",
        ),
        back: l.t("Current status", "Status atual"),
        feed: l.t("Atom feed", "Feed Atom"),
        not_found: l.t(
            "There is no public incident at this address.",
            "Não há incidente público neste endereço.",
        ),
        resolved_at: l.t("Resolved", "Resolvido"),
        started_at: l.t("Started", "Início"),
        badge_label: l.t("status", "status"),
    }
}

/// A component state (`operational`, `degraded_performance`, … as `ComponentState::as_str`).
pub fn state_label(state: &str, l: Locale) -> &'static str {
    match state {
        "operational" => l.t("Operational", "Operacional"),
        "under_maintenance" => l.t("Under maintenance", "Em manutenção"),
        "degraded_performance" => l.t("Degraded performance", "Desempenho degradado"),
        "partial_outage" => l.t("Partial outage", "Indisponibilidade parcial"),
        "major_outage" => l.t("Major outage", "Indisponibilidade total"),
        _ => l.t("Unknown", "Desconhecido"),
    }
}

/// The banner for the worst current state.
pub fn banner(state: &str, l: Locale) -> &'static str {
    match state {
        "operational" => page_words(l).all_operational,
        "under_maintenance" => l.t("Maintenance in progress", "Manutenção em andamento"),
        "degraded_performance" => l.t(
            "Some systems have degraded performance",
            "Alguns sistemas com desempenho degradado",
        ),
        "partial_outage" => l.t("Partial system outage", "Indisponibilidade parcial"),
        "major_outage" => l.t("Major system outage", "Indisponibilidade total"),
        _ => l.t("Status unknown", "Status desconhecido"),
    }
}

/// An incident status (`investigating`, `identified`, `monitoring`, `resolved`).
pub fn status_label(status: &str, l: Locale) -> &'static str {
    match status {
        "investigating" => l.t("Investigating", "Investigando"),
        "identified" => l.t("Identified", "Identificado"),
        "monitoring" => l.t("Monitoring", "Monitorando"),
        "resolved" => l.t("Resolved", "Resolvido"),
        _ => l.t("Update", "Atualização"),
    }
}
