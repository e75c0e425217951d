//! The guarded-action path, the same for every privileged control (`/julia pause`, a Railway
//! rollback, an `/ops` runbook…): permission, preconditions, a single-use confirmation button,
//! then the action (guard, change, read-back, announcement), every step audited.
//!
//! This module knows no action: each kind implements [`Control`], and [`request`] and
//! [`answer`] only authorize, confirm and audit. The confirmation and audit rows live in the
//! store modules ([`crate::store::confirmations`], [`crate::audit`]). A confirmed action is a
//! job written with the click ([`crate::jobs::confirmed`]): a crash never loses it, and never
//! repeats it blindly. An action's secret values ([`Control::redacted`]) stay in its
//! confirmation row only until the click (cancelled, or its job done) or the expiry; a job's
//! payload and the audit log never hold them.
//!
//! - `control`: the trait and what its steps return; `flow`: the request and the click;
//!   `job`: the confirmed action's job; `finish`: audit rows and the end of an action;
//!   `stored`: what a confirmation row holds; `reply`: where the answers go

mod control;
mod finish;
mod flow;
mod job;
mod reply;
mod stored;

/// One home for the question (below incidents and controls): [`crate::admins`].
pub use crate::admins::is_admin;
pub use control::{Control, Outcome, Prepared, Refusal};
pub use finish::{finish, finish_announced, record, stop};
pub use flow::{answer, request, Choice, CONFIRM_TTL};
pub use job::{given_up, not_carried_out, register, run_job};
pub use reply::Reply;
pub use stored::stored_action;
