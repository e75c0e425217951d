//! The Kubernetes API through the `kube` crate, as `kubectl` does it: rollout restart (a
//! strategic-merge patch of the pod template's `kubectl.kubernetes.io/restartedAt`), scale
//! through the `scale` subresource (GET, then PUT with the read `resourceVersion`), deployment
//! and pod status, and the last lines of pod logs.
//!
//! The client is built on first use from `KUBECONFIG` when set (a list of files, merged), else
//! `~/.kube/config`, else the in-cluster service account. Automatic retries are off (a chat
//! operation answers in seconds, not after 15 retries) and every call has a deadline.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams, Patch, PatchParams, PostParams};
use serde_json::json;
use tokio::sync::OnceCell;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KubeError {
    #[error("Kubernetes is not configured: {0}")]
    Unconfigured(String),
    /// The API's `Status`: code, reason and message.
    #[error("Kubernetes answered {code} {reason}: {message}")]
    Api {
        code: u16,
        reason: String,
        message: String,
    },
    #[error("no answer from Kubernetes in {0} s")]
    Timeout(u64),
    #[error("Kubernetes could not be reached: {0}")]
    Transport(String),
    #[error("deployment {0} is paused: resume it before restarting (kubectl refuses too)")]
    Paused(String),
    #[error("expected {expected} replicas but there are {actual} now; nothing was changed")]
    Moved { expected: i32, actual: i32 },
}

impl KubeError {
    fn from_kube(e: kube::Error) -> KubeError {
        match e {
            kube::Error::Api(s) => KubeError::Api {
                code: s.code,
                reason: s.reason.clone(),
                message: s.message.clone(),
            },
            other => KubeError::Transport(other.to_string()),
        }
    }
    /// The request may have been applied (no answer).
    pub fn maybe_applied(&self) -> bool {
        matches!(self, KubeError::Timeout(_) | KubeError::Transport(_))
    }
}

