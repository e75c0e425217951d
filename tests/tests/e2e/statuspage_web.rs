//! The public status page as a visitor sees it, in a real headless Chromium (tests/src/browser.rs):
//! an incident declared through signed Slack requests, public updates, a resolution; at each
//! step the banner, the components, the public words (never the war room's), a 375-px phone
//! without sideways scrolling, no console errors, and a hostile title shown as text.
//! Screenshots go to target/statuspage-screenshots/.
//! Then the machine-readable forms (Statuspage v2 JSON, Atom, badge) and the cache (ETag, 304,
//! one render per version).

use serde_json::{json, Value};
use testkit::browser::{Browser, PHONE_WIDTH};
use testkit::incident_kit::*;
use testkit::*;

/// The war room's own words: never on the page.
const WAR_ROOM_UPDATE: &str = "cordoned node pool-7 WARROOM-ONLY";
const WAR_ROOM_RESOLUTION: &str = "raised the pool WARROOM-ONLY";
/// The incident's title, published by a person from the preview (with markup that must stay
/// text).
const TITLE: &str = "Slow replies <script>alert(1)</script> <img src=x onerror=alert(2)>";
const FIRST: &str = "We are investigating slow WhatsApp replies.";
const SECOND: &str = "We found the cause & are fixing it: a database failover.";

async fn app_with_page(db: &TestDb, slack: &FakeSlack) -> TestApp {
    app_with(db, slack, &[]).await
}

async fn app_with(db: &TestDb, slack: &FakeSlack, env: &[(&str, &str)]) -> TestApp {
    let file = components_file();
    let mut opts = AppOptions::default()
        .env("COMPONENTS_FILE", &file)
        .env("STATUSPAGE_NAME", "Julia status");
    for (k, v) in env {
        opts = opts.env(k, v);
    }
    spawn_app(db, slack, opts).await
}

/// The first public post of the incident in `room`: `/incident update --public <text>`, then
/// Publish on its preview.
async fn publish_first(app: &TestApp, room: &str, text: &str) {
    let ack = app
        .incident(&format!("update --public {text}"), "UDECL", room)
        .await;
    let publish = messages::statuspage::ACTION_PUBLISH;
    let draft = ack["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["elements"].as_array())
        .flatten()
        .find(|e| e["action_id"] == publish)
        .and_then(|e| e["value"].as_str())
        .unwrap_or_else(|| panic!("a preview with Publish: {ack}"))
        .to_string();
    let rid = format!("publish-{room}");
    let payload = json!({"type": "block_actions", "user": {"id": "UDECL"},
        "trigger_id": "t.publish", "channel": {"id": room},
        "response_url": app.slack.response_url(&rid),
        "actions": [{"action_id": publish, "value": draft}]});
    assert_eq!(app.interaction(&payload).await.status(), 200);
    let answer = eventually(std::time::Duration::from_secs(10), || async {
        app.slack.responses_to(&rid).into_iter().next()
    })
    .await
    .expect("an answer to Publish");
    assert!(
        text_of(&answer).contains("is on the status page"),
        "{answer}"
    );
}

/// A public update after the first: `/incident update --public <status> <text>`.
async fn publish(app: &TestApp, room: &str, text: &str) {
    let ack = app
        .incident(&format!("update --public {text}"), "UDECL", room)
        .await;
    assert!(text_of(&ack).contains("is on the status page"), "{ack}");
}

fn kind(db: &TestDb) -> &'static str {
    if db.postgres {
        "postgres"
    } else {
        "sqlite"
    }
}

/// What a visitor must always get: a phone-wide page, no console error, no script at all.
async fn check_visit(b: &Browser, shot: &str) -> String {
    let (doc, view) = b.widths().await;
    assert_eq!(view, u64::from(PHONE_WIDTH), "the viewport is a phone's");
    assert!(
        doc <= u64::from(PHONE_WIDTH),
        "{shot}: the page scrolls sideways ({doc} px)"
    );
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "{shot}: console errors {errors:?}");
    assert_eq!(b.count("script").await, 0, "{shot}: a script element");
    let path = b.screenshot(shot).await;
    assert!(std::fs::metadata(&path).unwrap().len() > 1000, "{shot}");
    let text = b.text().await;
    for private in ["WARROOM-ONLY", "UDECL", "CORIGIN"] {
        assert!(
            !text.contains(private),
            "{shot}: war-room text {private:?} on the page"
        );
    }
    text
}

