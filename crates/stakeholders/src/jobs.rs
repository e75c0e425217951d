//! The stakeholders' background work, registered by the composition root.

/// Registers the stakeholders' jobs: the matrix's notices, the cadence, the mails.
pub fn register(jobs: &mut chatops_core::jobs::Registry) {
    jobs.register(crate::matrix::NOTIFY, crate::matrix::run);
    jobs.register(crate::updates::CADENCE, crate::updates::run);
    jobs.register(crate::mail::MAIL, crate::mail::run);
}
