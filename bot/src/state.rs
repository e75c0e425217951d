//! What every route gets.

use std::sync::Arc;

use chatops_core::Ctx;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::socket_status;

/// Shared by every route.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Arc<Ctx>,
    pub metrics: PrometheusHandle,
    /// Socket Mode's connection state (`disabled` without `SLACK_APP_TOKEN`).
    pub socket: Arc<socket_status::Status>,
}
