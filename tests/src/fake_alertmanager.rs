//! A fake of Alertmanager's silences API v2 on loopback, as strict as the real one
//! (`prometheus/alertmanager` `api/v2/openapi.yaml`, `api/v2/api.go`, `silence/silence.go`;
//! the checks and their order are those of the project's Alertmanager contract, §6):
//!
//! `POST /api/v2/silences`: 415 without `Content-Type: application/json`; 400 for invalid JSON;
//! 422 `{"code":602,"message":"<field> in body is required"}` for a missing `matchers`,
//! `startsAt`, `endsAt`, `createdBy`, `comment`, a matcher without `name`/`value`/`isRegex`, or
//! an empty `matchers`; 400 when `startsAt >= endsAt` or `endsAt` is past, for an empty label
//! name, and when every matcher matches the empty string; 404 for an unknown `id`. Success:
//! `{"silenceID": "<uuid>"}`. `createdBy: ""` and `comment: ""` are accepted (only presence is
//! checked, prometheus/alertmanager#2998).
//!
//! `DELETE /api/v2/silence/{id}`: 422 for a non-UUID id, 404 with an empty body for an unknown
//! one, else 200 with an empty body (an expired silence stays expired). As an Alertmanager
//! older than v0.26 ([`AmState::before_v026`]), an unknown id is a 500 `"silence not found"`
//! (seen on Debian's `prometheus-alertmanager` 0.25.0: `deleteSilenceHandler` returned every
//! `Expire` error as 500).
//!
//! `GET /api/v2/alerts?filter=name="value"`: the alerts set with [`FakeAlertmanager::set_alerts`]
//! whose labels match every filter (`api/v2/api.go` `getAlertsHandler`; resolved alerts are
//! never listed). Its booleans (`active`, `silenced`, `inhibited`, `unprocessed`) are `true` or
//! `false`, anything else is a 422 `{"code":601,"message":"<name> in query must be of type
//! bool: \"<value>\""}` (go-openapi's validation of the generated params); a filter that is not
//! `name="value"` is a 400.
//!
//! With [`AmState::bearer`] set, every request without `Authorization: Bearer <it>` gets 401, as
//! from an authenticating proxy in front of Alertmanager (Alertmanager itself has no bearer
//! auth: `--web.config.file` knows basic auth only, `docs/https.md`).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub struct Silence {
    pub id: String,
    pub body: Value,
    pub expired: bool,
}

#[derive(Default)]
pub struct AmState {
    pub silences: Vec<Silence>,
    /// Every request: (method, path, body).
    pub requests: Vec<(String, String, Value)>,
    /// Answer every request with this status (a failing Alertmanager).
    pub fail_with: Option<u16>,
    /// Alertmanager before v0.26: an unknown silence's DELETE is a 500.
    pub before_v026: bool,
    /// The token a proxy in front requires.
    pub bearer: Option<String>,
    /// The alerts `GET /api/v2/alerts` lists (label sets).
    pub alerts: Vec<Value>,
}

/// 401 unless the request carries the bearer token the state requires.
#[allow(clippy::result_large_err)]
fn gate(st: &AmState, headers: &HeaderMap) -> Result<(), Response> {
    let Some(t) = &st.bearer else { return Ok(()) };
    let given = headers.get("authorization").and_then(|v| v.to_str().ok());
    if given == Some(format!("Bearer {t}").as_str()) {
        Ok(())
    } else {
        Err(StatusCode::UNAUTHORIZED.into_response())
    }
}

#[derive(Clone)]
pub struct FakeAlertmanager {
    pub state: Arc<Mutex<AmState>>,
    pub base_url: String,
}

impl FakeAlertmanager {
    pub async fn start() -> FakeAlertmanager {
        let state = Arc::new(Mutex::new(AmState::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/api/v2/silences", post(create))
            .route("/api/v2/silence/{id}", delete(expire))
            .route("/api/v2/alerts", get(list_alerts))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeAlertmanager {
            state,
            base_url: format!("http://{addr}"),
        }
    }

    pub fn silences(&self) -> Vec<Silence> {
        self.state.lock().unwrap().silences.clone()
    }

    pub fn requests(&self) -> Vec<(String, String, Value)> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn fail_with(&self, status: Option<u16>) {
        self.state.lock().unwrap().fail_with = status;
    }

    /// The alerts Alertmanager holds now (each a label object).
    pub fn set_alerts(&self, labels: Vec<Value>) {
        self.state.lock().unwrap().alerts = labels;
    }
}

fn string_error(code: StatusCode, msg: &str) -> Response {
    (code, Json(Value::String(msg.to_string()))).into_response()
}

fn required(field: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({"code": 602, "message": format!("{field} in body is required")})),
    )
        .into_response()
}