/// A deployment's replica counts (absent counters are 0, as the API omits them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentState {
    pub name: String,
    pub desired: i32,
    pub ready: i32,
    pub updated: i32,
    pub available: i32,
    pub generation: i64,
    pub observed_generation: i64,
    pub paused: bool,
    pub selector: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodState {
    pub name: String,
    /// kubectl's STATUS column: phase, or a container's waiting/terminated reason.
    pub status: String,
    pub ready: String,
    pub restarts: i32,
    pub started_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleState {
    pub replicas: i32,
    pub resource_version: Option<String>,
}

pub struct KubeClient {
    kubeconfig: Option<String>,
    timeout: Duration,
    client: OnceCell<kube::Client>,
}

impl KubeClient {
    pub fn new(kubeconfig: Option<String>, timeout: Duration) -> Self {
        KubeClient {
            kubeconfig,
            timeout,
            client: OnceCell::new(),
        }
    }

    async fn client(&self) -> Result<kube::Client, KubeError> {
        self.client
            .get_or_try_init(|| async {
                let mut cfg = match &self.kubeconfig {
                    Some(list) => from_kubeconfig_list(list).await?,
                    // As kubectl and kube's `Config::infer`: `~/.kube/config`, then the
                    // in-cluster service account (`KUBERNETES_SERVICE_HOST`, the token in
                    // `/var/run/secrets/kubernetes.io/serviceaccount/`).
                    None => kube::Config::infer().await.map_err(|e| {
                        KubeError::Unconfigured(format!(
                            "no KUBECONFIG, no ~/.kube/config and not in a cluster ({e})"
                        ))
                    })?,
                };
                cfg.default_retry = false;
                cfg.connect_timeout = Some(self.timeout);
                cfg.read_timeout = Some(self.timeout);
                cfg.write_timeout = Some(self.timeout);
                kube::Client::try_from(cfg).map_err(|e| KubeError::Unconfigured(e.to_string()))
            })
            .await
            .cloned()
    }

    async fn call<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, KubeError> {
        let started = std::time::Instant::now();
        let r = match tokio::time::timeout(self.timeout, f).await {
            Err(_) => Err(KubeError::Timeout(self.timeout.as_secs().max(1))),
            Ok(r) => r.map_err(KubeError::from_kube),
        };
        crate::upstream::record("kubernetes", started, r.is_ok());
        r
    }

    async fn deployments(&self, ns: &str) -> Result<Api<Deployment>, KubeError> {
        Ok(Api::namespaced(self.client().await?, ns))
    }

    pub async fn deployment(&self, ns: &str, name: &str) -> Result<DeploymentState, KubeError> {
        let api = self.deployments(ns).await?;
        let d = self.call(api.get(name)).await?;
        Ok(state_of(&d))
    }

    /// `kubectl rollout restart`: refuses a paused deployment, then patches the annotation.
    /// Returns the deployment as the API answered it.
    pub async fn rollout_restart(
        &self,
        ns: &str,
        name: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<DeploymentState, KubeError> {
        let before = self.deployment(ns, name).await?;
        if before.paused {
            return Err(KubeError::Paused(name.to_string()));
        }
        let api = self.deployments(ns).await?;
        let stamp = at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let patch = json!({"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": stamp
        }}}}});
        let pp = PatchParams {
            field_manager: Some("kubectl-rollout".into()),
            ..Default::default()
        };
        let d = self
            .call(api.patch(name, &pp, &Patch::Strategic(patch)))
            .await?;
        Ok(state_of(&d))
    }

    pub async fn scale(&self, ns: &str, name: &str) -> Result<ScaleState, KubeError> {
        let api = self.deployments(ns).await?;
        let s = self.call(api.get_scale(name)).await?;
        Ok(ScaleState {
            replicas: s.spec.and_then(|s| s.replicas).unwrap_or(0),
            resource_version: s.metadata.resource_version,
        })
    }

    /// `kubectl scale --current-replicas=expected --replicas=n`: GET the Scale, compare, PUT it
    /// back with the read `resourceVersion` (a concurrent change gets 409, not overwritten).
    pub async fn set_scale(
        &self,
        ns: &str,
        name: &str,
        expected: Option<i32>,
        replicas: i32,
    ) -> Result<ScaleState, KubeError> {
        let api = self.deployments(ns).await?;
        let mut s = self.call(api.get_scale(name)).await?;
        let now = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
        if let Some(e) = expected.filter(|e| *e != now) {
            return Err(KubeError::Moved {
                expected: e,
                actual: now,
            });
        }
        s.spec.get_or_insert_with(Default::default).replicas = Some(replicas);
        s.status = None;
        let out = self
            .call(api.replace_scale(name, &PostParams::default(), &s))
            .await?;
        Ok(ScaleState {
            replicas: out.spec.and_then(|s| s.replicas).unwrap_or(0),
            resource_version: out.metadata.resource_version,
        })
    }

    pub async fn pods(&self, ns: &str, selector: &str) -> Result<Vec<PodState>, KubeError> {
        let api: Api<Pod> = Api::namespaced(self.client().await?, ns);
        let list = self
            .call(api.list(&ListParams::default().labels(selector)))
            .await?;
        Ok(list.items.iter().map(pod_state).collect())
    }

    /// The last `tail` lines of each pod matched (at most `max_pods`): one entry per pod, or
    /// per container (`pod/container`) when the pod has several and none is named (the API
    /// refuses a log without a container there: 400 "a container name must be specified for
    /// pod P, choose one of: […]", kubernetes `pkg/registry/core/pod/strategy.go`). A log that
    /// cannot be read (a container still waiting to start: 400 "container \"C\" in pod \"P\" is
    /// waiting to start: REASON", same file) is named with its error, and the others are still
    /// shown. At most [`LOG_BYTES`] per log (the API's `limitBytes`, and read no further);
    /// bytes that are not UTF-8 are shown as U+FFFD.
    pub async fn logs(
        &self,
        ns: &str,
        selector: &str,
        container: Option<&str>,
        tail: i64,
        max_pods: usize,
    ) -> Result<Vec<(String, Result<String, KubeError>)>, KubeError> {
        let api: Api<Pod> = Api::namespaced(self.client().await?, ns);
        let list = self
            .call(api.list(&ListParams::default().labels(selector)))
            .await?;
        let mut out = Vec::new();
        for p in list.items.iter().take(max_pods) {
            let pod = p.metadata.name.clone().unwrap_or_default();
            let named: Vec<String> = match container {
                Some(c) => vec![c.to_string()],
                None => p
                    .spec
                    .as_ref()
                    .map(|s| s.containers.iter().map(|c| c.name.clone()).collect())
                    .unwrap_or_default(),
            };
            // One container and none named: the API picks it, as `kubectl logs` lets it.
            let each: Vec<Option<String>> = if container.is_none() && named.len() <= 1 {
                vec![None]
            } else {
                named.into_iter().map(Some).collect()
            };
            let several = each.len() > 1;
            for c in each {
                let label = match (&c, several) {
                    (Some(c), true) => format!("{pod}/{c}"),
                    _ => pod.clone(),
                };
                let lp = LogParams {
                    container: c,
                    tail_lines: Some(tail),
                    limit_bytes: Some(LOG_BYTES),
                    ..Default::default()
                };
                out.push((label, self.log_text(&api, &pod, &lp).await));
            }
        }
        Ok(out)
    }

    /// One log as text: at most [`LOG_BYTES`] read, invalid UTF-8 replaced, a cut said.
    async fn log_text(
        &self,
        api: &Api<Pod>,
        pod: &str,
        lp: &LogParams,
    ) -> Result<String, KubeError> {
        use futures::AsyncReadExt;
        let stream = self.call(api.log_stream(pod, lp)).await?;
        let mut buf = Vec::new();
        let mut limited = Box::pin(stream).take(LOG_BYTES as u64);
        let read = limited.read_to_end(&mut buf);
        match tokio::time::timeout(self.timeout, read).await {
            Err(_) => return Err(KubeError::Timeout(self.timeout.as_secs().max(1))),
            Ok(Err(e)) => return Err(KubeError::Transport(e.to_string())),
            Ok(Ok(_)) => {}
        }
        let mut text = String::from_utf8_lossy(&buf).into_owned();
        if buf.len() as i64 >= LOG_BYTES {
            text.push_str(&format!("\n… (cut at {} KiB)", LOG_BYTES / 1024));
        }
        Ok(text)
    }
}

