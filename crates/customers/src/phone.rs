//! Doctors' numbers as Julia stores them (`clientes.telefone`: digits, country code 55, no
//! `+`), normalised the way Julia does, and never shown whole: [`mask`] is what people read.

/// Julia's `normalizar_telefone`: the digits only (a `@s.whatsapp.net` JID suffix dropped),
/// `55` put in front of a 10- or 11-digit national number. `None` when the result is not a
/// Brazilian number Julia would send to (`^55[0-9]{10,11}$`).
pub fn normalise(raw: &str) -> Option<String> {
    let user = raw.split('@').next().unwrap_or("");
    let mut d: String = user.chars().filter(char::is_ascii_digit).collect();
    if d.len() == 10 || d.len() == 11 {
        d = format!("55{d}");
    }
    let ok = d.starts_with("55") && (12..=13).contains(&d.len());
    ok.then_some(d)
}

/// `+55 •••• 1234`: the country code and the last four digits (as the pager masks); any run
/// of 8 or more digits in a text masked the same way.
pub use chatops_core::phones::{mask_digits as mask, scrub};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalised_like_julia_does() {
        assert_eq!(normalise("5511999991234").as_deref(), Some("5511999991234"));
        assert_eq!(
            normalise("+55 (11) 99999-1234").as_deref(),
            Some("5511999991234")
        );
        assert_eq!(normalise("11999991234").as_deref(), Some("5511999991234"));
        assert_eq!(normalise("1133334444").as_deref(), Some("551133334444"));
        assert_eq!(
            normalise("5511999991234@s.whatsapp.net").as_deref(),
            Some("5511999991234")
        );
        assert_eq!(normalise("351912345678"), None);
        assert_eq!(normalise("12345"), None);
        assert_eq!(normalise(""), None);
    }

    #[test]
    fn numbers_are_masked_and_scrubbed() {
        assert_eq!(mask("5511999991234"), "+55 •••• 1234");
        let s = scrub("400: 5511999991234@s.whatsapp.net exists false (code 400)");
        assert!(!s.contains("5511999991234"), "{s}");
        assert!(s.contains("+55 •••• 1234") && s.contains("code 400"), "{s}");
    }
}
