//! The kinds of timeline events, as stored.

/// What a timeline event records. The stored name ([`EventKind::as_str`]) is what the
/// post-mortem draft shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Declared,
    WarRoomFailed,
    DeclarationFailed,
    Status,
    Update,
    Severity,
    Role,
    Responder,
    Note,
    PinnedMessage,
    Snoozed,
    Resolved,
    Reopened,
    PostmortemDone,
    Reminder,
    Escalation,
    PostmortemReminder,
    /// Paging (#15): acknowledged, a page sent, nobody acknowledged.
    Acknowledged,
    Paged,
    PagingExhausted,
    /// Alerts (#16): a linked alert group fired, resolved or was acknowledged.
    Alert,
    /// Affected components (#26): `julia-api:partial, …`.
    Components,
    /// Follow-up (#28): an action item added, done, reassigned or given a due date.
    ActionItem,
    /// Drills (#28): turned into a drill or a real incident, a checklist answer, the report.
    Drill,
    /// The status page (#26): a public update published or taken off the page.
    Public,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Declared => "declared",
            EventKind::WarRoomFailed => "war_room_failed",
            EventKind::DeclarationFailed => "declaration_failed",
            EventKind::Status => "status",
            EventKind::Update => "update",
            EventKind::Severity => "severity",
            EventKind::Role => "role",
            EventKind::Responder => "responder",
            EventKind::Note => "note",
            EventKind::PinnedMessage => "pinned_message",
            EventKind::Snoozed => "snoozed",
            EventKind::Resolved => "resolved",
            EventKind::Reopened => "reopened",
            EventKind::PostmortemDone => "postmortem_done",
            EventKind::Reminder => "reminder",
            EventKind::Escalation => "escalation",
            EventKind::PostmortemReminder => "postmortem_reminder",
            EventKind::Acknowledged => "acknowledged",
            EventKind::Paged => "paged",
            EventKind::PagingExhausted => "paging_exhausted",
            EventKind::Alert => "alert",
            EventKind::Components => "components",
            EventKind::ActionItem => "action_item",
            EventKind::Drill => "drill",
            EventKind::Public => "public",
        }
    }
}
