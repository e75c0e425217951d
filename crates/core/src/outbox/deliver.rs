//! Delivering one claimed row: its parent's `ts`, the check for an earlier attempt that may
//! have gone out ([`super::recheck`]), pacing, a combined announcement ([`super::digest`]), the
//! call, and the outcome recorded under the row's lease.

use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Row;

use super::claimed::{upload, Claimed, SharedPacing, UPLOAD_METHOD};
use super::{digest, recheck};
use crate::slack::SlackError;
use crate::Ctx;

/// Slack's answers that refuse a message for its form or size (`chat.postMessage` reference).
const REFUSED_FORM: &[&str] = &["invalid_blocks", "msg_blocks_too_long", "msg_too_long"];

pub(super) enum Outcome {
    /// Delivered (`ts`), with a note when only a degraded form went out (or it was found
    /// already posted).
    Sent(Option<String>, Option<String>),
    Retry {
        at_ms: i64,
        error: String,
        count_attempt: bool,
        /// An attempt whose outcome is unknown may have reached Slack: check before posting.
        unknown: bool,
    },
    Failed(String),
}

pub(super) async fn deliver_one(ctx: &Ctx, pacing: &SharedPacing, mut c: Claimed, token: &str) {
    let mut body: Value = serde_json::from_str(&c.body).unwrap_or(Value::Null);
    if let Err(o) = resolve_parent(ctx, &c, &mut body).await {
        return finish(ctx, &c, token, o).await;
    }
    // The earlier attempt's outcome is unknown: was it posted after all?
    let mut unresolved = c.unknown_since.is_some();
    if let Some(since) = c.unknown_since {
        match already_posted(ctx, pacing, &mut c, &body, since, token).await {
            Some(Ok(o)) => return finish(ctx, &c, token, o).await,
            Some(Err(())) => {} // could not tell: posted again (at-least-once)
            None => unresolved = false,
        }
    }
    if let Some(paused) = pace(ctx, pacing, &c, unresolved).await {
        return finish(ctx, &c, token, paused).await;
    }
    // A backlog of announcements behind this one in its channel: one combined message.
    if digest::can_head(&c.method, c.digest.as_deref(), c.depends_on, &body) {
        combine(ctx, &mut c, &mut body, token).await;
    }
    if c.method == "chat.postMessage" {
        recheck::mark(&mut body, c.id, c.created_at, &c.merged);
    }
    let (result, note) = call(ctx, &c, &body).await;
    let outcome = outcome_of(ctx, pacing, &c, result, note, unresolved).await;
    finish(ctx, &c, token, outcome).await;
}

/// The parent's `ts` into `thread_ts` / `timestamp`; a post whose parent failed goes out at
/// the top level, anything else fails with it.
async fn resolve_parent(ctx: &Ctx, c: &Claimed, body: &mut Value) -> Result<(), Outcome> {
    let (Some(parent), Some(field)) = (c.depends_on, c.depends_field.as_deref()) else {
        return Ok(());
    };
    let parent_row = sqlx::query("SELECT status, result_ts FROM outbox WHERE id = $1")
        .bind(parent)
        .fetch_optional(&ctx.store.pool)
        .await;
    match parent_row {
        Ok(Some(r)) => {
            let status: String = r.get(0);
            let ts: Option<String> = r.get(1);
            match (status.as_str(), ts) {
                ("sent", Some(ts)) => body[field] = ts.into(),
                _ if c.method == "chat.postMessage" || c.method == UPLOAD_METHOD => {}
                _ => return Err(Outcome::Failed("parent_failed".into())),
            }
            Ok(())
        }
        _ => Err(Outcome::Failed("parent_missing".into())),
    }
}

