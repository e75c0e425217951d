//! After an incident (#28): action items to done, the post-mortem review reminder, and drills.
//!
//! - [`command`]: `/incident action …` and `/incident drill on|off` (grammar and flows)
//! - [`actions`]: add, list, done, reassign, due; [`items`]: their SQL; [`due`]: due dates
//! - [`reminders`]: the owners' due / overdue DMs and the commander's review DM (durable jobs)
//! - [`hooks`]: what a resolution starts, and the action items in the post-mortem draft
//! - [`drill`]: the drill report, the checklist's answers, `drill on|off`
//! - [`interactive`]: the "Add action item" button and form, the checklist buttons
//! - [`report`]: overdue items for the Home tab, the digest and `/incident stats`
//! - [`settings`]: `ACTION_ITEMS_DUE`, `ACTION_ITEMS_OVERDUE_AFTER`

pub mod actions;
pub mod command;
pub mod drill;
pub mod due;
pub mod hooks;
pub mod interactive;
pub mod items;
pub mod reminders;
pub mod report;
pub mod settings;

pub use command::{parse_action, parse_drill, run, FollowupCmd};
pub use interactive::{on_block_action, on_view_submission};
pub use reminders::register;
