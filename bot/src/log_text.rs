//! The text log format when stdout is not a terminal (a pipe, a log collector, a container):
//! the very lines `tracing-subscriber`'s default format writes without colours or target,
//! `2026-11-30T17:00:00.123456Z  INFO command route="commands" … latency_ms=0.25`, for a
//! fraction of the work.
//!
//! Measured with `scripts/ack_profile.sh`, the default format spent about 12,000 instructions
//! on the one line a slash command writes (15% of the whole ack): each field goes through
//! `Debug` with an empty colour style around its name, and the timestamp is computed from
//! scratch. Here a plain string is copied between its quotes (anything else still goes
//! through `Debug`, so quotes, newlines and control characters are escaped exactly as
//! before), and the date and time up to the second are formatted once per second per thread.
//! `tests::same_lines_as_tracing_subscriber` checks the output against the default format.
//! On a terminal the default, coloured format is used instead.

use std::cell::RefCell;
use std::fmt::{Debug, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format (see the module documentation).
pub struct PlainText;

impl<S, N> FormatEvent<S, N> for PlainText
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        write_timestamp(&mut w, SystemTime::now())?;
        w.write_str(level(event.metadata().level()))?;
        let mut fields = Fields {
            w: &mut w,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        w.write_char('\n')
    }
}

/// The level as the default format pads it, with the separating spaces.
fn level(l: &Level) -> &'static str {
    match *l {
        Level::TRACE => " TRACE ",
        Level::DEBUG => " DEBUG ",
        Level::INFO => "  INFO ",
        Level::WARN => "  WARN ",
        _ => " ERROR ",
    }
}

thread_local! {
    /// The second last formatted on this thread and its `YYYY-MM-DDTHH:MM:SS`.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// RFC 3339 in UTC with microseconds, as the default format writes it.
fn write_timestamp(w: &mut Writer<'_>, now: SystemTime) -> std::fmt::Result {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    SECOND.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.0 != secs {
            let t =
                chrono::DateTime::<chrono::Utc>::from_timestamp(secs as i64, 0).unwrap_or_default();
            cached.1.clear();
            write!(cached.1, "{}", t.format("%Y-%m-%dT%H:%M:%S"))?;
            cached.0 = secs;
        }
        w.write_str(&cached.1)
    })?;
    write!(w, ".{:06}Z", since.subsec_micros())
}

/// Writes `message key=value …` as the default format's field visitor does.
struct Fields<'a, 'w> {
    w: &'a mut Writer<'w>,
    first: bool,
    result: std::fmt::Result,
}

impl Fields<'_, '_> {
    /// The separator and `name=` (nothing for the message); `None` for a field not written.
    fn start(&mut self, field: &Field) -> Option<bool> {
        let name = field.name();
        // The `log` crate's records carry their origin in `log.*` fields: not written.
        if self.result.is_err() || name.starts_with("log.") {
            return None;
        }
        if !self.first {
            self.result = self.w.write_char(' ');
        }
        self.first = false;
        let message = name == "message";
        if !message {
            let name = name.strip_prefix("r#").unwrap_or(name);
            self.result = self
                .result
                .and_then(|()| self.w.write_str(name))
                .and_then(|()| self.w.write_char('='));
        }
        Some(message)
    }
}

/// Printable ASCII with no quote or backslash: `Debug` would write it unchanged.
fn plain(s: &str) -> bool {
    s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let Some(message) = self.start(field) else {
            return;
        };
        self.result = if message {
            self.w.write_str(value)
        } else if plain(value) {
            self.w
                .write_char('"')
                .and_then(|()| self.w.write_str(value))
                .and_then(|()| self.w.write_char('"'))
        } else {
            write!(self.w, "{value:?}")
        };
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let Some(_) = self.start(field) else {
            return;
        };
        // `message source.sources=[first cause, second cause]`, as the default writes it.
        self.result = write!(self.w, "{value}").and_then(|()| match value.source() {
            Some(first) => {
                write!(self.w, " {}.sources=[", field.name())?;
                let (mut next, mut separator) = (Some(first), "");
                while let Some(s) = next {
                    write!(self.w, "{separator}{s}")?;
                    separator = ", ";
                    next = s.source();
                }
                self.w.write_char(']')
            }
            None => Ok(()),
        });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if self.start(field).is_some() {
            self.result = write!(self.w, "{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("request failed")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    fn events() {
        let (user, route, weird) = ("U0123ABC", "commands", "line\nbreak \"quoted\" \\ é");
        tracing::info!(
            route,
            command = "incident",
            user,
            latency_ms = 0.25,
            "command"
        );
        tracing::warn!(weird, n = 42u64, neg = -3i64, ok = true, "odd values");
        tracing::error!(error = %"plain display", "failed");
        let e = Outer(std::io::Error::other("connection refused"));
        tracing::error!(
            error = &e as &(dyn std::error::Error + 'static),
            "with a source"
        );
        tracing::info!(r#type = "event_callback", empty = "", "raw name");
        tracing::debug!("only a message");
        tracing::info!(answer = ?Some("x"), "debug field");
    }

    fn lines(sub: impl Subscriber + Send + Sync + 'static, buf: &Buf) -> Vec<String> {
        tracing::subscriber::with_default(sub, events);
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn same_lines_as_tracing_subscriber() {
        let builder = || {
            tracing_subscriber::fmt()
                .with_max_level(Level::DEBUG)
                .with_target(false)
                .with_ansi(false)
        };
        let (theirs, ours) = (Buf::default(), Buf::default());
        let expected = lines(builder().with_writer(theirs.clone()).finish(), &theirs);
        let got = lines(
            builder()
                .with_writer(ours.clone())
                .event_format(PlainText)
                .finish(),
            &ours,
        );
        assert_eq!(got.len(), 7, "{got:#?}");
        assert_eq!(expected.len(), got.len());
        for (e, g) in expected.iter().zip(&got) {
            // The timestamps are taken at different moments; everything after them must match.
            assert_eq!(e[27..], g[27..], "\nexpected {e}\n     got {g}");
            let t = chrono::DateTime::parse_from_rfc3339(&g[..27]).unwrap();
            let age = chrono::Utc::now().signed_duration_since(t);
            assert!(age.num_seconds().abs() < 5, "{g}");
        }
        assert!(
            got[1].contains(r#"weird="line\nbreak \"quoted\" \\ é""#),
            "{}",
            got[1]
        );
    }

    #[test]
    fn the_timestamp_is_rfc3339_with_microseconds_across_seconds() {
        let buf = Buf::default();
        let sub = tracing_subscriber::fmt()
            .with_writer(buf.clone())
            .event_format(PlainText)
            .finish();
        let mut w_out = String::new();
        for t in [
            UNIX_EPOCH + std::time::Duration::from_micros(1_764_522_000_000_001),
            UNIX_EPOCH + std::time::Duration::from_micros(1_764_522_000_999_999),
            UNIX_EPOCH + std::time::Duration::from_micros(1_764_522_001_000_000),
        ] {
            write_timestamp(&mut Writer::new(&mut w_out), t).unwrap();
            w_out.push('|');
        }
        assert_eq!(
            w_out,
            "2025-11-30T17:00:00.000001Z|2025-11-30T17:00:00.999999Z|2025-11-30T17:00:01.000000Z|"
        );
        tracing::subscriber::with_default(sub, || tracing::info!("x"));
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(text.ends_with("Z  INFO x\n"), "{text}");
    }
}
