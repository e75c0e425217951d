//! The render cache's rules, with the store replaced by counters: the version is asked at most
//! once per interval, a change of this process makes the next requests ask until the version
//! moves, and a store that fails keeps the last render up.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use chatops_core::components::ComponentState;

use super::cache::{PageCache, Rendered};
use crate::store::{PublicSnapshot, DAY_MS};

fn snapshot(version: i64) -> PublicSnapshot {
    PublicSnapshot {
        version,
        generated_at: 10 * DAY_MS,
        overall: ComponentState::Operational,
        systems: Vec::new(),
        active: Vec::new(),
        resolved: Vec::new(),
    }
}

struct Store {
    version: AtomicI64,
    version_reads: AtomicU64,
    snapshot_reads: AtomicU64,
    down: std::sync::atomic::AtomicBool,
}

impl Store {
    fn new() -> Store {
        Store {
            version: AtomicI64::new(1),
            version_reads: AtomicU64::new(0),
            snapshot_reads: AtomicU64::new(0),
            down: Default::default(),
        }
    }

    async fn get(&self, cache: &PageCache) -> Result<i64, sqlx::Error> {
        let gen = cache
            .current(
                10,
                || async {
                    self.version_reads.fetch_add(1, Ordering::SeqCst);
                    if self.down.load(Ordering::SeqCst) {
                        return Err(sqlx::Error::PoolTimedOut);
                    }
                    Ok(self.version.load(Ordering::SeqCst))
                },
                || async {
                    self.snapshot_reads.fetch_add(1, Ordering::SeqCst);
                    if self.down.load(Ordering::SeqCst) {
                        return Err(sqlx::Error::PoolTimedOut);
                    }
                    Ok(snapshot(self.version.load(Ordering::SeqCst)))
                },
            )
            .await?;
        Ok(gen.version)
    }
}

#[tokio::test]
async fn a_crowd_reads_the_store_once_and_a_change_of_this_process_is_seen_at_once() {
    let cache = PageCache::new(Duration::from_secs(3600));
    let store = Store::new();
    for _ in 0..1000 {
        assert_eq!(store.get(&cache).await.unwrap(), 1);
    }
    assert_eq!(store.snapshot_reads.load(Ordering::SeqCst), 1);
    assert_eq!(store.version_reads.load(Ordering::SeqCst), 0);

    // Another replica's change: not seen before the interval (an hour here).
    store.version.store(2, Ordering::SeqCst);
    assert_eq!(store.get(&cache).await.unwrap(), 1);

    // This process's change, announced before its transaction commits: every request asks
    // until the version moves, then none does.
    cache.invalidate();
    store.version.store(1, Ordering::SeqCst);
    assert_eq!(store.get(&cache).await.unwrap(), 1);
    assert_eq!(store.get(&cache).await.unwrap(), 1);
    assert_eq!(store.version_reads.load(Ordering::SeqCst), 2);
    store.version.store(3, Ordering::SeqCst);
    assert_eq!(store.get(&cache).await.unwrap(), 3);
    let reads = store.version_reads.load(Ordering::SeqCst);
    for _ in 0..100 {
        assert_eq!(store.get(&cache).await.unwrap(), 3);
    }
    assert_eq!(store.version_reads.load(Ordering::SeqCst), reads);
    assert_eq!(store.snapshot_reads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_last_render_stays_up_when_the_store_is_away() {
    let cache = PageCache::new(Duration::ZERO);
    let store = Store::new();
    assert_eq!(store.get(&cache).await.unwrap(), 1);
    store.down.store(true, Ordering::SeqCst);
    store.version.store(2, Ordering::SeqCst);
    assert_eq!(store.get(&cache).await.unwrap(), 1);
    // Nothing to show yet and no store: an error (the route answers 503).
    let empty = PageCache::new(Duration::ZERO);
    assert!(store.get(&empty).await.is_err());
}

#[tokio::test]
async fn a_render_is_made_once_per_version_and_a_404_is_never_kept() {
    let cache = PageCache::new(Duration::from_secs(3600));
    let store = Store::new();
    store.get(&cache).await.unwrap();
    let gen = cache
        .current(10, || async { Ok(1) }, || async { Ok(snapshot(1)) })
        .await
        .unwrap();
    let a = gen.get_or_render("index|en", &cache, |_| {
        Rendered::new(StatusCode::OK, "text/html", "page")
    });
    let b = gen.get_or_render("index|en", &cache, |_| unreachable!("cached"));
    assert_eq!(a.etag, b.etag);
    for _ in 0..2 {
        gen.get_or_render("missing|en", &cache, |_| {
            Rendered::new(StatusCode::NOT_FOUND, "text/html", "no")
        });
    }
    assert_eq!(cache.renders.load(Ordering::SeqCst), 3);
}
