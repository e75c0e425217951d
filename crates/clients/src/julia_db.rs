//! Julia's Supabase PostgreSQL (a pool separate from the bot's store). Only the columns
//! described in the contract are read or written.

mod access;
mod backlog;
mod client;
mod doctors;
mod flag_cache;
mod pause;
mod safe_mode;
mod switches;
mod types;
mod visibility;

pub use access::{TableAccess, Visibility, JULIA_TABLES};
pub use client::JuliaDb;
pub use doctors::{DoctorQuery, DoctorRow, Doctors};
pub use flag_cache::set_flag_cache;
pub use switches::{Campaign, FlagChange, FlagRow, KNOWN_FLAGS};
pub use types::{
    Blocked, DbError, Guard, Handoffs, JobRow, Jobs, PauseChange, PauseState, Queue, SafeMode,
    StatusRow,
};

/// `enabled` of a `campaigns` flag value (`true` when the row or key is missing).
pub fn campaigns_enabled(value: Option<&str>) -> bool {
    switches::enabled_of(value, true)
}
