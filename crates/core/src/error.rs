//! How a flow fails: the user's mistake (shown as is) or ours (shown with a reference, logged
//! with its cause chain); a store that cannot be reached is told apart.

/// A handled failure: either the user's (shown as is) or ours (shown with a reference).
#[derive(Debug)]
pub enum FlowError {
    User(messages::Msg),
    Internal(anyhow::Error),
}

impl From<sqlx::Error> for FlowError {
    /// Keeps the database error as the cause (`source()`): nothing is flattened to a string.
    fn from(e: sqlx::Error) -> Self {
        FlowError::Internal(anyhow::Error::new(StoreFailure::from(e)))
    }
}

/// A store failure with its cause kept. Unreachable means "the database cannot be reached right
/// now" (connection refused, pool timeout, server shutting down), as opposed to a bug or a
/// constraint: the user is told to retry in a minute.
#[derive(Debug, thiserror::Error)]
pub enum StoreFailure {
    #[error("store unreachable")]
    Unreachable(#[source] sqlx::Error),
    #[error("store query failed")]
    Failed(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreFailure {
    fn from(e: sqlx::Error) -> Self {
        if store_unreachable(&e) {
            StoreFailure::Unreachable(e)
        } else {
            StoreFailure::Failed(e)
        }
    }
}

/// Whether a sqlx error means the database is unreachable (worth "retry in a minute").
pub fn store_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection.
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
        _ => false,
    }
}

fn is_store_unavailable(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<StoreFailure>(),
            Some(StoreFailure::Unreachable(_))
        ) || c
            .downcast_ref::<sqlx::Error>()
            .is_some_and(store_unreachable)
    })
}

impl From<anyhow::Error> for FlowError {
    fn from(e: anyhow::Error) -> Self {
        FlowError::Internal(e)
    }
}

impl FlowError {
    /// The message for the user; unexpected errors are logged with the same reference.
    pub fn into_msg(self, locale: messages::Locale) -> messages::Msg {
        match self {
            FlowError::User(m) => m,
            FlowError::Internal(e) if is_store_unavailable(&e) => {
                let reference = format!("e-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
                tracing::warn!(reference = %reference, error = %redacted(&e), "store unavailable");
                messages::store_unavailable(locale, &reference)
            }
            FlowError::Internal(e) => {
                let reference = format!("e-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
                tracing::error!(reference = %reference, error = %redacted(&e), "flow failed");
                messages::internal_error(locale, &reference)
            }
        }
    }
}

/// The cause chain (`a: b: c`) for a log line, a database password redacted.
fn redacted(e: &anyhow::Error) -> String {
    crate::config::redact_url(&format!("{e:#}"))
}

pub type FlowResult<T> = Result<T, FlowError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_error_keeps_its_cause() {
        let FlowError::Internal(e) = FlowError::from(sqlx::Error::RowNotFound) else {
            panic!("a store error is ours, not the user's");
        };
        let cause = e
            .chain()
            .find_map(|c| c.downcast_ref::<sqlx::Error>())
            .expect("the sqlx error is in the chain");
        assert!(matches!(cause, sqlx::Error::RowNotFound));
        assert!(!is_store_unavailable(&e));
        let FlowError::Internal(e) = FlowError::from(sqlx::Error::PoolTimedOut) else {
            panic!("a store error is ours, not the user's");
        };
        assert!(is_store_unavailable(&e), "a pool timeout means unreachable");
        assert!(format!("{e:#}").contains("store unreachable"));
    }
}
