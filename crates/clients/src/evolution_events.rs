//! The webhook events Evolution knows (it refuses a webhook naming any other with HTTP 400).

/// Every webhook event name Evolution API v2 accepts (`EventController.events` in the
/// v2.3 source, `src/api/integrations/event/event.controller.ts`); `webhook/set` answers 400
/// to any other name.
pub const WEBHOOK_EVENTS: &[&str] = &[
    "APPLICATION_STARTUP",
    "QRCODE_UPDATED",
    "MESSAGES_SET",
    "MESSAGES_UPSERT",
    "MESSAGES_EDITED",
    "MESSAGES_UPDATE",
    "MESSAGES_DELETE",
    "SEND_MESSAGE",
    "SEND_MESSAGE_UPDATE",
    "CONTACTS_SET",
    "CONTACTS_UPSERT",
    "CONTACTS_UPDATE",
    "PRESENCE_UPDATE",
    "CHATS_SET",
    "CHATS_UPSERT",
    "CHATS_UPDATE",
    "CHATS_DELETE",
    "GROUPS_UPSERT",
    "GROUP_UPDATE",
    "GROUP_PARTICIPANTS_UPDATE",
    "CONNECTION_UPDATE",
    "LABELS_EDIT",
    "LABELS_ASSOCIATION",
    "CALL",
    "TYPEBOT_START",
    "TYPEBOT_CHANGE_STATUS",
    "REMOVE_INSTANCE",
    "LOGOUT_INSTANCE",
    "INSTANCE_CREATE",
    "INSTANCE_DELETE",
    "STATUS_INSTANCE",
];

/// The names Evolution would refuse, in the order given.
pub fn unknown_events(events: &[String]) -> Vec<String> {
    events
        .iter()
        .filter(|e| !WEBHOOK_EVENTS.contains(&e.as_str()))
        .cloned()
        .collect()
}
