//! A strict fake of the Kubernetes API server on loopback (the parts `kubectl rollout
//! restart`, `scale`, `get pods` and `logs` use), with a kubeconfig file pointing at it.
//!
//! As strict as the API server (contract `kubernetes.md` §9): bearer token required (401),
//! PATCH only with a patch content type (415) and, for a restart, exactly the
//! `kubectl.kubernetes.io/restartedAt` annotation as an RFC 3339 string (400 otherwise); a
//! Scale PUT with a stale `resourceVersion` gets 409 and negative replicas 422; unknown objects
//! 404 as `Status`; logs are `text/plain` raw bytes (`limitBytes` honoured), 400 without a
//! container on a multi-container pod and 400 for a container waiting to start;
//! zero counters are omitted from replies (`omitempty`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub const TOKEN: &str = "fake-k8s-token";

#[derive(Debug, Clone)]
pub struct K8sRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_type: Option<String>,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct FakeDeployment {
    pub replicas: i32,
    pub generation: i64,
    pub resource_version: u64,
    pub paused: bool,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct FakePod {
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub phase: String,
    pub restarts: i32,
    pub containers: Vec<String>,
    /// Raw log bytes (each container logs the same), not necessarily UTF-8.
    pub log: Vec<u8>,
    /// A waiting reason (`ContainerCreating`): every container waits to start.
    pub waiting: Option<String>,
}

#[derive(Default)]
pub struct K8sState {
    /// (namespace, name) -> deployment
    pub deployments: BTreeMap<(String, String), FakeDeployment>,
    pub pods: Vec<FakePod>,
    pub requests: Vec<K8sRequest>,
}

#[derive(Clone)]
pub struct FakeKubernetes {
    pub state: Arc<Mutex<K8sState>>,
    pub url: String,
    /// A kubeconfig for this server (bearer token [`TOKEN`]); set `KUBECONFIG` to it.
    pub kubeconfig: String,
    _dir: Arc<crate::TempDir>,
}

type St = Arc<Mutex<K8sState>>;

fn status(code: u16, reason: &str, message: &str) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": message, "reason": reason, "code": code});
    (StatusCode::from_u16(code).unwrap(), Json(body)).into_response()
}

fn labels(selector: &str) -> BTreeMap<String, String> {
    selector
        .split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

impl FakeKubernetes {
    pub async fn start() -> FakeKubernetes {
        let state: St = Arc::new(Mutex::new(K8sState::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route(
                "/apis/apps/v1/namespaces/{ns}/deployments/{name}",
                get(deployment).patch(patch_deployment),
            )
            .route(
                "/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale",
                get(get_scale).put(put_scale),
            )
            .route("/api/v1/namespaces/{ns}/pods", get(pods))
            .route("/api/v1/namespaces/{ns}/pods/{pod}/log", get(log))
            .fallback(|| async {
                status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                )
            })
            .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let url = format!("http://{addr}");
        let dir = crate::TempDir::new("chatops-kube");
        let kubeconfig = dir.path().join("config");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {url}\nusers:\n- name: bot\n  user:\n    token: {TOKEN}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: bot\n    namespace: default\ncurrent-context: fake\n"
            ),
        )
        .unwrap();
        FakeKubernetes {
            state,
            url,
            kubeconfig: kubeconfig.display().to_string(),
            _dir: Arc::new(dir),
        }
    }

    pub fn add_deployment(&self, ns: &str, name: &str, replicas: i32, app_label: &str) {
        self.state.lock().unwrap().deployments.insert(
            (ns.into(), name.into()),
            FakeDeployment {
                replicas,
                generation: 1,
                resource_version: 100,
                paused: false,
                labels: BTreeMap::from([("app".to_string(), app_label.to_string())]),
                annotations: BTreeMap::new(),
            },
        );
    }

    pub fn add_pod(
        &self,
        ns: &str,
        name: &str,
        app_label: &str,
        phase: &str,
        restarts: i32,
        log: &str,
    ) {
        self.state.lock().unwrap().pods.push(FakePod {
            namespace: ns.into(),
            name: name.into(),
            labels: BTreeMap::from([("app".to_string(), app_label.to_string())]),
            phase: phase.into(),
            restarts,
            containers: vec!["main".into()],
            log: log.as_bytes().to_vec(),
            waiting: None,
        });
    }

    /// A pod with these containers, waiting to start (`waiting`: the reason) or running with
    /// `log` as raw bytes.
    pub fn add_pod_raw(
        &self,
        ns: &str,
        name: &str,
        app_label: &str,
        containers: &[&str],
        waiting: Option<&str>,
        log: &[u8],
    ) {
        self.state.lock().unwrap().pods.push(FakePod {
            namespace: ns.into(),
            name: name.into(),
            labels: BTreeMap::from([("app".to_string(), app_label.to_string())]),
            phase: if waiting.is_some() {
                "Pending"
            } else {
                "Running"
            }
            .into(),
            restarts: 0,
            containers: containers.iter().map(|c| c.to_string()).collect(),
            log: log.to_vec(),
            waiting: waiting.map(String::from),
        });
    }

    pub fn deployment(&self, ns: &str, name: &str) -> FakeDeployment {
        self.state.lock().unwrap().deployments[&(ns.to_string(), name.to_string())].clone()
    }

    pub fn requests(&self) -> Vec<K8sRequest> {
        self.state.lock().unwrap().requests.clone()
    }
}

