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

mod group;
mod render;
pub mod settings;
pub mod actions;
pub mod declare;
pub mod intake;
pub mod payload;
pub mod silences;

pub use group::{Group, lock, get};
pub(crate) use group::{COLS, from_row, for_update};
pub use render::{refresh, view};

