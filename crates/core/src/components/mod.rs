//! Components: what a status page shows, incidents affect, and recovery objectives are set for.

mod catalog;
mod state;

#[cfg(test)]
mod tests;

pub use catalog::{parse_check, Component, Components, HealthCheck, Names, System};
pub use state::{ComponentState, ALL_STATES};
