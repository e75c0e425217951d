//! The public status page (#26), built from the incidents themselves.
//!
//! - [`auto`]: the opt-in automatic degrade of components whose check fails
//! - [`command`]: `update --public …` and `unpublish <n>` in `/incident`
//! - [`publish`]: writing a public update (echo, hook, version), the resolution's text
//! - [`request`]: a public text asked for: published as written, or previewed first
//! - [`drafts`]: the preview of an incident's first public post (Publish / Edit)
//! - [`forms`]: the public fields of the incident forms (update, declare)
//! - [`unpublish`]: taking a wrong public update off the page (audited)
//! - [`interactive`]: the preview's buttons and the edit form
//! - [`hooks`]: the incident events the page follows
//! - [`store`]: what is public (the snapshot the page renders) and its version
//! - [`history`]: the 90-day history bars
//! - [`settings`]: the publishing variables (`STATUSPAGE_*`)
//! - [`web`]: the page, its JSON, feed and badge

pub mod auto;
pub mod command;
pub mod drafts;
pub mod forms;
pub mod history;
pub mod hooks;
pub mod interactive;
pub mod publish;
pub mod request;
pub mod settings;
pub mod store;
pub mod unpublish;
pub mod web;