/// `KUBECONFIG` as kubectl reads it: a list of files (`:`-separated, `;` on Windows), merged
/// with the first file to set a value winning (so the `current-context` of the first file that
/// has one; https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files),
/// empty names ignored; the same fold as kube's `Kubeconfig::from_env`.
async fn from_kubeconfig_list(list: &str) -> Result<kube::Config, KubeError> {
    let bad = |e: String| KubeError::Unconfigured(format!("KUBECONFIG {list}: {e}"));
    let paths: Vec<_> = std::env::split_paths(list)
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    if paths.is_empty() {
        return Err(bad("no file named".into()));
    }
    let mut merged = kube::config::Kubeconfig::default();
    for p in &paths {
        let one = kube::config::Kubeconfig::read_from(p)
            .map_err(|e| bad(format!("{}: {e}", p.display())))?;
        merged = merged.merge(one).map_err(|e| bad(e.to_string()))?;
    }
    kube::Config::from_custom_kubeconfig(merged, &Default::default())
        .await
        .map_err(|e| bad(e.to_string()))
}

/// At most this many bytes of one container's log.
pub const LOG_BYTES: i64 = 64 * 1024;

fn state_of(d: &Deployment) -> DeploymentState {
    let spec = d.spec.as_ref();
    let st = d.status.as_ref();
    let selector = spec
        .and_then(|s| s.selector.match_labels.as_ref())
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .filter(|s| !s.is_empty());
    DeploymentState {
        name: d.metadata.name.clone().unwrap_or_default(),
        desired: spec.and_then(|s| s.replicas).unwrap_or(1),
        ready: st.and_then(|s| s.ready_replicas).unwrap_or(0),
        updated: st.and_then(|s| s.updated_replicas).unwrap_or(0),
        available: st.and_then(|s| s.available_replicas).unwrap_or(0),
        generation: d.metadata.generation.unwrap_or(0),
        observed_generation: st.and_then(|s| s.observed_generation).unwrap_or(0),
        paused: spec.and_then(|s| s.paused).unwrap_or(false),
        selector,
    }
}

