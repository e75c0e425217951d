//! The runbook catalog's settings (`/ops`): `OPS_COMMAND`, `RUNBOOKS_FILE`, `KUBECONFIG`.
//!
//! The file is read and checked with the rest of the configuration, so an invalid file stops
//! the start and `check-config` lists each error with file and line. The default file missing
//! means no catalog; a file named in `RUNBOOKS_FILE` that is missing is an error.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::catalog::Catalog;
use chatops_core::config::{Reader, Secret};

pub const DEFAULT_RUNBOOKS_FILE: &str = "./runbooks.yml";

#[derive(Clone, Debug)]
pub struct OpsConfig {
    pub command: String,
    pub runbooks_file: String,
    /// `RUNBOOKS_FILE` was set (a missing file is then an error).
    pub explicit: bool,
    pub catalog: Option<Arc<Catalog>>,
    /// Kubeconfig files (a `:`-separated list, merged as kubectl does); unset: `~/.kube/config`,
    /// then the in-cluster service account.
    pub kubeconfig: Option<String>,
    /// The values of the variables the catalog names (`${VAR}`, `*_env`), read at start.
    pub env: BTreeMap<String, Secret>,
}

impl Default for OpsConfig {
    fn default() -> Self {
        OpsConfig {
            command: "/ops".into(),
            runbooks_file: DEFAULT_RUNBOOKS_FILE.into(),
            explicit: false,
            catalog: None,
            kubeconfig: None,
            env: BTreeMap::new(),
        }
    }
}

pub fn read(r: &Reader, command: String) -> OpsConfig {
    let set = r.get("RUNBOOKS_FILE");
    let explicit = set.is_some();
    let runbooks_file = set.unwrap_or_else(|| DEFAULT_RUNBOOKS_FILE.into());
    let kubeconfig = r.get("KUBECONFIG");
    let mut env = BTreeMap::new();
    let catalog = if !explicit && !std::path::Path::new(&runbooks_file).exists() {
        None
    } else {
        match crate::catalog::load(&runbooks_file) {
            Ok(c) => {
                for var in c.env_vars() {
                    // Known to the reader, so never taken for a misspelling.
                    r.read
                        .borrow_mut()
                        .push(Box::leak(var.clone().into_boxed_str()));
                    match r.env.get(&var).filter(|v| !v.trim().is_empty()) {
                        Some(v) => {
                            env.insert(var, Secret::new(v.trim()));
                        }
                        None => r.warn(
                            "RUNBOOKS_FILE",
                            format!("{runbooks_file}: `{var}` is used by an action but not set"),
                        ),
                    }
                }
                Some(Arc::new(c))
            }
            Err(problems) => {
                for p in problems {
                    r.problem("RUNBOOKS_FILE", p);
                }
                None
            }
        }
    };
    OpsConfig {
        command,
        runbooks_file,
        explicit,
        catalog,
        kubeconfig,
        env,
    }
}

impl OpsConfig {
    /// `check-config` lines.
    pub fn report_lines(&self) -> Vec<(&'static str, String)> {
        let file = match &self.catalog {
            Some(c) => format!(
                "{} ({} system{}: {})",
                self.runbooks_file,
                c.systems.len(),
                if c.systems.len() == 1 { "" } else { "s" },
                c.systems
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None if self.explicit => {
                format!("{} (not loaded: see the errors below)", self.runbooks_file)
            }
            None => format!("{} (absent: no runbook catalog)", self.runbooks_file),
        };
        vec![
            ("OPS_COMMAND", self.command.clone()),
            ("RUNBOOKS_FILE", file),
            (
                "KUBECONFIG",
                self.kubeconfig.clone().unwrap_or_else(|| {
                    "(unset: ~/.kube/config, else the in-cluster service account)".into()
                }),
            ),
        ]
    }

    /// A variable the catalog names, from the environment read at start.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(Secret::expose)
    }

    pub fn uses_kubernetes(&self) -> bool {
        self.catalog.as_ref().is_some_and(|c| {
            c.systems
                .iter()
                .any(|s| s.actions.iter().any(|a| a.kind.uses_kubernetes()))
        })
    }
}

/// These settings, as the composition root handed them to the context.
pub fn of(ctx: &chatops_core::Ctx) -> &OpsConfig {
    ctx.ext()
}
