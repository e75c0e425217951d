//! Logs (text or JSON) and the Prometheus recorder.
//!
//! Log lines never block a request: they go through a bounded in-memory queue to a writer
//! thread (`tracing-appender`'s non-blocking writer, lossy). When the queue is full (stdout
//! stalled, log collector slow) a line is dropped rather than stall the ack, and counted in
//! `chatops_log_lines_dropped_total` on `/metrics`. The guard returned by [`init_logs`] flushes
//! the queue when dropped: `main` holds it until the server has stopped (SIGTERM included).

use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_appender::non_blocking::{ErrorCounter, NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Lines waiting for the writer thread before new ones are dropped (a line is ~300 bytes of
/// JSON, so a full queue holds a few MB).
pub const LOG_QUEUE_LINES: usize = 8_192;

/// The default filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,hyper=warn,reqwest=warn";

/// The Prometheus name of the dropped-lines counter.
pub const DROPPED_METRIC: &str = "chatops_log_lines_dropped_total";

/// Flushes the queued log lines when dropped (waits up to 1 s for the writer thread).
#[must_use = "logs stop being written when the guard is dropped"]
pub struct LogGuard(#[allow(dead_code)] WorkerGuard);

/// Every non-blocking writer's drop counter (one in production; tests may add theirs).
static DROPPED: Mutex<Vec<ErrorCounter>> = Mutex::new(Vec::new());

/// A non-blocking, lossy writer over `w` with a queue of `lines`, its drops counted on
/// `/metrics`.
pub fn non_blocking<W: std::io::Write + Send + 'static>(
    w: W,
    lines: usize,
) -> (NonBlocking, LogGuard) {
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(lines)
        .thread_name("chatops-log-writer")
        .finish(w);
    if let Ok(mut v) = DROPPED.lock() {
        v.push(writer.error_counter());
    }
    (writer, LogGuard(guard))
}

/// Lines dropped so far because a log queue was full.
pub fn dropped_lines() -> u64 {
    DROPPED
        .lock()
        .map(|v| v.iter().map(|c| c.dropped_lines() as u64).sum())
        .unwrap_or(0)
}

/// The subscriber the process uses, writing to `writer` (tests capture it).
pub fn subscriber<W>(
    format: handlers::config::LogFormat,
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
        handlers::config::LogFormat::Json => Box::new(builder.json().flatten_event(true).finish()),
        handlers::config::LogFormat::Text => Box::new(builder.with_ansi(ansi).finish()),
    }
}

/// `RUST_LOG` when set and valid, else [`DEFAULT_FILTER`].
pub fn env_filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}

/// Installs the process's logger on stdout (colours only on a terminal). Keep the guard until
/// the process ends.
pub fn init_logs(format: handlers::config::LogFormat) -> LogGuard {
    let ansi = std::io::stdout().is_terminal();
    let (writer, guard) = match stdout_file() {
        // The writer thread batches what is queued into one `write` (it flushes whenever the
        // queue runs empty, so a line is never held back).
        Some(f) => non_blocking(
            std::io::BufWriter::with_capacity(64 * 1024, f),
            LOG_QUEUE_LINES,
        ),
        None => non_blocking(std::io::stdout(), LOG_QUEUE_LINES),
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

/// How often histogram samples are folded into their buckets when nobody scrapes `/metrics`.
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

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
                .build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            // Histogram samples pile up in the recorder until drained (24 bytes per ack): a
            // bot nobody scrapes would grow by megabytes a minute under load. Drain them every
            // few seconds whether or not /metrics is read.
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
