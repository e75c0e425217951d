//! Recovery objectives and the stability watch (#28).
//!
//! - [`sync`], [`clocks`], [`alarm`]: an RTO clock per outage of an affected component (from
//!   `COMPONENTS_FILE`), its 80 % warning and its breach notice as durable jobs
//! - [`command`]: `/incident recovered <component>`
//! - [`watch`], [`probe`]: the stability watch after the move to Monitoring, and its checks
//! - [`posts`], [`where_to`]: what the war room hears, after the change that caused it
//! - [`hooks`]: the subscriber to incident events; [`register`]: the job kinds
//! - [`settings`]: `RECOVERY_WATCH`, `RECOVERY_WATCH_INTERVAL`, `RECOVERY_CHECK_TIMEOUT`

pub mod alarm;
pub mod clocks;
pub mod command;
pub mod hooks;
pub mod posts;
pub mod probe;
mod register;
pub mod settings;
pub mod sync;
pub mod watch;
pub mod where_to;

pub use command::RecoveredCmd;
pub use register::register;
