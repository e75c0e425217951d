//! The HTTP side: the routes of the page, each answered from the render cache with an `ETag`
//! (304 on a matching `If-None-Match`) and a short `max-age`. No JavaScript anywhere, and a
//! Content-Security-Policy that would refuse any.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chatops_core::Ctx;
use messages::Locale;

use super::cache::{Generation, PageCache, Rendered};
use super::settings::WebConfig;
use super::{api, badge, feed, html, lang, view};
use crate::store::{self, PublicSnapshot, DAY_MS};

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One way the page is served: its links hang from `base` (`/status`, or `` at a root).
#[derive(Clone)]
pub struct Served {
    pub ctx: Arc<Ctx>,
    pub base: String,
}

/// The page's routes, for `base` (the path it is nested at; `/` for a root).
pub fn router(ctx: Arc<Ctx>, base: &str) -> Router {
    let base = base.trim_end_matches('/').to_string();
    let served = Served { ctx, base };
    Router::new()
        .route("/", get(index))
        .route("/history", get(history))
        .route("/history.atom", get(atom))
        .route("/incidents/{key}", get(incident))
        .route("/badge.svg", get(badge_svg))
        .route("/api/v2/summary.json", get(summary))
        .route("/api/v2/status.json", get(status))
        .route("/api/v2/incidents.json", get(incidents))
        .fallback(not_found)
        .with_state(served)
}

/// The page on the bot's own router: nested at `STATUSPAGE_PATH` (or merged at `/`).
pub fn mount(main: Router, ctx: Arc<Ctx>) -> Router {
    let cfg: &WebConfig = ctx.ext();
    match cfg.path.clone() {
        None => main,
        Some(p) if p == "/" => main.merge(router(ctx, "/")),
        Some(p) => {
            // `/status/` leads to `/status`.
            let to = p.clone();
            main.route(
                &format!("{p}/"),
                get(move || async move { Redirect::permanent(&to) }),
            )
            .nest(&p, router(ctx, &p))
        }
    }
}

struct Ask {
    locale: Locale,
    etag: Option<String>,
}

fn ask(s: &Served, uri: &Uri, headers: &HeaderMap) -> Ask {
    let cfg: &WebConfig = s.ctx.ext();
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Ask {
        locale: lang::choose(uri.query(), accept, cfg.language),
        etag: headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    }
}

async fn generation(s: &Served) -> Result<Arc<Generation>, Response> {
    let ctx = &s.ctx;
    let cache: &PageCache = ctx.ext();
    let today = ctx.clock.now_ms().div_euclid(DAY_MS);
    cache
        .current(
            today,
            || store::version(&ctx.store.pool),
            || store::snapshot(ctx),
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "status page: the store cannot be read");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "10")],
                "The status page cannot read its data right now; try again in a few seconds.",
            )
                .into_response()
        })
}

