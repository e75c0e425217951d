//! What a confirmation row holds ([`crate::store::confirmations`]): from the prompt to the
//! click, the action, the prompt's channel and the second choice; after a confirm, while its
//! job needs them, the action's secret values ([`Control::redacted`]). A row holding secret
//! values is marked, and they are blanked after the click (cancelled or carried out) and after
//! expiry (prompts never clicked).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::control::Control;
use crate::store::confirmations;
use crate::Ctx;

/// How the args of a row holding secret values start ([`Stored::secrets`] is written first).
const SECRETS_MARK: &str = r#"{"secrets":true,"#;

/// What `confirmations.args` holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(deserialize = "A: DeserializeOwned"))]
pub(super) struct Stored<A> {
    /// The action or its second choice holds secret values. First, so such a row starts with
    /// [`SECRETS_MARK`].
    #[serde(default, skip_serializing_if = "is_false")]
    pub secrets: bool,
    pub action: A,
    pub channel: String,
    /// The second choice of a two-way prompt, e.g. "Resume only".
    #[serde(default)]
    pub alt: Option<A>,
}

/// A row written before its kind of control moved onto this path: the action's fields beside
/// the channel (`/ops` runbook actions were stored so).
#[derive(Deserialize)]
#[serde(bound(deserialize = "A: DeserializeOwned"))]
struct Flat<A> {
    #[serde(flatten)]
    action: A,
    #[serde(default)]
    channel: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Whether `a` holds values that must not be kept once nothing needs them.
pub(super) fn holds_secrets<A: Control>(a: &A) -> bool {
    serde_json::to_value(a).ok() != serde_json::to_value(a.redacted()).ok()
}

impl<A: Control> Stored<A> {
    pub fn new(action: A, channel: String, alt: Option<A>) -> Self {
        let secrets = holds_secrets(&action) || alt.as_ref().is_some_and(holds_secrets);
        Stored {
            secrets,
            action,
            channel,
            alt,
        }
    }

    /// A row's args (`None`: unknown, blanked, or another kind of control's).
    pub fn read(args: &str) -> Option<Self> {
        if let Ok(s) = serde_json::from_str::<Stored<A>>(args) {
            return Some(s);
        }
        let f = serde_json::from_str::<Flat<A>>(args).ok()?;
        Some(Stored::new(f.action, f.channel, None))
    }

    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The action confirmation `token` holds (after a confirm: the one confirmed, with its secret
/// values until they are blanked) and the prompt's channel.
pub async fn stored_action<A: Control>(
    conn: &mut AnyConnection,
    token: &str,
) -> Result<Option<(A, String)>, sqlx::Error> {
    let row = confirmations::get(conn, token).await?;
    Ok(row
        .and_then(|r| Stored::<A>::read(&r.args))
        .map(|s| (s.action, s.channel)))
}

/// After a confirm, the row holds only the confirmed action (with its secret values, for its
/// job).
pub(super) async fn keep_confirmed<A: Control>(
    conn: &mut AnyConnection,
    token: &str,
    action: &A,
    channel: &str,
) -> Result<(), sqlx::Error> {
    let s = Stored::new(action.clone(), channel.to_string(), None);
    confirmations::set_args(conn, token, &s.json()).await
}

/// Blanks the secret values `token`'s row holds: nothing needs them any more.
pub(super) async fn redact<A: Control>(
    conn: &mut AnyConnection,
    token: &str,
    action: &A,
    channel: &str,
) -> Result<(), sqlx::Error> {
    let s = Stored::new(action.redacted(), channel.to_string(), None);
    confirmations::set_args(conn, token, &s.json()).await
}

/// Blanks the rows of prompts never clicked and now expired that hold secret values (a failure
/// is logged: the next request tries again).
pub(super) async fn blank_expired(ctx: &Ctx, now: i64) {
    if let Err(e) = confirmations::blank_expired(&ctx.store.pool, SECRETS_MARK, now).await {
        tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "guarded: could not blank expired confirmations");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_how_a_row_with_secrets_starts() {
        let s = Stored {
            secrets: true,
            action: 1,
            channel: "C1".into(),
            alt: None,
        };
        assert!(serde_json::to_string(&s).unwrap().starts_with(SECRETS_MARK));
        let s = Stored {
            secrets: false,
            ..s
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"action":1,"channel":"C1","alt":null}"#);
    }
}
