//! Concrete clients of the systems the bot talks to; every base URL comes from configuration.

pub mod evolution;
pub mod julia_db;
pub mod julia_health;
pub mod kubernetes;
pub mod railway;
pub mod railway_vars;
pub mod slack;

/// The controlled system's clients (`/julia …`), built from [`crate::config::JuliaConfig`].
#[derive(Clone)]
pub struct JuliaClients {
    pub railway: railway::RailwayClient,
    pub evolution: evolution::EvolutionClient,
    pub health: julia_health::HealthClient,
    pub db: julia_db::JuliaDb,
}

impl JuliaClients {
    pub fn new(cfg: &crate::config::JuliaConfig) -> Self {
        JuliaClients {
            railway: railway::RailwayClient::new(cfg),
            evolution: evolution::EvolutionClient::new(cfg),
            health: julia_health::HealthClient::new(cfg),
            db: julia_db::JuliaDb::new(cfg),
        }
    }
}

/// Counts an upstream call and its latency by system (`/metrics`: `upstream_calls_total`,
/// `upstream_call_seconds`).
pub fn record(system: &'static str, started: std::time::Instant, ok: bool) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!("upstream_calls_total", "system" => system, "outcome" => outcome)
        .increment(1);
    metrics::histogram!("upstream_call_seconds", "system" => system)
        .record(started.elapsed().as_secs_f64());
}
