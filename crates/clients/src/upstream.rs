//! The metrics of every call to an outside system.

/// Counts an upstream call and its latency by system (`/metrics`: `upstream_calls_total`,
/// `upstream_call_seconds`).
pub fn record(system: &'static str, started: std::time::Instant, ok: bool) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!("upstream_calls_total", "system" => system, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("upstream_call_seconds", "system" => system)
        .record(started.elapsed().as_secs_f64());
}