async fn component_state(b: &Browser, id: &str) -> String {
    b.text_of(&format!("#c-{id} .state"))
        .await
        .unwrap_or_else(|| panic!("component {id} on the page"))
}

// One story, step by step: what a visitor sees after each thing a responder does.
#[allow(clippy::too_many_lines)]
async fn a_visitor_follows_an_incident_from_declaration_to_resolution(db: TestDb) {
    let slack = FakeSlack::start().await;
    // The browser asks again at every visit (max-age 0): a 304 or the new page, never its cache.
    let app = app_with(&db, &slack, &[("STATUSPAGE_MAX_AGE", "0")]).await;
    let b = Browser::phone().await;
    let page = app.url("/status");

    // Nothing happening.
    b.goto(&page).await;
    let text = check_visit(&b, &format!("{}-1-operational", kind(&db))).await;
    assert_eq!(
        b.text_of("#banner").await.unwrap(),
        "All systems operational"
    );
    assert_eq!(component_state(&b, "julia-api").await, "Operational");
    assert!(
        text.contains("WhatsApp messaging") && text.contains("ETP Express"),
        "{text}"
    );
    assert_eq!(b.client.title().await.unwrap(), "Julia status");

    // Declared in Slack: the war room knows, the public does not (nothing was published).
    let room = declare(
        &app,
        &format!("declare P1 --affects julia-api:partial,julia-whatsapp:major {TITLE}"),
        "UDECL",
    )
    .await
    .expect("war room");
    b.goto(&page).await;
    let text = check_visit(&b, &format!("{}-2-declared-not-public", kind(&db))).await;
    assert_eq!(
        b.text_of("#banner").await.unwrap(),
        "All systems operational"
    );
    assert_eq!(component_state(&b, "julia-api").await, "Operational");
    assert!(!text.contains("Slow replies"), "{text}");

    // The first public post (previewed, then published): the banner, the states, the public
    // words, the title as text.
    publish_first(&app, &room, FIRST).await;
    b.goto(&page).await;
    let text = check_visit(&b, &format!("{}-3-investigating", kind(&db))).await;
    assert_eq!(b.text_of("#banner").await.unwrap(), "Major system outage");
    assert_eq!(component_state(&b, "julia-api").await, "Partial outage");
    assert_eq!(component_state(&b, "julia-whatsapp").await, "Major outage");
    assert_eq!(b.text_of(".incident h3").await.unwrap(), TITLE);
    assert_eq!(
        b.count("main img").await,
        0,
        "the title's <img> became an element"
    );
    assert!(
        text.contains(FIRST) && text.contains("Investigating"),
        "{text}"
    );
    assert!(text.contains("Next update by"), "{text}");

    // A war-room update (private) and a public one: newest first, the war room's text absent.
    app.incident(
        &format!("update identified --affects julia-whatsapp:degraded {WAR_ROOM_UPDATE}"),
        "UDECL",
        &room,
    )
    .await;
    publish(&app, &room, &format!("identified {SECOND}")).await;
    b.goto(&page).await;
    let text = check_visit(&b, &format!("{}-4-identified", kind(&db))).await;
    assert_eq!(b.text_of("#banner").await.unwrap(), "Partial system outage");
    assert_eq!(
        component_state(&b, "julia-whatsapp").await,
        "Degraded performance"
    );
    let (second, first) = (text.find(SECOND).unwrap(), text.find(FIRST).unwrap());
    assert!(second < first, "newest first: {text}");

    // Its own page: the public timeline and the affected components.
    b.goto(&app.url("/status/incidents/INC-1")).await;
    let text = check_visit(&b, &format!("{}-5-incident-page", kind(&db))).await;
    assert!(text.contains(SECOND) && text.contains(FIRST), "{text}");
    assert!(
        text.contains("Affected components") && text.contains("API (Partial outage)"),
        "{text}"
    );
    assert_eq!(
        b.client.title().await.unwrap(),
        format!("{TITLE} · Julia status")
    );

    // Resolved: all operational again, the incident in the past, the day marked in the bar.
    app.incident(&format!("resolve {WAR_ROOM_RESOLUTION}"), "UDECL", &room)
        .await;
    b.goto(&page).await;
    let text = check_visit(&b, &format!("{}-6-resolved", kind(&db))).await;
    assert_eq!(
        b.text_of("#banner").await.unwrap(),
        "All systems operational"
    );
    assert_eq!(component_state(&b, "julia-api").await, "Operational");
    assert!(!text.contains("Active incidents"), "{text}");
    assert!(
        text.contains("Past incidents") && text.contains(TITLE),
        "{text}"
    );
    assert_eq!(b.count("#c-julia-whatsapp rect.c-major_outage").await, 1);
    assert_eq!(b.count("#c-julia-api rect.c-partial_outage").await, 1);
    assert_eq!(b.count("#c-etp-express rect.c-operational").await, 90);
    b.goto(&app.url("/status/incidents/INC-1")).await;
    let text = check_visit(&b, &format!("{}-7-resolved-incident", kind(&db))).await;
    assert!(text.contains("Resolved") && text.contains(SECOND), "{text}");

    // The history by month, and the page in Portuguese.
    b.goto(&app.url("/status/history")).await;
    let text = check_visit(&b, &format!("{}-8-history", kind(&db))).await;
    assert!(
        text.contains(&statuspage::store::month_of(app.ctx.clock.now_ms())),
        "{text}"
    );
    assert!(text.contains(TITLE), "{text}");
    b.goto(&format!("{page}?lang=pt-BR")).await;
    check_visit(&b, &format!("{}-9-pt-br", kind(&db))).await;
    assert_eq!(
        b.text_of("#banner").await.unwrap(),
        "Todos os sistemas operacionais"
    );
    assert_eq!(component_state(&b, "julia-api").await, "Operacional");
    b.close().await;
}
on_both_stores!(
    visitor_in_a_browser,
    a_visitor_follows_an_incident_from_declaration_to_resolution
);

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut r = app.http.get(app.url(path));
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().await.unwrap()
}

