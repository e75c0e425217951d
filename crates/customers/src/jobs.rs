//! Every job kind of the customer notice, registered by the composition root: the prompt,
//! the paced send, and the confirmed send of the guarded path.

use chatops_core::jobs::Registry;

pub fn register(jobs: &mut Registry) {
    crate::prompt::register(jobs);
    jobs.register(crate::send::SEND, crate::send::run);
    chatops_core::guarded::register::<crate::control::Notice>(jobs);
}
