//! Customers by WhatsApp (#27): when a P0/P1 that affects a customer-facing component has been
//! open past `CUSTOMERS_NOTICE_AFTER`, the war room is asked whether to tell the doctors, with
//! the exact message, the count, who is left out and why, and the time it takes ([`prompt`],
//! scheduled by [`hooks`]); `/incident notify-customers` asks at any time ([`command`]).
//!
//! - Recipients ([`audience`]): the doctors who wrote to Julia lately, read from Julia's
//!   database in a read-only transaction under a statement timeout, or `CUSTOMERS_PHONES`;
//!   every opt-out mark, deleted doctors and (outside production) anything off the dev
//!   allowlist always left out; Julia's contact rules (quiet hours, cooling-off, the cap) held
//!   unless someone chooses to include them.
//! - Sending is guarded ([`control`]: permission, single-use confirmation naming the count,
//!   audit), refused for drills and when WhatsApp is not connected, and paced by a durable job
//!   ([`send`]) that never sends a doctor the same notice twice, even across a crash.
//! - Numbers stay in the bot's store: Slack, logs and the audit log see them masked
//!   ([`phone`]).

pub mod actions;
pub mod audience;
pub mod command;
pub mod control;
pub mod hooks;
pub mod jobs;
pub mod phone;
pub mod preview;
pub mod prompt;
pub mod send;
pub mod settings;
pub mod store;

pub use command::NotifyCmd;
pub use jobs::register;
