//! Phone numbers of the on-call people (`ONCALL_PHONES`): E.164, never shown whole.
//!
//! A number is a secret in practice: it never reaches a channel, a log line or an error text.
//! [`Phone::masked`] (`+55 •••• 1234`) is what people read; `Debug` shows the same.

use std::fmt;

/// An E.164 number (`+` and 8 to 15 digits, no leading zero), kept as its digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts `+5511999991234`, with spaces, dots, dashes or parentheses between digits.
    /// The error never repeats the number.
    pub fn parse(raw: &str) -> Result<Phone, String> {
        let t = raw.trim();
        let Some(rest) = t.strip_prefix('+') else {
            return Err("must start with `+` and the country code (E.164)".into());
        };
        let digits: String = rest
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("may hold only digits after the `+` (E.164)".into());
        }
        if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
            return Err(
                "is not E.164 (a `+`, the country code, then 8 to 15 digits in all)".into(),
            );
        }
        Ok(Phone(digits))
    }

    /// The digits without `+`: what Evolution's `sendText` takes as `number`.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// `+55 •••• 1234`: the country code (up to two digits) and the last four.
    pub fn masked(&self) -> String {
        mask_digits(&self.0)
    }

    /// Whether a WhatsApp id (`5511999991234@s.whatsapp.net`, or bare digits) is this number.
    /// Brazilian mobiles registered before the ninth digit have ids without it
    /// (`55 11 99999-1234` -> `551199991234`): both forms match.
    pub fn matches_jid(&self, jid: &str) -> bool {
        let user = jid.split('@').next().unwrap_or("");
        let user = user.split(':').next().unwrap_or("");
        let d: String = user.chars().filter(char::is_ascii_digit).collect();
        if d.is_empty() {
            return false;
        }
        d == self.0 || without_ninth_digit(&self.0).is_some_and(|n| n == d)
    }
}

/// `55 AA 9XXXXXXXX` (13 digits) -> `55 AA XXXXXXXX`.
fn without_ninth_digit(d: &str) -> Option<String> {
    (d.len() == 13 && d.starts_with("55") && d.as_bytes()[4] == b'9')
        .then(|| format!("{}{}", &d[..4], &d[5..]))
}

pub use chatops_core::phones::{mask_digits, scrub};

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_e164_and_never_prints_it() {
        let p = Phone::parse("+55 (11) 99999-1234").unwrap();
        assert_eq!(p.digits(), "5511999991234");
        assert_eq!(p.masked(), "+55 •••• 1234");
        assert_eq!(format!("{p:?} {p}"), "+55 •••• 1234 +55 •••• 1234");
        for bad in [
            "5511999991234",
            "+0511999",
            "+55abc",
            "+1234567",
            "+1234567890123456",
        ] {
            let e = Phone::parse(bad).unwrap_err();
            assert!(!e.contains("1234567"), "{e}");
        }
    }

    #[test]
    fn matches_whatsapp_ids_with_and_without_the_ninth_digit() {
        let p = Phone::parse("+5511999991234").unwrap();
        assert!(p.matches_jid("5511999991234@s.whatsapp.net"));
        assert!(p.matches_jid("551199991234@s.whatsapp.net"));
        assert!(p.matches_jid("5511999991234:12@s.whatsapp.net"));
        assert!(!p.matches_jid("5511999991235@s.whatsapp.net"));
        assert!(!p.matches_jid("status@broadcast"));
    }

    #[test]
    fn scrubs_numbers_from_text() {
        assert_eq!(
            scrub("jid 5511999991234@s.whatsapp.net exists: false (HTTP 400)"),
            "jid +55 •••• 1234@s.whatsapp.net exists: false (HTTP 400)"
        );
    }
}
