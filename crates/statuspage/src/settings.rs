//! Status page publishing variables (#26): where the page is (for the war room's links), how
//! long a public update may be, whether P3 incidents stay off the page, the next-update promise.

use std::time::Duration;

use chatops_core::config::Reader;

#[derive(Clone, Debug)]
pub struct StatusPageConfig {
    /// `STATUSPAGE_URL`: the page's public base URL (linked from the war room's echo of every
    /// published text). Unset: the echo says where the page is not configured.
    pub url: Option<String>,
    /// `STATUSPAGE_MAX_UPDATE`: the longest public update, in characters.
    pub max_update: usize,
    /// `STATUSPAGE_HIDE_P3`: P3 incidents never appear on the page.
    pub hide_p3: bool,
    /// `STATUSPAGE_NEXT_UPDATE`: the next-update promise of every public post ("off": none).
    pub next_update: Option<Duration>,
    /// `STATUSPAGE_AUTO_INTERVAL`: how often the checks of components with `auto_degrade: true`
    /// run.
    pub auto_interval: Duration,
}

impl Default for StatusPageConfig {
    fn default() -> Self {
        StatusPageConfig {
            url: None,
            max_update: 1000,
            hide_p3: true,
            next_update: Some(Duration::from_secs(30 * 60)),
            auto_interval: Duration::from_secs(60),
        }
    }
}

impl StatusPageConfig {
    pub fn read(r: &Reader) -> StatusPageConfig {
        let d = StatusPageConfig::default();
        StatusPageConfig {
            url: r.url("STATUSPAGE_URL", &["https", "http"]),
            max_update: r.integer("STATUSPAGE_MAX_UPDATE", d.max_update, 50..=5000),
            hide_p3: r.boolean("STATUSPAGE_HIDE_P3", d.hide_p3),
            next_update: r.cadence("STATUSPAGE_NEXT_UPDATE", "30m"),
            auto_interval: r.duration("STATUSPAGE_AUTO_INTERVAL", "60s"),
        }
    }

    /// What `check-config` shows.
    pub fn report_lines(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "STATUSPAGE_URL",
                self.url
                    .clone()
                    .unwrap_or_else(|| "(unset: the war room's echo has no link)".into()),
            ),
            ("STATUSPAGE_MAX_UPDATE", self.max_update.to_string()),
            ("STATUSPAGE_HIDE_P3", self.hide_p3.to_string()),
            (
                "STATUSPAGE_AUTO_INTERVAL",
                humantime::format_duration(self.auto_interval).to_string(),
            ),
            (
                "STATUSPAGE_NEXT_UPDATE",
                self.next_update
                    .map(|d| humantime::format_duration(d).to_string())
                    .unwrap_or_else(|| "off".into()),
            ),
        ]
    }
}

/// These settings, as the composition root handed them to the context.
pub fn of(ctx: &chatops_core::Ctx) -> &StatusPageConfig {
    ctx.ext()
}
