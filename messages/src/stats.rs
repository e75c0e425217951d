//! `/incident stats [7d|30d|90d]` and the weekly digest: the figures as Block Kit, and the
//! words of the chart (which `handlers::stats::chart` draws).

use serde_json::{json, Value};

use crate::alerts::plain;
use crate::{human_duration, Locale, Msg};

/// Median and 90th percentile of a duration (seconds), over `n` incidents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spread {
    pub median: Option<i64>,
    pub p90: Option<i64>,
    pub n: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Noisy {
    pub source: String,
    pub title: String,
    pub notifications: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Longest {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub secs: i64,
    pub open: bool,
}

/// Everything the stats message shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsView {
    pub days: i64,
    pub total: i64,
    /// P0..P3.
    pub by_severity: [i64; 4],
    pub open: i64,
    pub tta: Spread,
    pub ttr: Spread,
    /// Cadence intervals closed by an update before their reminder, and those that lapsed.
    pub on_time: i64,
    pub lapsed: i64,
    pub reminders: i64,
    pub escalations: i64,
    pub pm_done: i64,
    pub pm_due: i64,
    pub pm_overdue: i64,
    pub noisiest: Vec<Noisy>,
    pub longest: Vec<Longest>,
    /// RTO attainment per component (#28).
    pub rto: Vec<crate::recovery::Attainment>,
}

fn dur(s: Option<i64>, l: Locale) -> String {
    s.map(|s| human_duration(s, l))
        .unwrap_or_else(|| "–".into())
}

fn section(t: String) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": crate::limits::cut(&t, 2900)}})
}

/// The title of the stats message (and the digest's).
pub fn title(days: i64, digest: bool, l: Locale) -> String {
    match (digest, l) {
        (false, Locale::En) => format!("Incident statistics, last {days} days"),
        (false, Locale::PtBr) => format!("Estatísticas de incidentes, últimos {days} dias"),
        (true, Locale::En) => format!("Weekly incident digest, last {days} days"),
        (true, Locale::PtBr) => format!("Resumo semanal de incidentes, últimos {days} dias"),
    }
}

/// No incident in the range: said plainly, and no chart.
pub fn empty(days: i64, digest: bool, l: Locale) -> Msg {
    let t = l.t(
        format!("No incidents in the last {days} days."),
        format!("Nenhum incidente nos últimos {days} dias."),
    );
    let head = title(days, digest, l);
    Msg {
        text: format!("{head}: {t}"),
        blocks: Some(json!([
            {"type": "header", "text": {"type": "plain_text", "text": head}},
            section(format!(":sparkles: {t}")),
        ])),
    }
}

pub fn message(s: &StatsView, digest: bool, l: Locale) -> Msg {
    let head = title(s.days, digest, l);
    let sev = ["P0", "P1", "P2", "P3"]
        .iter()
        .zip(s.by_severity)
        .map(|(k, n)| format!("{k}: *{n}*"))
        .collect::<Vec<_>>()
        .join(" · ");
    let mut blocks = vec![json!({"type": "header", "text": {"type": "plain_text", "text": head}})];
    blocks.push(section(l.t(
        format!("*{}* incidents ({} still open) — {sev}", s.total, s.open),
        format!(
            "*{}* incidentes ({} ainda abertos) — {sev}",
            s.total, s.open
        ),
    )));
    blocks.push(figures(s, l));
    if !s.noisiest.is_empty() {
        blocks.push(section(format!(
            "*{}*",
            l.t("Noisiest alert sources", "Fontes de alerta mais ruidosas")
        )));
        let lines: Vec<String> = s
            .noisiest
            .iter()
            .map(|n| format!("{} · {} — {}", n.source, n.title, n.notifications))
            .collect();
        blocks.push(json!({"type": "section", "text": plain(&lines.join("\n"), 2900)}));
    }
    if !s.longest.is_empty() {
        let lines: Vec<String> = s
            .longest
            .iter()
            .map(|i| {
                let open = if i.open {
                    l.t(" (open)", " (aberto)")
                } else {
                    ""
                };
                format!(
                    "• *INC-{}* {} · {}{open} — {}",
                    i.id,
                    i.severity,
                    human_duration(i.secs, l),
                    crate::escape(&crate::limits::cut(&i.title, 120))
                )
            })
            .collect();
        blocks.push(section(format!(
            "*{}*\n{}",
            l.t("Longest incidents", "Incidentes mais longos"),
            lines.join("\n")
        )));
    }
    if !s.rto.is_empty() {
        blocks.push(section(crate::recovery::attainment_lines(&s.rto, l)));
    }
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": l.t(
        "Time to acknowledge: from the declaration to its acknowledgement (or, before paging, the first human response). Chart below.",
        "Tempo até reconhecer: da declaração ao reconhecimento (ou, antes do paging, à primeira resposta humana). Gráfico abaixo.")}]}));
    Msg {
        text: format!("{head}: {} incidents", s.total),
        blocks: Some(Value::Array(blocks)),
    }
}

