//! The ground every capability stands on, and nothing above it:
//!
//! - [`ids`], [`severity`], [`clock`], [`text`]: typed ids, the incident vocabulary, time, text
//! - [`components`]: the components status pages show, incidents affect, RTOs are set for
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
pub mod components;
pub mod config;
mod ctx;
pub mod dedupe;
mod error;
pub mod ext;
pub mod flags;
pub mod guarded;
pub mod help_cache;
pub mod ids;
pub mod jobs;
pub mod outbox;
pub mod phones;
pub mod request;
pub mod severity;
pub mod signature;
pub mod slack;
pub mod store;
pub mod text;

pub use clock::Clock;
pub use config::Config;
pub use ctx::{Ctx, BOT_ACTOR};
pub use error::{store_unreachable, FlowError, FlowResult, StoreFailure};
pub use ext::Extensions;
pub use store::Store;
