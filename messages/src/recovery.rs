//! Recovery objectives and the stability watch (#28): the RTO of each affected component and
//! when it must be back, the 80 % warning and the breach notice, recovery times against the
//! RTO (resolved report, post-mortem table, statistics), and the stability watch's words.

use crate::blocks::{self, Style};
use crate::incident::action;
use crate::{escape, human_duration, time_token, utc_hm, Locale, Msg};

/// One component's clock: from when it went down to when it was back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockView {
    /// The id typed in commands (`julia-api`).
    pub component: String,
    /// Its public name.
    pub name: String,
    /// Its RTO, seconds (None: no RTO set).
    pub rto_secs: Option<i64>,
    /// Epoch seconds.
    pub started_at: i64,
    pub recovered_at: Option<i64>,
}

impl ClockView {
    /// When it must be back.
    pub fn due(&self) -> Option<i64> {
        self.rto_secs.map(|r| self.started_at + r)
    }
    /// How long recovery took (or has taken so far, at `now`).
    pub fn took(&self, now: i64) -> i64 {
        self.recovered_at.unwrap_or(now) - self.started_at
    }
    /// Within its RTO (None without an RTO).
    pub fn within(&self, now: i64) -> Option<bool> {
        self.rto_secs.map(|r| self.took(now) <= r)
    }
    fn label(&self) -> String {
        format!("{} (`{}`)", escape(&self.name), escape(&self.component))
    }
}

/// "4m 20s", "30s", "1h 05m": seconds are kept under 10 minutes (Kumon's kill switch is 30 s).
pub fn span(secs: i64, l: Locale) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 600 && secs % 60 != 0 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        human_duration(secs, l)
    }
}

/// The words a drill's messages start with.
pub fn drill_tag(drill: bool, l: Locale) -> &'static str {
    if drill {
        l.t(":test_tube: *DRILL* · ", ":test_tube: *SIMULAÇÃO (DRILL)* · ")
    } else {
        ""
    }
}

fn plain_drill(drill: bool, l: Locale) -> &'static str {
    if drill {
        l.t("DRILL: ", "SIMULAÇÃO (DRILL): ")
    } else {
        ""
    }
}

fn message(fallback: String, lines: &[String]) -> Msg {
    Msg::with_blocks(fallback, vec![blocks::section(lines.join("\n"))])
}

/// In the war room when components are named: each one's RTO and when it must be back.
pub fn objectives(key: &str, drill: bool, clocks: &[ClockView], l: Locale) -> Msg {
    let mut lines = vec![format!(
        "{}*{key}* · :stopwatch: {}",
        drill_tag(drill, l),
        l.t("Recovery objectives", "Objetivos de recuperação")
    )];
    for c in clocks {
        lines.push(match (c.rto_secs, c.due()) {
            (Some(r), Some(due)) => l.t(
                format!(
                    "• {}: RTO {} — back by {}",
                    c.label(),
                    span(r, l),
                    time_token(due)
                ),
                format!(
                    "• {}: RTO {} — de volta até {}",
                    c.label(),
                    span(r, l),
                    time_token(due)
                ),
            ),
            _ => format!(
                "• {}: {}",
                c.label(),
                l.t("no RTO set", "sem RTO definido")
            ),
        });
    }
    message(
        format!(
            "{}{key}: {}",
            plain_drill(drill, l),
            l.t("recovery objectives", "objetivos de recuperação")
        ),
        &lines,
    )
}

/// To the commander (DM) at 80 % of an RTO.
pub fn warning(
    key: &str,
    war_room: Option<&str>,
    c: &ClockView,
    now: i64,
    cmd: &str,
    drill: bool,
    l: Locale,
) -> Msg {
    let rto = c.rto_secs.unwrap_or_default();
    let due = c.due().unwrap_or(now);
    let room = war_room.map(|w| format!(" (<#{w}>)")).unwrap_or_default();
    let line = l.t(
        format!(
            "{}:hourglass_flowing_sand: *{key}*{room}: {} has used {} of its RTO of {}; it must be back by {}. When it is: `{cmd} recovered {}`.",
            drill_tag(drill, l), c.label(), span(c.took(now), l), span(rto, l), time_token(due), c.component
        ),
        format!(
            "{}:hourglass_flowing_sand: *{key}*{room}: {} já usou {} do seu RTO de {}; precisa voltar até {}. Quando voltar: `{cmd} recovered {}`.",
            drill_tag(drill, l), c.label(), span(c.took(now), l), span(rto, l), time_token(due), c.component
        ),
    );
    message(
        format!(
            "{}{key}: {} — 80% RTO",
            plain_drill(drill, l),
            escape(&c.name)
        ),
        &[line],
    )
}

