//! Phone numbers never leave in a management update: whatever people typed (a doctor's number in
//! an update, say), a run of digits that reads as a phone number is masked before the text goes
//! to Slack or into a mail, as the pager masks numbers.

/// Digits, possibly split by spaces, `-`, `.`, `(`, `)` and led by `+`, counting at least this
/// many digits, read as a phone number.
const PHONE_DIGITS: usize = 10;

/// `text` with every phone-like run masked: `+55 11 91234-5678` → `+•• •• •••••-••78`.
pub fn mask_phones(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if !starts {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The longest run of digits and separators, ending on a digit.
        let mut j = i;
        let mut end = i;
        let mut digits = 0;
        while j < chars.len() {
            let c = chars[j];
            if c.is_ascii_digit() {
                digits += 1;
                end = j + 1;
            } else if !(c == '+' && j == i || matches!(c, ' ' | '-' | '.' | '(' | ')')) {
                break;
            }
            j += 1;
        }
        let run = &chars[i..end.max(i + 1)];
        if digits >= PHONE_DIGITS && !is_date(run) {
            let mut left = digits;
            for &c in run {
                if c.is_ascii_digit() {
                    out.push(if left <= 2 { c } else { '•' });
                    left -= 1;
                } else {
                    out.push(c);
                }
            }
        } else {
            out.extend(run);
        }
        i = end.max(i + 1);
    }
    out
}

/// `2026-12-06…`: an ISO date (maybe followed by a time), not a number.
fn is_date(run: &[char]) -> bool {
    let shape = "dddd-dd-dd";
    run.len() >= shape.len()
        && shape.chars().zip(run).all(|(s, c)| match s {
            'd' => c.is_ascii_digit(),
            _ => *c == s,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_masked_and_other_numbers_kept() {
        assert_eq!(
            mask_phones("Dra. Ana (+55 11 91234-5678) sem resposta"),
            "Dra. Ana (+•• •• •••••-••78) sem resposta"
        );
        assert_eq!(mask_phones("ligar 5511912345678."), "ligar •••••••••••78.");
        assert_eq!(
            mask_phones("480 médicos, 40 minutos, 2026-12-06 10:30"),
            "480 médicos, 40 minutos, 2026-12-06 10:30"
        );
        assert_eq!(mask_phones("v1.2.3 + 4"), "v1.2.3 + 4");
        assert_eq!(mask_phones("(11) 91234-5678"), "(••) •••••-••78");
    }
}
