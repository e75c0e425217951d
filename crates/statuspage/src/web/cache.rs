//! The render cache: the page, its JSON, feed and badge are rendered once per version of what
//! is public (`statuspage_version`) and served from memory until it moves.
//!
//! A request checks the version at most once per `STATUSPAGE_RECHECK` (1 s), one request at a
//! time (the others serve the current render meanwhile), so a crowd costs the store at most
//! one small query a second. A change made by this process (any incident event) makes every
//! request check, still one at a time, until the version moves (the event is announced inside
//! the change's transaction, before it commits) or 5 s pass: its visitors see it at once.
//! A new UTC day re-reads too (the history bars move). Memory is bounded: one snapshot, and
//! at most [`MAX_RENDERS`] renders (an unknown incident's 404 is never kept).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;

use crate::store::{PublicSnapshot, DAY_MS};

/// The most renders kept for one version (pages × languages × incident pages).
pub const MAX_RENDERS: usize = 2_000;
/// How long after a change of this process every request checks the version.
const FORCE_WINDOW: Duration = Duration::from_secs(5);

/// One answer, ready to send.
#[derive(Debug)]
pub struct Rendered {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Bytes,
    /// `"<hash of the body>"`.
    pub etag: String,
}

impl Rendered {
    pub fn new(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        use std::hash::{Hash, Hasher};
        let body: Bytes = body.into();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut h);
        Rendered {
            status,
            content_type,
            etag: format!("\"{:016x}-{}\"", h.finish(), body.len()),
            body,
        }
    }
}

/// The renders of one version of what is public.
pub struct Generation {
    pub version: i64,
    pub day: i64,
    pub snapshot: Arc<PublicSnapshot>,
    renders: RwLock<HashMap<String, Arc<Rendered>>>,
}

impl Generation {
    pub fn new(snapshot: PublicSnapshot) -> Generation {
        Generation {
            version: snapshot.version,
            day: snapshot.generated_at.div_euclid(DAY_MS),
            snapshot: Arc::new(snapshot),
            renders: RwLock::new(HashMap::new()),
        }
    }

    /// The render under `key`, made by `render` the first time.
    pub fn get_or_render(
        &self,
        key: &str,
        cache: &PageCache,
        render: impl FnOnce(&PublicSnapshot) -> Rendered,
    ) -> Arc<Rendered> {
        if let Some(r) = self.renders.read().expect("renders").get(key) {
            return r.clone();
        }
        let r = Arc::new(render(&self.snapshot));
        cache.renders.fetch_add(1, Ordering::Relaxed);
        let mut map = self.renders.write().expect("renders");
        if r.status == StatusCode::OK && map.len() < MAX_RENDERS {
            map.entry(key.to_string())
                .or_insert_with(|| r.clone())
                .clone()
        } else {
            r
        }
    }
}

pub struct PageCache {
    started: Instant,
    recheck: Duration,
    current: RwLock<Option<Arc<Generation>>>,
    /// ms since `started` of the last version check.
    checked_at: AtomicU64,
    /// Changes announced by this process…
    epoch: AtomicU64,
    /// …up to this one have been seen in the version.
    settled: AtomicU64,
    /// ms since `started` until which an unsettled change forces checks.
    force_until: AtomicU64,
    refresh: tokio::sync::Mutex<()>,
    /// Renders made (what the crowd would cost without the cache).
    pub renders: AtomicU64,
    /// Snapshots read from the store.
    pub reads: AtomicU64,
}

impl PageCache {
    pub fn new(recheck: Duration) -> PageCache {
        PageCache {
            started: Instant::now(),
            recheck,
            current: RwLock::new(None),
            checked_at: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            settled: AtomicU64::new(0),
            force_until: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(()),
            renders: AtomicU64::new(0),
            reads: AtomicU64::new(0),
        }
    }

    fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Something public may have changed (called from the incident events, inside the
    /// change's transaction).
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.force_until.store(
            self.elapsed_ms() + FORCE_WINDOW.as_millis() as u64,
            Ordering::SeqCst,
        );
    }

    fn due(&self, gen: &Generation, today: i64) -> bool {
        let now = self.elapsed_ms();
        gen.day != today
            || now.saturating_sub(self.checked_at.load(Ordering::SeqCst))
                >= self.recheck.as_millis() as u64
            || (self.epoch.load(Ordering::SeqCst) != self.settled.load(Ordering::SeqCst)
                && now < self.force_until.load(Ordering::SeqCst))
    }

    /// The current generation, re-read when due. `version` reads the store's version,
    /// `read` the snapshot.
    pub async fn current<V, R, VF, RF>(
        &self,
        today: i64,
        version: V,
        read: R,
    ) -> Result<Arc<Generation>, sqlx::Error>
    where
        V: FnOnce() -> VF,
        VF: std::future::Future<Output = Result<i64, sqlx::Error>>,
        R: FnOnce() -> RF,
        RF: std::future::Future<Output = Result<PublicSnapshot, sqlx::Error>>,
    {
        let have = self.current.read().expect("current").clone();
        let guard = match &have {
            Some(gen) if !self.due(gen, today) => return Ok(gen.clone()),
            // Another request is checking: serve what there is meanwhile.
            Some(gen) => match self.refresh.try_lock() {
                Ok(g) => g,
                Err(_) => return Ok(gen.clone()),
            },
            None => self.refresh.lock().await,
        };
        // Re-read under the lock: the one before may have refreshed it.
        let have = self.current.read().expect("current").clone();
        if let Some(gen) = &have {
            if !self.due(gen, today) {
                return Ok(gen.clone());
            }
        }
        let epoch = self.epoch.load(Ordering::SeqCst);
        self.checked_at.store(self.elapsed_ms(), Ordering::SeqCst);
        let result = self.check(have, today, epoch, version, read).await;
        drop(guard);
        result
    }

    async fn check<V, R, VF, RF>(
        &self,
        have: Option<Arc<Generation>>,
        today: i64,
        epoch: u64,
        version: V,
        read: R,
    ) -> Result<Arc<Generation>, sqlx::Error>
    where
        V: FnOnce() -> VF,
        VF: std::future::Future<Output = Result<i64, sqlx::Error>>,
        R: FnOnce() -> RF,
        RF: std::future::Future<Output = Result<PublicSnapshot, sqlx::Error>>,
    {
        if let Some(gen) = &have {
            if gen.day == today {
                match version().await {
                    Ok(v) if v == gen.version => return Ok(gen.clone()),
                    Ok(_) => {}
                    // The store is away: the last render stays up.
                    Err(e) => {
                        tracing::warn!(error = %e, "status page: reading the version");
                        return Ok(gen.clone());
                    }
                }
            }
        }
        match read().await {
            Ok(snapshot) => {
                self.reads.fetch_add(1, Ordering::Relaxed);
                let gen = Arc::new(Generation::new(snapshot));
                *self.current.write().expect("current") = Some(gen.clone());
                self.settled.store(epoch, Ordering::SeqCst);
                Ok(gen)
            }
            Err(e) => match have {
                Some(gen) => {
                    tracing::warn!(error = %e, "status page: reading what is public");
                    Ok(gen)
                }
                None => Err(e),
            },
        }
    }
}