/// Records every request and refuses a missing or wrong bearer token (401).
async fn guard(
    State(s): State<St>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    s.lock().unwrap().requests.push(K8sRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        content_type: parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(String::from),
        body: String::from_utf8_lossy(&bytes).to_string(),
    });
    let auth = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return status(401, "Unauthorized", "Unauthorized");
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

fn deployment_json(ns: &str, name: &str, d: &FakeDeployment) -> Value {
    let mut spec = json!({"selector": {"matchLabels": d.labels}, "template": {"metadata": {"labels": d.labels, "annotations": d.annotations}}});
    if d.replicas != 0 {
        spec["replicas"] = d.replicas.into();
    }
    if d.paused {
        spec["paused"] = true.into();
    }
    let mut st = json!({"observedGeneration": d.generation});
    // omitempty: zero counters are absent.
    for k in [
        "replicas",
        "readyReplicas",
        "updatedReplicas",
        "availableReplicas",
    ] {
        if d.replicas != 0 {
            st[k] = d.replicas.into();
        }
    }
    json!({"kind": "Deployment", "apiVersion": "apps/v1",
           "metadata": {"name": name, "namespace": ns, "generation": d.generation,
                        "resourceVersion": d.resource_version.to_string(), "labels": d.labels},
           "spec": spec, "status": st})
}

fn not_found(name: &str) -> Response {
    status(
        404,
        "NotFound",
        &format!("deployments.apps \"{name}\" not found"),
    )
}

async fn deployment(State(s): State<St>, Path((ns, name)): Path<(String, String)>) -> Response {
    let g = s.lock().unwrap();
    match g.deployments.get(&(ns.clone(), name.clone())) {
        Some(d) => Json(deployment_json(&ns, &name, d)).into_response(),
        None => not_found(&name),
    }
}

