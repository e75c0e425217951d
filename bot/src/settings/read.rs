//! The whole configuration read in one pass: the core's settings and each capability's.

use alerts::settings::AlertsConfig;
use chatops_core::config::{command, ConfigError, ConfigProblem, Reader};
use chatops_core::Config;
use clients::julia_config::JuliaConfig;
use ops::settings::OpsConfig;
use paging::settings::PagingConfig;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};

/// Everything the bot reads from its environment. Derefs to the core [`Config`].
#[derive(Clone, Debug)]
pub struct Settings {
    pub core: Config,
    /// Julia controls (`/julia`) and the clients of Julia's systems.
    pub julia: JuliaConfig,
    /// Alert intake, statistics and the weekly digest.
    pub alerts: AlertsConfig,
    /// The runbook catalog (`/ops`).
    pub ops: OpsConfig,
    /// Acknowledgment, on-call rotation, pages.
    pub paging: PagingConfig,
    /// Action items (`ACTION_ITEMS_*`).
    pub followup: followup::settings::FollowupConfig,
    /// RTO clocks and the stability watch (`RECOVERY_*`).
    pub recovery: recovery::settings::RecoveryConfig,
    /// The escalation matrix and management updates (`STAKEHOLDERS_*`, `SMTP_*`).
    pub stakeholders: stakeholders::StakeholdersConfig,
    /// The customer WhatsApp notice (`CUSTOMERS_*`).
    pub customers: customers::settings::CustomersConfig,
    /// The status page's publishing (`STATUSPAGE_*`).
    pub statuspage: statuspage::settings::StatusPageConfig,
    /// Where and how the status page is served (`STATUSPAGE_PATH`, …).
    pub statuspage_web: statuspage::web::WebConfig,
}

impl Deref for Settings {
    type Target = Config;
    fn deref(&self) -> &Config {
        &self.core
    }
}

impl DerefMut for Settings {
    fn deref_mut(&mut self) -> &mut Config {
        &mut self.core
    }
}

pub(crate) fn first_error(
    (config, problems): (Settings, Vec<ConfigProblem>),
) -> Result<Settings, ConfigError> {
    match problems.into_iter().find(ConfigProblem::is_error) {
        Some(e) => Err(e),
        None => Ok(config),
    }
}

impl Settings {
    /// The process environment; the first error, if any (see [`Settings::from_env_checked`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        first_error(Self::from_env_checked())
    }

    /// The process environment, with every problem found (errors and warnings).
    pub fn from_env_checked() -> (Self, Vec<ConfigProblem>) {
        Self::read(&std::env::vars().collect())
    }

    /// Builds a configuration from explicit pairs (tests); unset keys take their defaults.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Result<Self, ConfigError> {
        first_error(Self::read_pairs(pairs))
    }

    /// Like [`Settings::from_pairs`], with every problem found.
    pub fn read_pairs(pairs: &[(&str, &str)]) -> (Self, Vec<ConfigProblem>) {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self::read(&map)
    }

    /// Reads every variable from `env`. A value that fails its check is reported and replaced
    /// by its default, so the configuration is always complete and the list has every problem.
    pub fn read(env: &HashMap<String, String>) -> (Self, Vec<ConfigProblem>) {
        let r = Reader::new(env);
        let config = Self::read_with(&r);
        r.near_misses();
        (config, r.problems.into_inner())
    }

    /// Every variable the configuration reads (for docs checks and "did you mean").
    pub fn variables() -> Vec<&'static str> {
        let env = HashMap::new();
        let r = Reader::new(&env);
        Self::read_with(&r);
        let mut v = r.read.into_inner();
        v.sort_unstable();
        v.dedup();
        v
    }

    fn read_with(r: &Reader) -> Self {
        let ops = ops::settings::read(r, command(r, "OPS_COMMAND", "/ops"));
        let core = Config::read_with(r);
        let mut alerts = AlertsConfig::read(r);
        // Alerts go to the incidents channel unless ALERTS_CHANNEL says otherwise.
        if alerts.channel.is_none() {
            alerts.channel = core.incidents_channel.clone();
        }
        Settings {
            paging: PagingConfig::read(r),
            followup: followup::settings::FollowupConfig::read(r),
            recovery: recovery::settings::RecoveryConfig::read(r),
            stakeholders: stakeholders::StakeholdersConfig::read(r),
            customers: customers::settings::CustomersConfig::read(r),
            statuspage: statuspage::settings::StatusPageConfig::read(r),
            statuspage_web: statuspage::web::WebConfig::read(r, core.locale),
            julia: JuliaConfig::read(r),
            core,
            alerts,
            ops,
        }
    }
}

/// What `chatops doctor` reads of the settings.
impl<'a> From<&'a Settings> for doctor::Settings<'a> {
    fn from(s: &'a Settings) -> Self {
        doctor::Settings {
            core: &s.core,
            julia: &s.julia,
            paging: &s.paging,
            stakeholder_ids: &s.stakeholders.people,
        }
    }
}
