//! Recovery objectives and the stability watch (#28): the RTO of each affected component and
//! when it must be back, the 80 % warning and the breach notice, recovery times against the
//! RTO (resolved report, post-mortem table, statistics), and the stability watch's words.
//!
//! - [`clock`]: a clock as messages see it, durations, the DRILL mark
//! - [`live`]: while the incident runs (objectives, warning, breach, recoveries, the watch)
//! - [`report`]: after it (report, post-mortem table, attainment, template variables)

mod clock;
mod live;
mod report;

pub use clock::{drill_tag, recovery_line, span, ClockView};
pub use live::{
    already_recovered, breach, not_affected, objectives, recovered, recovered_reply, usage,
    warning, watch_failed, watch_held, watch_started, NotWatched,
};
pub use report::{
    attainment_lines, breach_context, postmortem_table, report, report_context, sample_context,
    Attainment,
};
