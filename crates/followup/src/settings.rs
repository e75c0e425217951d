//! Action item variables (#28): when a preventive action is due by default, and when a due
//! item counts as overdue for its second reminder.

use std::time::Duration;

use chatops_core::config::Reader;

#[derive(Clone, Debug)]
pub struct FollowupConfig {
    /// `ACTION_ITEMS_DUE`: an item added without `due` is due this long after the resolution
    /// (Julia's DR plan: preventive actions within a week).
    pub due_after: Duration,
    /// `ACTION_ITEMS_OVERDUE_AFTER`: the owner's second reminder, this long after the due date.
    pub overdue_after: Duration,
}

impl Default for FollowupConfig {
    fn default() -> Self {
        FollowupConfig {
            due_after: Duration::from_secs(7 * 86_400),
            overdue_after: Duration::from_secs(86_400),
        }
    }
}

impl FollowupConfig {
    pub fn read(r: &Reader) -> FollowupConfig {
        let due_after = r.duration("ACTION_ITEMS_DUE", "7d");
        let overdue_after = r.duration("ACTION_ITEMS_OVERDUE_AFTER", "24h");
        if due_after.is_zero() {
            r.problem("ACTION_ITEMS_DUE", "must be longer than zero (e.g. 7d)");
        }
        if overdue_after.is_zero() {
            r.problem(
                "ACTION_ITEMS_OVERDUE_AFTER",
                "must be longer than zero (e.g. 24h)",
            );
        }
        FollowupConfig {
            due_after,
            overdue_after,
        }
    }

    pub fn report_lines(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "ACTION_ITEMS_DUE",
                humantime::format_duration(self.due_after).to_string(),
            ),
            (
                "ACTION_ITEMS_OVERDUE_AFTER",
                humantime::format_duration(self.overdue_after).to_string(),
            ),
        ]
    }

    pub fn due_after_ms(&self) -> i64 {
        self.due_after.as_millis() as i64
    }
    pub fn overdue_after_ms(&self) -> i64 {
        self.overdue_after.as_millis() as i64
    }
}

/// The follow-up settings of this process (registered by the composition root; the defaults
/// where a test context did not register them).
pub fn of(ctx: &chatops_core::Ctx) -> FollowupConfig {
    ctx.ext.get::<FollowupConfig>().cloned().unwrap_or_default()
}