/// `Some(Ok(outcome))`: found already posted (sent, nothing to post) or the check is rate
/// limited (retry); `None`: not posted, post it; `Some(Err)`: the channel cannot be read.
async fn already_posted(
    ctx: &Ctx,
    pacing: &SharedPacing,
    c: &mut Claimed,
    body: &Value,
    since: i64,
    token: &str,
) -> Option<Result<Outcome, ()>> {
    if c.method != "chat.postMessage" || !recheck::readable(&c.channel) {
        return Some(Err(()));
    }
    let thread = body.get("thread_ts").and_then(Value::as_str);
    let method = recheck::method(thread);
    // That read method is paused by a 429: check (and post) later.
    let paused = pacing.lock().await.paused_until.get(method).copied();
    if let Some(until) = paused.filter(|u| *u > Instant::now()) {
        return Some(Ok(Outcome::Retry {
            at_ms: ctx.clock.now_ms() + (until - Instant::now()).as_millis() as i64,
            error: "ratelimited".into(),
            count_attempt: false,
            unknown: true,
        }));
    }
    let found = recheck::find(ctx, &c.channel, thread, since, c.id, c.created_at).await;
    let result = match &found {
        Ok(Some(_)) => "found",
        Ok(None) => "not_found",
        Err(_) => "error",
    };
    metrics::counter!("outbox_recheck_total", "result" => result).increment(1);
    match found {
        Ok(Some(f)) => {
            tracing::info!(outbox_id = c.id, channel = %c.channel, ts = %f.ts, "outbox: the earlier attempt was posted; not posting again");
            c.merged = digest::retake(ctx, c.id, &f.with, token)
                .await
                .unwrap_or_default();
            Some(Ok(Outcome::Sent(
                Some(f.ts),
                Some("found already posted".into()),
            )))
        }
        Ok(None) => None,
        Err(SlackError::RateLimited(d)) => {
            pacing
                .lock()
                .await
                .paused_until
                .insert(method.into(), Instant::now() + d);
            Some(Ok(Outcome::Retry {
                at_ms: ctx.clock.now_ms() + d.as_millis() as i64,
                error: "ratelimited".into(),
                count_attempt: false,
                unknown: true,
            }))
        }
        Err(e) => {
            tracing::warn!(outbox_id = c.id, channel = %c.channel, error = %e.code(), "outbox: cannot read the channel to check an earlier attempt; posting again (it may show twice)");
            Some(Err(()))
        }
    }
}

/// A method paused by a 429 → retry then; else waits out the channel's pace (about one post
/// a second per channel).
async fn pace(ctx: &Ctx, pacing: &SharedPacing, c: &Claimed, unresolved: bool) -> Option<Outcome> {
    let wait = {
        let p = pacing.lock().await;
        let now = Instant::now();
        if let Some(until) = p.paused_until.get(&c.method).filter(|u| **u > now) {
            return Some(Outcome::Retry {
                at_ms: ctx.clock.now_ms() + (*until - now).as_millis() as i64,
                error: "ratelimited".into(),
                count_attempt: false,
                unknown: unresolved,
            });
        }
        if c.method == "chat.postMessage" {
            p.last_post
                .get(&c.channel)
                .map(|last| {
                    (*last + ctx.config.outbox_channel_interval).saturating_duration_since(now)
                })
                .unwrap_or_default()
        } else {
            Duration::ZERO
        }
    };
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    if c.method == "chat.postMessage" {
        pacing
            .lock()
            .await
            .last_post
            .insert(c.channel.clone(), Instant::now());
    }
    None
}

/// The Web API call. Slack refused the message's form or size: never retried as is (the same
/// body would be refused again); its text alone, cut to fit and saying so, is posted instead.
async fn call(ctx: &Ctx, c: &Claimed, body: &Value) -> (Result<Value, SlackError>, Option<String>) {
    let result = if c.method == UPLOAD_METHOD {
        upload(ctx, body).await
    } else {
        ctx.slack.call(&c.method, body).await
    };
    let Err(e) = &result else {
        return (result, None);
    };
    if c.method != "chat.postMessage" || !REFUSED_FORM.iter().any(|code| e.is(code)) {
        return (result, None);
    }
    let code = e.code();
    tracing::warn!(outbox_id = c.id, channel = %c.channel, error = %code, "Slack refused the message; posting its plain-text form");
    let text = body.get("text").and_then(Value::as_str).unwrap_or_default();
    let mut short = serde_json::json!({
        "channel": body["channel"],
        "text": messages::delivery::refused_fallback(text, &code, ctx.locale()),
    });
    if let Some(t) = body.get("thread_ts") {
        short["thread_ts"] = t.clone();
    }
    recheck::mark(&mut short, c.id, c.created_at, &c.merged);
    let result = ctx.slack.call("chat.postMessage", &short).await;
    (result, Some(format!("{code} (posted as plain text)")))
}

/// Whether a failed call may still have reached Slack (no answer, or a server error).
fn uncertain(e: &SlackError) -> bool {
    matches!(e, SlackError::Timeout | SlackError::Network)
        || matches!(e, SlackError::Http(s) if *s >= 500)
}

