//! `/incident list [P0|P1|P2|P3] [page]`: open incidents, most urgent first (severity, then the
//! longest open), one page at a time so the reply always fits Slack's limits, with "and N more",
//! per-severity counts (each a filter) and Previous / Next buttons.

use crate::blocks::{self, Block, Style};
use crate::incident::{reply, sev_emoji, status_label, user, IncidentView};
use crate::{escape, human_duration, Locale, Msg};

/// The Previous / Next buttons; value `<severity or all>:<page>`.
pub const ACTION_PAGE: &str = "incident_list_page";
/// Incidents per page: 20 sections plus 4 other blocks, far under 50 blocks and 4,000 chars
/// of fallback text whatever the titles (each section is capped at 3,000 characters).
pub const PAGE_SIZE: usize = 20;

pub const SEVERITIES: [&str; 4] = ["P0", "P1", "P2", "P3"];

/// Which page of which severity (pages count from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub severity: Option<String>,
    pub page: usize,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            severity: None,
            page: 1,
        }
    }
}

impl ListQuery {
    /// The button value: `P1:2`, `all:3`.
    pub fn value(&self) -> String {
        format!(
            "{}:{}",
            self.severity.as_deref().unwrap_or("all"),
            self.page
        )
    }
    /// Parses a button value; `None` when it is not one of ours.
    pub fn from_value(v: &str) -> Option<ListQuery> {
        let (sev, page) = v.split_once(':')?;
        let page: usize = page.parse().ok().filter(|p| *p >= 1)?;
        let severity = match sev {
            "all" => None,
            s if SEVERITIES.contains(&s) => Some(s.to_string()),
            _ => return None,
        };
        Some(ListQuery { severity, page })
    }
}

/// Most urgent first: P0 before P1…, then the one open longest, then the lower id.
pub fn sort_by_urgency(rows: &mut [IncidentView]) {
    rows.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.started_at.cmp(&b.started_at))
            .then(a.id.cmp(&b.id))
    });
}

fn line(v: &IncidentView, l: Locale) -> String {
    format!(
        "{} *{}* {} · {} · {} {} · {} {} · IC {} · {}\n{}",
        sev_emoji(&v.severity),
        v.key(),
        v.severity,
        status_label(l, &v.status),
        l.t("age", "idade"),
        human_duration(v.now - v.started_at, l),
        l.t("last update", "última atualização"),
        human_duration(v.now - v.last_update_at, l),
        user(&v.commander, l),
        v.war_room
            .as_ref()
            .map(|w| format!("<#{w}>"))
            .unwrap_or_else(|| l
                .t(
                    "thread in the incidents channel",
                    "thread no canal de incidentes"
                )
                .into()),
        escape(&v.title),
    )
}

/// One page of the open incidents. `rows` are all open incidents, in any order.
pub fn list(rows: &[IncidentView], q: &ListQuery, cmd: &str, l: Locale) -> Msg {
    if rows.is_empty() {
        return reply::no_open(l);
    }
    let mut rows: Vec<IncidentView> = rows
        .iter()
        .filter(|v| q.severity.as_deref().is_none_or(|s| v.severity == s))
        .cloned()
        .collect();
    if rows.is_empty() {
        let s = q.severity.as_deref().unwrap_or("");
        return Msg::text(l.t(
            format!(":white_check_mark: No open {s} incidents. `{cmd} list` shows all open incidents."),
            format!(":white_check_mark: Nenhum incidente {s} aberto. `{cmd} list` mostra todos os abertos."),
        ));
    }
    sort_by_urgency(&mut rows);
    let total = rows.len();
    let pages = total.div_ceil(PAGE_SIZE);
    let page = q.page.clamp(1, pages);
    let first = (page - 1) * PAGE_SIZE;
    let shown = &rows[first..(first + PAGE_SIZE).min(total)];
    let after = total - first - shown.len();

    let what = match (&q.severity, l) {
        (Some(s), Locale::En) => format!("Open {s} incidents"),
        (Some(s), Locale::PtBr) => format!("Incidentes {s} abertos"),
        (None, l) => l.t("Open incidents", "Incidentes abertos").to_string(),
    };
    let range = l.t(
        format!("{}–{} of {total}", first + 1, first + shown.len()),
        format!("{}–{} de {total}", first + 1, first + shown.len()),
    );
    let mut b: Vec<Block> = vec![blocks::section(format!("*{what}* · {range}"))];
    for v in shown {
        let text = if v.drill {
            format!(":test_tube: *{}* · {}", crate::drill::word(l), line(v, l))
        } else {
            line(v, l)
        };
        b.push(blocks::section(text));
    }
    let foot = footer(&rows, after, q, cmd, l);
    if !foot.is_empty() {
        b.push(blocks::context(foot.join(" ")));
    }
    let buttons = page_buttons(q, page, pages, after, l);
    if !buttons.is_empty() {
        b.push(blocks::actions("incident_list_pages", buttons));
    }
    Msg::with_blocks(fallback(shown, &what, &range, l), b)
}

