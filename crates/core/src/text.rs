//! Hygiene of text people type: what is removed, and what counts as visible.
//!
//! Bidirectional controls (U+202A–202E, U+2066–2069, LRM/RLM, ALM) are removed everywhere:
//! they can make a title read backwards in Slack and in channel topics. Zero-width spaces,
//! word joiners, BOMs and soft hyphens are removed too (they carry nothing). Zero-width
//! joiners, variation selectors and tag characters stay inside text, since emoji sequences
//! need them, but they do not count as visible: a title must have visible characters.

use unicode_normalization::char::is_combining_mark;

/// A bidirectional embedding, override, isolate or mark.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters removed from any typed text: bidi controls and invisible characters that
/// carry nothing (zero-width space, word joiner, BOM, soft hyphen, invisible operators).
pub fn is_removed(c: char) -> bool {
    is_bidi_control(c)
        || matches!(
            c,
            '\u{00AD}'
                | '\u{180E}'
                | '\u{200B}'
                | '\u{2060}'..='\u{2064}'
                | '\u{206A}'..='\u{206F}'
                | '\u{FEFF}'
        )
}

/// Characters that draw nothing on their own (kept where they may join or vary a glyph).
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || is_removed(c)
        || is_combining_mark(c)
        || matches!(
            c,
            '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200C}'
                | '\u{200D}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FFA0}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E007F}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

/// How many characters of `s` draw something.
pub fn visible_len(s: &str) -> usize {
    s.chars().filter(|c| !is_invisible(*c)).count()
}

/// Removes control characters, bidirectional controls and zero-width spaces
/// ([`is_removed`]); any run of whitespace (newlines, tabs, no-break spaces)
/// becomes one space; trims.
pub fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_removed(*c))
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

pub fn split_first(s: &str) -> (&str, &str) {
    let s = s.trim();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

/// Longest free text accepted in one command (Slack's message limit is 4,000).
pub const TEXT_MAX: usize = 3000;

pub fn text_arg(s: &str) -> Result<Option<String>, messages::usage::Problem> {
    let t = clean_text(s);
    if t.chars().count() > TEXT_MAX {
        return Err(messages::usage::Problem::TextTooLong { max: TEXT_MAX });
    }
    Ok((!t.is_empty()).then_some(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_bidi() {
        assert_eq!(visible_len("\u{200B}\u{200B}\u{200D}\u{FE0F}\u{3164}"), 0);
        assert_eq!(visible_len("db\u{200B} down"), 6);
        assert_eq!(visible_len("z\u{337}a\u{337}"), 2);
        assert!(is_bidi_control('\u{202E}') && is_removed('\u{2067}'));
        assert!(!is_removed('\u{200D}'), "emoji sequences need the joiner");
    }
}
