//! The ground every capability stands on, and nothing above it:
//!
//! - [`ids`], [`severity`], [`clock`], [`text`]: typed ids, the incident vocabulary, time, text
//! - [`config`]: the core settings and the primitives every capability reads its own with
//!   ([`config::Secret`], [`config::Reader`], [`config::ConfigProblem`])
//! - [`store`] (and its migrations), [`outbox`]: the posts the bot owes Slack, delivered by a worker
//! - [`jobs`]: background work as leased rows; kinds are registered from above ([`jobs::Registry`])
//! - [`guarded`]: the one path of every privileged action: permission, single-use confirmation,
//!   the confirmed action as a job, audit ([`audit`], [`admins`])
//! - [`slack`], [`signature`], [`request`], [`cache`], [`help_cache`]: Slack's side
//! - [`ext`]: what the composition root hands each capability (its settings, clients, hooks)

pub mod admins;
pub mod audit;
pub mod cache;
pub mod clock;
pub mod config;
pub mod ext;
pub mod guarded;
pub mod help_cache;
pub mod ids;
pub mod jobs;
pub mod outbox;
pub mod request;
pub mod severity;
pub mod signature;
pub mod slack;
pub mod store;
pub mod text;

use std::any::Any;
use std::sync::Arc;

use tokio::sync::Notify;

pub use clock::Clock;
pub use config::Config;
pub use ext::Extensions;
pub use store::Store;

/// Who the bot is when it acts by itself (an alert that declares an incident): never invited,
/// never paged.
pub const BOT_ACTOR: &str = "chatops";

/// Everything a flow needs: core configuration, store, clients, clock, worker wake-ups, and
/// what each capability was given at start-up ([`Ctx::ext`]).
pub struct Ctx {
    pub config: Arc<Config>,
    pub store: Store,
    pub slack: slack::SlackClient,
    pub cache: cache::Cache,
    pub clock: Clock,
    /// Poked after a transaction wrote outbox rows.
    pub outbox_wake: Notify,
    /// Poked after a change to an incident's reminder schedule.
    pub reminder_wake: Notify,
    /// Poked after a transaction wrote a job.
    pub jobs_wake: Notify,
    /// The signing secret's HMAC key, prepared once.
    pub verifier: signature::Verifier,
    /// The help bodies, serialized on first use.
    pub help: help_cache::HelpCache,
    /// The job kinds the composition root registered.
    pub jobs: jobs::Registry,
    /// Each capability's settings, clients and hooks, one value per type.
    pub ext: Extensions,
}

impl Ctx {
    /// The context of a process: `ext` and `jobs` come from the composition root
    /// (`bot::compose`), which registers every capability.
    pub fn new(
        config: Config,
        store: Store,
        cache: cache::Cache,
        clock: Clock,
        ext: Extensions,
        jobs: jobs::Registry,
    ) -> Arc<Ctx> {
        let slack = slack::SlackClient::new(
            &config.slack_api_url,
            config.slack_bot_token.clone(),
            config.slack_timeout,
        );
        let verifier = signature::Verifier::new(config.slack_signing_secret.expose());
        Arc::new(Ctx {
            verifier,
            help: help_cache::HelpCache::default(),
            config: Arc::new(config),
            store,
            slack,
            cache,
            clock,
            outbox_wake: Notify::new(),
            reminder_wake: Notify::new(),
            jobs_wake: Notify::new(),
            jobs,
            ext,
        })
    }

    pub fn locale(&self) -> messages::Locale {
        self.config.locale
    }

    /// What the composition root gave a capability. A missing value is a wiring mistake in
    /// `bot::compose`, found by the first test that uses the capability.
    pub fn ext<T: Any + Send + Sync>(&self) -> &T {
        self.ext.get::<T>().unwrap_or_else(|| {
            panic!(
                "{} was not registered by the composition root",
                std::any::type_name::<T>()
            )
        })
    }
}

/// A handled failure: either the user's (shown as is) or ours (shown with a reference).
#[derive(Debug)]
pub enum FlowError {
    User(messages::Msg),
    Internal(anyhow::Error),
}

impl From<sqlx::Error> for FlowError {
    /// Keeps the database error as the cause (`source()`): nothing is flattened to a string.
    fn from(e: sqlx::Error) -> Self {
        FlowError::Internal(anyhow::Error::new(StoreFailure::from(e)))
    }
}

/// A store failure with its cause kept. Unreachable means "the database cannot be reached right
/// now" (connection refused, pool timeout, server shutting down), as opposed to a bug or a
/// constraint: the user is told to retry in a minute.
#[derive(Debug, thiserror::Error)]
pub enum StoreFailure {
    #[error("store unreachable")]
    Unreachable(#[source] sqlx::Error),
    #[error("store query failed")]
    Failed(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreFailure {
    fn from(e: sqlx::Error) -> Self {
        if store_unreachable(&e) {
            StoreFailure::Unreachable(e)
        } else {
            StoreFailure::Failed(e)
        }
    }
}

/// Whether a sqlx error means the database is unreachable (worth "retry in a minute").
pub fn store_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection.
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
        _ => false,
    }
}

fn is_store_unavailable(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<StoreFailure>(),
            Some(StoreFailure::Unreachable(_))
        ) || c
            .downcast_ref::<sqlx::Error>()
            .is_some_and(store_unreachable)
    })
}

impl From<anyhow::Error> for FlowError {
    fn from(e: anyhow::Error) -> Self {
        FlowError::Internal(e)
    }
}

impl FlowError {
    /// The message for the user; unexpected errors are logged with the same reference.
    pub fn into_msg(self, locale: messages::Locale) -> messages::Msg {
        match self {
            FlowError::User(m) => m,
            FlowError::Internal(e) if is_store_unavailable(&e) => {
                let reference = format!("e-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
                tracing::warn!(reference = %reference, error = %redacted(&e), "store unavailable");
                messages::store_unavailable(locale, &reference)
            }
            FlowError::Internal(e) => {
                let reference = format!("e-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
                tracing::error!(reference = %reference, error = %redacted(&e), "flow failed");
                messages::internal_error(locale, &reference)
            }
        }
    }
}

/// The cause chain (`a: b: c`) for a log line, a database password redacted.
fn redacted(e: &anyhow::Error) -> String {
    config::redact_url(&format!("{e:#}"))
}

pub type FlowResult<T> = Result<T, FlowError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_error_keeps_its_cause() {
        let FlowError::Internal(e) = FlowError::from(sqlx::Error::RowNotFound) else {
            panic!("a store error is ours, not the user's");
        };
        let cause = e
            .chain()
            .find_map(|c| c.downcast_ref::<sqlx::Error>())
            .expect("the sqlx error is in the chain");
        assert!(matches!(cause, sqlx::Error::RowNotFound));
        assert!(!is_store_unavailable(&e));
        let FlowError::Internal(e) = FlowError::from(sqlx::Error::PoolTimedOut) else {
            panic!("a store error is ours, not the user's");
        };
        assert!(is_store_unavailable(&e), "a pool timeout means unreachable");
        assert!(format!("{e:#}").contains("store unreachable"));
    }
}
