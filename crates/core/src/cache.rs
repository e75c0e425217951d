//! Redis, optional. Where set it is used for real: event dedupe across replicas and the per-user
//! command rate limit. If it goes away the bot keeps serving: dedupe falls back to the store,
//! the rate limit is off, a warning is logged once, and `/health/ready` says "degraded".

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;

const OP_TIMEOUT: Duration = Duration::from_millis(250);

#[derive(Clone, Default)]
pub struct Cache {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    client: redis::Client,
    conn: tokio::sync::RwLock<Option<ConnectionManager>>,
    degraded: AtomicBool,
    warned: AtomicBool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheHealth {
    NotConfigured,
    Ok,
    Degraded(String),
}

impl Cache {
    /// No Redis: everything in-process / in the store.
    pub fn none() -> Self {
        Cache { inner: None }
    }

    /// Connects lazily: a Redis that is down at start is retried on use.
    pub fn new(url: &str) -> Result<Self, String> {
        let client = redis::Client::open(url)
            .map_err(|e| format!("REDIS_URL is not valid: {}", e.category()))?;
        Ok(Cache {
            inner: Some(Arc::new(Inner {
                client,
                conn: tokio::sync::RwLock::new(None),
                degraded: AtomicBool::new(false),
                warned: AtomicBool::new(false),
            })),
        })
    }

    pub fn is_configured(&self) -> bool {
        self.inner.is_some()
    }

    async fn conn(inner: &Inner) -> Result<ConnectionManager, String> {
        if let Some(c) = inner.conn.read().await.as_ref() {
            return Ok(c.clone());
        }
        let cfg = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_millis(500))
            .set_response_timeout(OP_TIMEOUT)
            .set_number_of_retries(1);
        let c = tokio::time::timeout(
            Duration::from_secs(1),
            ConnectionManager::new_with_config(inner.client.clone(), cfg),
        )
        .await
        .map_err(|_| "connect timeout".to_string())?
        .map_err(|e| e.to_string())?;
        *inner.conn.write().await = Some(c.clone());
        Ok(c)
    }

    /// Runs one Redis command with a short timeout; `None` when Redis is unavailable.
    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Option<T> {
        let inner = self.inner.as_ref()?;
        let result = async {
            let mut c = Self::conn(inner).await?;
            tokio::time::timeout(OP_TIMEOUT, cmd.query_async::<T>(&mut c))
                .await
                .map_err(|_| "timeout".to_string())?
                .map_err(|e| e.to_string())
        }
        .await;
        match result {
            Ok(v) => {
                if inner.degraded.swap(false, Ordering::SeqCst) {
                    tracing::info!("redis is back: dedupe and rate limit use it again");
                    inner.warned.store(false, Ordering::SeqCst);
                }
                Some(v)
            }
            Err(e) => {
                inner.degraded.store(true, Ordering::SeqCst);
                if !inner.warned.swap(true, Ordering::SeqCst) {
                    tracing::warn!(error = %e, "redis unavailable: dedupe falls back to the store, rate limit off");
                }
                metrics::counter!("redis_fallbacks_total").increment(1);
                None
            }
        }
    }

    /// `SET key 1 NX EX ttl`: `Some(true)` when first seen, `Some(false)` when already there.
    pub async fn set_once(&self, key: &str, ttl: Duration) -> Option<bool> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key)
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(ttl.as_secs().max(1));
        let r: Option<Option<String>> = self.run(cmd).await;
        r.map(|v| v.is_some())
    }

    /// `GET key`: `None` without Redis, when it does not answer, or when the key is not set.
    pub async fn get(&self, key: &str) -> Option<String> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(key);
        self.run::<Option<String>>(cmd).await.flatten()
    }

    /// `SET key value EX ttl` (nothing without Redis).
    pub async fn set(&self, key: &str, value: &str, ttl: Duration) {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value).arg("EX").arg(ttl.as_secs().max(1));
        let _: Option<Option<String>> = self.run(cmd).await;
    }

    /// Counts a command for `user` in the current minute; `Some(count)`.
    pub async fn count_in_minute(&self, user: &str, minute: i64) -> Option<i64> {
        let key = format!("chatops:rl:{user}:{minute}");
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("INCR")
            .arg(&key)
            .cmd("EXPIRE")
            .arg(&key)
            .arg(70)
            .ignore();
        let inner = self.inner.as_ref()?;
        let result = async {
            let mut c = Self::conn(inner).await?;
            tokio::time::timeout(OP_TIMEOUT, pipe.query_async::<(i64,)>(&mut c))
                .await
                .map_err(|_| "timeout".to_string())?
                .map_err(|e| e.to_string())
        }
        .await;
        match result {
            Ok((n,)) => Some(n),
            Err(_) => {
                // Marks degraded and logs once.
                let _: Option<String> = self.run(redis::cmd("PING")).await;
                None
            }
        }
    }

    pub async fn health(&self) -> CacheHealth {
        if self.inner.is_none() {
            return CacheHealth::NotConfigured;
        }
        match self.run::<String>(redis::cmd("PING")).await {
            Some(_) => CacheHealth::Ok,
            None => CacheHealth::Degraded("redis did not answer".into()),
        }
    }
}