/// In the war room and to the escalation list when an RTO is breached.
pub fn breach(
    key: &str,
    war_room: Option<&str>,
    c: &ClockView,
    now: i64,
    mentions: &[String],
    drill: bool,
    l: Locale,
) -> Msg {
    let rto = c.rto_secs.unwrap_or_default();
    let room = war_room.map(|w| format!(" (<#{w}>)")).unwrap_or_default();
    let mut lines = vec![l.t(
        format!(
            "{}:rotating_light: *RTO breached* — *{key}*{room}: {} is not back after {} (its RTO is {}); down since {}.",
            drill_tag(drill, l), c.label(), span(c.took(now), l), span(rto, l), time_token(c.started_at)
        ),
        format!(
            "{}:rotating_light: *RTO estourado* — *{key}*{room}: {} não voltou após {} (o RTO é {}); fora desde {}.",
            drill_tag(drill, l), c.label(), span(c.took(now), l), span(rto, l), time_token(c.started_at)
        ),
    )];
    if !mentions.is_empty() {
        let who: Vec<String> = mentions.iter().map(|u| format!("<@{u}>")).collect();
        lines.push(format!(
            "{} {}",
            l.t("Escalated to", "Escalado para"),
            who.join(" ")
        ));
    }
    message(
        format!(
            "{}{key}: {} — RTO {}",
            plain_drill(drill, l),
            escape(&c.name),
            l.t("breached", "estourado")
        ),
        &lines,
    )
}

/// "API (`julia-api`) back in 3m 20s — within its RTO of 5m :white_check_mark:".
pub fn recovery_line(c: &ClockView, now: i64, l: Locale) -> String {
    let took = span(c.took(now), l);
    match c.rto_secs {
        Some(r) if c.took(now) <= r => l.t(
            format!(
                "{} back in {took} — within its RTO of {} :white_check_mark:",
                c.label(),
                span(r, l)
            ),
            format!(
                "{} voltou em {took} — dentro do RTO de {} :white_check_mark:",
                c.label(),
                span(r, l)
            ),
        ),
        Some(r) => l.t(
            format!(
                "{} back in {took} — {} over its RTO of {} :x:",
                c.label(),
                span(c.took(now) - r, l),
                span(r, l)
            ),
            format!(
                "{} voltou em {took} — {} acima do RTO de {} :x:",
                c.label(),
                span(c.took(now) - r, l),
                span(r, l)
            ),
        ),
        None => l.t(
            format!("{} back in {took} (no RTO set)", c.label()),
            format!("{} voltou em {took} (sem RTO definido)", c.label()),
        ),
    }
}

/// Components marked recovered (`/incident recovered`, or the move to Monitoring).
pub fn recovered(key: &str, by: &str, drill: bool, clocks: &[ClockView], l: Locale) -> Msg {
    let now = clocks
        .iter()
        .filter_map(|c| c.recovered_at)
        .max()
        .unwrap_or(0);
    let mut lines = vec![format!(
        "{}*{key}* · :white_check_mark: {} <@{by}>",
        drill_tag(drill, l),
        l.t("Marked recovered by", "Marcado como recuperado por")
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
            l.t("components recovered", "componentes recuperados")
        ),
        &lines,
    )
}

/// The reply to `/incident recovered <component>`.
pub fn recovered_reply(key: &str, c: &ClockView, l: Locale) -> Msg {
    Msg::text(format!(
        "{key}: {}",
        recovery_line(c, c.recovered_at.unwrap_or(0), l)
    ))
}

/// A watch that could not start, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotWatched {
    pub name: String,
    pub why: String,
}

/// What the move to Monitoring started: the watches (name, what is checked).
pub fn watch_started(
    key: &str,
    drill: bool,
    watching: &[(String, String)],
    not_watched: &[NotWatched],
    every_secs: i64,
    for_secs: i64,
    l: Locale,
) -> Msg {
    let mut lines = vec![l.t(
        format!(
            "{}*{key}* · :eyes: Stability watch: each check every {} for {} before resolving",
            drill_tag(drill, l),
            span(every_secs, l),
            span(for_secs, l)
        ),
        format!(
            "{}*{key}* · :eyes: Observação de estabilidade: cada verificação a cada {} por {} antes de resolver",
            drill_tag(drill, l),
            span(every_secs, l),
            span(for_secs, l)
        ),
    )];
    for (name, what) in watching {
        lines.push(format!("• {}: {}", escape(name), escape(what)));
    }
    for n in not_watched {
        lines.push(format!(
            "• {}: {} ({})",
            escape(&n.name),
            l.t("not watched", "sem observação"),
            escape(&n.why)
        ));
    }
    message(
        format!(
            "{}{key}: {}",
            plain_drill(drill, l),
            l.t("stability watch started", "observação de estabilidade iniciada")
        ),
        &lines,
    )
}

