//! Drills (#28): the DRILL mark every message of a drill carries, the report posted at its
//! resolution (recovery times against the RTOs, the alerts that fired, Fabrica's checklist
//! with buttons), the checklist's answers, and `drill on` / `drill off`.

use crate::blocks::{self, Style};
use crate::{escape, human_duration, Locale, Msg};

/// The checklist's buttons (value `<incident>:<question>:<yes|no>`).
pub const ACTION_ANSWER: &str = "followup_drill_answer";

/// Fabrica's checklist after a DR test, in order (stored by its key).
pub const QUESTIONS: &[&str] = &["rto", "rpo", "alerts", "runbooks"];

/// The word every drill message and the channel name carry.
pub fn word(l: Locale) -> &'static str {
    l.t("DRILL", "SIMULADO")
}

/// The line a drill's messages start with.
pub fn banner(l: Locale) -> String {
    format!(
        ":test_tube: *{}* — {}",
        word(l),
        l.t(
            "this is a drill, not a real incident",
            "isto é um simulado, não um incidente real"
        )
    )
}

/// `msg` marked as a drill: the banner first in the blocks and in the fallback text.
pub fn mark(msg: &Msg, l: Locale) -> Msg {
    let line = banner(l);
    let mut m = msg.clone();
    if m.text.contains(&line) {
        return m;
    }
    m.text = format!("{line}\n{}", m.text);
    if let Some(serde_json::Value::Array(b)) = &mut m.blocks {
        let c = serde_json::to_value(blocks::context(line)).expect("block serializes");
        b.insert(0, c);
    }
    m
}

/// A question of the checklist, as asked.
pub fn question(key: &str, l: Locale) -> &'static str {
    match key {
        "rto" => l.t("Recovered within the RTO?", "Recuperou dentro do RTO?"),
        "rpo" => l.t("Data loss within the RPO?", "Perda de dados dentro do RPO?"),
        "alerts" => l.t("Did the alerts fire?", "Os alertas dispararam?"),
        _ => l.t(
            "Do the runbooks need adjusting?",
            "Os runbooks precisam de ajuste?",
        ),
    }
}

/// One component's line of the report: its recovery time (seconds) against its RTO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryLine {
    pub component: String,
    /// Seconds from the start of the drill to its recovery; None: never marked recovered.
    pub took: Option<i64>,
    pub rto: Option<i64>,
}

/// One alert group linked to the drill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiredAlert {
    pub name: String,
    pub state: String,
}

/// One component's recovery against its RTO, as the report says it.
fn recovery_words(r: &RecoveryLine, l: Locale) -> String {
    let rto = r
        .rto
        .map(|s| human_duration(s, l))
        .unwrap_or_else(|| l.t("no RTO", "sem RTO").into());
    let took = |t: i64| {
        format!(
            "{} {}",
            l.t("recovered in", "recuperado em"),
            human_duration(t, l)
        )
    };
    match (r.took, r.rto) {
        (Some(t), Some(max)) if t <= max => format!(
            ":white_check_mark: {} ({} {rto})",
            took(t),
            l.t("within", "dentro de")
        ),
        (Some(t), Some(_)) => format!(
            ":x: {} ({} {rto})",
            took(t),
            l.t("over the RTO of", "acima do RTO de")
        ),
        (Some(t), None) => format!("{} ({rto})", took(t)),
        (None, _) => format!(
            ":x: {} (RTO {rto})",
            l.t("not marked recovered", "não marcado como recuperado")
        ),
    }
}

/// The report's text: recovery against the RTOs, then the alerts that fired.
fn report_text(incident: i64, lines: &[RecoveryLine], alerts: &[FiredAlert], l: Locale) -> String {
    let mut text = format!(
        ":test_tube: *{} INC-{incident}*\n*{}*",
        l.t("Drill report", "Relatório do simulado"),
        l.t("Recovery against the RTO", "Recuperação contra o RTO")
    );
    if lines.is_empty() {
        text.push_str(&format!(
            "\n• {}",
            l.t(
                "No component was named (`--affects`).",
                "Nenhum componente foi informado (`--affects`)."
            )
        ));
    }
    for r in lines {
        text.push_str(&format!(
            "\n• `{}`: {}",
            escape(&r.component),
            recovery_words(r, l)
        ));
    }
    text.push_str(&format!(
        "\n*{}*",
        l.t("Alerts that fired", "Alertas que dispararam")
    ));
    if alerts.is_empty() {
        text.push_str(&format!(
            "\n• {}",
            l.t("none linked to this drill", "nenhum ligado a este simulado")
        ));
    }
    for a in alerts {
        text.push_str(&format!("\n• {} ({})", escape(&a.name), escape(&a.state)));
    }
    text.push_str(&format!(
        "\n*{}*",
        l.t(
            "Checklist: answer with the buttons",
            "Checklist: responda com os botões"
        )
    ));
    text
}

