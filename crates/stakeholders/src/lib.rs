//! The people outside the war room (#27): the escalation matrix (who is notified at a
//! declaration, a raise, or when an incident is still open after a while) and management
//! updates by Slack and email, written for people who are not engineers.
//!
//! - [`settings`]: the matrix, the channels and addresses per severity, the cadence, SMTP
//! - [`matrix`]: the notices (a durable job per level, once per person)
//! - [`updates`]: management updates and their cadence (a durable job)
//! - [`mail`]: the mails, their thread, sending with retries
//! - [`hooks`]: what incidents announce, [`command`]: `update --stakeholders`
//! - [`join`]: the Join the war room button, [`status`]: who was notified, in `/incident status`
//! - [`state`]: the SQL of the per-incident state and the notices

pub mod command;
pub mod hooks;
mod jobs;
pub mod join;
pub mod mail;
pub mod matrix;
pub mod privacy;
pub mod settings;
pub mod state;
pub mod status;
pub mod updates;

pub use jobs::register;
pub use settings::StakeholdersConfig;
