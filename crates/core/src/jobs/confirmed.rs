//! A confirmed privileged action (a `/julia` restart, an `/ops` runbook action…) is a job,
//! written with the click that confirms it and run at once by the process that took the click.
//! This module holds its payload and the rule for a run; carrying it out is the guarded path's
//! ([`crate::guarded`], which knows the kinds of control; this module knows none).
//!
//! If the process that took the click dies before the action is carried out, the next process
//! (or another replica) takes the job over within a lease. It never repeats a production
//! action blindly ([`ConfirmedAction::fate`]):
//! - not started yet and the click is recent ([`STILL_WANTED`]): carried out;
//! - not started and the click is older: not carried out; the person is told to ask again;
//! - started (Railway, Julia, Kubernetes… may have been called): not repeated; the channel is
//!   told it may or may not have been applied and how to check.
//!
//! Either notice is posted once (outbox, in the transaction that completes the job) and audited.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// How long after the click an action not yet started is still carried out.
pub const STILL_WANTED: Duration = Duration::from_secs(120);

/// The payload of a confirmed action's job (`A`: the kind of control).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "A: DeserializeOwned"))]
pub struct ConfirmedAction<A> {
    pub user: String,
    pub channel: String,
    pub response_url: String,
    /// The action; with its secret values blanked when `token` is set.
    pub action: A,
    /// When the button was clicked, epoch ms.
    pub confirmed_at: i64,
    /// The confirmation whose row holds the action with its secret values, until this job is
    /// done with them (then they are blanked there too). `None`: the action has none, and
    /// `action` is all the job needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// What a run of a confirmed action's job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Not started, the click is recent: carry it out now.
    CarryOut,
    /// Not started, the click is too old: tell the person it was not carried out.
    NotCarriedOut,
    /// Started by a run that was cut short: never repeated; tell the channel how to check.
    Interrupted,
}

impl<A> ConfirmedAction<A> {
    /// The rule for a run at `now`, `started` when an earlier run recorded its start.
    pub fn fate(&self, started: bool, now: i64) -> Fate {
        if started {
            Fate::Interrupted
        } else if now - self.confirmed_at > STILL_WANTED.as_millis() as i64 {
            Fate::NotCarriedOut
        } else {
            Fate::CarryOut
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clicked_at(confirmed_at: i64) -> ConfirmedAction<String> {
        ConfirmedAction {
            user: "U1".into(),
            channel: "C1".into(),
            response_url: String::new(),
            action: "restart".into(),
            confirmed_at,
            token: None,
        }
    }

    #[test]
    fn started_is_never_repeated_and_late_is_not_carried_out() {
        let wanted = STILL_WANTED.as_millis() as i64;
        let a = clicked_at(1_000);
        assert_eq!(a.fate(false, 1_000), Fate::CarryOut);
        assert_eq!(a.fate(false, 1_000 + wanted), Fate::CarryOut);
        assert_eq!(a.fate(false, 1_001 + wanted), Fate::NotCarriedOut);
        assert_eq!(a.fate(true, 1_000), Fate::Interrupted);
        assert_eq!(a.fate(true, 1_001 + wanted), Fate::Interrupted);
    }

    #[test]
    fn a_payload_without_a_token_reads_and_writes_as_before() {
        let old = r#"{"kind":"confirmed_action","user":"U1","channel":"C1","response_url":"","action":"restart","confirmed_at":5}"#;
        let a: ConfirmedAction<String> = serde_json::from_str(old).unwrap();
        assert_eq!(a, clicked_at(5));
        let written = serde_json::to_string(&a).unwrap();
        assert!(!written.contains("token"), "{written}");
    }
}