async fn json(app: &TestApp, path: &str) -> Value {
    let r = get(app, path, &[]).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    r.json().await.unwrap()
}

// One story, step by step: what a visitor sees after each thing a responder does.
#[allow(clippy::too_many_lines)]
async fn the_json_the_feed_and_the_badge_speak_statuspage(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = app_with_page(&db, &slack).await;
    let status = json(&app, "/status/api/v2/status.json").await;
    assert_eq!(status["status"]["indicator"], "none");
    assert_eq!(status["status"]["description"], "All systems operational");
    assert_eq!(status["page"]["name"], "Julia status");

    let room = declare(
        &app,
        &format!("declare P1 --affects julia-api:partial {TITLE}"),
        "UDECL",
    )
    .await
    .expect("war room");
    app.incident(&format!("update {WAR_ROOM_UPDATE}"), "UDECL", &room)
        .await;
    publish_first(&app, &room, FIRST).await;

    let summary = json(&app, "/status/api/v2/summary.json").await;
    assert_eq!(summary["status"]["indicator"], "major");
    let comps = summary["components"].as_array().unwrap();
    let api = comps.iter().find(|c| c["id"] == "julia-api").unwrap();
    assert_eq!(api["status"], "partial_outage");
    assert_eq!(api["group_id"], "julia");
    let julia = comps.iter().find(|c| c["id"] == "julia").unwrap();
    assert_eq!(julia["group"], true);
    assert!(julia["components"]
        .as_array()
        .unwrap()
        .contains(&"julia-api".into()));
    let inc = &summary["incidents"][0];
    assert_eq!(inc["name"], TITLE);
    assert_eq!(inc["status"], "investigating");
    assert_eq!(inc["impact"], "major");
    assert!(
        inc["incident_updates"][0]["body"]
            .as_str()
            .unwrap()
            .contains(FIRST),
        "{inc}"
    );
    assert!(summary["scheduled_maintenances"]
        .as_array()
        .unwrap()
        .is_empty());
    let all = summary.to_string();
    assert!(
        !all.contains("WARROOM-ONLY") && !all.contains("UDECL"),
        "{all}"
    );

    let incidents = json(&app, "/status/api/v2/incidents.json").await;
    assert_eq!(incidents["incidents"][0]["id"], "INC-1");

    let feed = get(&app, "/status/history.atom", &[]).await;
    assert_eq!(
        feed.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let feed = feed.text().await.unwrap();
    assert!(
        feed.contains("<entry>") && feed.contains("Slow replies &lt;script&gt;"),
        "{feed}"
    );
    assert!(
        !feed.contains("<script>") && !feed.contains("WARROOM-ONLY"),
        "{feed}"
    );

    let badge = get(&app, "/status/badge.svg", &[]).await;
    assert_eq!(badge.headers()["content-type"], "image/svg+xml");
    assert!(badge.text().await.unwrap().contains("partial outage"));

    // pt-BR by Accept-Language.
    let r = get(
        &app,
        "/status/",
        &[("accept-language", "pt-BR,pt;q=0.9,en;q=0.5")],
    )
    .await;
    assert_eq!(r.headers()["vary"], "Accept-Language");
    let html = r.text().await.unwrap();
    assert!(html.contains("Indisponibilidade parcial") && html.contains("lang=\"pt-BR\""));
    assert!(
        html.contains("Slow replies &lt;script&gt;alert(1)&lt;&#x2f;script&gt; &lt;img"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "{html}"
    );

    // An unknown incident: 404, and no war-room incident by its number either.
    declare(&app, "declare P2 unpublished WARROOM-ONLY", "UDECL").await;
    for path in [
        "/status/incidents/INC-2",
        "/status/incidents/nope",
        "/status/nothing",
    ] {
        let r = get(&app, path, &[]).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(!r.text().await.unwrap().contains("WARROOM-ONLY"));
    }
}
on_both_stores!(
    machine_readable_forms,
    the_json_the_feed_and_the_badge_speak_statuspage
);

async fn one_render_per_version_with_etags(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = app_with_page(&db, &slack).await;
    let cache: &statuspage::web::PageCache = app.ctx.ext();
    let renders = || cache.renders.load(std::sync::atomic::Ordering::SeqCst);

    let first = get(&app, "/status", &[]).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "public, max-age=10");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let body = first.text().await.unwrap();
    let after_first = renders();
    for _ in 0..20 {
        assert_eq!(get(&app, "/status", &[]).await.text().await.unwrap(), body);
    }
    assert_eq!(renders(), after_first, "served from the cache");

    let again = get(&app, "/status", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), 304);
    assert!(again.text().await.unwrap().is_empty());

    // A public change: rendered again once, under a new ETag.
    let room = declare(
        &app,
        "declare P1 --affects julia-api:major API down",
        "UDECL",
    )
    .await
    .expect("war room");
    publish_first(&app, &room, FIRST).await;
    let changed = get(&app, "/status", &[("if-none-match", &etag)]).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    assert!(changed.text().await.unwrap().contains("API down"));
    assert_eq!(renders(), after_first + 1);
}
on_both_stores!(page_cache, one_render_per_version_with_etags);

