//! Where and how the page is served (`STATUSPAGE_PATH`, `STATUSPAGE_NAME`,
//! `STATUSPAGE_LANGUAGE`, `STATUSPAGE_RECHECK`, `STATUSPAGE_MAX_AGE`). The page is a path on
//! the bot's own port (one public port is what Railway gives a service); put a proxy or a
//! custom domain in front of that path for a `status.example.com`.

use std::time::Duration;

use chatops_core::config::Reader;
use messages::Locale;

#[derive(Clone, Debug)]
pub struct WebConfig {
    /// `STATUSPAGE_PATH`: the page's path on the bot's port (`/status`; `off`: not served there).
    pub path: Option<String>,
    /// `STATUSPAGE_PORT`: also serve the page at `/` on this port, from a thread of its own at
    /// a lower priority (a crowd never slows the Slack acks). Unset: no second listener.
    pub port: Option<u16>,
    /// `STATUSPAGE_NAME`: the page's title and the JSON's `page.name`.
    pub name: String,
    /// `STATUSPAGE_LANGUAGE`: the language when the visitor's `Accept-Language` names neither
    /// English nor Portuguese (default: `LOCALE`).
    pub language: Locale,
    /// `STATUSPAGE_RECHECK`: how often at most a request checks the store's version of what is
    /// public (changes made by this process are seen at once; by another replica, within this).
    pub recheck: Duration,
    /// `STATUSPAGE_MAX_AGE`: the `Cache-Control: max-age` of every answer, in seconds.
    pub max_age: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            path: Some("/status".into()),
            port: None,
            name: "Status".into(),
            language: Locale::En,
            recheck: Duration::from_secs(1),
            max_age: 10,
        }
    }
}

impl WebConfig {
    pub fn read(r: &Reader, locale: Locale) -> WebConfig {
        let d = WebConfig::default();
        let path = match r.get("STATUSPAGE_PATH") {
            None => d.path,
            Some(p) if p == "off" => None,
            Some(p) => match check_path(&p) {
                Ok(p) => Some(p),
                Err(e) => {
                    r.problem("STATUSPAGE_PATH", e);
                    d.path
                }
            },
        };
        let language = match r.get("STATUSPAGE_LANGUAGE").as_deref() {
            None => locale,
            Some("en") | Some("en-US") => Locale::En,
            Some("pt-BR") | Some("pt") | Some("pt_BR") => Locale::PtBr,
            Some(other) => {
                r.problem(
                    "STATUSPAGE_LANGUAGE",
                    format!("`{other}` is not a page language: use en or pt-BR"),
                );
                locale
            }
        };
        let port: u16 = r.integer("STATUSPAGE_PORT", 0, 0..=65535);
        WebConfig {
            path,
            port: (port != 0).then_some(port),
            name: r.string("STATUSPAGE_NAME", &d.name),
            language,
            recheck: r.duration("STATUSPAGE_RECHECK", "1s"),
            max_age: r.integer("STATUSPAGE_MAX_AGE", d.max_age, 0..=3600),
        }
    }

    /// What `check-config` shows.
    pub fn report_lines(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "STATUSPAGE_PATH",
                self.path
                    .clone()
                    .unwrap_or_else(|| "off (not served on the bot's port)".into()),
            ),
            (
                "STATUSPAGE_PORT",
                self.port.map(|p| p.to_string()).unwrap_or_else(|| {
                    "(unset: the page shares the bot's port and runtime)".into()
                }),
            ),
            ("STATUSPAGE_NAME", self.name.clone()),
            ("STATUSPAGE_LANGUAGE", self.language.code().to_string()),
            (
                "STATUSPAGE_RECHECK",
                format!("{}ms", self.recheck.as_millis()),
            ),
            ("STATUSPAGE_MAX_AGE", format!("{}s", self.max_age)),
        ]
    }
}

/// `/status`, `/`, `/public/status`: starts with `/`, no trailing one (except `/` itself),
/// letters, digits, `-`, `_`, `.` and `/` only.
fn check_path(p: &str) -> Result<String, String> {
    let ok = p.starts_with('/')
        && !p.contains("//")
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if !ok {
        return Err(format!(
            "`{p}` is not a path: use one like /status (or `off`)"
        ));
    }
    let trimmed = p.trim_end_matches('/');
    let reserved = ["/slack", "/alerts", "/pager", "/health", "/metrics"];
    if reserved
        .iter()
        .any(|r| trimmed == *r || trimmed.starts_with(&format!("{r}/")))
    {
        return Err(format!("`{p}` is taken by the bot's own endpoints"));
    }
    Ok(if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.into()
    })
}

/// These settings, as the composition root handed them to the context.
pub fn of(ctx: &chatops_core::Ctx) -> &WebConfig {
    ctx.ext()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> (WebConfig, usize) {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let r = Reader::new(&env);
        let c = WebConfig::read(&r, Locale::En);
        let n = r.problems.borrow().len();
        (c, n)
    }

    #[test]
    fn paths_are_checked_and_the_bots_own_are_refused() {
        assert_eq!(read(&[]).0.path.as_deref(), Some("/status"));
        assert_eq!(
            read(&[("STATUSPAGE_PATH", "/public/status/")])
                .0
                .path
                .as_deref(),
            Some("/public/status")
        );
        assert_eq!(read(&[("STATUSPAGE_PATH", "off")]).0.path, None);
        for bad in ["status", "/slack", "/health/x", "/a b", "/<x>"] {
            let (c, n) = read(&[("STATUSPAGE_PATH", bad)]);
            assert_eq!(n, 1, "{bad}");
            assert_eq!(c.path.as_deref(), Some("/status"));
        }
        let (c, n) = read(&[
            ("STATUSPAGE_LANGUAGE", "pt-BR"),
            ("STATUSPAGE_PORT", "8081"),
        ]);
        assert_eq!((c.language, c.port, n), (Locale::PtBr, Some(8081), 0));
        assert_eq!(read(&[("STATUSPAGE_LANGUAGE", "fr")]).1, 1);
    }
}
