//! The visitor's language: `?lang=` first, then `Accept-Language` (the first of English or
//! Portuguese by quality), then the configured one.

use messages::Locale;

fn of_tag(tag: &str) -> Option<Locale> {
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    match primary.as_str() {
        "en" => Some(Locale::En),
        "pt" => Some(Locale::PtBr),
        _ => None,
    }
}

/// `pt-BR,pt;q=0.9,en;q=0.8` → pt-BR.
pub fn from_accept_language(header: &str) -> Option<Locale> {
    let mut best: Option<(f32, usize, Locale)> = None;
    for (n, part) in header.split(',').enumerate() {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or("").trim();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        if let Some(l) = of_tag(tag) {
            let better = match best {
                None => true,
                Some((bq, _, _)) => q > bq,
            };
            if better {
                best = Some((q, n, l));
            }
        }
    }
    best.map(|b| b.2)
}

/// `lang=pt-BR` in a query string.
pub fn from_query(query: Option<&str>) -> Option<Locale> {
    query?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == "lang").then(|| of_tag(v)).flatten()
    })
}

pub fn choose(query: Option<&str>, accept: Option<&str>, default: Locale) -> Locale {
    from_query(query)
        .or_else(|| accept.and_then(from_accept_language))
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_then_the_header_by_quality_then_the_default() {
        assert_eq!(
            choose(None, Some("pt-BR,pt;q=0.9,en;q=0.8"), Locale::En),
            Locale::PtBr
        );
        assert_eq!(
            choose(None, Some("fr-FR,en;q=0.5,pt;q=0.4"), Locale::PtBr),
            Locale::En
        );
        assert_eq!(
            choose(None, Some("en;q=0.2, pt-PT;q=0.7"), Locale::En),
            Locale::PtBr
        );
        assert_eq!(choose(None, Some("fr, de"), Locale::PtBr), Locale::PtBr);
        assert_eq!(choose(None, Some("pt;q=0, en"), Locale::PtBr), Locale::En);
        assert_eq!(
            choose(Some("lang=pt-BR"), Some("en"), Locale::En),
            Locale::PtBr
        );
        assert_eq!(
            choose(Some("x=1&lang=en"), Some("pt"), Locale::PtBr),
            Locale::En
        );
        assert_eq!(choose(None, None, Locale::PtBr), Locale::PtBr);
    }
}
