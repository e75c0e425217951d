//! After the resolution: the report, the post-mortem table, RTO attainment in the statistics,
//! and the variables of the overridable templates (`rto_breach`, `recovery_report`).

use super::clock::{drill_tag, message, plain_drill, recovery_line, span, ClockView};
use crate::{escape, time_token, Locale, Msg};

/// The variables of an overriding `rto_breach.j2`: `key`, `drill`, `component`, `name`,
/// `rto`, `took`, `down_since` (a Slack date token), `war_room` (`<#C…>` or none),
/// `escalate_to` (mentions), `locale`.
pub fn breach_context(
    key: &str,
    war_room: Option<&str>,
    c: &ClockView,
    now: i64,
    mentions: &[String],
    drill: bool,
    l: Locale,
) -> serde_json::Value {
    serde_json::json!({
        "key": key, "drill": drill, "component": c.component, "name": escape(&c.name),
        "rto": span(c.rto_secs.unwrap_or_default(), l), "took": span(c.took(now), l),
        "down_since": time_token(c.started_at), "war_room": war_room.map(|w| format!("<#{w}>")),
        "escalate_to": mentions.iter().map(|u| format!("<@{u}>")).collect::<Vec<_>>(),
        "locale": l.code(),
    })
}

/// The variables of an overriding `recovery_report.j2`: `key`, `drill`, `locale`, and
/// `components`, each with `component`, `name`, `rto` (none without one), `took` and
/// `within` (true, false, or none without an RTO).
pub fn report_context(
    key: &str,
    drill: bool,
    clocks: &[ClockView],
    now: i64,
    l: Locale,
) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = clocks
        .iter()
        .map(|c| {
            serde_json::json!({
                "component": c.component, "name": escape(&c.name),
                "rto": c.rto_secs.map(|r| span(r, l)), "took": span(c.took(now), l),
                "within": c.within(now),
            })
        })
        .collect();
    serde_json::json!({"key": key, "drill": drill, "components": rows, "locale": l.code()})
}

/// What an override is checked against when the templates load.
pub fn sample_context(name: &str) -> serde_json::Value {
    let c = ClockView {
        component: "julia-api".into(),
        name: "API".into(),
        rto_secs: Some(300),
        rpo_secs: None,
        started_at: 1_700_000_000,
        recovered_at: Some(1_700_000_200),
    };
    if name == "rto_breach" {
        breach_context(
            "INC-1",
            Some("C0SAMPLE"),
            &c,
            1_700_000_400,
            &["U0ESC".into()],
            false,
            Locale::En,
        )
    } else {
        report_context("INC-1", false, &[c], 1_700_000_400, Locale::En)
    }
}

/// After the resolution: each component's recovery time against its RTO.
pub fn report(key: &str, drill: bool, clocks: &[ClockView], now: i64, l: Locale) -> Msg {
    let mut lines = vec![format!(
        "{}*{key}* · :stopwatch: {}",
        drill_tag(drill, l),
        l.t("Recovery against RTO", "Recuperação contra o RTO")
    )];
    lines.extend(
        clocks
            .iter()
            .map(|c| format!("• {}", recovery_line(c, now, l))),
    );
    message(
        format!(
            "{}{key}: {}",
            plain_drill(drill, l),
            l.t("recovery against RTO", "recuperação contra o RTO")
        ),
        &lines,
    )
}

/// The post-mortem draft's table (Markdown).
pub fn postmortem_table(clocks: &[ClockView], now: i64, l: Locale) -> String {
    if clocks.is_empty() {
        return String::new();
    }
    let mut md = format!(
        "\n## {}\n\n| {} | RTO | {} | {} |\n|---|---|---|---|\n",
        l.t("Recovery against RTO", "Recuperação contra o RTO"),
        l.t("Component", "Componente"),
        l.t("Recovery time", "Tempo de recuperação"),
        l.t("Within RTO", "Dentro do RTO"),
    );
    for c in clocks {
        let rto = c.rto_secs.map(|r| span(r, l)).unwrap_or_else(|| "—".into());
        let within = match c.within(now) {
            Some(true) => l.t("yes", "sim").to_string(),
            Some(false) => l.t(
                format!(
                    "no ({} over)",
                    span(c.took(now) - c.rto_secs.unwrap_or(0), l)
                ),
                format!(
                    "não ({} acima)",
                    span(c.took(now) - c.rto_secs.unwrap_or(0), l)
                ),
            ),
            None => "—".into(),
        };
        md.push_str(&format!(
            "| {} ({}) | {rto} | {} | {within} |\n",
            c.name.replace('|', "\\|"),
            c.component,
            span(c.took(now), l)
        ));
    }
    md
}

/// RTO attainment of one component over a period (`/incident stats`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attainment {
    pub name: String,
    pub rto_secs: i64,
    /// Recoveries within the RTO, of `total`.
    pub within: i64,
    pub total: i64,
    /// The longest recovery, seconds.
    pub worst_secs: i64,
}

/// The stats message's lines: "API: 3/4 within RTO 5m (worst 7m 10s)".
pub fn attainment_lines(rows: &[Attainment], l: Locale) -> String {
    let mut out = format!(
        "*{}*",
        l.t(
            "RTO attainment (recoveries within the RTO)",
            "RTO atingido (recuperações dentro do RTO)"
        )
    );
    for a in rows {
        out.push_str(&l.t(
            format!(
                "\n{}: *{}/{}* within RTO {} (worst {})",
                escape(&a.name),
                a.within,
                a.total,
                span(a.rto_secs, l),
                span(a.worst_secs, l)
            ),
            format!(
                "\n{}: *{}/{}* dentro do RTO {} (pior {})",
                escape(&a.name),
                a.within,
                a.total,
                span(a.rto_secs, l),
                span(a.worst_secs, l)
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(rto: Option<i64>, took: Option<i64>) -> ClockView {
        ClockView {
            component: "julia-api".into(),
            name: "API".into(),
            rto_secs: rto,
            rpo_secs: None,
            started_at: 1_000,
            recovered_at: took.map(|t| 1_000 + t),
        }
    }

    #[test]
    fn spans_keep_seconds_under_ten_minutes() {
        assert_eq!(span(30, Locale::En), "30s");
        assert_eq!(span(260, Locale::En), "4m 20s");
        assert_eq!(span(300, Locale::En), "5m");
        assert_eq!(span(3900, Locale::En), "1h 05m");
    }

    #[test]
    fn recovery_lines_say_within_or_over() {
        let l = Locale::En;
        assert!(recovery_line(&clock(Some(300), Some(200)), 0, l).contains("within its RTO of 5m"));
        let over = recovery_line(&clock(Some(300), Some(430)), 0, l);
        assert!(over.contains("2m 10s over its RTO of 5m"), "{over}");
        assert!(recovery_line(&clock(None, Some(60)), 0, l).contains("no RTO set"));
        let md = postmortem_table(&[clock(Some(300), Some(430))], 0, Locale::PtBr);
        assert!(
            md.contains("| API (julia-api) | 5m | 7m 10s | não (2m 10s acima) |"),
            "{md}"
        );
    }
}
