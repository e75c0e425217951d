//! The injectable clock: system time plus an offset tests can move.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Default, Debug)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Self {
        Clock::default()
    }
    /// A clock that reads `at_ms` now and moves forward with real time.
    pub fn starting_at(at_ms: i64) -> Self {
        let c = Clock::default();
        c.offset_ms.store(at_ms - system_ms(), Ordering::SeqCst);
        c
    }
    pub fn now_ms(&self) -> i64 {
        system_ms() + self.offset_ms.load(Ordering::SeqCst)
    }
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
    pub fn advance(&self, d: Duration) {
        self.offset_ms
            .fetch_add(d.as_millis() as i64, Ordering::SeqCst);
    }
}

fn system_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
