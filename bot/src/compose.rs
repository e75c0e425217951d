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
    followup::register(&mut jobs);
    recovery::register(&mut jobs);
    stakeholders::register(&mut jobs);
    customers::register(&mut jobs);
    jobs
}

/// Each capability's settings, clients and subscribers.
pub fn extensions(settings: &Settings) -> Extensions {
    let julia_clients = clients::JuliaClients::new(&settings.julia);
    let ops_clients = ops::OpsClients::new(&settings.ops, Duration::from_secs(10));
    let hooks = incident::hooks::Hooks::default()
        .subscribe(paging::hooks::Ladder)
        .subscribe(followup::hooks::FollowUp)
        .subscribe(recovery::hooks::Recovery)
        .subscribe(statuspage::hooks::Page)
        .subscribe(statuspage::web::hooks::Invalidate)
        .subscribe(stakeholders::hooks::Stakeholders)
        .subscribe(customers::hooks::Prompter);
    Extensions::new()
        .with(settings.julia.clone())
        .with(julia_clients)
        .with(kill_switches(&settings.ops))
        .with(settings.alerts.clone())
        .with(settings.ops.clone())
        .with(ops_clients)
        .with(settings.paging.clone())
        .with(settings.followup.clone())
        .with(incident::draft_parts::DraftParts::new(
            followup::hooks::Draft,
        ))
        .with(incident::names::NameCache::default())
        .with(settings.recovery.clone())
        .with(settings.stakeholders.clone())
        .with(settings.customers.clone())
        .with(settings.statuspage.clone())
        .with(settings.statuspage_web.clone())
        .with(statuspage::web::PageCache::new(
            settings.statuspage_web.recheck,
        ))
        .with(crate::dispatch::home::Throttle::default())
        .with(hooks)
}

/// The runbook catalog's kill switches, for `/julia rollback` to offer to keep: variables a
/// `railway.variable.set` action writes a fixed, non-secret value to.
fn kill_switches(ops: &ops::settings::OpsConfig) -> julia::keep::KillSwitches {
    let actions = ops
        .catalog
        .iter()
        .flat_map(|c| &c.systems)
        .flat_map(|s| &s.actions);
    let switches = actions.filter_map(|a| match &a.kind {
        ops::kinds::Kind::RailwayVariableSet {
            target,
            variable,
            value,
            secret: false,
            ..
        } if !value.contains("{{") => Some(julia::keep::Switch {
            project: target.project.clone(),
            environment: target.environment.clone(),
            service: target.service.clone(),
            variable: variable.clone(),
        }),
        _ => None,
    });
    julia::keep::KillSwitches(switches.collect())
}

/// The context of this process: the core, and every capability registered.
pub fn context(settings: Settings, store: Store, cache: Cache, clock: Clock) -> Arc<Ctx> {
    let ext = extensions(&settings);
    Ctx::new(settings.core, store, cache, clock, ext, job_kinds())
}
