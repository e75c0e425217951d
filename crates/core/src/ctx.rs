//! The context every flow, worker and job gets: the core's parts and, as extensions, what
//! the composition root gave each capability.

use std::any::Any;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::{
    cache, clock::Clock, config::Config, ext::Extensions, help_cache, jobs::registry::Kinds,
    signature, slack, store::Store,
};

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
    pub jobs: Kinds<Ctx>,
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
        jobs: Kinds<Ctx>,
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
