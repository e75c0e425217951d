//! A fake HTTP service on loopback (a system's `/health`, an admin endpoint): each path answers
//! a status and a JSON body, fixed or computed when asked; every request is recorded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::Value;

pub type Answer = Arc<dyn Fn() -> (u16, Value) + Send + Sync>;

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

#[derive(Default)]
pub struct HttpState {
    /// (method, path) -> answer
    pub routes: HashMap<(String, String), Answer>,
    /// (method, path) -> `Location` of a `307 Temporary Redirect` (RFC 9110 §15.4.8: the
    /// client repeats the same method and body at the new URL).
    pub redirects: HashMap<(String, String), String>,
    pub requests: Vec<HttpRequest>,
}

#[derive(Clone)]
pub struct FakeHttp {
    pub state: Arc<Mutex<HttpState>>,
    pub base_url: String,
}

impl FakeHttp {
    pub async fn start() -> FakeHttp {
        let state = Arc::new(Mutex::new(HttpState::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().fallback(handle).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeHttp {
            state,
            base_url: format!("http://{addr}"),
        }
    }

    /// A fixed answer.
    pub fn answer(&self, method: &str, path: &str, status: u16, body: Value) {
        self.answer_with(method, path, move || (status, body.clone()));
    }

    /// An answer computed at each request (e.g. from another fake's state).
    pub fn answer_with(
        &self,
        method: &str,
        path: &str,
        f: impl Fn() -> (u16, Value) + Send + Sync + 'static,
    ) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert((method.to_string(), path.to_string()), Arc::new(f));
    }

    /// Answers `307` with `Location: location` (absolute, or a path on this server).
    pub fn redirect(&self, method: &str, path: &str, location: &str) {
        self.state
            .lock()
            .unwrap()
            .redirects
            .insert((method.to_string(), path.to_string()), location.to_string());
    }

    pub fn requests(&self) -> Vec<HttpRequest> {
        self.state.lock().unwrap().requests.clone()
    }
}

async fn handle(
    State(s): State<Arc<Mutex<HttpState>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = {
        let mut g = s.lock().unwrap();
        g.requests.push(HttpRequest {
            method: method.to_string(),
            path: uri.path().to_string(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect(),
            body: String::from_utf8_lossy(&body).to_string(),
        });
        let key = (method.to_string(), uri.path().to_string());
        if let Some(to) = g.redirects.get(&key) {
            return (
                StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, to.clone())],
            )
                .into_response();
        }
        g.routes.get(&key).cloned()
    };
    match answer {
        Some(f) => {
            let (status, v) = f();
            (StatusCode::from_u16(status).unwrap(), Json(v)).into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
