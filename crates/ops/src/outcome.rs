//! What an action's kind did ([`Outcome`]), or why it did not complete ([`Failure`]): what
//! [`super::exec`], [`super::railway`] and [`super::kube`] return.

use super::check::CheckResult;

/// What an action did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub before: Option<String>,
    pub after: Option<String>,
    /// Detail for the requester (and the announcement).
    pub lines: Vec<String>,
    /// Pod logs: for the requester only, never a channel.
    pub logs: Option<Vec<(String, String)>>,
    /// An `http.check`'s result (kept for `/ops`).
    pub check: Option<CheckResult>,
    /// The audit outcome when the action only half happened (e.g. [`WRITTEN_NOT_DEPLOYED`]);
    /// `None`: "done". A half-done action gets no follow-up.
    pub state: Option<&'static str>,
}

/// A variable written whose deploy (the one that applies it) was refused or failed.
pub const WRITTEN_NOT_DEPLOYED: &str = "written_not_deployed";

impl Outcome {
    pub fn changed(before: Option<String>, after: Option<String>) -> Outcome {
        Outcome {
            before,
            after,
            ..Outcome::default()
        }
    }
    pub fn lines(lines: Vec<String>) -> Outcome {
        Outcome {
            lines,
            ..Outcome::default()
        }
    }
}

/// Why an action did not complete. `system` empty: nothing to do (shown as "unchanged").
#[derive(Debug, Clone)]
pub struct Failure {
    pub system: &'static str,
    pub error: String,
    /// No answer to a write: it may have been applied.
    pub maybe_applied: bool,
}

impl Failure {
    pub fn unchanged(&self) -> bool {
        self.system.is_empty()
    }
}
