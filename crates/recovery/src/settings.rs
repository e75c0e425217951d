//! Recovery settings (#28): how long the stability watch runs after an incident moves to
//! Monitoring (`RECOVERY_WATCH`, Kumon's 15 minutes by default, `off` to never watch), how often
//! it checks (`RECOVERY_WATCH_INTERVAL`) and how long one check may take
//! (`RECOVERY_CHECK_TIMEOUT`). The RTOs themselves are in `COMPONENTS_FILE`.

use std::time::Duration;

use chatops_core::config::Reader;

#[derive(Clone, Debug)]
pub struct RecoveryConfig {
    /// `RECOVERY_WATCH`: the watch's length; None: no watch.
    pub watch: Option<Duration>,
    /// `RECOVERY_WATCH_INTERVAL`: between two checks of a watch.
    pub interval: Duration,
    /// `RECOVERY_CHECK_TIMEOUT`: one `http` check's timeout.
    pub check_timeout: Duration,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        RecoveryConfig {
            watch: Some(Duration::from_secs(15 * 60)),
            interval: Duration::from_secs(30),
            check_timeout: Duration::from_secs(5),
        }
    }
}

impl RecoveryConfig {
    pub fn read(r: &Reader) -> RecoveryConfig {
        let watch = r.cadence("RECOVERY_WATCH", "15m");
        let interval = r.duration("RECOVERY_WATCH_INTERVAL", "30s");
        let check_timeout = r.duration("RECOVERY_CHECK_TIMEOUT", "5s");
        if interval < Duration::from_secs(5) {
            r.problem(
                "RECOVERY_WATCH_INTERVAL",
                "must be at least 5s (each check is a request to the system that just recovered)",
            );
        }
        if let Some(w) = watch {
            if w < interval {
                r.problem(
                    "RECOVERY_WATCH",
                    "is shorter than RECOVERY_WATCH_INTERVAL: the watch would never check twice",
                );
            }
        }
        RecoveryConfig {
            watch,
            interval: interval.max(Duration::from_secs(5)),
            check_timeout,
        }
    }

    /// `check-config` lines.
    pub fn report_lines(&self) -> Vec<(&'static str, String)> {
        let d = |d: Duration| humantime::format_duration(d).to_string();
        vec![
            (
                "RECOVERY_WATCH",
                self.watch.map(d).unwrap_or_else(|| "off".into()),
            ),
            ("RECOVERY_WATCH_INTERVAL", d(self.interval)),
            ("RECOVERY_CHECK_TIMEOUT", d(self.check_timeout)),
        ]
    }
}

/// These settings, as the composition root handed them to the context.
pub fn of(ctx: &chatops_core::Ctx) -> &RecoveryConfig {
    ctx.ext()
}
