//! Every user-facing word of the bot: Block Kit builders, templates, modals, action ids.
//! No I/O. Functions take small parameter structs, not domain types.

pub mod alerts;
pub mod blocks;
pub mod customers;
pub mod delivery;
pub mod digest;
pub mod drill;
pub mod fold;
pub mod followup;
pub mod guarded;
pub mod home;
pub mod incident;
pub mod invites;
pub mod jobs;
pub mod julia;
pub mod limits;
pub mod list;
mod mrkdwn;
mod msg;
pub mod ops;
pub mod ops_args;
pub mod paging;
pub mod recovery;
mod reply;
pub mod stakeholders;
pub mod stats;
pub mod statuspage;
pub mod statuspage_page;
pub mod templates;
mod time;
pub mod usage;

pub use mrkdwn::escape;
pub use msg::{Locale, Msg};
pub use reply::{internal_error, slow_down, store_unavailable, working_on_it};
pub use time::{
    civil_from_days, date_token, datetime_token, human_duration, time_token, utc_hm, utc_ymd_hm,
};