/// An RFC 3339 UTC time (`…Z`) as epoch milliseconds (for tests reading a silence's times).
pub fn rfc3339_ms(s: &str) -> i64 {
    chrono_like(s).unwrap_or_else(|| panic!("not an RFC 3339 UTC time: {s}"))
}

fn time_ms(v: &Value) -> Option<i64> {
    chrono_like(v.as_str()?)
}

/// RFC 3339 (what go-openapi's `strfmt.DateTime` accepts, for the cases the bot sends).
fn chrono_like(s: &str) -> Option<i64> {
    // YYYY-MM-DDTHH:MM:SS(.fff)Z
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || !s.ends_with('Z') {
        return None;
    }
    let n = |a: usize, z: usize| s.get(a..z)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, se) = (
        n(0, 4)?,
        n(5, 7)?,
        n(8, 10)?,
        n(11, 13)?,
        n(14, 16)?,
        n(17, 19)?,
    );
    let ms = match s.get(19..20) {
        Some(".") => {
            let frac = &s[20..s.len() - 1];
            format!("{:0<3}", &frac[..frac.len().min(3)])
                .parse::<i64>()
                .ok()?
        }
        _ => 0,
    };
    // Days from civil (Howard Hinnant).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + se * 1000 + ms)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The OpenAPI schema's checks, first error only (go-openapi `ServeError`).
#[allow(clippy::result_large_err)] // a test fake: the refusal is the answer
fn schema(v: &Value) -> Result<(), Response> {
    let Some(matchers) = v.get("matchers").and_then(Value::as_array) else {
        return Err(required("matchers"));
    };
    if matchers.is_empty() {
        return Err(required("matchers"));
    }
    for (i, m) in matchers.iter().enumerate() {
        for f in ["name", "value"] {
            if !m.get(f).is_some_and(Value::is_string) {
                return Err(required(&format!("matchers.{i}.{f}")));
            }
        }
        if !m.get("isRegex").is_some_and(Value::is_boolean) {
            return Err(required(&format!("matchers.{i}.isRegex")));
        }
        if m.get("isEqual").is_some_and(|e| !e.is_boolean()) {
            return Err(required(&format!("matchers.{i}.isEqual")));
        }
    }
    for f in ["startsAt", "endsAt"] {
        match v.get(f) {
            None => return Err(required(f)),
            Some(t) if time_ms(t).is_none() => {
                return Err((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(json!({"code": 601, "message": format!("{f} in body must be of type date-time")})),
                )
                    .into_response())
            }
            _ => {}
        }
    }
    for f in ["createdBy", "comment"] {
        if !v.get(f).is_some_and(Value::is_string) {
            return Err(required(f));
        }
    }
    Ok(())
}

/// `silence.go`'s checks after the schema: times, label names, "matches everything".
#[allow(clippy::result_large_err)]
fn validate(v: &Value) -> Result<(), Response> {
    let matchers = v["matchers"].as_array().cloned().unwrap_or_default();
    let starts = time_ms(&v["startsAt"]).unwrap();
    let ends = time_ms(&v["endsAt"]).unwrap();
    if starts >= ends {
        return Err(string_error(
            StatusCode::BAD_REQUEST,
            "Failed to create silence: start time must be before end time",
        ));
    }
    if ends < now_ms() {
        return Err(string_error(
            StatusCode::BAD_REQUEST,
            "Failed to create silence: end time can't be in the past",
        ));
    }
    if matchers.iter().any(|m| m["name"].as_str() == Some("")) {
        return Err(string_error(
            StatusCode::BAD_REQUEST,
            "invalid silence: invalid label name \"\"",
        ));
    }
    // Exact matchers only are evaluated here (the bot sends no regex): `=""` matches empty.
    let all_match_empty = matchers.iter().all(|m| {
        let eq = m["isEqual"].as_bool().unwrap_or(true);
        let re = m["isRegex"].as_bool().unwrap_or(false);
        eq && (if re {
            m["value"] == ".*" || m["value"] == ""
        } else {
            m["value"] == ""
        })
    });
    if all_match_empty {
        return Err(string_error(
            StatusCode::BAD_REQUEST,
            "invalid silence: matcher set 0: at least one matcher must not match the empty string",
        ));
    }
    Ok(())
}

