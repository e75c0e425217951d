//! Why a job's attempt did not finish.

/// Why an attempt did not finish.
#[derive(Debug)]
pub enum JobError {
    /// Try again after a backoff (until the last attempt).
    Retry(String),
    /// No point trying again: failed for good now.
    Fail(String),
    /// Another worker holds the job now: record nothing.
    LeaseLost,
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        JobError::Retry(format!(
            "store: {}",
            crate::config::redact_url(&e.to_string())
        ))
    }
}

impl From<crate::FlowError> for JobError {
    fn from(e: crate::FlowError) -> Self {
        match e {
            crate::FlowError::User(m) => JobError::Fail(m.text),
            // The cause chain, with any database password redacted (it is stored).
            crate::FlowError::Internal(e) => {
                JobError::Retry(crate::config::redact_url(&format!("{e:#}")))
            }
        }
    }
}

pub type JobResult = Result<(), JobError>;