/// The report posted in the war room when a drill is resolved.
pub fn report(incident: i64, lines: &[RecoveryLine], alerts: &[FiredAlert], l: Locale) -> Msg {
    let mut text = report_text(incident, lines, alerts, l);
    let mut b = vec![blocks::section(text.clone())];
    for q in QUESTIONS {
        text.push_str(&format!("\n• {}", question(q, l)));
        b.push(blocks::section(format!("• {}", question(q, l))));
        b.push(blocks::actions(
            &format!("followup_drill_{incident}_{q}"),
            vec![
                blocks::button(
                    ACTION_ANSWER,
                    l.t("Yes", "Sim"),
                    &format!("{incident}:{q}:yes"),
                    Style::Default,
                ),
                blocks::button(
                    ACTION_ANSWER,
                    l.t("No", "Não"),
                    &format!("{incident}:{q}:no"),
                    Style::Default,
                ),
            ],
        ));
    }
    mark(&Msg::with_blocks(text, b), l)
}

/// The yes/no word of an answer.
pub fn answer_word(yes: bool, l: Locale) -> &'static str {
    if yes {
        l.t("yes", "sim")
    } else {
        l.t("no", "não")
    }
}

/// Posted in the war room when someone answers a question (also on the timeline).
pub fn answered(incident: i64, key: &str, yes: bool, by: &str, l: Locale) -> Msg {
    mark(
        &Msg::text(format!(
            ":ballot_box_with_check: INC-{incident} · {} *{}* (<@{by}>)",
            question(key, l),
            answer_word(yes, l)
        )),
        l,
    )
}

/// The timeline text of an answer.
pub fn answered_timeline(key: &str, yes: bool, l: Locale) -> String {
    format!("{} {}", question(key, l), answer_word(yes, l))
}

/// `drill on` / `drill off`: what changed, posted where the incident lives.
pub fn switched(incident: i64, drill: bool, by: &str, l: Locale) -> Msg {
    let s = if drill {
        l.t(
            format!(":test_tube: <@{by}> turned INC-{incident} into a *drill*: no phones, no status page, out of the statistics."),
            format!(":test_tube: <@{by}> transformou o INC-{incident} em *simulado*: sem telefones, sem página de status, fora das estatísticas."),
        )
    } else {
        l.t(
            format!(":rotating_light: <@{by}> turned drill INC-{incident} into a *real incident*: it now pages, publishes and counts like any other."),
            format!(":rotating_light: <@{by}> transformou o simulado INC-{incident} em *incidente real*: agora aciona, publica e conta como qualquer outro."),
        )
    };
    Msg::text(s)
}

pub fn already(incident: i64, drill: bool, l: Locale) -> Msg {
    Msg::text(if drill {
        l.t(
            format!("INC-{incident} is already a drill. Nothing was changed."),
            format!("O INC-{incident} já é um simulado. Nada foi alterado."),
        )
    } else {
        l.t(
            format!("INC-{incident} is already a real incident. Nothing was changed."),
            format!("O INC-{incident} já é um incidente real. Nada foi alterado."),
        )
    })
}

/// Who may switch: the commander or an admin.
pub fn not_allowed(incident: i64, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("Only the commander of INC-{incident} or an admin may turn it into a drill or a real incident. Nothing was changed."),
        format!("Só o comandante do INC-{incident} ou um admin pode transformá-lo em simulado ou incidente real. Nada foi alterado."),
    ))
}

/// An answer to a question of a checklist that is not a drill's.
pub fn not_a_drill(incident: i64, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("INC-{incident} is not a drill: there is no checklist to answer."),
        format!("O INC-{incident} não é um simulado: não há checklist para responder."),
    ))
}