async fn create(
    State(state): State<Arc<Mutex<AmState>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    let mut st = state.lock().unwrap();
    st.requests.push((
        "POST".into(),
        "/api/v2/silences".into(),
        parsed.as_ref().cloned().unwrap_or(Value::Null),
    ));
    if let Err(r) = gate(&st, &headers) {
        return r;
    }
    if let Some(code) = st.fail_with {
        return string_error(StatusCode::from_u16(code).unwrap(), "failing on purpose");
    }
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/json") {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }
    if body.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"code": 602, "message": "silence in body is required"})),
        )
            .into_response();
    }
    let Ok(v) = parsed else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": 400, "message": "parsing silence body from \"\" failed, because invalid JSON"})),
        )
            .into_response();
    };
    if let Err(r) = schema(&v) {
        return r;
    }
    if let Err(r) = validate(&v) {
        return r;
    }
    if let Some(id) = v.get("id").and_then(Value::as_str) {
        if !st.silences.iter().any(|s| s.id == id) {
            return string_error(StatusCode::NOT_FOUND, "silence not found");
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    st.silences.push(Silence {
        id: id.clone(),
        body: v,
        expired: false,
    });
    Json(json!({"silenceID": id})).into_response()
}

async fn expire(
    State(state): State<Arc<Mutex<AmState>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let mut st = state.lock().unwrap();
    st.requests.push((
        "DELETE".into(),
        format!("/api/v2/silence/{id}"),
        Value::Null,
    ));
    if let Err(r) = gate(&st, &headers) {
        return r;
    }
    if let Some(code) = st.fail_with {
        return string_error(StatusCode::from_u16(code).unwrap(), "failing on purpose");
    }
    if uuid::Uuid::parse_str(&id).is_err() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"code": 606, "message": "silenceID in path must be of type uuid"})),
        )
            .into_response();
    }
    let old = st.before_v026;
    match st.silences.iter_mut().find(|s| s.id == id) {
        Some(s) => {
            s.expired = true;
            StatusCode::OK.into_response()
        }
        None if old => string_error(StatusCode::INTERNAL_SERVER_ERROR, "silence not found"),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `filter=name="value"` pairs of a query string (exact matchers only, as the bot sends).
fn filters(query: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let url = reqwest::Url::parse(&format!("http://am/?{query}")).ok()?;
    for (k, v) in url.query_pairs() {
        if k != "filter" {
            continue;
        }
        let (name, value) = v.split_once('=')?;
        let value = value.strip_prefix('"')?.strip_suffix('"')?;
        out.push((
            name.to_string(),
            value.replace("\\\"", "\"").replace("\\\\", "\\"),
        ));
    }
    Some(out)
}

/// A boolean query parameter that is not `true`/`false`: go-openapi's 422 (the names Alertmanager
/// declares for `GET /alerts`, `api/v2/openapi.yaml`).
fn bad_boolean(query: &str) -> Option<Response> {
    let url = reqwest::Url::parse(&format!("http://am/?{query}")).ok()?;
    let (k, v) = url.query_pairs().find(|(k, v)| {
        ["active", "silenced", "inhibited", "unprocessed"].contains(&k.as_ref())
            && !["true", "false"].contains(&v.as_ref())
    })?;
    Some(
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"code": 601, "message": format!("{k} in query must be of type bool: \"{v}\"")})),
        )
            .into_response(),
    )
}

async fn list_alerts(
    State(state): State<Arc<Mutex<AmState>>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let mut st = state.lock().unwrap();
    let q = q.unwrap_or_default();
    st.requests
        .push(("GET".into(), format!("/api/v2/alerts?{q}"), Value::Null));
    if let Err(r) = gate(&st, &headers) {
        return r;
    }
    if let Some(code) = st.fail_with {
        return string_error(StatusCode::from_u16(code).unwrap(), "failing on purpose");
    }
    if let Some(r) = bad_boolean(&q) {
        return r;
    }
    let Some(f) = filters(&q) else {
        return string_error(StatusCode::BAD_REQUEST, "bad matcher format");
    };
    let list: Vec<Value> = st
        .alerts
        .iter()
        .filter(|l| f.iter().all(|(k, v)| l[k].as_str() == Some(v.as_str())))
        .map(|l| json!({"labels": l, "annotations": {}, "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
                        "fingerprint": "0000000000000000", "receivers": [{"name": "chatops"}],
                        "startsAt": "2026-11-30T10:00:00.123Z", "endsAt": "2026-12-30T10:00:00.123Z",
                        "updatedAt": "2026-11-30T10:00:00.123Z"}))
        .collect();
    Json(list).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_rfc3339() {
        assert_eq!(super::chrono_like("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(
            super::chrono_like("2025-03-01T10:05:00.000Z"),
            Some(1_740_823_500_000)
        );
        assert_eq!(super::chrono_like("yesterday"), None);
    }
}
