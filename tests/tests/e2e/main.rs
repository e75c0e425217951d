//! The end-to-end tests, one binary (one link instead of one per file: an edit in a capability
//! rebuilds the tests in seconds). Each module is one topic; `scripts/test.sh <name>` filters by
//! module or test name. `hostile.rs` and `logging.rs` stay binaries of their own: they capture the
//! process-wide logger.

mod alert_actions;
mod alert_real;
mod alert_repeat;
mod alert_wire;
mod alerts;
mod announce_order;
mod architecture;
mod components;
mod confirmed_jobs;
mod deploy;
mod docs;
mod doctor;
mod doctor_integrations;
mod doctor_pager;
mod faults;
mod foundation;
mod guarded;
mod help_ack;
mod incident_command_name;
mod incident_interactions;
mod incident_races;
mod incidents;
mod job_rows;
mod jobs;
mod julia;
mod julia_deploys;
mod julia_rollback_keep;
mod julia_rollback_variables;
mod julia_safety;
mod julia_status;
mod julia_switches;
mod julia_watcher;
mod limits;
mod manifest;
mod manifest_scopes;
mod oncall;
mod ops;
mod ops_safety;
mod ops_variables;
mod ops_writes;
mod outbox_digest;
mod outbox_order;
mod outbox_recheck;
mod paging;
mod paging_wire;
mod reminder_batches;
mod reminders;
mod repository;
mod socket_home;
mod stats;
mod wire;
