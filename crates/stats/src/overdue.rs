//! The overdue action items of real incidents under the figures (#28): `/incident stats` and
//! the weekly digest.

/// The figures with the overdue action items of real incidents under them (#28).
pub fn with_overdue(msg: messages::Msg, overdue: &str) -> messages::Msg {
    if overdue.is_empty() {
        msg
    } else {
        msg.with_context_line(overdue)
    }
}
