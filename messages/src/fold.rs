//! Folding free text into the ASCII a Slack channel name allows (`a-z0-9-_`).
//!
//! Combining marks fold away rather than becoming separators: the text is decomposed (NFD,
//! `unicode-normalization`) and every mark dropped, so `Evolução` → `evolucao` and
//! `z̷a̷l̷g̷o̷` → `zalgo`; what is left that is not ASCII is transliterated by `deunicode`
//! (`Œ` → `oe`, `Ж` → `zh`). Anything else becomes a separator.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lowercase ASCII letters and digits, `_`, and `-` for everything else (not collapsed).
pub fn fold_for_channel_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            match deunicode::deunicode_char(c) {
                Some(t) if t.chars().all(|t| t.is_ascii_alphanumeric()) && !t.is_empty() => {
                    out.push_str(&t.to_ascii_lowercase())
                }
                _ => out.push('-'),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_fold_away() {
        assert_eq!(
            fold_for_channel_name("Evolução fora do ar"),
            "evolucao fora do ar"
        );
        assert_eq!(
            fold_for_channel_name("z\u{337}a\u{337}l\u{337}g\u{337}o\u{337}"),
            "zalgo"
        );
        assert_eq!(
            fold_for_channel_name("Z\u{351}\u{34b}A\u{30d}\u{310}L\u{36a}G\u{352}O"),
            "zalgo"
        );
        assert_eq!(fold_for_channel_name("Ñandú"), "nandu");
        assert_eq!(fold_for_channel_name("Œuvre"), "oeuvre");
    }
}
