//! Kubernetes runbook kinds: rollout restart, scale (checked against the replicas shown at
//! the prompt), status (replicas and pods), logs (to the requester only).

use messages::ops as m;

use super::args::Args;
use super::kinds::{render, Kind};
use super::outcome::{Failure, Outcome};
use chatops_core::Ctx;
use clients::kubernetes::KubeError;

fn fail(e: KubeError) -> Failure {
    Failure {
        system: "Kubernetes",
        maybe_applied: e.maybe_applied(),
        error: e.to_string(),
    }
}

fn replicas(kind: &Kind, args: &Args) -> Result<i32, Failure> {
    let Kind::KubeScale { replicas, .. } = kind else {
        unreachable!("scale only")
    };
    let r = render(replicas, &args.context()).map_err(|e| Failure {
        system: "Kubernetes",
        error: e,
        maybe_applied: false,
    })?;
    r.trim()
        .parse::<i32>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| Failure {
            system: "Kubernetes",
            error: format!("replicas `{r}` is not a whole number ≥ 0"),
            maybe_applied: false,
        })
}

/// What the confirmation shows as "before".
pub async fn preview(ctx: &Ctx, kind: &Kind) -> Result<Option<String>, Failure> {
    let k = &crate::ops_clients::clients(ctx).kube;
    match kind {
        Kind::KubeScale { target, .. } => {
            let s = k
                .scale(&target.namespace, &target.deployment)
                .await
                .map_err(fail)?;
            Ok(Some(s.replicas.to_string()))
        }
        Kind::KubeRolloutRestart(t) => {
            let d = k
                .deployment(&t.namespace, &t.deployment)
                .await
                .map_err(fail)?;
            if d.paused {
                return Err(fail(KubeError::Paused(t.deployment.clone())));
            }
            Ok(Some(format!("{}/{} ready", d.ready, d.desired)))
        }
        _ => Ok(None),
    }
}

/// A one-line view of the change for the prompt (`fabrica-agentes/fabrica-workers → 0`).
pub fn describe(kind: &Kind, args: &Args) -> String {
    match kind {
        Kind::KubeScale { target, .. } => format!(
            "scale deployment `{}/{}` to {} replicas",
            target.namespace,
            target.deployment,
            replicas(kind, args)
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".into())
        ),
        Kind::KubeRolloutRestart(t) => {
            format!(
                "rollout restart deployment `{}/{}`",
                t.namespace, t.deployment
            )
        }
        _ => String::new(),
    }
}

pub async fn run(
    ctx: &Ctx,
    kind: &Kind,
    args: &Args,
    expected: Option<&str>,
) -> Result<Outcome, Failure> {
    let k = &crate::ops_clients::clients(ctx).kube;
    let l = ctx.locale();
    match kind {
        Kind::KubeRolloutRestart(t) => {
            let before = k
                .deployment(&t.namespace, &t.deployment)
                .await
                .map_err(fail)?;
            let at = chrono::DateTime::from_timestamp_millis(ctx.clock.now_ms())
                .unwrap_or_else(chrono::Utc::now);
            let after = k
                .rollout_restart(&t.namespace, &t.deployment, at)
                .await
                .map_err(fail)?;
            Ok(Outcome::changed(
                Some(format!("generation {}", before.generation)),
                Some(format!(
                    "generation {}, restartedAt {}",
                    after.generation,
                    at.format("%Y-%m-%dT%H:%M:%SZ")
                )),
            ))
        }
        Kind::KubeScale { target, .. } => {
            let n = replicas(kind, args)?;
            let expected = expected.and_then(|e| e.parse::<i32>().ok());
            k.set_scale(&target.namespace, &target.deployment, expected, n)
                .await
                .map_err(fail)?;
            // Read back: what the API holds now.
            let now = k
                .scale(&target.namespace, &target.deployment)
                .await
                .map_err(fail)?;
            if now.replicas != n {
                return Err(Failure {
                    system: "Kubernetes",
                    error: m::readback_mismatch(l),
                    maybe_applied: true,
                });
            }
            Ok(Outcome::changed(
                expected.map(|e| e.to_string()),
                Some(now.replicas.to_string()),
            ))
        }
        Kind::KubeStatus { target, selector } => status(ctx, target, selector.as_deref()).await,
        Kind::KubeLogs {
            namespace,
            selector,
            container,
            tail_lines,
        } => {
            let logs = k
                .logs(namespace, selector, container.as_deref(), *tail_lines, 3)
                .await
                .map_err(fail)?
                .into_iter()
                .map(|(name, log)| {
                    let text = log.unwrap_or_else(|e| {
                        l.t(format!("(not shown: {e})"), format!("(não exibido: {e})"))
                            .to_string()
                    });
                    (name, text)
                })
                .collect();
            Ok(Outcome {
                logs: Some(logs),
                ..Outcome::default()
            })
        }
        _ => unreachable!("kubernetes kinds only"),
    }
}

async fn status(
    ctx: &Ctx,
    target: &super::kinds::KubeTarget,
    selector: Option<&str>,
) -> Result<Outcome, Failure> {
    let (k, l) = (&crate::ops_clients::clients(ctx).kube, ctx.locale());
    let d = k
        .deployment(&target.namespace, &target.deployment)
        .await
        .map_err(fail)?;
    let sel = selector
        .map(String::from)
        .or(d.selector.clone())
        .unwrap_or_default();
    let pods = if sel.is_empty() {
        Vec::new()
    } else {
        k.pods(&target.namespace, &sel).await.map_err(fail)?
    };
    let now = ctx.clock.now_secs();
    let rows: Vec<m::PodRow> = pods
        .iter()
        .map(|p| m::PodRow {
            name: &p.name,
            status: &p.status,
            ready: &p.ready,
            restarts: p.restarts,
            age: p
                .started_secs
                .map(|s| messages::human_duration(now - s, l))
                .unwrap_or_else(|| "-".into()),
        })
        .collect();
    Ok(Outcome::lines(m::kube_status_lines(
        l,
        &format!("{}/{}", target.namespace, d.name),
        d.ready,
        d.desired,
        d.updated,
        &rows,
    )))
}
