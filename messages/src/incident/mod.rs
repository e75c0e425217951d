//! Incident messages: the runbook's templates (declared / update / resolved / post-mortem),
//! reminders, the topic, modals and the short answers to commands. By feature:
//!
//! - `common`: the view of an incident, the shared labels, fields and buttons
//! - `ids`: the buttons' action ids ([`action`]) and the modals' callback ids ([`modal`])
//! - [`posts`]: what is posted where the incident lives (declared, update, resolved, notices)
//! - [`reminders`]: update reminders and post-mortem reminders
//! - [`postmortem`]: the post-mortem draft and its upload
//! - [`modals`]: the declare / update / resolve forms and their field errors
//! - [`components`]: affected components (unknown names, states, the change notice)
//! - [`reply`]: short ephemeral answers to the person who acted
//!
//! The slash command's name is configurable: every text that names it takes it as `cmd`.

mod common;
pub mod components;
mod ids;
mod modals;
mod postmortem;
mod posts;
mod reminders;
pub mod reply;
#[cfg(test)]
mod tests;
pub mod timeline_words;

pub use common::{buttons_for, status_label, IncidentView, StatusPaging};
pub(crate) use common::{sev_emoji, user};
pub use ids::{action, modal};
pub use modals::{declare_modal, field_error_title, field_required, resolve_modal, update_modal};
pub use postmortem::{postmortem_markdown, postmortem_upload, PostmortemUpload, TimelineRow};
pub use posts::{
    announcement, declared, notice, on_it, reopened, resolved, role_assigned, severity_changed,
    snoozed, status, topic, update, war_room_name,
};
pub use reminders::{postmortem_reminder, reminder, ReminderView};
