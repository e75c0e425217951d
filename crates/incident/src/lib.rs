//! Incidents: the flows from declaration to post-mortem, reminders and escalation.
//! Severity, status and roles are `chatops_core::severity`, re-exported here.
//!
//! Every change writes the incident row, its timeline event and the posts it causes (outbox)
//! in one transaction. Where an incident lives: its war room, plus a thread reply under its
//! announcement in `INCIDENTS_CHANNEL`; without a war room, that thread alone.
//!
//! - [`affects`], [`components`]: the components an incident affects (`--affects`), and their SQL
//! - [`declare`]: the declaration (row + job; war room, invites and posts in the job)
//! - [`lifecycle`]: update, severity, roles, on it, resolve, reopen, snooze
//! - [`postmortem`]: the draft and `postmortem done`; [`draft_parts`]: what the follow-up adds
//!   to it; [`names`]: people by their Slack names
//! - [`timeline`]: the typed kinds of timeline events, notes and pins
//! - [`shared`]: the view, where an incident lives, who may change it, which one a command means
//! - [`store`], [`war_room`]: SQL, and Slack's side of the war room

pub mod affects;
pub mod components;
pub mod declare;
pub mod draft_parts;
mod event_kind;
pub mod hooks;
pub mod jobs;
pub mod lifecycle;
pub mod names;
mod payloads;
pub mod postmortem;
pub mod reminder;
pub mod shared;
pub mod store;
pub mod timeline;
pub mod war_room;

pub use chatops_core::severity::{IncidentStatus, Role, Severity};
