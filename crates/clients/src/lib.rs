//! Clients of the outside systems the bot controls: Railway, Evolution, Julia's database and
//! health, Kubernetes. Every base URL comes from the settings each client takes
//! ([`julia_config::JuliaConfig`] for Julia's systems); nothing here reads configuration above
//! it or knows a capability. Slack's client is `chatops_core::slack`.

pub mod evolution;
pub mod evolution_events;
pub mod julia_config;
pub mod julia_db;
pub mod julia_health;
pub mod kubernetes;
pub mod railway;
pub mod railway_vars;
pub mod upstream;

pub use upstream::record;

/// The controlled system's clients (`/julia …`), built from [`crate::julia_config::JuliaConfig`].
#[derive(Clone)]
pub struct JuliaClients {
    pub railway: railway::RailwayClient,
    pub evolution: evolution::EvolutionClient,
    pub health: julia_health::HealthClient,
    pub db: julia_db::JuliaDb,
}

impl JuliaClients {
    pub fn new(cfg: &crate::julia_config::JuliaConfig) -> Self {
        JuliaClients {
            railway: railway::RailwayClient::new(cfg),
            evolution: evolution::EvolutionClient::new(cfg),
            health: julia_health::HealthClient::new(cfg),
            db: julia_db::JuliaDb::new(cfg),
        }
    }
}

/// Julia's clients, as the composition root handed them to the context.
pub fn julia(ctx: &chatops_core::Ctx) -> &JuliaClients {
    ctx.ext()
}
