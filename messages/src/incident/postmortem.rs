//! The post-mortem draft (Markdown, the runbook's template) and the upload that carries it.

use super::common::{status_label, IncidentView};
use super::timeline_words::{kind_label, row_text, Names};
use crate::{human_duration, utc_ymd_hm, Locale};

/// One timeline row for the post-mortem table.
#[derive(Debug, Clone)]
pub struct TimelineRow {
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub text: String,
}

/// A Markdown table cell: no pipe or line break can break the table.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The post-mortem draft in Markdown, following the runbook's template.
pub fn postmortem_markdown(v: &IncidentView, timeline: &[TimelineRow], l: Locale) -> String {
    let mut md = format!("# Post-mortem: {} — {}\n\n", v.key(), v.title);
    if v.drill {
        md.push_str(&format!("**{}**\n\n", crate::drill::banner(l)));
    }
    summary(&mut md, v, l);
    timeline_table(&mut md, timeline, l);
    narrative(&mut md, v, l);
    action_items(&mut md, v, l);
    md
}

fn summary(md: &mut String, v: &IncidentView, l: Locale) {
    md.push_str(&format!("## {}\n\n", l.t("Summary", "Resumo")));
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
}

fn timeline_table(md: &mut String, timeline: &[TimelineRow], l: Locale) {
    md.push_str(&format!(
        "## {}\n\n| {} | {} |\n|---|---|\n",
        l.t("Timeline (UTC)", "Linha do tempo (UTC)"),
        l.t("Time", "Hora"),
        l.t("Event", "Evento")
    ));
    for r in timeline {
        // The bot's own words in the configured language; people by name (the caller gives
        // rows whose ids are already names).
        let kind = kind_label(&r.kind, l);
        let said = row_text(&r.kind, &r.text, &Names::default(), l);
        let text = if said.is_empty() {
            kind
        } else {
            format!("{kind}: {said}")
        };
        md.push_str(&format!(
            "| {} | {} ({}) |\n",
            utc_ymd_hm(r.at),
            cell(&text),
            cell(&r.actor)
        ));
    }
}

/// Impact, root cause, resolution and the lessons-learned headings.
fn narrative(md: &mut String, v: &IncidentView, l: Locale) {
    let p = |s: &Option<String>| {
        s.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| l.t("_TBD_", "_a definir_").into())
    };
    md.push_str(&format!(
        "\n## {}\n\n{}\n\n## {}\n\n{}\n\n## {}\n\n{}\n\n",
        l.t("Impact", "Impacto"),
        p(&v.impact),
        l.t("Root cause", "Causa raiz"),
        p(&v.root_cause),
        l.t("Resolution", "Resolução"),
        p(&v.resolution)
    ));
    md.push_str(&format!(
        "## {}\n\n### {}\n\n- \n\n### {}\n\n- \n\n",
        l.t("Lessons learned", "Lições aprendidas"),
        l.t("What went well", "O que funcionou"),
        l.t(
            "What could have been better",
            "O que poderia ter sido melhor"
        ),
    ));
}

fn action_items(md: &mut String, v: &IncidentView, l: Locale) {
    md.push_str(&format!(
        "## {}\n\n| {} | {} | {} | {} |\n|---|---|---|---|\n",
        l.t("Action items", "Itens de ação"),
        l.t("Action", "Ação"),
        l.t("Owner", "Responsável"),
        l.t("Due", "Prazo"),
        l.t("Status", "Status")
    ));
    for [action, owner, due, status] in &v.action_items {
        md.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(action),
            cell(owner),
            cell(due),
            cell(status)
        ));
    }
    match &v.preventive {
        Some(pm) if !pm.is_empty() => md.push_str(&format!(
            "| {} | | | {} |\n",
            cell(pm),
            l.t("open", "aberto")
        )),
        _ if v.action_items.is_empty() => md.push_str("| | | | |\n"),
        _ => {}
    }
}

/// The words around the draft's file upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostmortemUpload {
    pub filename: String,
    pub title: String,
    /// The message the file is shared with.
    pub initial_comment: String,
    /// The command that posts the draft again (named if the upload fails for good).
    pub retry_hint: String,
}

/// The upload of incident `key`'s draft; `cmd` is the configured slash command.
pub fn postmortem_upload(key: &str, cmd: &str, l: Locale) -> PostmortemUpload {
    PostmortemUpload {
        filename: format!("{key}-postmortem.md"),
        title: format!("{key} post-mortem draft"),
        initial_comment: format!(
            ":memo: {} {key}",
            l.t("Post-mortem draft for", "Rascunho do post-mortem de")
        ),
        retry_hint: format!("{cmd} postmortem {key}"),
    }
}
