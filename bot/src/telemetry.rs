//! Logs (text or JSON) and the Prometheus recorder.
//!
//! Log lines never block a request: they are appended to a bounded in-memory batch that one
//! writer thread writes out every few milliseconds ([`crate::log_writer`]). When the batch is
//! full (stdout stalled, log collector slow) a line is dropped rather than stall the ack, and
//! counted in `chatops_log_lines_dropped_total` on `/metrics`. The guard returned by
//! [`init_logs`] flushes the batch when dropped: `main` holds it until the server has stopped
//! (SIGTERM included).

use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::log_writer::{BatchWriter, FlushGuard};

/// Bytes of log lines waiting for the writer thread before new lines are dropped (a line is
/// 150 to 300 bytes, so about 4,000 lines: 70 ms of a 60,000 commands/s burst).
pub const LOG_QUEUE_BYTES: usize = 1024 * 1024;

/// The default filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,hyper=warn,reqwest=warn";

/// The Prometheus name of the dropped-lines counter.
pub const DROPPED_METRIC: &str = "chatops_log_lines_dropped_total";

/// Writes the waiting log lines when dropped (waits up to 1 s for the writer thread).
#[must_use = "logs stop being written when the guard is dropped"]
pub struct LogGuard(#[allow(dead_code)] FlushGuard);

/// Every log writer's drop counter (one in production; tests may add theirs).
static WRITERS: Mutex<Vec<BatchWriter>> = Mutex::new(Vec::new());

/// A non-blocking, lossy writer over `w` holding at most `bytes` of waiting lines, its drops
/// counted on `/metrics`.
pub fn non_blocking<W: std::io::Write + Send + 'static>(
    w: W,
    bytes: usize,
) -> (BatchWriter, LogGuard) {
    let (writer, guard) = crate::log_writer::batch_writer(w, bytes);
    if let Ok(mut v) = WRITERS.lock() {
        v.push(writer.clone());
    }
    (writer, LogGuard(guard))
}

/// Lines dropped so far because a log batch was full.
pub fn dropped_lines() -> u64 {
    WRITERS
        .lock()
        .map(|v| v.iter().map(BatchWriter::dropped_lines).sum())
        .unwrap_or(0)
}

/// The subscriber the process uses, writing to `writer` (tests capture it).
pub fn subscriber<W>(
    format: chatops_core::config::LogFormat,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer);
    match format {
        chatops_core::config::LogFormat::Json => {
            Box::new(builder.json().flatten_event(true).finish())
        }
        // Colours for a person at a terminal; elsewhere the same lines, written faster.
        chatops_core::config::LogFormat::Text if ansi => Box::new(builder.with_ansi(true).finish()),
        chatops_core::config::LogFormat::Text => Box::new(
            builder
                .with_ansi(false)
                .event_format(crate::log_text::PlainText)
                .finish(),
        ),
    }
}

/// `RUST_LOG` when set and valid, else [`DEFAULT_FILTER`].
pub fn env_filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}

/// Installs the process's logger on stdout (colours only on a terminal). Keep the guard until
/// the process ends.
pub fn init_logs(format: chatops_core::config::LogFormat) -> LogGuard {
    let ansi = std::io::stdout().is_terminal();
    // The writer thread writes each batch with one `write`.
    let (writer, guard) = match stdout_file() {
        Some(f) => non_blocking(f, LOG_QUEUE_BYTES),
        None => non_blocking(std::io::stdout(), LOG_QUEUE_BYTES),
    };
    // `try_init` also routes the `log` crate's records (rustls, …) through the same writer.
    let _ = subscriber(format, env_filter(), writer, ansi).try_init();
    guard
}

/// Stdout as a plain file (a duplicate of fd 1): `std::io::stdout()` writes each line with its
/// own system call.
fn stdout_file() -> Option<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .map(std::fs::File::from)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Time to acknowledge an incident: 30 s to 4 h.
const MINUTES_BUCKETS: &[f64] = &[
    30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0,
];

/// How late a reminder went out: 1 s to 1 h (the reminder worker polls; a stall shows in
/// minutes).
const LATENESS_BUCKETS: &[f64] = &[
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes `/metrics`.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The process-wide recorder (installed once, even when tests build several apps).
pub fn metrics_handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("seconds".into()),
                    &[
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                        5.0,
                    ],
                )
                .expect("buckets")
                // People's times, not the bot's: minutes to hours (an exact name wins over the
                // suffix above).
                .set_buckets_for_metric(
                    Matcher::Full("incident_time_to_ack_seconds".into()),
                    MINUTES_BUCKETS,
                )
                .expect("buckets")
                .set_buckets_for_metric(
                    Matcher::Full("reminder_lateness_seconds".into()),
                    LATENESS_BUCKETS,
                )
                .expect("buckets")
                .build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            // Histogram samples pile up in the recorder until drained (about 8 bytes per ack):
            // a bot nobody scrapes would grow by megabytes a minute under load. Drain them
            // every second whether or not /metrics is read (every 5 s held 3 MB at 70,000
            // acks a second).
            let upkeep = handle.clone();
            let _ = std::thread::Builder::new()
                .name("chatops-metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                });
            metrics::describe_counter!(
                DROPPED_METRIC,
                "Log lines dropped because the log queue was full (stdout too slow)"
            );
            handle
        })
        .clone()
}

/// The Prometheus text, with the dropped-lines counter brought up to date.
pub fn render_metrics(handle: &PrometheusHandle) -> String {
    metrics::counter!(DROPPED_METRIC).absolute(dropped_lines());
    handle.render()
}

#[cfg(test)]
mod tests {
    /// A reminder a minute and a half late lands between 60 s and 120 s, not in `+Inf`.
    #[test]
    fn reminder_lateness_buckets_are_in_minutes() {
        let h = super::metrics_handle();
        metrics::histogram!("reminder_lateness_seconds").record(90.0);
        let m = super::render_metrics(&h);
        assert!(
            m.contains("reminder_lateness_seconds_bucket{le=\"60\"} 0"),
            "{m}"
        );
        assert!(
            m.contains("reminder_lateness_seconds_bucket{le=\"120\"} 1"),
            "{m}"
        );
    }
}
