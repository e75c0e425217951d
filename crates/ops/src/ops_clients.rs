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

/// The clients of the catalog's kinds, as the composition root handed them to the context.
pub fn clients(ctx: &Ctx) -> &OpsClients {
    ctx.ext()
}
