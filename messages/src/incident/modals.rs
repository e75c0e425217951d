//! The declare / update / resolve forms and the errors shown under their fields.

use super::common::status_label;
use super::ids::modal;
use crate::blocks;
use crate::Locale;

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
            blocks::text_input(
                "affects",
                "affects_input",
                l.t(
                    "Affected components (component:state, …)",
                    "Componentes afetados (componente:estado, …)",
                ),
                false,
                true,
                None,
            ),
            blocks::text_input(
                "public_title",
                "public_title_input",
                l.t(
                    "Public title (status page; you see a preview first)",
                    "Título público (página de status; você vê uma prévia antes)",
                ),
                false,
                true,
                None,
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
            blocks::text_input(
                "public",
                "public_input",
                l.t(
                    "Public update (status page, as customers will read it)",
                    "Update público (página de status, como os clientes vão ler)",
                ),
                true,
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
            blocks::text_input(
                "public",
                "public_input",
                l.t(
                    "Public resolution (status page; empty: the [RESOLVED] template)",
                    "Resolução pública (página de status; vazio: o modelo [RESOLVIDO])",
                ),
                true,
                true,
                None,
            ),
        ],
    )
}

pub fn field_error_title(len: usize, l: Locale) -> String {
    l.t(
        format!("The title must be 3 to 150 characters (it has {len})."),
        format!("O título deve ter de 3 a 150 caracteres (tem {len})."),
    )
}

pub fn field_required(l: Locale) -> String {
    l.t("Required.", "Obrigatório.").to_string()
}
