//! One check's result, the report, the options, and the helpers every check uses.

use chatops_core::config::Config as Core;
use clients::julia_config::JuliaConfig;
use paging::settings::PagingConfig;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pass,
    /// Works, but something deserves a look (does not fail the run).
    Warn,
    Fail,
    /// Not configured, or not checkable because an earlier check failed.
    Skip,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// `Slack`, `Railway`, `Evolution`, `Julia`, `Store`.
    pub system: &'static str,
    pub name: String,
    pub status: Status,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn new(system: &'static str, name: &str, status: Status, detail: impl Into<String>) -> Check {
        Check {
            system,
            name: name.to_string(),
            status,
            detail: detail.into(),
            fix: None,
        }
    }
    pub(crate) fn pass(system: &'static str, name: &str, detail: impl Into<String>) -> Check {
        Check::new(system, name, Status::Pass, detail)
    }
    pub(crate) fn warn(system: &'static str, name: &str, detail: impl Into<String>) -> Check {
        Check::new(system, name, Status::Warn, detail)
    }
    pub(crate) fn fail(
        system: &'static str,
        name: &str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            fix: Some(fix.into()),
            ..Check::new(system, name, Status::Fail, detail)
        }
    }
    /// `skipped (not configured: set X)`.
    pub(crate) fn unconfigured(system: &'static str, name: &str, set: &str) -> Check {
        Check::new(
            system,
            name,
            Status::Skip,
            format!("skipped (not configured: set {set})"),
        )
    }
    /// Not run because an earlier check of the same system failed.
    pub(crate) fn not_checked(system: &'static str, name: &str, because: &str) -> Check {
        Check::new(
            system,
            name,
            Status::Skip,
            format!("not checked: {because}"),
        )
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    /// Per network step (one HTTP call, one connection, one query).
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Report {
    pub checks: Vec<Check>,
    pub elapsed: Duration,
    pub timeout: Duration,
}

impl Report {
    /// No check failed.
    pub fn ok(&self) -> bool {
        !self.checks.iter().any(|c| c.status == Status::Fail)
    }

    pub fn count(&self, s: Status) -> usize {
        self.checks.iter().filter(|c| c.status == s).count()
    }

    /// The check of `system` called `name` (tests, scripts).
    pub fn get(&self, system: &str, name: &str) -> Option<&Check> {
        self.checks
            .iter()
            .find(|c| c.system == system && c.name == name)
    }

    /// The text printed by `chatops doctor`.
    pub fn render(&self) -> String {
        let mut out = format!(
            "chatops doctor: read-only checks of the configured services ({} s timeout per step)\n",
            self.timeout.as_secs_f64()
        );
        let width = self.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let mut system = "";
        for c in &self.checks {
            if c.system != system {
                system = c.system;
                let _ = writeln!(out, "\n{system}");
            }
            let _ = writeln!(
                out,
                "  {}  {:<width$}  {}",
                c.status.label(),
                c.name,
                c.detail
            );
            if let Some(fix) = &c.fix {
                let _ = writeln!(out, "        {:<width$}  fix: {fix}", "");
            }
        }
        let _ = writeln!(
            out,
            "\n{} passed, {} warnings, {} failed, {} skipped in {:.1} s{}",
            self.count(Status::Pass),
            self.count(Status::Warn),
            self.count(Status::Fail),
            self.count(Status::Skip),
            self.elapsed.as_secs_f64(),
            if self.ok() {
                ""
            } else {
                ": fix the FAIL lines above, then run `chatops doctor` again"
            }
        );
        out
    }
}

/// What the doctor reads: the core settings and those of the systems it checks (the
/// composition root's settings turn into this with `.into()`).
#[derive(Clone, Copy)]
pub struct Settings<'a> {
    pub core: &'a Core,
    pub julia: &'a JuliaConfig,
    pub paging: &'a PagingConfig,
    /// The user (`U…`) and group (`S…`) ids of the escalation matrix.
    pub stakeholder_ids: &'a [String],
}

impl std::ops::Deref for Settings<'_> {
    type Target = Core;
    fn deref(&self) -> &Core {
        self.core
    }
}

pub(crate) type Config<'a> = Settings<'a>;

/// Runs `f` with the per-step timeout; `Err(seconds)` when it did not finish.
pub(crate) async fn timed<T>(
    opts: &Options,
    f: impl std::future::Future<Output = T>,
) -> Result<T, String> {
    tokio::time::timeout(opts.timeout, f)
        .await
        .map_err(|_| format!("no answer in {}", secs(opts.timeout)))
}

pub(crate) fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{} s", s as u64)
    } else {
        format!("{s:.1} s")
    }
}

/// A URL for display: credentials and query string (which may carry a token) removed.
pub(crate) fn show_url(url: &str) -> String {
    let u = chatops_core::config::redact_url(url);
    match u.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => u,
    }
}

/// Every secret value the configuration holds, and the password of each URL.
pub(crate) fn secrets(c: &Config<'_>) -> Vec<String> {
    let j = c.julia;
    let mut v: Vec<String> = [
        Some(&c.slack_signing_secret),
        Some(&c.slack_bot_token),
        Some(&c.slack_app_token),
        j.railway_api_token.as_ref(),
        j.railway_token.as_ref(),
        j.evolution_api_key.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|s| s.expose().to_string())
    .collect();
    for url in [
        c.redis_url.as_ref(),
        j.database_url.as_ref(),
        j.redis_url.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        v.push(url.expose().to_string());
        if let Some(pw) = url_password(url.expose()) {
            v.push(pw);
        }
    }
    if let Some(pw) = url_password(&c.database_url) {
        v.push(pw);
    }
    // Short values would scrub ordinary words; real secrets are long.
    v.retain(|s| s.len() >= 6);
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v
}

pub(crate) fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let creds = rest.rsplit_once('@')?.0;
    let pw = creds.split_once(':')?.1;
    (!pw.is_empty()).then(|| pw.to_string())
}

pub(crate) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut t = text.to_string();
    for s in secrets {
        if t.contains(s.as_str()) {
            t = t.replace(s.as_str(), "[redacted]");
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_credentials_or_query() {
        assert_eq!(
            show_url("https://u:p@julia.example/webhooks/evolution?token=abc"),
            "https://u:***@julia.example/webhooks/evolution?…"
        );
        assert_eq!(
            show_url("https://julia.example/x"),
            "https://julia.example/x"
        );
    }
}