async fn outcome_of(
    ctx: &Ctx,
    pacing: &SharedPacing,
    c: &Claimed,
    result: Result<Value, SlackError>,
    note: Option<String>,
    unresolved: bool,
) -> Outcome {
    match result {
        Ok(v) => Outcome::Sent(
            v.get("ts")
                .or_else(|| v.pointer("/message/ts"))
                .and_then(Value::as_str)
                .map(String::from),
            note,
        ),
        Err(e) if e.is("already_pinned") || e.is("already_in_channel") => Outcome::Sent(None, None),
        Err(SlackError::RateLimited(d)) => {
            pacing
                .lock()
                .await
                .paused_until
                .insert(c.method.clone(), Instant::now() + d);
            Outcome::Retry {
                at_ms: ctx.clock.now_ms() + d.as_millis() as i64,
                error: "ratelimited".into(),
                count_attempt: false,
                unknown: unresolved,
            }
        }
        Err(e) if e.retryable() && (c.attempts + 1) < ctx.config.outbox_max_attempts as i64 => {
            let backoff = Duration::from_millis((500u64 << c.attempts.min(7)).min(60_000));
            Outcome::Retry {
                at_ms: ctx.clock.now_ms() + backoff.as_millis() as i64,
                error: e.code(),
                count_attempt: true,
                unknown: unresolved || uncertain(&e),
            }
        }
        Err(e) => Outcome::Failed(e.code()),
    }
}

/// Takes the announcements due behind `c` in its channel and makes `body` their combined
/// message. On a store error, `c` goes out alone.
async fn combine(ctx: &Ctx, c: &mut Claimed, body: &mut Value, token: &str) {
    match digest::gather(ctx, c.id, &c.channel, token).await {
        Ok(rest) if !rest.is_empty() => {
            let mut lines = vec![c.digest.clone().unwrap_or_default()];
            lines.extend(rest.iter().map(|(_, line)| line.clone()));
            *body = messages::digest::announcements(&lines, ctx.locale()).post(&c.channel);
            c.merged = rest.into_iter().map(|(id, _)| id).collect();
            tracing::info!(outbox_id = c.id, channel = %c.channel, rows = lines.len(), "outbox: announcements combined into one message");
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "outbox: could not gather announcements; posting one");
        }
    }
}

/// Records the outcome of `c` and of the rows its message also delivered, under the lease.
/// `attempt_started_at` is cleared once the outcome is known, kept while it is not.
pub(super) async fn finish(ctx: &Ctx, c: &Claimed, token: &str, outcome: Outcome) {
    let now = ctx.clock.now_ms();
    let ids: Vec<i64> = std::iter::once(c.id)
        .chain(c.merged.iter().copied())
        .collect();
    let sql = |set: &str, first: usize| {
        format!(
            "UPDATE outbox SET {set}, lease_token = NULL, lease_until = NULL WHERE lease_token = ${} AND id IN ({})",
            first - 1,
            digest::placeholders(first, ids.len())
        )
    };
    let sql = match &outcome {
        Outcome::Sent(..) => sql(
            "status = 'sent', result_ts = $1, sent_at = $2, attempts = attempts + 1, last_error = $3, attempt_started_at = NULL",
            5,
        ),
        Outcome::Retry { .. } => sql(
            "next_attempt_at = $1, last_error = $2, attempts = attempts + $3, delivered_with = NULL,
             attempt_started_at = CASE WHEN $4 = 1 THEN attempt_started_at ELSE NULL END",
            6,
        ),
        Outcome::Failed(_) => sql(
            "status = 'failed', last_error = $1, attempts = attempts + 1, attempt_started_at = NULL",
            3,
        ),
    };
    let q = sqlx::query(&sql);
    let q = match &outcome {
        Outcome::Sent(ts, note) => q.bind(ts.clone()).bind(now).bind(note.clone()),
        Outcome::Retry {
            at_ms,
            error,
            count_attempt,
            unknown,
        } => q
            .bind(*at_ms)
            .bind(error.clone())
            .bind(i64::from(*count_attempt))
            .bind(i64::from(*unknown)),
        Outcome::Failed(error) => q.bind(error.clone()),
    };
    let mut q = q.bind(token);
    for id in &ids {
        q = q.bind(*id);
    }
    count(c, ids.len(), &outcome);
    if let Err(e) = q.execute(&ctx.store.pool).await {
        tracing::error!(outbox_id = c.id, error = %e, "could not record the outbox outcome; the lease will expire and the row will be retried");
    }
}

fn count(c: &Claimed, rows: usize, outcome: &Outcome) {
    match outcome {
        Outcome::Sent(..) => {
            metrics::counter!("outbox_delivered_total", "method" => c.method.clone())
                .increment(rows as u64);
            if rows > 1 {
                metrics::counter!("outbox_combined_total").increment(rows as u64);
            }
        }
        Outcome::Retry { error, .. } => {
            metrics::counter!("outbox_delivery_failures_total", "error" => error.clone(), "final" => "false").increment(1)
        }
        Outcome::Failed(error) => {
            tracing::warn!(outbox_id = c.id, method = %c.method, channel = %c.channel, error = %error, "outbox delivery failed for good");
            metrics::counter!("outbox_delivery_failures_total", "error" => error.clone(), "final" => "true").increment(1)
        }
    }
}
