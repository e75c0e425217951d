//! A fake of Julia's health endpoints (`/health/deep`, `/health/circuits`) on loopback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub struct JuliaState {
    pub deep_status: u16,
    pub deep: Value,
    pub circuits: Value,
    pub delay: Duration,
    /// When set, `/health/circuits` answers after this instead of `delay`.
    pub circuits_delay: Option<Duration>,
    pub hits: u32,
}

#[derive(Clone)]
pub struct FakeJulia {
    pub state: Arc<Mutex<JuliaState>>,
    pub base_url: String,
}

pub fn healthy_deep() -> Value {
    json!({
        "status": "healthy",
        "version": {"git_sha": "abc", "deployment_id": "d4", "railway_environment": "production", "run_mode": "api"},
        "checks": {
            "environment": {"status": "ok", "app_env": "production", "db_env": "production"},
            "project_ref": {"status": "ok", "app_ref": "ref123", "db_ref": "ref123"},
            "redis": {"status": "ok", "message": null},
            "supabase": {"status": "ok", "message": null},
            "tables": {"status": "ok", "missing": []},
            "schema_version": {"status": "ok", "current": "20251231211500", "expected": "20251231211500"}
        },
        "deploy_safe": true,
        "timestamp": "2026-02-09T12:34:56+00:00"
    })
}

pub fn unhealthy_deep() -> Value {
    json!({
        "status": "unhealthy",
        "checks": {
            "environment": {"status": "ok"},
            "redis": {"status": "error", "message": "Connection refused"},
            "supabase": {"status": "ok", "message": null}
        },
        "deploy_safe": false,
        "timestamp": "2026-02-09T12:34:56+00:00"
    })
}

fn circuit(name: &str, estado: &str, falhas: i64) -> Value {
    json!({"nome": name, "estado": estado, "falhas_consecutivas": falhas, "ultima_falha": null, "ultimo_sucesso": null,
           "tentativas_half_open": 0, "tempo_reset_atual": 30, "ultimo_erro_tipo": if estado == "closed" { Value::Null } else { json!("timeout") }})
}

impl FakeJulia {
    pub async fn start() -> FakeJulia {
        let state = Arc::new(Mutex::new(JuliaState {
            deep_status: 200,
            deep: healthy_deep(),
            circuits: json!({"circuits": {"evolution": circuit("evolution", "open", 5), "claude": circuit("claude", "closed", 0), "supabase": circuit("supabase", "closed", 0)}, "timestamp": "…"}),
            delay: Duration::ZERO,
            circuits_delay: None,
            hits: 0,
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/health", get(liveness))
            .route("/health/deep", get(deep))
            .route("/health/circuits", get(circuits))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeJulia {
            state,
            base_url: format!("http://{addr}"),
        }
    }
    pub fn set_healthy(&self, healthy: bool) {
        let mut s = self.state.lock().unwrap();
        if healthy {
            s.deep_status = 200;
            s.deep = healthy_deep();
        } else {
            s.deep_status = 503;
            s.deep = unhealthy_deep();
        }
    }
    pub fn set_delay(&self, d: Duration) {
        self.state.lock().unwrap().delay = d;
    }
    pub fn hits(&self) -> u32 {
        self.state.lock().unwrap().hits
    }
}

type St = Arc<Mutex<JuliaState>>;

/// `GET /health`: always 200 while the process runs (Julia's liveness route).
async fn liveness() -> Response {
    Json(json!({"status": "healthy", "timestamp": "2026-02-09T12:34:56+00:00", "service": "julia-api"}))
        .into_response()
}

async fn deep(State(s): State<St>) -> Response {
    let (delay, code, body) = {
        let mut g = s.lock().unwrap();
        g.hits += 1;
        (g.delay, g.deep_status, g.deep.clone())
    };
    tokio::time::sleep(delay).await;
    (StatusCode::from_u16(code).unwrap(), Json(body)).into_response()
}

async fn circuits(State(s): State<St>) -> Response {
    let (delay, body) = {
        let g = s.lock().unwrap();
        (g.circuits_delay.unwrap_or(g.delay), g.circuits.clone())
    };
    tokio::time::sleep(delay).await;
    Json(body).into_response()
}