/// Time to acknowledge and resolve, updates on time, reminders, post-mortems.
fn figures(s: &StatsView, l: Locale) -> Value {
    let share = if s.on_time + s.lapsed > 0 {
        format!(
            "{}%",
            (s.on_time * 100 + (s.on_time + s.lapsed) / 2) / (s.on_time + s.lapsed)
        )
    } else {
        "–".into()
    };
    let f = |k: &str, v: String| json!({"type": "mrkdwn", "text": format!("*{k}*\n{v}")});
    json!({"type": "section", "fields": [
        f(l.t("Time to acknowledge", "Tempo até reconhecer"), l.t(format!("median {} · p90 {} ({} incidents)", dur(s.tta.median, l), dur(s.tta.p90, l), s.tta.n),
            format!("mediana {} · p90 {} ({} incidentes)", dur(s.tta.median, l), dur(s.tta.p90, l), s.tta.n))),
        f(l.t("Time to resolve", "Tempo até resolver"), l.t(format!("median {} · p90 {} ({} resolved)", dur(s.ttr.median, l), dur(s.ttr.p90, l), s.ttr.n),
            format!("mediana {} · p90 {} ({} resolvidos)", dur(s.ttr.median, l), dur(s.ttr.p90, l), s.ttr.n))),
        f(l.t("Updates on time", "Atualizações em dia"), l.t(format!("{share} of {} cadence intervals", s.on_time + s.lapsed),
            format!("{share} de {} intervalos da cadência", s.on_time + s.lapsed))),
        f(l.t("Reminders · escalations", "Lembretes · escalonamentos"), format!("{} · {}", s.reminders, s.escalations)),
        f(l.t("Post-mortems", "Post-mortems"), l.t(format!("{} done · {} due · {} overdue", s.pm_done, s.pm_due, s.pm_overdue),
            format!("{} feitos · {} no prazo · {} atrasados", s.pm_done, s.pm_due, s.pm_overdue))),
    ]})
}

/// The chart's words.
#[derive(Debug, Clone)]
pub struct ChartLabels {
    pub incidents: String,
    pub ttr: String,
    pub hours: String,
    pub file_title: String,
}

pub fn chart_labels(days: i64, l: Locale) -> ChartLabels {
    ChartLabels {
        incidents: l
            .t(
                "Incidents per week, by severity",
                "Incidentes por semana, por severidade",
            )
            .into(),
        ttr: l
            .t(
                "Median time to resolve per week (hours)",
                "Tempo mediano até resolver por semana (horas)",
            )
            .into(),
        hours: l.t("hours", "horas").into(),
        file_title: l.t(
            format!("Incidents, last {days} days"),
            format!("Incidentes, últimos {days} dias"),
        ),
    }
}

/// The chart's description for screen readers (the upload's `alt_txt`): what the two panels
/// show and over which range.
pub fn chart_alt(days: i64, total: i64, l: Locale) -> String {
    l.t(
        format!("Chart of the last {days} days ({total} incidents): incidents per week by severity, and the median time to resolve per week in hours"),
        format!("Gráfico dos últimos {days} dias ({total} incidentes): incidentes por semana por severidade, e o tempo mediano até resolver por semana em horas"),
    )
}

/// The comment of the chart sent to the requester's DM because the bot is not in `channel`.
pub fn chart_in_dm(channel: &str, l: Locale) -> String {
    l.t(
        format!("The chart of your `stats`: I am not a member of <#{channel}>, so it comes here (invite me there to have it in the channel)."),
        format!("O gráfico do seu `stats`: não sou membro de <#{channel}>, então ele vem aqui (me convide para tê-lo no canal)."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_range_says_so() {
        let m = empty(7, false, Locale::En);
        assert!(
            m.text.contains("No incidents in the last 7 days"),
            "{}",
            m.text
        );
    }

    #[test]
    fn on_time_share_is_rounded() {
        let s = StatsView {
            days: 30,
            total: 3,
            on_time: 2,
            lapsed: 1,
            ..Default::default()
        };
        let body = serde_json::to_string(&message(&s, false, Locale::En).blocks).unwrap();
        assert!(body.contains("67% of 3 cadence intervals"), "{body}");
    }
}