fn respond(s: &Served, r: &Rendered, a: &Ask) -> Response {
    let cfg: &WebConfig = s.ctx.ext();
    let matches = a.etag.as_deref().is_some_and(|h| {
        h.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == r.etag || t == "*")
    });
    let status = if matches && r.status == StatusCode::OK {
        StatusCode::NOT_MODIFIED
    } else {
        r.status
    };
    let mut resp = if status == StatusCode::NOT_MODIFIED {
        status.into_response()
    } else {
        (status, r.body.clone()).into_response()
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&r.etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={}", cfg.max_age)) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if r.content_type.starts_with("application/json") {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    resp
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";

/// Serves the render `what` (in the asked language), rendering it once per version.
async fn cached(
    s: Served,
    uri: Uri,
    headers: HeaderMap,
    what: &'static str,
    render: fn(&Served, &PublicSnapshot, Locale) -> Rendered,
) -> Response {
    let a = ask(&s, &uri, &headers);
    let gen = match generation(&s).await {
        Ok(g) => g,
        Err(resp) => return resp,
    };
    let key = format!("{what}|{}|{}", a.locale.code(), s.base);
    let cache: &PageCache = s.ctx.ext();
    let r = gen.get_or_render(&key, cache, |snap| render(&s, snap, a.locale));
    respond(&s, &r, &a)
}

fn name(s: &Served) -> String {
    let cfg: &WebConfig = s.ctx.ext();
    cfg.name.clone()
}

/// The page's public URL (`STATUSPAGE_URL`), else its path here.
fn page_url(s: &Served) -> String {
    let pc: &crate::settings::StatusPageConfig = s.ctx.ext();
    pc.url
        .clone()
        .unwrap_or_else(|| format!("{}/", s.base))
        .trim_end_matches('/')
        .to_string()
}

fn frame(s: &Served, snap: &PublicSnapshot, l: Locale) -> view::Frame {
    view::Frame::new(&name(s), &s.base, snap, l)
}

async fn index(State(s): State<Served>, uri: Uri, headers: HeaderMap) -> Response {
    cached(s, uri, headers, "index", |s, snap, l| {
        let v = view::index(snap, frame(s, snap, l), l);
        Rendered::new(StatusCode::OK, HTML, html::render("index.html", &v))
    })
    .await
}

async fn history(State(s): State<Served>, uri: Uri, headers: HeaderMap) -> Response {
    cached(s, uri, headers, "history", |s, snap, l| {
        let v = view::history(snap, frame(s, snap, l), l);
        Rendered::new(StatusCode::OK, HTML, html::render("history.html", &v))
    })
    .await
}

async fn atom(State(s): State<Served>, uri: Uri, headers: HeaderMap) -> Response {
    cached(s, uri, headers, "atom", |s, snap, l| {
        let body = feed::atom(&name(s), &page_url(s), snap, l);
        Rendered::new(StatusCode::OK, "application/atom+xml; charset=utf-8", body)
    })
    .await
}

async fn badge_svg(State(s): State<Served>, uri: Uri, headers: HeaderMap) -> Response {
    cached(s, uri, headers, "badge", |_, snap, l| {
        Rendered::new(StatusCode::OK, "image/svg+xml", badge::svg(snap.overall, l))
    })
    .await
}

fn api_page<'a>(name: &'a str, url: &'a str, l: Locale) -> api::Page<'a> {
    api::Page {
        id: "chatops",
        name,
        url,
        locale: l,
    }
}

async fn summary(State(s): State<Served>, uri: Uri, headers: HeaderMap) -> Response {
    cached(s, uri, headers, "summary", |s, snap, l| {
        let (n, u) = (name(s), page_url(s));
        let v = api::summary_json(&api_page(&n, &u, l), snap);
        Rendered::new(StatusCode::OK, JSON, v.to_string())
    })
    .await
}

async fn status(State(s): State<Served>, uri: Uri, headers: HeaderMap) -> Response {
    cached(s, uri, headers, "status", |s, snap, l| {
        let (n, u) = (name(s), page_url(s));
        let v = api::status_json(&api_page(&n, &u, l), snap);
        Rendered::new(StatusCode::OK, JSON, v.to_string())
    })
    .await
}

async fn incidents(State(s): State<Served>, uri: Uri, headers: HeaderMap) -> Response {
    cached(s, uri, headers, "incidents", |s, snap, l| {
        let (n, u) = (name(s), page_url(s));
        let v = api::incidents_json(&api_page(&n, &u, l), snap);
        Rendered::new(StatusCode::OK, JSON, v.to_string())
    })
    .await
}

/// `INC-7` or `7`.
fn incident_id(key: &str) -> Option<i64> {
    let n = key
        .strip_prefix("INC-")
        .or_else(|| key.strip_prefix("inc-"))
        .unwrap_or(key);
    n.parse::<i64>().ok().filter(|n| *n > 0)
}

async fn incident(
    State(s): State<Served>,
    Path(key): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let a = ask(&s, &uri, &headers);
    let gen = match generation(&s).await {
        Ok(g) => g,
        Err(resp) => return resp,
    };
    let Some(id) = incident_id(&key) else {
        return respond(&s, &missing(&s, &gen.snapshot, a.locale), &a);
    };
    let snap = &gen.snapshot;
    let found = snap
        .active
        .iter()
        .chain(snap.resolved.iter())
        .find(|i| i.id == id);
    let cache: &PageCache = s.ctx.ext();
    if found.is_some() {
        let key = format!("incident-{id}|{}|{}", a.locale.code(), s.base);
        let r = gen.get_or_render(&key, cache, |snap| {
            let i = snap
                .active
                .iter()
                .chain(snap.resolved.iter())
                .find(|i| i.id == id)
                .expect("found above");
            incident_page(&s, snap, i, a.locale)
        });
        return respond(&s, &r, &a);
    }
    // Older than the history the snapshot holds: read it (rare; not kept).
    let pc: &crate::settings::StatusPageConfig = s.ctx.ext();
    let old = store::incident(&s.ctx.store.pool, &s.ctx.config.components, id, pc.hide_p3).await;
    let r = match old {
        Ok(Some(i)) => incident_page(&s, snap, &i, a.locale),
        _ => missing(&s, snap, a.locale),
    };
    respond(&s, &r, &a)
}

fn incident_page(
    s: &Served,
    snap: &PublicSnapshot,
    i: &store::PublicIncident,
    l: Locale,
) -> Rendered {
    let v = view::IncidentPage {
        frame: frame(s, snap, l),
        i: view::incident(i, &s.base, l),
    };
    Rendered::new(StatusCode::OK, HTML, html::render("incident.html", &v))
}

fn missing(s: &Served, snap: &PublicSnapshot, l: Locale) -> Rendered {
    Rendered::new(
        StatusCode::NOT_FOUND,
        HTML,
        html::render("not_found.html", &frame(s, snap, l)),
    )
}

async fn not_found(State(s): State<Served>, uri: Uri, headers: HeaderMap) -> Response {
    let a = ask(&s, &uri, &headers);
    match generation(&s).await {
        Ok(gen) => respond(&s, &missing(&s, &gen.snapshot, a.locale), &a),
        Err(resp) => resp,
    }
}
