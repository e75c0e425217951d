//! The outbox: every message the bot owes a channel is a row, written in the same transaction
//! as the change that caused it, then delivered by [`run_worker`].
//!
//! Delivery: per channel in order (a row waits for the older pending rows of its channel, and
//! for a place reserved before it for a row written later, [`reserve`], for a bounded time),
//! about one post per second per channel, 429 `Retry-After` honoured per method, backoff on
//! 5xx/timeouts, and a row that still fails after the last try is kept with its error.
//! Rows are claimed with a short lease (`OUTBOX_LEASE`, 5 s) renewed while the delivery is in
//! flight, so several replicas never deliver a row twice while the lease holds, and a replica
//! that dies blocks its channels for at most one lease (at-least-once).

mod claimed;
mod deliver;
mod digest;
mod item;
mod recheck;
mod reserve;
mod worker;

pub use claimed::{Pacing, SharedPacing, UPLOAD_METHOD};
pub use digest::{enqueue_digest, DIGEST_MAX, DIGEST_MIN};
pub use item::{enqueue, OutboxItem};
pub use recheck::EVENT_TYPE;
pub use reserve::{fill, release, reserve, RESERVED_WAIT_MS};
pub use worker::{deliver_batch, depth, run_once, run_worker};
