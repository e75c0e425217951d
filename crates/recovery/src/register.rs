//! The job kinds of recovery, registered by the composition root.

use chatops_core::jobs::Registry;

/// `rto_clock` (warning, breach), `stability_watch` (one check), `recovery_post`.
pub fn register(jobs: &mut Registry) {
    jobs.register(crate::alarm::RTO_CLOCK, crate::alarm::run);
    jobs.register(crate::watch::WATCH, crate::watch::run);
    jobs.register(crate::posts::RECOVERY_POST, crate::posts::run);
}
