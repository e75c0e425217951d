//! One runbook action as asked: the system, the action and its typed arguments, and the value
//! the prompt showed. What a confirmation row holds between the prompt and the click (the
//! guarded path's [`Control`](chatops_core::guarded::Control), in [`super::control`]).

use serde::{Deserialize, Serialize};

use super::args::Args;
use super::catalog::{Action, System};
use chatops_core::Ctx;

/// A runbook action with its arguments. Its fields are those of the rows the release before
/// the guarded path wrote (with the prompt's channel beside them), so those rows still read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunbookAction {
    pub system: String,
    pub action: String,
    pub args: Args,
    /// The current value shown at the prompt (a scale checks it has not moved since).
    #[serde(default)]
    pub expected: Option<String>,
}

impl RunbookAction {
    pub fn new(system: &str, action: &str, args: Args) -> Self {
        RunbookAction {
            system: system.into(),
            action: action.into(),
            args,
            expected: None,
        }
    }

    /// The audit name, e.g. `ops.kumon.kill-switch`.
    pub fn audit_name(&self) -> String {
        format!("ops.{}.{}", self.system, self.action)
    }

    /// `system action`, as typed after the slash command (no argument values).
    pub fn command(&self) -> String {
        format!("{} {}", self.system, self.action)
    }

    /// `system action name=value…` (secret values as `[secret]`), for messages.
    pub fn shown(&self) -> String {
        match self.args.shown() {
            s if s.is_empty() => self.command(),
            s => format!("{} {s}", self.command()),
        }
    }

    /// The same action with its secret argument values blanked.
    pub fn without_secrets(&self) -> Self {
        RunbookAction {
            args: self.args.redacted(),
            ..self.clone()
        }
    }

    /// Its system and action in this process's catalog (`None`: no catalog, or not in it).
    pub fn find<'c>(&self, ctx: &'c Ctx) -> Option<(&'c System, &'c Action)> {
        let catalog = crate::settings::of(ctx).catalog.as_deref()?;
        let sys = catalog.system(&self.system)?;
        Some((sys, sys.action(&self.action)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_of_the_release_before_reads_and_secrets_are_blanked() {
        let old = r#"{"system":"etp","action":"rotate-key","args":{"values":{"key":"sk-1"},"secret":["key"]},"channel":"C1","expected":"(set)"}"#;
        let r: RunbookAction = serde_json::from_str(old).unwrap();
        assert_eq!(r.audit_name(), "ops.etp.rotate-key");
        assert_eq!(r.expected.as_deref(), Some("(set)"));
        assert_eq!(r.shown(), "etp rotate-key key=[secret]");
        let blank = serde_json::to_string(&r.without_secrets()).unwrap();
        assert!(!blank.contains("sk-1"), "{blank}");
    }
}
