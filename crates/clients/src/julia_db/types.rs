//! What Julia's database answers: errors, safe mode, pause state, queue, jobs, guards.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    #[error("JULIA_DATABASE_URL is not set")]
    Unconfigured,
    #[error("Julia's database did not answer in {0} s")]
    Timeout(u64),
    #[error("Julia's database refused or failed: {0}")]
    Failed(String),
    /// Row-level security hides the rows from this role: it reads zero rows without an error.
    #[error("role {role} cannot see the rows of {} (row-level security)", tables.join(", "))]
    Hidden {
        role: String,
        tables: Vec<String>,
        owner: Option<String>,
    },
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut => DbError::Timeout(3),
            other => DbError::Failed(
                chatops_core::config::redact_url(&other.to_string())
                    .chars()
                    .take(200)
                    .collect(),
            ),
        }
    }
}

/// `feature_flags.safe_mode` (defaults when the row is missing).
#[derive(Debug, Clone, PartialEq)]
pub struct SafeMode {
    pub enabled: bool,
    pub mode: String,
    pub exists: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

impl SafeMode {
    pub fn describe(&self) -> String {
        if self.exists {
            format!(
                "{{\"enabled\": {}, \"mode\": \"{}\"}}",
                self.enabled, self.mode
            )
        } else {
            "(no safe_mode row: enabled false, mode wait)".into()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusRow {
    pub status: String,
    pub reason: Option<String>,
    pub by: Option<String>,
    pub via: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PauseState {
    pub safe_mode: SafeMode,
    pub latest: Option<StatusRow>,
    /// Epoch seconds of the newest `alterado_via = 'sistema'` row (the scheduler heartbeat).
    pub heartbeat_at: Option<i64>,
    /// While paused: the newest `pausado` row that is not the heartbeat (who and why).
    pub pause_row: Option<StatusRow>,
    /// While paused: messages blocked by safe mode since the pause began.
    pub blocked: Option<Blocked>,
    /// While paused in `handoff` mode: pending handoffs.
    pub handoffs: Option<Handoffs>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// Every `pendente` row.
    pub pending: i64,
    /// `pendente` rows already due (`agendar_para` NULL or past): what the worker would take.
    pub due: i64,
    /// How long the longest-waiting due row has been due (from `agendar_para`, else `created_at`).
    pub oldest_due_secs: Option<i64>,
    pub sent_5m: i64,
    /// `processando` for more than 10 minutes.
    pub stuck: i64,
    pub oldest_stuck_secs: Option<i64>,
}

/// One `job_executions` row, as `jobs kill` sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub name: String,
    pub status: String,
    pub running_secs: Option<i64>,
}

/// What a pause/resume wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct PauseChange {
    pub before: SafeMode,
    /// `None` when the state already matched (nothing written).
    pub after: Option<SafeMode>,
    /// Messages put back in the queue (resume with requeue).
    pub requeued: u64,
    /// The value as the database now stores it (`value::text`), for Julia's cache.
    pub stored_json: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Jobs {
    /// (id, job name, running seconds)
    pub long_running: Vec<(String, String, i64)>,
    /// (job name, failures in 24 h)
    pub failures: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    pub db_environment: Option<String>,
    pub db_project_ref: Option<String>,
    /// Rows of `app_settings` this connection sees (zero: it cannot see the settings).
    pub visible_rows: i64,
}

/// Messages blocked by safe mode (`bloqueada` / `BLOCKED_SAFE_MODE`). Counts only, never
/// content or phone numbers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Blocked {
    /// Counted since the current pause began (`safe_mode.updated_at`); otherwise over 24 h.
    pub since_pause: bool,
    pub total: i64,
    /// Created less than 24 h ago: Julia would still send them if requeued.
    pub young: i64,
    /// (tipo, count), largest first.
    pub by_tipo: Vec<(String, i64)>,
    /// Age (from `created_at`) of the oldest and newest blocked message.
    pub oldest_secs: Option<i64>,
    pub newest_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Handoffs {
    pub pending: i64,
    pub oldest_secs: Option<i64>,
}