async fn the_page_on_its_own_port_shows_the_same(db: TestDb) {
    let slack = FakeSlack::start().await;
    let port = testkit::ack_client::free_port().to_string();
    let app = app_with(&db, &slack, &[("STATUSPAGE_PORT", &port)]).await;
    let room = declare(
        &app,
        "declare P1 --affects julia-api:major API down",
        "UDECL",
    )
    .await
    .expect("war room");
    publish_first(&app, &room, FIRST).await;
    let own = format!("http://127.0.0.1:{port}");
    let html = app.http.get(format!("{own}/")).send().await.unwrap();
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(
        html.contains("Major system outage") && html.contains(FIRST),
        "{html}"
    );
    // Its links hang from its root, not from STATUSPAGE_PATH.
    assert!(
        html.contains("href=\"&#x2f;incidents&#x2f;INC-1\""),
        "{html}"
    );
    let status: Value = app
        .http
        .get(format!("{own}/api/v2/status.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"]["indicator"], "critical");
    // The bot's own routes are not there.
    let r = app.http.get(format!("{own}/health")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // And the page is still at STATUSPAGE_PATH on the bot's port.
    assert_eq!(get(&app, "/status", &[]).await.status(), 200);
}
on_both_stores!(own_port, the_page_on_its_own_port_shows_the_same);
