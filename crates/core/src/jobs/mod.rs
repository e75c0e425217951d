//! Background work that must survive a crash: each unit is a row of `jobs`, written in the same
//! transaction as the change that causes it, then run by [`run_worker`] (or by a test calling
//! [`run_once`]).
//!
//! - **Leases.** A worker claims a due job with a short lease (`JOBS_LEASE`, 5 s; `FOR UPDATE
//!   SKIP LOCKED` on PostgreSQL) and renews it every third of the lease while the job runs. A
//!   process that dies stops renewing, so a restarted process or another replica takes the job
//!   over within one lease. A worker that loses its lease stops the job at once.
//! - **Retries.** A failed attempt is retried with exponential backoff (1 s, 2 s, 4 s … 60 s); after
//!   `JOBS_MAX_ATTEMPTS` the job is `failed` for good: counted in `/health/ready` and `/metrics`,
//!   and for a declaration, announced once in the incidents channel (in the same transaction).
//! - **Steps safe to repeat.** A job records each finished step in `progress` (or on the row it
//!   changes) and skips it when it runs again; its last writes and its completion are one
//!   transaction ([`Lease::complete_in`]).
//! - **Kinds registered, not listed.** This runtime knows no kind of work. Each capability
//!   registers its kinds at start-up ([`Registry::register`]: a name, a payload type, a
//!   handler); the worker claims a row, finds the handler by the row's `kind` and runs it
//!   with the lease. A payload also carries its `kind` (the format of every row written so
//!   far), so rows written by an earlier or a later release read the same.

pub mod confirmed;
mod error;
mod lease;
pub(crate) mod registry;
mod runner;
mod status;
mod worker;

pub use confirmed::ConfirmedAction;
pub use error::{JobError, JobResult};
pub use lease::Lease;
pub use registry::{Failed, Run};
pub use runner::{backoff, enqueue, run_job, run_once, Ran};
pub use status::{export_metrics, last_id, pending_after, summary, Summary};
pub use worker::{prune, run_worker, KEEP_DONE};

/// Every kind of background work this process runs (filled by the composition root).
pub type Registry = registry::Kinds<crate::Ctx>;