/// The watch held: stable for the whole watch. A Resolve button (the incident's own).
#[allow(clippy::too_many_arguments)]
pub fn watch_held(
    key: &str,
    incident: i64,
    name: &str,
    what: &str,
    for_secs: i64,
    checks: i64,
    drill: bool,
    l: Locale,
) -> Msg {
    let line = l.t(
        format!(
            "{}:large_green_circle: *{key}* · {} has been stable for {} ({checks} checks of {} passed). It can be resolved.",
            drill_tag(drill, l), escape(name), span(for_secs, l), escape(what)
        ),
        format!(
            "{}:large_green_circle: *{key}* · {} está estável há {} ({checks} verificações de {} passaram). Pode ser resolvido.",
            drill_tag(drill, l), escape(name), span(for_secs, l), escape(what)
        ),
    );
    let id = incident.to_string();
    Msg::with_blocks(
        format!(
            "{}{key}: {} {}",
            plain_drill(drill, l),
            escape(name),
            l.t("is stable", "está estável")
        ),
        vec![
            blocks::section(line),
            blocks::actions(
                &format!("recovery_watch_{incident}"),
                vec![blocks::button(
                    action::RESOLVE,
                    l.t("Resolve", "Resolver"),
                    &id,
                    Style::Primary,
                )],
            ),
        ],
    )
}

/// The watch failed: what failed and when. Nothing is resolved or reopened by it.
#[allow(clippy::too_many_arguments)]
pub fn watch_failed(
    key: &str,
    name: &str,
    what: &str,
    failure: &str,
    at: i64,
    into_secs: i64,
    for_secs: i64,
    drill: bool,
    l: Locale,
) -> Msg {
    let line = l.t(
        format!(
            "{}:warning: *{key}* · Stability watch failed: {} — {} failed at {} ({} into the {} watch): {}. Nothing was resolved or reopened; the incident stays in Monitoring until someone decides.",
            drill_tag(drill, l), escape(name), escape(what), utc_hm(at), span(into_secs, l), span(for_secs, l), escape(failure)
        ),
        format!(
            "{}:warning: *{key}* · A observação de estabilidade falhou: {} — {} falhou às {} ({} dos {} de observação): {}. Nada foi resolvido nem reaberto; o incidente segue em Monitoramento até alguém decidir.",
            drill_tag(drill, l), escape(name), escape(what), utc_hm(at), span(into_secs, l), span(for_secs, l), escape(failure)
        ),
    );
    message(
        format!(
            "{}{key}: {} {}",
            plain_drill(drill, l),
            escape(name),
            l.t("stability watch failed", "observação de estabilidade falhou")
        ),
        &[line],
    )
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
                format!("no ({} over)", span(c.took(now) - c.rto_secs.unwrap_or(0), l)),
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

/// `/incident recovered` names a component the incident does not affect.
pub fn not_affected(key: &str, given: &str, affected: &[&str], l: Locale) -> Msg {
    let list = if affected.is_empty() {
        l.t("none (name them with `--affects`)", "nenhum (use `--affects`)")
            .to_string()
    } else {
        affected
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Msg::text(l.t(
        format!(
            "{key} does not affect `{}`; it affects: {list}. Nothing was changed.",
            escape(given)
        ),
        format!(
            "{key} não afeta `{}`; afeta: {list}. Nada foi alterado.",
            escape(given)
        ),
    ))
}

/// `/incident recovered` on a component already recovered.
pub fn already_recovered(key: &str, name: &str, at: i64, l: Locale) -> Msg {
    Msg::text(l.t(
        format!(
            "{key}: {} was already marked recovered at {}. Nothing was changed.",
            escape(name),
            utc_hm(at)
        ),
        format!(
            "{key}: {} já estava marcado como recuperado às {}. Nada foi alterado.",
            escape(name),
            utc_hm(at)
        ),
    ))
}

/// `/incident recovered` without a component.
pub fn usage(cmd: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("Usage: `{cmd} recovered [INC-n] <component>` (e.g. `{cmd} recovered julia-api`): marks a component the incident affects as back, and records its recovery time against its RTO."),
        format!("Uso: `{cmd} recovered [INC-n] <componente>` (ex. `{cmd} recovered julia-api`): marca um componente afetado pelo incidente como de volta e registra o tempo de recuperação contra o RTO."),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(rto: Option<i64>, took: Option<i64>) -> ClockView {
        ClockView {
            component: "julia-api".into(),
            name: "API".into(),
            rto_secs: rto,
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
        assert!(md.contains("| API (julia-api) | 5m | 7m 10s | não (2m 10s acima) |"), "{md}");
    }
}