/// Only what `kubectl rollout restart` sends is accepted.
async fn patch_deployment(
    State(s): State<St>,
    Path((ns, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    let patch_types = [
        "application/strategic-merge-patch+json",
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/apply-patch+yaml",
    ];
    if !patch_types.contains(&media) {
        return status(415, "UnsupportedMediaType", &format!("the body of the request was in an unknown format - accepted media types include: {}", patch_types.join(", ")));
    }
    // This fake models a restart only, sent as kubectl sends it.
    if media != "application/strategic-merge-patch+json" {
        return status(
            400,
            "BadRequest",
            "this fake only takes kubectl's strategic-merge restart patch",
        );
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return status(400, "BadRequest", "invalid JSON in the patch");
    };
    let stamp = v
        .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
        .and_then(Value::as_str)
        .map(String::from);
    let exact = stamp.as_ref().is_some_and(|t| {
        v == json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": t}}}}})
            && chrono::DateTime::parse_from_rfc3339(t).is_ok()
    });
    if !exact {
        return status(
            400,
            "BadRequest",
            "the patch is not kubectl's restart patch",
        );
    }
    let mut g = s.lock().unwrap();
    let Some(d) = g.deployments.get_mut(&(ns.clone(), name.clone())) else {
        return not_found(&name);
    };
    d.annotations
        .insert("kubectl.kubernetes.io/restartedAt".into(), stamp.unwrap());
    d.generation += 1;
    d.resource_version += 1;
    Json(deployment_json(&ns, &name, d)).into_response()
}

fn scale_json(ns: &str, name: &str, d: &FakeDeployment) -> Value {
    let mut spec = json!({});
    if d.replicas != 0 {
        spec["replicas"] = d.replicas.into();
    }
    let sel: Vec<String> = d.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    json!({"kind": "Scale", "apiVersion": "autoscaling/v1",
           "metadata": {"name": name, "namespace": ns, "resourceVersion": d.resource_version.to_string()},
           "spec": spec, "status": {"replicas": d.replicas, "selector": sel.join(",")}})
}

async fn get_scale(State(s): State<St>, Path((ns, name)): Path<(String, String)>) -> Response {
    let g = s.lock().unwrap();
    match g.deployments.get(&(ns.clone(), name.clone())) {
        Some(d) => Json(scale_json(&ns, &name, d)).into_response(),
        None => not_found(&name),
    }
}

async fn put_scale(
    State(s): State<St>,
    Path((ns, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return status(400, "BadRequest", "invalid JSON");
    };
    if v["kind"] != "Scale" || v["apiVersion"] != "autoscaling/v1" {
        return status(400, "BadRequest", "the body is not an autoscaling/v1 Scale");
    }
    let replicas = v
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let mut g = s.lock().unwrap();
    let Some(d) = g.deployments.get_mut(&(ns.clone(), name.clone())) else {
        return not_found(&name);
    };
    let rv = v
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !rv.is_empty() && rv != d.resource_version.to_string() {
        return status(409, "Conflict", &format!("Operation cannot be fulfilled on deployments.apps \"{name}\": the object has been modified; please apply your changes to the latest version and try again"));
    }
    if replicas < 0 {
        return status(422, "Invalid", "Scale.autoscaling \"x\" is invalid: spec.replicas: Invalid value: must be greater than or equal to 0");
    }
    d.replicas = replicas as i32;
    d.resource_version += 1;
    d.generation += 1;
    Json(scale_json(&ns, &name, d)).into_response()
}

async fn pods(
    State(s): State<St>,
    Path(ns): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let want = labels(q.get("labelSelector").map(String::as_str).unwrap_or(""));
    let g = s.lock().unwrap();
    let items: Vec<Value> = g
        .pods
        .iter()
        .filter(|p| p.namespace == ns && want.iter().all(|(k, v)| p.labels.get(k) == Some(v)))
        .map(|p| {
            let cs: Vec<Value> = p
                .containers
                .iter()
                .map(|c| {
                    let state = match &p.waiting {
                        Some(r) => json!({"waiting": {"reason": r}}),
                        None => json!({"running": {"startedAt": "2026-11-30T10:00:00Z"}}),
                    };
                    json!({"name": c, "ready": p.phase == "Running", "restartCount": p.restarts,
                           "image": "x", "imageID": "", "state": state})
                })
                .collect();
            let spec_cs: Vec<Value> = p.containers.iter().map(|c| json!({"name": c})).collect();
            json!({"metadata": {"name": p.name, "namespace": p.namespace, "labels": p.labels},
                   "spec": {"containers": spec_cs},
                   "status": {"phase": p.phase, "startTime": "2026-11-30T10:00:00Z", "containerStatuses": cs}})
        })
        .collect();
    Json(json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items}))
        .into_response()
}

async fn log(
    State(s): State<St>,
    Path((ns, pod)): Path<(String, String)>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let g = s.lock().unwrap();
    let Some(p) = g.pods.iter().find(|p| p.namespace == ns && p.name == pod) else {
        return status(404, "NotFound", &format!("pods \"{pod}\" not found"));
    };
    match q.get("container") {
        None if p.containers.len() > 1 => {
            return status(
                400,
                "BadRequest",
                &format!(
                    "a container name must be specified for pod {pod}, choose one of: {:?}",
                    p.containers
                ),
            );
        }
        Some(c) if !p.containers.contains(c) => {
            return status(
                400,
                "BadRequest",
                &format!("container {c} is not valid for pod {pod}"),
            );
        }
        _ => {}
    }
    // A container that has not started has no log: 400, as LogLocation answers
    // (kubernetes `pkg/registry/core/pod/strategy.go`: "container %q in pod %q is waiting to
    // start: %s").
    if let Some(reason) = &p.waiting {
        let c = q.get("container").unwrap_or(&p.containers[0]);
        return status(
            400,
            "BadRequest",
            &format!("container \"{c}\" in pod \"{pod}\" is waiting to start: {reason}"),
        );
    }
    let lines: Vec<&[u8]> = p.log.split(|b| *b == b'\n').collect();
    let tail = match q.get("tailLines").map(|t| t.parse::<i64>()) {
        None => lines.len(),
        Some(Ok(n)) if n >= 0 => n as usize,
        Some(_) => {
            return status(
                422,
                "Invalid",
                "tailLines: Invalid value: must be greater than or equal to 0",
            )
        }
    };
    let mut bytes = lines[lines.len().saturating_sub(tail)..].join(&b'\n');
    // `limitBytes`: at most that many bytes from the start of what would be sent; it must be
    // at least 1 (PodLogOptions validation, `pkg/apis/core/validation`).
    match q.get("limitBytes").map(|t| t.parse::<usize>()) {
        None => {}
        Some(Ok(n)) if n >= 1 => bytes.truncate(n),
        Some(_) => {
            return status(
                422,
                "Invalid",
                "limitBytes: Invalid value: must be greater than 0",
            )
        }
    }
    // The bytes as the container wrote them: not necessarily UTF-8.
    ([("content-type", "text/plain")], bytes).into_response()
}
