//! What the war room, the commander and the escalation list hear while an incident runs: the
//! objectives, the 80 % warning, the breach, recoveries, the stability watch, bad input.

use super::clock::{drill_tag, message, plain_drill, recovery_line, span, ClockView};
use crate::blocks::{self, Style};
use crate::incident::action;
use crate::{escape, time_token, utc_hm, Locale, Msg};

/// In the war room when components are named: each one's RTO and when it must be back.
pub fn objectives(key: &str, drill: bool, clocks: &[ClockView], l: Locale) -> Msg {
    let mut lines = vec![format!(
        "{}*{key}* · :stopwatch: {}",
        drill_tag(drill, l),
        l.t("Recovery objectives", "Objetivos de recuperação")
    )];
    for c in clocks {
        let rpo = c
            .rpo_secs
            .map(|r| format!(" · RPO {}", span(r, l)))
            .unwrap_or_default();
        lines.push(match (c.rto_secs, c.due()) {
            (Some(r), Some(due)) => l.t(
                format!(
                    "• {}: RTO {} — back by {}{rpo}",
                    c.label(),
                    span(r, l),
                    time_token(due)
                ),
                format!(
                    "• {}: RTO {} — de volta até {}{rpo}",
                    c.label(),
                    span(r, l),
                    time_token(due)
                ),
            ),
            _ => format!(
                "• {}: {}{rpo}",
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
            l.t(
                "stability watch started",
                "observação de estabilidade iniciada"
            )
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
            l.t(
                "stability watch failed",
                "observação de estabilidade falhou"
            )
        ),
        &[line],
    )
}

/// `/incident recovered` names a component the incident does not affect.
pub fn not_affected(key: &str, given: &str, affected: &[&str], l: Locale) -> Msg {
    let list = if affected.is_empty() {
        l.t(
            "none (name them with `--affects`)",
            "nenhum (use `--affects`)",
        )
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
