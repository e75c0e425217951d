//! The kinds of background work, registered from above at start-up: a name, a payload type and
//! a handler (and, for a job whose loss people notice, what to say when it fails for good).
//! The runtime finds a claimed row's handler by the row's `kind`.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::AnyConnection;

use super::error::{JobError, JobResult};
use super::lease::Lease;

/// Runs a claimed row's payload with its lease (`C`: the context, `crate::Ctx`).
pub type Run<C> =
    Box<dyn for<'a> Fn(&'a Arc<C>, &'a str, &'a Lease) -> BoxFuture<'a, JobResult> + Send + Sync>;

/// Writes, in the transaction that marks the job failed, what people must hear of it.
pub type Failed<C> = Box<
    dyn for<'a> Fn(
            &'a C,
            &'a mut AnyConnection,
            &'a str,
            &'a Lease,
            i64,
        ) -> BoxFuture<'a, Result<(), sqlx::Error>>
        + Send
        + Sync,
>;

struct Kind<C> {
    run: Run<C>,
    failed: Option<Failed<C>>,
}

/// Every kind this process runs, by name. Generic over the context so that the context can
/// hold it (`crate::jobs::Registry` is this over `crate::Ctx`).
pub struct Kinds<C> {
    kinds: BTreeMap<&'static str, Kind<C>>,
}

impl<C> Default for Kinds<C> {
    fn default() -> Self {
        Kinds {
            kinds: BTreeMap::new(),
        }
    }
}

impl<C> std::fmt::Debug for Kinds<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.kinds.keys()).finish()
    }
}

impl<C: Send + Sync + 'static> Kinds<C> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `kind`: rows of that kind are read as `P` and run by `run`. Registering a
    /// name twice is a wiring mistake and panics at start-up.
    pub fn register<P, F>(&mut self, kind: &'static str, run: F) -> &mut Self
    where
        P: DeserializeOwned + Send + 'static,
        F: for<'a> Fn(&'a Arc<C>, P, &'a Lease) -> BoxFuture<'a, JobResult> + Send + Sync + 'static,
    {
        let run: Run<C> = Box::new(move |ctx, payload, lease| match read::<P>(payload) {
            Ok(p) => run(ctx, p, lease),
            Err(e) => Box::pin(async move { Err(e) }),
        });
        let old = self.kinds.insert(kind, Kind { run, failed: None });
        assert!(old.is_none(), "job kind `{kind}` registered twice");
        self
    }

    /// Like [`Kinds::register`], with the notice written when a job of this kind fails for
    /// good (in the same transaction as the failure).
    pub fn register_with_failure<P, F, G>(
        &mut self,
        kind: &'static str,
        run: F,
        failed: G,
    ) -> &mut Self
    where
        P: DeserializeOwned + Send + 'static,
        F: for<'a> Fn(&'a Arc<C>, P, &'a Lease) -> BoxFuture<'a, JobResult> + Send + Sync + 'static,
        G: for<'a> Fn(
                &'a C,
                &'a mut AnyConnection,
                P,
                &'a Lease,
                i64,
            ) -> BoxFuture<'a, Result<(), sqlx::Error>>
            + Send
            + Sync
            + 'static,
    {
        self.register(kind, run);
        let failed: Failed<C> = Box::new(move |ctx, conn, payload, lease, now| {
            match read::<P>(payload) {
                Ok(p) => failed(ctx, conn, p, lease, now),
                // Nothing typed to say about a payload that cannot be read.
                Err(_) => Box::pin(async { Ok(()) }),
            }
        });
        if let Some(k) = self.kinds.get_mut(kind) {
            k.failed = Some(failed);
        }
        self
    }

    /// The names of every registered kind (for the `/metrics` gauges), sorted.
    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.keys().copied()
    }

    pub(super) fn runner(&self, kind: &str) -> Option<&Run<C>> {
        self.kinds.get(kind).map(|k| &k.run)
    }

    pub(super) fn on_failed(&self, kind: &str) -> Option<&Failed<C>> {
        self.kinds.get(kind).and_then(|k| k.failed.as_ref())
    }
}

fn read<P: DeserializeOwned>(payload: &str) -> Result<P, JobError> {
    serde_json::from_str(payload).map_err(|e| JobError::Fail(format!("unreadable payload: {e}")))
}

/// The stored payload: the value's fields and its `kind`, the format rows have always had
/// (so a process of the previous release reads a row this one wrote, and the other way round).
pub(super) fn payload<P: Serialize>(kind: &str, job: &P) -> String {
    let mut v = serde_json::to_value(job).expect("a job payload serialises");
    if let Some(o) = v.as_object_mut() {
        o.insert("kind".into(), serde_json::Value::String(kind.into()));
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Declaration {
        incident: i64,
        #[serde(default)]
        reply: Option<String>,
    }

    #[test]
    fn payloads_carry_their_kind_and_read_rows_of_the_old_format() {
        let s = payload(
            "declaration",
            &Declaration {
                incident: 7,
                reply: None,
            },
        );
        assert!(s.contains(r#""kind":"declaration""#), "{s}");
        assert_eq!(
            read::<Declaration>(&s).unwrap(),
            Declaration {
                incident: 7,
                reply: None
            }
        );
        // A row written by the release with the `Job` enum (internally tagged).
        let old = read::<Declaration>(r#"{"kind":"declaration","incident":3}"#).unwrap();
        assert_eq!(
            old,
            Declaration {
                incident: 3,
                reply: None
            }
        );
        assert!(matches!(read::<Declaration>("{}"), Err(JobError::Fail(_))));
    }
}
