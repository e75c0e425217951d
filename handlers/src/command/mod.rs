//! The grammar: slash-command text -> typed commands. Raw strings stop here.
//!
//! `/incident …` parses into [`IncidentCmd`] ([`incident`]), `/julia …` into [`JuliaCmd`]
//! ([`julia`]). A parse error is a [`messages::usage::Problem`] that `messages` renders as usage
//! help. The words shared by both grammars (cleaning text, "did you mean") live here.

mod incident;
mod julia;
#[cfg(test)]
mod tests;

use messages::usage::Problem;

pub use crate::ids::{IncidentId, IncidentTitle, UserId};
pub use incident::{parse_incident, IncidentCmd, INCIDENT_SUBCOMMANDS};
pub use julia::{parse_julia, JuliaCmd, JULIA_SUBCOMMANDS};

/// Removes control characters, bidirectional controls and zero-width spaces
/// ([`crate::text::is_removed`]); any run of whitespace (newlines, tabs, no-break spaces)
/// becomes one space; trims.
pub fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !crate::text::is_removed(*c))
        .collect::<String>()
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The closest known word, for "did you mean `update`?".
pub fn closest(word: &str, candidates: &[&str]) -> Option<String> {
    let w = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&w, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) || c.starts_with(&w) && w.len() >= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

fn split_first(s: &str) -> (&str, &str) {
    let s = s.trim();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

/// Longest free text accepted in one command (Slack's message limit is 4,000).
const TEXT_MAX: usize = 3000;

fn text_arg(s: &str) -> Result<Option<String>, Problem> {
    let t = clean_text(s);
    if t.chars().count() > TEXT_MAX {
        return Err(Problem::TextTooLong { max: TEXT_MAX });
    }
    Ok((!t.is_empty()).then_some(t))
}
