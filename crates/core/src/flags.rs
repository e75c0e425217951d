//! Flags in a command's text, wherever they are: switches (`--drill`) and valued flags
//! (`--affects julia-api:partial` or `--affects=julia-api:partial`, repeatable). What is left is
//! the text around them, its own spacing kept. Flag names are matched without regard to case.

/// The text without its flags, the switches found and each valued flag's values, in order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flagged {
    pub rest: String,
    pub switches: Vec<&'static str>,
    pub values: Vec<(&'static str, String)>,
}

impl Flagged {
    pub fn has(&self, switch: &str) -> bool {
        self.switches.contains(&switch)
    }

    /// Every value given to `flag`, in order.
    pub fn values_of(&self, flag: &str) -> Vec<String> {
        self.values
            .iter()
            .filter(|(f, _)| *f == flag)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A valued flag given without its value (the last word of the text).
    pub fn missing_value(&self) -> Option<&'static str> {
        self.values
            .iter()
            .find(|(_, v)| v.is_empty())
            .map(|(f, _)| *f)
    }
}

/// Takes `switches` and `valued` flags out of `text`.
pub fn take(text: &str, switches: &[&'static str], valued: &[&'static str]) -> Flagged {
    let mut out = Flagged::default();
    // Byte ranges of the words, in order.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, ch) in text.char_indices() {
        match (ch.is_whitespace(), start) {
            (true, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    let mut drop = vec![false; words.len()];
    let mut k = 0;
    while k < words.len() {
        let w = &text[words[k].0..words[k].1];
        let lower = w.to_ascii_lowercase();
        if let Some(s) = switches.iter().find(|s| **s == lower) {
            out.switches.push(s);
            drop[k] = true;
        } else if let Some((f, v)) = valued.iter().find_map(|f| {
            lower
                .strip_prefix(f)
                .and_then(|r| r.strip_prefix('='))
                .map(|_| (*f, &w[f.len() + 1..]))
        }) {
            out.values.push((f, v.to_string()));
            drop[k] = true;
        } else if let Some(f) = valued.iter().find(|f| **f == lower) {
            drop[k] = true;
            let value = words.get(k + 1).map(|r| &text[r.0..r.1]).unwrap_or("");
            if k + 1 < words.len() {
                drop[k + 1] = true;
                k += 1;
            }
            out.values.push((f, value.to_string()));
        }
        k += 1;
    }
    // The text without the dropped words: each kept word after the spacing just before it.
    let mut rest = String::new();
    for (n, (s, e)) in words.iter().enumerate() {
        if drop[n] {
            continue;
        }
        if !rest.is_empty() {
            rest.push_str(&text[words[n - 1].1..*s]);
        }
        rest.push_str(&text[*s..*e]);
    }
    out.rest = rest;
    out
}

#[cfg(test)]
mod tests {
    use super::take;

    #[test]
    fn flags_anywhere_and_the_text_kept() {
        let f = take(
            "P1 --affects julia-api:partial Julia down --drill",
            &["--drill", "--private"],
            &["--affects"],
        );
        assert_eq!(f.rest, "P1 Julia down");
        assert!(f.has("--drill") && !f.has("--private"));
        assert_eq!(f.values_of("--affects"), vec!["julia-api:partial"]);

        let f = take(
            "identified --AFFECTS=a:major,b  the DB\nfailed over",
            &[],
            &["--affects"],
        );
        assert_eq!(f.rest, "identified  the DB\nfailed over");
        assert_eq!(f.values_of("--affects"), vec!["a:major,b"]);

        let f = take("text --affects", &[], &["--affects"]);
        assert_eq!(f.missing_value(), Some("--affects"));
        assert_eq!(f.rest, "text");
        assert_eq!(take("  ", &[], &[]).rest, "");
    }
}
