//! The clients the catalog's kinds use, built once by the composition root and handed to the
//! context ([`clients`] finds them there).

use std::collections::HashMap;
use std::time::Duration;

use chatops_core::Ctx;

/// Clients the catalog's kinds use (built once; Kubernetes and PostgreSQL connect on first use).
pub struct OpsClients {
    pub http: reqwest::Client,
    pub kube: clients::kubernetes::KubeClient,
    pools: tokio::sync::Mutex<HashMap<String, sqlx::PgPool>>,
}

impl OpsClients {
    pub fn new(cfg: &crate::settings::OpsConfig, timeout: Duration) -> Self {
        OpsClients {
            http: reqwest::Client::builder()
                .connect_timeout(timeout)
                .timeout(timeout)
                .redirect(same_origin_redirects())
                .build()
                .expect("http client"),
            kube: clients::kubernetes::KubeClient::new(cfg.kubeconfig.clone(), timeout),
            pools: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// A small pool per PostgreSQL URL (guards and `sql.flag`).
    pub async fn pg(&self, url: &str) -> Result<sqlx::PgPool, String> {
        let mut pools = self.pools.lock().await;
        if let Some(p) = pools.get(url) {
            return Ok(p.clone());
        }
        let p = sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(|e| chatops_core::config::redact_url(&e.to_string()))?;
        pools.insert(url.to_string(), p.clone());
        Ok(p)
    }
}

/// The redirect policy of the catalog's HTTP requests: a redirect is followed only to the same
/// origin (scheme, host and port, RFC 6454 §4; `127.0.0.1:8080` and `127.0.0.1:8081` are two
/// origins), or from `http` to `https` on the same host. A request's headers may hold a secret
/// (`apikey: ${KUMON_API_KEY}`), and reqwest, following a redirect to another host, drops only
/// `Authorization`, `Cookie` and `Proxy-Authorization`: any other header goes along
/// (reqwest's `redirect::remove_sensitive_headers`). A redirect to another origin is not
/// followed: the 3xx comes back, and [`crate::check::send`] says where it pointed.
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let to = attempt.url();
        let Some(from) = attempt.previous().last() else {
            return attempt.follow();
        };
        if attempt.previous().len() >= 10 {
            attempt.error("too many redirects")
        } else if same_origin(from, to) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Same scheme, host and port; or `http` to `https` on the same host with default ports.
pub fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    let host = a.host_str() == b.host_str();
    let upgrade =
        a.scheme() == "http" && b.scheme() == "https" && a.port().is_none() && b.port().is_none();
    host && (upgrade
        || (a.scheme() == b.scheme() && a.port_or_known_default() == b.port_or_known_default()))
}

/// The clients of the catalog's kinds, as the composition root handed them to the context.
pub fn clients(ctx: &Ctx) -> &OpsClients {
    ctx.ext()
}
