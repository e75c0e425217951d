//! The public status page (#26), built from the incidents themselves.
//!
//! - [`store`]: what is public (the snapshot the page renders) and its version
//! - [`history`]: the 90-day history bars
//! - [`settings`]: the publishing variables (`STATUSPAGE_*`)
//! - [`web`]: the page, its JSON, feed and badge

pub mod history;
pub mod settings;
pub mod store;
pub mod web;
