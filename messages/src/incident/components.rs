//! The words of affected components: refusals of an unknown component or state, and the
//! one-line notice of a change.

use crate::escape;
use crate::{Locale, Msg};

/// A component state in words (`partial_outage` -> "partial outage" / "indisponibilidade parcial").
pub fn state_label(state: &str, l: Locale) -> &'static str {
    match state {
        "operational" => l.t("operational", "operacional"),
        "under_maintenance" => l.t("under maintenance", "em manutenção"),
        "degraded_performance" => l.t("degraded performance", "desempenho degradado"),
        "partial_outage" => l.t("partial outage", "indisponibilidade parcial"),
        "major_outage" => l.t("major outage", "indisponibilidade total"),
        _ => l.t("unknown", "desconhecido"),
    }
}

pub fn unknown_component(given: &str, valid: &[&str], l: Locale) -> Msg {
    let given = escape(given);
    if valid.is_empty() {
        return Msg::text(l.t(
            format!("Unknown component `{given}`: no components are configured (set COMPONENTS_FILE; see components.example.yml). Nothing was changed."),
            format!("Componente desconhecido `{given}`: nenhum componente está configurado (defina COMPONENTS_FILE; veja components.example.yml). Nada foi alterado."),
        ));
    }
    let list = valid
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Msg::text(l.t(
        format!("Unknown component `{given}`. Valid components: {list}. Nothing was changed."),
        format!(
            "Componente desconhecido `{given}`. Componentes válidos: {list}. Nada foi alterado."
        ),
    ))
}

pub fn bad_state(given: &str, l: Locale) -> Msg {
    let given = escape(given);
    Msg::text(l.t(
        format!("`{given}` is not a component state: use `degraded`, `partial`, `major`, `maintenance` or `operational` (like `julia-api:partial`). Nothing was changed."),
        format!("`{given}` não é um estado de componente: use `degraded`, `partial`, `major`, `maintenance` ou `operational` (ex. `julia-api:partial`). Nada foi alterado."),
    ))
}

/// "Affected components: API: partial outage, WhatsApp messaging: operational (recovered)".
pub fn changed(items: &[(String, &str)], by: &str, l: Locale) -> String {
    let list = items
        .iter()
        .map(|(name, state)| format!("{}: *{}*", escape(name), state_label(state, l)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{} {list} {} <@{by}>",
        l.t("Affected components:", "Componentes afetados:"),
        l.t("by", "por")
    )
}
