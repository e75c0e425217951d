//! The privileged Julia controls, as stored between the prompt and the click (and in the
//! deploy follow-up job): the shape of each, its audit name and the command as typed. What
//! each does is in its own module; [`super::controls`] ties them to the guarded path.

use serde::{Deserialize, Serialize};

/// A privileged action, stored in `confirmations.args` until confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    Pause {
        reason: String,
        handoff: bool,
    },
    Resume {
        reason: String,
        /// Put back in the queue the young messages blocked by safe mode since the pause.
        #[serde(default)]
        requeue: bool,
        /// At the prompt: how many such messages there were (the button's label).
        #[serde(default)]
        offer: Option<i64>,
    },
    JobsKill {
        id: String,
    },
    /// The `campaigns` flag.
    Campaigns {
        enabled: bool,
        reason: String,
    },
    /// One campaign `ativa` ↔ `pausada`; `id`, `label` and `from` are resolved at the prompt.
    Campaign {
        name: String,
        pause: bool,
        #[serde(default)]
        id: Option<i64>,
        #[serde(default)]
        label: Option<String>,
        #[serde(default)]
        from: Option<String>,
    },
    Restart {
        service: String,
    },
    Redeploy {
        service: String,
    },
    Rollback {
        service: String,
        deployment: Option<String>,
    },
    /// A rollback that writes kill switches back to their value at the prompt
    /// ([`crate::keep`]): the prompt's second button.
    RollbackKeeping {
        service: String,
        deployment: Option<String>,
        keep: Vec<(String, String)>,
    },
    EvolutionRestart,
    WebhookReset,
}

impl Action {
    /// The audit name.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Pause { .. } => "julia.pause",
            Action::Resume { .. } => "julia.resume",
            Action::JobsKill { .. } => "julia.jobs_kill",
            Action::Campaigns { .. } => "julia.campaigns",
            Action::Campaign { .. } => "julia.campaign",
            Action::Restart { .. } => "julia.restart",
            Action::Redeploy { .. } => "julia.redeploy",
            Action::Rollback { .. } | Action::RollbackKeeping { .. } => "julia.rollback",
            Action::EvolutionRestart => "julia.evolution_restart",
            Action::WebhookReset => "julia.webhook_reset",
        }
    }
    /// The subcommand as typed, for messages.
    pub fn command(&self) -> String {
        match self {
            Action::Pause { .. } => "pause".into(),
            Action::Resume { .. } => "resume".into(),
            Action::JobsKill { .. } => "jobs kill".into(),
            Action::Campaigns { enabled, .. } => {
                format!("campaigns {}", if *enabled { "on" } else { "off" })
            }
            Action::Campaign { pause, name, .. } => {
                format!(
                    "campaign {} {name}",
                    if *pause { "pause" } else { "resume" }
                )
            }
            Action::Restart { service } => format!("restart {service}"),
            Action::Redeploy { service } => format!("redeploy {service}"),
            Action::Rollback { service, .. } | Action::RollbackKeeping { service, .. } => {
                format!("rollback {service}")
            }
            Action::EvolutionRestart => "evolution restart".into(),
            Action::WebhookReset => "webhook reset".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Confirmation rows and deploy follow-up jobs written before an upgrade still read.
    #[test]
    fn the_stored_shape_stays_as_written() {
        let cases = [
            (
                Action::Resume {
                    reason: "r".into(),
                    requeue: true,
                    offer: Some(3),
                },
                json!({"kind": "resume", "reason": "r", "requeue": true, "offer": 3}),
            ),
            (
                Action::Rollback {
                    service: "julia-api".into(),
                    deployment: None,
                },
                json!({"kind": "rollback", "service": "julia-api", "deployment": null}),
            ),
            (Action::WebhookReset, json!({"kind": "webhook_reset"})),
        ];
        for (a, v) in cases {
            assert_eq!(serde_json::to_value(&a).unwrap(), v);
            assert_eq!(serde_json::from_value::<Action>(v).unwrap(), a);
        }
        let old: Action = serde_json::from_value(json!({"kind": "resume", "reason": "r"})).unwrap();
        assert_eq!(old.name(), "julia.resume");
    }
}
