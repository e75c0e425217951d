//! `chatops doctor`: one read-only pass over every configured integration against the real
//! services (Slack, Railway, Evolution, Julia, the bot's store and Redis). Each check prints
//! PASS / WARN / FAIL / SKIP with the reason and, for a failure, the fix.
//!
//! Integrations run concurrently; every network step has its own timeout (`--timeout`, 5 s by
//! default), so a run takes seconds even when a system hangs. Nothing is written anywhere.
//! Every configured secret is scrubbed from the report before it is returned (belt and braces:
//! the checks never format a secret in the first place).

mod check;
mod evolution;
mod evolution_pager;
mod julia;
mod railway;
pub mod slack;
mod store;

pub(crate) use check::{scrub, secrets, secs, show_url, timed};
pub use check::{Check, Options, Report, Settings, Status};
use std::time::Instant;

pub use railway::OPERATIONS as RAILWAY_OPERATIONS;

/// Runs every check. Never writes to any system.
pub async fn run<'a>(config: impl Into<Settings<'a>>, opts: &Options) -> Report {
    let config = &config.into();
    let started = Instant::now();
    let (s, r, e, j, st) = tokio::join!(
        slack::check(config, opts),
        railway::check(config, opts),
        evolution::check(config, opts),
        julia::check(config, opts),
        store::check(config, opts),
    );
    let secrets = secrets(config);
    let checks = [s, r, e, j, st]
        .into_iter()
        .flatten()
        .map(|mut c| {
            c.detail = scrub(&c.detail, &secrets);
            c.fix = c.fix.map(|f| scrub(&f, &secrets));
            c
        })
        .collect();
    Report {
        checks,
        elapsed: started.elapsed(),
        timeout: opts.timeout,
    }
}
