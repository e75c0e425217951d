//! What the outbox posts when Slack refuses the message it was given: a plain-text form that
//! fits, saying what was refused, and the post-mortem draft as messages when its upload fails.

use crate::limits::{self, cut, split_lines};
use crate::Locale;

/// Parts of a post-mortem posted as messages when the upload fails; the rest is counted.
pub const FALLBACK_PARTS: usize = 3;
/// Characters of one part's content (the code fence and the heading fit in the rest).
const PART: usize = 3600;

/// Slack refused a message (`invalid_blocks`, `msg_too_long`, …): its text alone, cut to fit,
/// and a line saying the full form was refused.
pub fn refused_fallback(text: &str, code: &str, l: Locale) -> String {
    let note = l.t(
        format!("_:warning: Slack refused the full message (`{code}`); this is its short form._"),
        format!(
            "_:warning: O Slack recusou a mensagem completa (`{code}`); esta é a forma curta._"
        ),
    );
    format!("{}\n{note}", cut(text, limits::TEXT_ADVISED - 200))
}

/// The post-mortem draft as messages (the upload failed): whole lines, at most
/// [`FALLBACK_PARTS`] messages, each within Slack's advised 4,000 characters; when more is
/// left, the last one says how many lines are missing and how to get the file.
pub fn postmortem_parts(comment: &str, content: &str, retry_cmd: &str, l: Locale) -> Vec<String> {
    let parts = split_lines(content, PART);
    let total_lines = content.lines().count();
    let n = parts.len();
    let mut out = Vec::new();
    let mut shown_lines = 0;
    for (i, p) in parts.iter().take(FALLBACK_PARTS).enumerate() {
        shown_lines += p.lines().count();
        let head = if n > 1 {
            format!("{comment} ({}/{})", i + 1, n.min(FALLBACK_PARTS))
        } else {
            comment.to_string()
        };
        out.push(format!("{head}\n```{}```", p.trim_end_matches('\n')));
    }
    if n > FALLBACK_PARTS {
        let missing = total_lines - shown_lines;
        if let Some(last) = out.last_mut() {
            last.push_str(&l.t(
                format!("\n{} _{missing} more lines not shown: the file upload failed. `{retry_cmd}` tries the upload again._", limits::MARK),
                format!("\n{} _mais {missing} linhas não mostradas: o envio do arquivo falhou. `{retry_cmd}` tenta o envio de novo._", limits::MARK),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_draft_is_cut_cleanly_into_a_few_messages() {
        let content: String = (0..5000)
            .map(|i| format!("| 2026-01-01 00:00 | note: event {i} (U1) |\n"))
            .collect();
        let parts = postmortem_parts(
            ":memo: INC-1",
            &content,
            "/incident postmortem INC-1",
            Locale::En,
        );
        assert_eq!(parts.len(), FALLBACK_PARTS);
        for p in &parts {
            assert!(p.chars().count() <= limits::TEXT_ADVISED, "{}", p.len());
            assert_eq!(p.matches("```").count(), 2, "fences closed");
        }
        assert!(parts[0].contains("event 0 ") && parts[0].starts_with(":memo: INC-1 (1/3)"));
        let last = parts.last().unwrap();
        assert!(
            last.contains("more lines not shown") && last.contains("/incident postmortem INC-1"),
            "{last}"
        );
        // Whole lines only.
        assert!(parts.iter().all(|p| p
            .lines()
            .filter(|l| l.starts_with('|'))
            .all(|l| l.trim_end_matches("```").ends_with('|'))));
    }

    #[test]
    fn a_short_draft_is_one_message_and_a_refusal_says_so() {
        let parts = postmortem_parts("c", "a\nb\n", "/incident postmortem INC-1", Locale::PtBr);
        assert_eq!(parts, vec!["c\n```a\nb```".to_string()]);
        let t = refused_fallback(&"x".repeat(50_000), "msg_too_long", Locale::En);
        assert!(t.chars().count() <= limits::TEXT_ADVISED && t.contains("`msg_too_long`"));
    }
}
