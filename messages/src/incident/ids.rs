//! The ids the interaction router keys on: the incident buttons' action ids and the modals'
//! callback ids.

/// Action ids of the buttons (the interaction router keys on them).
pub mod action {
    pub const POST_UPDATE: &str = "incident_update_open";
    pub const ON_IT: &str = "incident_ack";
    pub const RESOLVE: &str = "incident_resolve_open";
    pub const SNOOZE: &str = "incident_snooze";
    pub const DECLARE_P1: &str = "incident_declare_p1";
}

/// Callback ids of the modals.
pub mod modal {
    pub const DECLARE: &str = "incident_declare";
    pub const UPDATE: &str = "incident_update";
    pub const RESOLVE: &str = "incident_resolve";
}
