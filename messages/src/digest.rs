//! One message for a backlog of announcements in one channel.
//!
//! Slack lets an app post about one message per second per channel ("short bursts >1 allowed",
//! with no guarantee). When several incidents are declared at once (or a restarted bot finishes
//! 30 declarations cut short by a crash), the outbox posts one combined message for the
//! announcements waiting in the incidents channel instead of one a second.

use crate::incident::{sev_emoji, user, IncidentView};
use crate::limits::{self, cut};
use crate::{blocks, escape, Locale, Msg};

/// Characters of one line of a combined announcement: 20 lines stay within Slack's advised
/// 4,000 characters of `text`.
pub const LINE: usize = 180;
/// Characters of an incident's title within its line.
const TITLE: usize = 80;

/// The line of one incident's announcement in a combined message: key, severity, title, IC,
/// war room.
pub fn announcement_line(v: &IncidentView, l: Locale) -> String {
    let mut s = format!(
        "{} *{} · {}* — {} · {} {}",
        sev_emoji(&v.severity),
        v.key(),
        v.severity,
        cut(&escape(&v.title), TITLE),
        l.t("IC", "IC"),
        user(&v.commander, l),
    );
    if let Some(w) = &v.war_room {
        s.push_str(&format!(" · <#{w}>"));
    }
    cut(&s, LINE)
}

/// The combined announcement of `lines` (each from [`announcement_line`]), oldest first.
pub fn announcements(lines: &[String], l: Locale) -> Msg {
    let n = lines.len();
    let head = l.t(
        format!("{n} incidents declared"),
        format!("{n} incidentes declarados"),
    );
    let text = cut(
        &format!("{head}:\n{}", lines.join("\n")),
        limits::TEXT_ADVISED,
    );
    let mut b = vec![blocks::section(format!("*{head}*"))];
    // Lines grouped into sections within Slack's 3,000 characters each.
    let mut chunk = String::new();
    for line in lines {
        if !chunk.is_empty()
            && chunk.chars().count() + line.chars().count() + 1 > limits::SECTION_TEXT
        {
            b.push(blocks::section(std::mem::take(&mut chunk)));
        }
        if !chunk.is_empty() {
            chunk.push('\n');
        }
        chunk.push_str(line);
    }
    if !chunk.is_empty() {
        b.push(blocks::section(chunk));
    }
    b.push(blocks::context(
        l.t(
            "Declared together: each incident's updates follow in its war room and in this thread.",
            "Declarados juntos: as atualizações de cada incidente seguem na sua sala de guerra e nesta thread.",
        )
        .to_string(),
    ));
    Msg::with_blocks(text, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: i64, title: &str) -> IncidentView {
        IncidentView {
            id,
            title: title.into(),
            severity: "P3".into(),
            status: "investigating".into(),
            started_at: 0,
            now: 0,
            resolved_at: None,
            impact: None,
            findings: None,
            actions: None,
            eta: None,
            next_update_at: None,
            commander: Some("UIC".into()),
            war_room: Some("CWAR".into()),
            root_cause: None,
            resolution: None,
            preventive: None,
            postmortem_due: None,
            last_update_at: 0,
            ..Default::default()
        }
    }

    #[test]
    fn a_line_names_the_incident_its_commander_and_war_room_and_pings_nobody() {
        let line = announcement_line(&view(12, "db down <!channel>"), Locale::En);
        assert!(line.contains("*INC-12 · P3*"), "{line}");
        assert!(
            line.contains("<@UIC>") && line.contains("<#CWAR>"),
            "{line}"
        );
        assert!(!line.contains("<!channel>"), "{line}");
        let long = announcement_line(&view(13, &"x".repeat(3000)), Locale::En);
        assert!(long.chars().count() <= LINE);
        assert!(
            long.contains("<#CWAR>"),
            "the link survives a long title: {long}"
        );
    }

    #[test]
    fn twenty_long_lines_fit_slacks_limits() {
        let lines: Vec<String> = (0..20)
            .map(|n| announcement_line(&view(n, &"y".repeat(500)), Locale::PtBr))
            .collect();
        let m = announcements(&lines, Locale::PtBr);
        assert!(m.text.starts_with("20 incidentes declarados"));
        assert!(m.text.chars().count() <= limits::TEXT_ADVISED);
        for n in 0..20 {
            assert!(m.text.contains(&format!("INC-{n} ")), "INC-{n} in the text");
        }
        let blocks = m.blocks.unwrap();
        let blocks = blocks.as_array().unwrap();
        assert!(blocks.len() <= limits::MESSAGE_BLOCKS);
        for b in blocks {
            if let Some(t) = b.pointer("/text/text").and_then(|t| t.as_str()) {
                assert!(t.chars().count() <= limits::SECTION_TEXT);
            }
        }
    }
}