fn pod_state(p: &Pod) -> PodState {
    let st = p.status.as_ref();
    let containers = st
        .and_then(|s| s.container_statuses.clone())
        .unwrap_or_default();
    let mut status = st
        .and_then(|s| s.reason.clone().or_else(|| s.phase.clone()))
        .unwrap_or_else(|| "Unknown".into());
    for c in &containers {
        let state = c.state.as_ref();
        if let Some(r) = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.clone())
        {
            status = r;
        } else if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
            status = t
                .reason
                .clone()
                .unwrap_or_else(|| format!("ExitCode:{}", t.exit_code));
        }
    }
    if p.metadata.deletion_timestamp.is_some() {
        status = "Terminating".into();
    }
    let total = p.spec.as_ref().map(|s| s.containers.len()).unwrap_or(0);
    let ready = containers.iter().filter(|c| c.ready).count();
    PodState {
        name: p.metadata.name.clone().unwrap_or_default(),
        status,
        ready: format!("{ready}/{total}"),
        restarts: containers.iter().map(|c| c.restart_count).sum(),
        started_secs: st
            .and_then(|s| s.start_time.as_ref())
            .map(|t| t.0.as_second()),
    }
}

/// `kubectl rollout status`'s verdict on a deployment: done, still going, or failed.
pub fn rollout_done(d: &DeploymentState) -> bool {
    d.observed_generation >= d.generation && d.updated >= d.desired && d.available >= d.updated
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An https cluster builds a TLS client (one crypto provider, no panic) and an unreachable
    /// one is a transport error naming Kubernetes, not a hang.
    #[tokio::test]
    async fn an_unreachable_cluster_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("kube-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:9\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n",
        )
        .unwrap();
        let k = KubeClient::new(Some(path.display().to_string()), Duration::from_secs(2));
        let e = k.deployment("ns", "d").await.unwrap_err();
        assert!(
            matches!(e, KubeError::Transport(_) | KubeError::Timeout(_)),
            "{e:?}"
        );
        assert!(e.to_string().contains("Kubernetes"), "{e}");
        let missing = KubeClient::new(
            Some("/nonexistent/kubeconfig".into()),
            Duration::from_secs(1),
        );
        let e = missing.deployment("ns", "d").await.unwrap_err();
        assert!(
            matches!(&e, KubeError::Unconfigured(m) if m.contains("KUBECONFIG")),
            "{e:?}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    /// `KUBECONFIG` as a list of two files, the context in the second: the files are merged
    /// as kubectl merges them, so the client is configured and goes to the second file's
    /// server (unreachable here: a transport error, not "not configured"). A missing file in
    /// the list is named.
    #[tokio::test]
    async fn a_kubeconfig_list_is_merged() {
        let dir = std::env::temp_dir().join(format!("kube-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = dir.join("first");
        let second = dir.join("second");
        // The first file has another cluster and user, and no current-context.
        std::fs::write(
            &first,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster:\n    server: https://10.255.255.1:6443\nusers:\n- name: other\n  user:\n    token: o\ncontexts:\n- name: other\n  context: {cluster: other, user: other}\n",
        )
        .unwrap();
        // The second file's server: a loopback listener that notes a connection and closes it.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let reached = tokio::spawn(async move { listener.accept().await.is_ok() });
        std::fs::write(
            &second,
            format!("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:{port}\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context: {{cluster: c, user: u}}\ncurrent-context: c\n"),
        )
        .unwrap();
        let list = std::env::join_paths([&first, &second]).unwrap();
        let k = KubeClient::new(Some(list.to_string_lossy().into()), Duration::from_secs(2));
        let e = k.deployment("ns", "d").await.unwrap_err();
        assert!(
            matches!(e, KubeError::Transport(_) | KubeError::Timeout(_)),
            "{e:?}"
        );
        assert!(reached.await.unwrap(), "the second file's server was asked");
        let missing = dir.join("missing");
        let list = std::env::join_paths([&first, &missing]).unwrap();
        let k = KubeClient::new(Some(list.to_string_lossy().into()), Duration::from_secs(1));
        let e = k.deployment("ns", "d").await.unwrap_err();
        assert!(
            matches!(&e, KubeError::Unconfigured(m) if m.contains(&missing.display().to_string())),
            "{e:?}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
