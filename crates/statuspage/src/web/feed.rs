//! The Atom feed (RFC 4287): one entry per public incident (open ones first, then the most
//! recently resolved), its content the public updates, newest first. An unpublished update
//! leaves the feed with the page.

use messages::statuspage_page::status_label;
use messages::Locale;

use crate::store::PublicSnapshot;

/// Entries in the feed.
pub const FEED_LIMIT: usize = 50;

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// `url`: the page's absolute URL (entry links and ids hang from it).
pub fn atom(name: &str, url: &str, snap: &PublicSnapshot, l: Locale) -> String {
    let url = url.trim_end_matches('/');
    let incidents: Vec<_> = snap
        .active
        .iter()
        .chain(snap.resolved.iter())
        .take(FEED_LIMIT)
        .collect();
    let updated = incidents
        .iter()
        .map(|i| i.updated_at.max(i.resolved_at.unwrap_or(0)))
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n<id>{url}/history.atom</id>\n<title>{name}</title>\n<author><name>{name}</name></author>\n<updated>{updated}</updated>\n<link rel=\"alternate\" type=\"text/html\" href=\"{url}/\"/>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{url}/history.atom\"/>\n",
        lang = l.code(),
        url = xml(url),
        name = xml(name),
        updated = rfc3339(updated),
    );
    for i in incidents {
        // The content is HTML carried as escaped text: escaped once for HTML, once for XML.
        let mut html = String::new();
        for u in &i.updates {
            html.push_str(&format!(
                "<p><strong>{}</strong> ({}): {}</p>",
                xml(status_label(u.status.as_str(), l)),
                rfc3339(u.created_at),
                xml(&u.body)
            ));
        }
        out.push_str(&format!(
            "<entry>\n<id>{url}/incidents/{key}</id>\n<title>{title}</title>\n<published>{published}</published>\n<updated>{updated}</updated>\n<link rel=\"alternate\" type=\"text/html\" href=\"{url}/incidents/{key}\"/>\n<content type=\"html\">{content}</content>\n</entry>\n",
            url = xml(url),
            key = xml(&i.key),
            title = xml(&i.title),
            published = rfc3339(i.created_at),
            updated = rfc3339(i.updated_at.max(i.resolved_at.unwrap_or(0))),
            content = xml(&html),
        ));
    }
    out.push_str("</feed>\n");
    out
}
