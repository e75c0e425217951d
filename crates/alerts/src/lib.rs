//! Alert intake (#16): Alertmanager's webhook and a small generic body (`/alerts/*`), Julia's
//! health watcher, all through one pipeline:
//!
//! - [`payload`]: the bodies, parsed into one group update ([`payload::Incoming`]);
//! - [`intake`]: the update stored in one transaction with the post it causes: one message per
//!   group, updated in place (`chat.update`), at most `ALERTS_MAX_POSTS_PER_MINUTE` new
//!   messages a minute per channel, then one summary message listing the rest;
//! - [`actions`]: the buttons (Declare, Acknowledge, Silence 1h/4h, Expire silence);
//! - [`silences`]: Alertmanager's silences API (`ALERTMANAGER_URL`);
//! - [`declare`]: the link between a group and its incident, and auto-declaration.

pub mod actions;
pub mod declare;
mod group;
pub mod intake;
pub mod payload;
pub mod recheck;
mod render;
pub mod repeat_check;
pub mod settings;
pub mod silence_end;
pub mod silences;

pub(crate) use group::{for_update, from_row, COLS};
pub use group::{get, lock, of_incident, Group};
pub use render::{refresh, view};
pub use silence_end::register;
