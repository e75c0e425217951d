//! Reminders: the update cadence, escalation, post-mortem due dates.

use std::sync::Arc;

use crate::Ctx;

pub async fn run_worker(_ctx: Arc<Ctx>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await;
}
