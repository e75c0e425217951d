//! A component's recovery clock as messages see it, and what every recovery message shares:
//! durations, the DRILL mark, the line "back in … against its RTO".

use crate::{blocks, escape, human_duration, Locale, Msg};

/// One component's clock: from when it went down to when it was back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockView {
    /// The id typed in commands (`julia-api`).
    pub component: String,
    /// Its public name.
    pub name: String,
    /// Its RTO, seconds (None: no RTO set).
    pub rto_secs: Option<i64>,
    /// Its RPO, seconds (how much data may be lost), shown with the objectives.
    pub rpo_secs: Option<i64>,
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
    pub(super) fn label(&self) -> String {
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
        l.t(
            ":test_tube: *DRILL* · ",
            ":test_tube: *SIMULAÇÃO (DRILL)* · ",
        )
    } else {
        ""
    }
}

pub(super) fn plain_drill(drill: bool, l: Locale) -> &'static str {
    if drill {
        l.t("DRILL: ", "SIMULAÇÃO (DRILL): ")
    } else {
        ""
    }
}

pub(super) fn message(fallback: String, lines: &[String]) -> Msg {
    Msg::with_blocks(fallback, vec![blocks::section(lines.join("\n"))])
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
