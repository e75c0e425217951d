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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(pairs: &[(&str, &str)]) -> (RecoveryConfig, Vec<String>) {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let r = Reader::new(&env);
        let c = RecoveryConfig::read(&r);
        let problems = r.problems.into_inner();
        (c, problems.iter().map(|p| p.var.clone()).collect())
    }

    #[test]
    fn defaults_off_and_mistakes() {
        let (c, p) = read(&[]);
        assert_eq!(c.watch, Some(Duration::from_secs(900)));
        assert_eq!(c.interval, Duration::from_secs(30));
        assert!(p.is_empty());
        let (c, _) = read(&[("RECOVERY_WATCH", "off")]);
        assert_eq!(c.watch, None);
        let (c, p) = read(&[("RECOVERY_WATCH_INTERVAL", "1s")]);
        assert_eq!(c.interval, Duration::from_secs(5));
        assert_eq!(p, vec!["RECOVERY_WATCH_INTERVAL"]);
        let (_, p) = read(&[("RECOVERY_WATCH", "1m"), ("RECOVERY_WATCH_INTERVAL", "2m")]);
        assert_eq!(p, vec!["RECOVERY_WATCH"]);
        let (_, p) = read(&[("RECOVERY_WATCH", "soon")]);
        assert_eq!(p, vec!["RECOVERY_WATCH"]);
    }
}
