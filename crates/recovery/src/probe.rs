//! One run of a component's health check: Julia's `/health/deep` (the Julia health client), a
//! GET that must answer 2xx, or a check of the runbook catalog (an `http.check` action, or the
//! system's guard, HTTP or SQL, run by `/ops`'s own check code). Read only.

use chatops_core::components::HealthCheck;
use chatops_core::config::redact_url;
use chatops_core::Ctx;
use ops::kinds::Kind;
use ops::spec::Check;

/// What is checked, in words ("Julia /health/deep", "GET https://…/health").
pub fn describe(check: &HealthCheck) -> String {
    match check {
        HealthCheck::JuliaDeep => "Julia /health/deep".into(),
        HealthCheck::Http { url } => format!("GET {}", redact_url(url)),
        HealthCheck::Runbook { system, action } => format!("/ops {system} {action}"),
    }
}

/// The catalog check a `Runbook` health check names, or why there is none.
fn runbook_check(ctx: &Ctx, system: &str, action: &str) -> Result<Check, String> {
    let Some(catalog) = ops::settings::of(ctx).catalog.clone() else {
        return Err("no runbook catalog (RUNBOOKS_FILE)".into());
    };
    let Some(sys) = catalog.system(system) else {
        return Err(format!("the runbook catalog has no system `{system}`"));
    };
    if action == "guard" {
        return sys
            .guard
            .clone()
            .ok_or_else(|| format!("`{system}` has no guard in the runbook catalog"));
    }
    match sys.action(action).map(|a| &a.kind) {
        Some(Kind::HttpCheck(h)) => Ok(Check::Http(h.clone())),
        Some(_) => Err(format!("`{system} {action}` is not an http.check action")),
        None => Err(format!(
            "the runbook catalog has no action `{system} {action}`"
        )),
    }
}

/// Whether the check can run at all in this configuration (else why not: it is not watched).
pub fn ready(ctx: &Ctx, check: &HealthCheck) -> Result<(), String> {
    match check {
        HealthCheck::JuliaDeep => {
            if clients::julia(ctx).health.configured() {
                Ok(())
            } else {
                Err("JULIA_BASE_URL is not set".into())
            }
        }
        HealthCheck::Http { .. } => Ok(()),
        HealthCheck::Runbook { system, action } => runbook_check(ctx, system, action).map(|_| ()),
    }
}

/// Runs the check once: Ok, or what failed.
pub async fn run(ctx: &Ctx, check: &HealthCheck) -> Result<(), String> {
    match check {
        HealthCheck::JuliaDeep => match clients::julia(ctx).health.deep().await {
            Ok(d) if d.healthy() => Ok(()),
            Ok(d) => {
                let failing: Vec<&str> = d.failing().iter().map(|c| c.name.as_str()).collect();
                Err(if failing.is_empty() {
                    format!("HTTP {}, status {}", d.http_status, d.status)
                } else {
                    format!(
                        "HTTP {}, status {}, failing: {}",
                        d.http_status,
                        d.status,
                        failing.join(", ")
                    )
                })
            }
            Err(e) => Err(e.to_string()),
        },
        HealthCheck::Http { url } => http(ctx, url).await,
        HealthCheck::Runbook { system, action } => {
            let c = runbook_check(ctx, system, action)?;
            let r = ops::check::run(ctx, &c).await;
            if r.ok {
                Ok(())
            } else {
                Err(r.summary)
            }
        }
    }
}

async fn http(ctx: &Ctx, url: &str) -> Result<(), String> {
    let timeout = crate::settings::of(ctx).check_timeout;
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| e.to_string())?;
    match client.get(url).send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
        Err(e) if e.is_timeout() => Err(format!("no answer in {} s", timeout.as_secs())),
        Err(_) => Err("could not connect".into()),
    }
}