/// "…and N more", and with more than a page of all severities, one link per severity.
fn footer(rows: &[IncidentView], after: usize, q: &ListQuery, cmd: &str, l: Locale) -> Vec<String> {
    let mut foot = Vec::new();
    if after > 0 {
        foot.push(l.t(format!("…and {after} more."), format!("…e mais {after}.")));
    }
    if q.severity.is_none() && rows.len() > PAGE_SIZE {
        let counts: Vec<String> = SEVERITIES
            .iter()
            .filter_map(|s| {
                let n = rows.iter().filter(|v| v.severity == *s).count();
                (n > 0).then(|| format!("`{cmd} list {s}` ({n})"))
            })
            .collect();
        foot.push(format!(
            "{} {}",
            l.t("One severity:", "Uma severidade:"),
            counts.join(" · ")
        ));
    }
    foot
}

/// Previous / Next, when there is such a page.
fn page_buttons(
    q: &ListQuery,
    page: usize,
    pages: usize,
    after: usize,
    l: Locale,
) -> Vec<slack_morphism::prelude::SlackActionBlockElement> {
    let at = |p: usize| {
        ListQuery {
            severity: q.severity.clone(),
            page: p,
        }
        .value()
    };
    let mut buttons = Vec::new();
    if page > 1 {
        buttons.push(blocks::button(
            ACTION_PAGE,
            l.t("Previous", "Anterior"),
            &at(page - 1),
            Style::Default,
        ));
    }
    if page < pages {
        buttons.push(blocks::button(
            ACTION_PAGE,
            &l.t(
                format!("Next ({after} more)"),
                format!("Próxima (mais {after})"),
            ),
            &at(page + 1),
            Style::Primary,
        ));
    }
    buttons
}

/// The fallback (notifications, screen readers, the simulator): one line per incident shown,
/// titles cut to 80 characters so 20 lines stay well within 4,000.
fn fallback(shown: &[IncidentView], what: &str, range: &str, l: Locale) -> String {
    let lines: Vec<String> = shown
        .iter()
        .map(|v| {
            format!(
                "{} {} {}: {}",
                v.key(),
                v.severity,
                status_label(l, &v.status),
                crate::limits::cut(&escape(&v.title), 80)
            )
        })
        .collect();
    format!("{what} ({range}):\n{}", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(n: usize) -> Vec<IncidentView> {
        (0..n)
            .map(|i| IncidentView {
                id: i as i64 + 1,
                title: format!("incident {i} {}", "x".repeat(200)),
                severity: SEVERITIES[i % 4].to_string(),
                status: "investigating".into(),
                started_at: 1_700_000_000 + (n - i) as i64 * 60,
                now: 1_700_100_000,
                last_update_at: 1_700_050_000,
                commander: Some("U0IC".into()),
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn three_hundred_incidents_fit_one_page_most_urgent_first() {
        let rows = open(300);
        let m = list(&rows, &ListQuery::default(), "/incident", Locale::En);
        let body = m.ephemeral();
        let b = body["blocks"].as_array().unwrap();
        assert!(b.len() <= crate::limits::MESSAGE_BLOCKS);
        let s = body.to_string();
        // P0s first; among them the longest open (the highest id here) first.
        assert!(b[1].to_string().contains("*INC-297* P0"), "{}", b[1]);
        assert!(s.contains("…and 280 more."), "{s}");
        assert!(m.text.lines().count() == 21 && m.text.chars().count() < 4000);
        assert!(s.contains("`/incident list P1` (75)"), "{s}");
        assert!(s.contains(ACTION_PAGE) && s.contains("\"all:2\""), "{s}");
        assert!(!s.contains("Previous"));
        // The last page: Previous only, nothing more.
        let q = ListQuery {
            severity: None,
            page: 15,
        };
        let s = list(&rows, &q, "/incident", Locale::En)
            .ephemeral()
            .to_string();
        assert!(
            s.contains("281–300 of 300") && s.contains("\"all:14\""),
            "{s}"
        );
        assert!(!s.contains("more.") && !s.contains("Next"), "{s}");
    }

    #[test]
    fn a_severity_filter_and_pages_in_portuguese() {
        let rows = open(300);
        let q = ListQuery {
            severity: Some("P2".into()),
            page: 2,
        };
        let s = list(&rows, &q, "/incident", Locale::PtBr)
            .ephemeral()
            .to_string();
        assert!(
            s.contains("Incidentes P2 abertos") && s.contains("21–40 de 75"),
            "{s}"
        );
        assert!(s.contains("\"P2:3\"") && s.contains("\"P2:1\""), "{s}");
        assert!(!s.contains(" P1 ·"), "only P2: {s}");
        let none = list(
            &open(3)[..1],
            &ListQuery {
                severity: Some("P3".into()),
                page: 1,
            },
            "/incident",
            Locale::En,
        );
        assert!(none.text.contains("No open P3 incidents"), "{}", none.text);
    }

    #[test]
    fn button_values_round_trip() {
        let q = ListQuery {
            severity: Some("P1".into()),
            page: 4,
        };
        assert_eq!(ListQuery::from_value(&q.value()), Some(q));
        assert_eq!(ListQuery::from_value("all:1"), Some(ListQuery::default()));
        assert_eq!(ListQuery::from_value("P9:1"), None);
        assert_eq!(ListQuery::from_value("all:0"), None);
    }
}
