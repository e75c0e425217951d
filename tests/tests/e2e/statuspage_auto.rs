//! The status page's opt-in automatic degrade (#26): a component with `auto_degrade: true`
//! and a failing check is shown degraded after two failures in a row, and cleared by a success;
//! one that did not opt in never changes by itself.

use serde_json::json;

use crate::statuspage_publish::{page, state_of};
use chatops_core::components::ComponentState;
use testkit::app::INCIDENTS;
use testkit::fake_http::FakeHttp;
use testkit::incident_kit::*;
use testkit::*;

/// A components file where `kumon-delivery` opted in to the automatic degrade and `kumon-web`
/// did not; both are checked at `base`.
fn auto_components(base: &str) -> String {
    let path =
        std::env::temp_dir().join(format!("components-{}.yml", uuid::Uuid::new_v4().simple()));
    let yaml = format!(
        "systems:\n  - id: kumon\n    name: Kumon\n    components:\n      - id: kumon-delivery\n        name: {{ en: Delivery, pt-BR: Entrega }}\n        check: http {base}/health\n        auto_degrade: true\n      - id: kumon-web\n        name: Web\n        check: http {base}/web\n"
    );
    std::fs::write(&path, yaml).unwrap();
    path.to_string_lossy().into_owned()
}

async fn a_failing_check_degrades_only_a_component_that_opted_in(db: TestDb) {
    let slack = FakeSlack::start().await;
    let http = FakeHttp::start().await;
    http.answer("GET", "/health", 503, json!({"ok": false}));
    http.answer("GET", "/web", 503, json!({"ok": false}));
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default()
            .env("COMPONENTS_FILE", &auto_components(&http.base_url))
            .env("STATUSPAGE_AUTO_INTERVAL", "1h"),
    )
    .await;
    let v0 = statuspage::store::version(&app.ctx.store.pool)
        .await
        .unwrap();
    // One failure is not enough.
    assert!(statuspage::auto::run_once(&app.ctx)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        state_of(&page(&app).await, "kumon-delivery"),
        ComponentState::Operational
    );
    // The second in a row marks it; the one that did not opt in stays as people left it.
    let changed = statuspage::auto::run_once(&app.ctx).await.unwrap();
    assert_eq!(changed, vec![("kumon-delivery".to_string(), true)]);
    let p = page(&app).await;
    assert_eq!(
        state_of(&p, "kumon-delivery"),
        ComponentState::DegradedPerformance
    );
    assert_eq!(state_of(&p, "kumon-web"), ComponentState::Operational);
    assert_eq!(p.overall, ComponentState::DegradedPerformance);
    assert!(p.version > v0);
    app.drain_outbox().await;
    assert!(slack
        .posts_in(INCIDENTS)
        .iter()
        .any(|m| text_of(m).contains("Delivery") && text_of(m).contains("degraded performance")));
    // Still failing: nothing more. The first success clears it.
    assert!(statuspage::auto::run_once(&app.ctx)
        .await
        .unwrap()
        .is_empty());
    http.answer("GET", "/health", 200, json!({"ok": true}));
    let changed = statuspage::auto::run_once(&app.ctx).await.unwrap();
    assert_eq!(changed, vec![("kumon-delivery".to_string(), false)]);
    assert_eq!(
        state_of(&page(&app).await, "kumon-delivery"),
        ComponentState::Operational
    );
}
on_both_stores!(
    auto_degrade,
    a_failing_check_degrades_only_a_component_that_opted_in
);
