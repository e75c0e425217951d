//! Phone numbers are never shown whole: `+CC •••• LAST4` is what people read. Shared by the
//! pager (on-call numbers) and the customer notice (doctors' numbers).

/// `+CC •••• LAST4` for a run of digits.
pub fn mask_digits(d: &str) -> String {
    let cc: String = d.chars().take(2).collect();
    let n = d.chars().count();
    let last: String = d.chars().skip(n.saturating_sub(4)).collect();
    format!("+{cc} •••• {last}")
}

/// Any run of 8 or more digits in `text` (a number inside an upstream error, say) masked.
pub fn scrub(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 8 {
            out.push_str(&mask_digits(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_digits_are_masked_short_ones_kept() {
        assert_eq!(mask_digits("5511999991234"), "+55 •••• 1234");
        let s = scrub("400: 5511999991234@s.whatsapp.net (code 400)");
        assert_eq!(s, "400: +55 •••• 1234@s.whatsapp.net (code 400)");
    }
}
