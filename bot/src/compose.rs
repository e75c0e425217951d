//! The composition root: every capability's settings, clients, job kinds and hooks are handed
//! to the context here, and nowhere else. A new capability adds its lines below.

use std::sync::Arc;
use std::time::Duration;

use chatops_core::cache::Cache;
use chatops_core::jobs::Registry;
use chatops_core::{Clock, Ctx, Extensions, Store};

use crate::settings::Settings;

/// The job kinds of every capability.
pub fn job_kinds() -> Registry {
    let mut jobs = Registry::new();
    incident::jobs::register(&mut jobs);
    julia::register(&mut jobs);
    ops::register(&mut jobs);
    alerts::register(&mut jobs);
    jobs
}

/// Each capability's settings, clients and subscribers.
pub fn extensions(settings: &Settings) -> Extensions {
    let julia_clients = clients::JuliaClients::new(&settings.julia);
    let ops_clients = ops::OpsClients::new(&settings.ops, Duration::from_secs(10));
    let hooks = incident::hooks::Hooks::default().subscribe(paging::hooks::Ladder);
    Extensions::new()
        .with(settings.julia.clone())
        .with(julia_clients)
        .with(settings.alerts.clone())
        .with(settings.ops.clone())
        .with(ops_clients)
        .with(settings.paging.clone())
        .with(crate::dispatch::home::Throttle::default())
        .with(hooks)
}

/// The context of this process: the core, and every capability registered.
pub fn context(settings: Settings, store: Store, cache: Cache, clock: Clock) -> Arc<Ctx> {
    let ext = extensions(&settings);
    Ctx::new(settings.core, store, cache, clock, ext, job_kinds())
}
