//! Affected components (`--affects`): declared with the incident, changed by updates, refused
//! when unknown, stored with their history.

use testkit::incident_kit::*;
use testkit::*;

async fn states(app: &TestApp, incident: i64) -> Vec<(String, String)> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT component, state FROM incident_components WHERE incident_id = $1 ORDER BY component",
    )
    .bind(incident)
    .fetch_all(&app.ctx.store.pool)
    .await
    .unwrap()
}

async fn declared_with_affects_and_changed_by_updates(db: TestDb) {
    let slack = FakeSlack::start().await;
    let file = components_file();
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default().env("COMPONENTS_FILE", &file),
    )
    .await;
    let room = declare(
        &app,
        "declare P1 --affects julia-api:partial,julia-whatsapp:major Julia silent",
        "UDECL",
    )
    .await
    .expect("war room");
    assert_eq!(
        states(&app, 1).await,
        vec![
            ("julia-api".to_string(), "partial_outage".to_string()),
            ("julia-whatsapp".to_string(), "major_outage".to_string())
        ]
    );
    let title: String = sqlx::query_scalar("SELECT title FROM incidents WHERE id = 1")
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(title, "Julia silent");

    // Only the components: a notice with their public names where the incident lives.
    let ack = app
        .incident("update --affects julia-api:operational", "UDECL", &room)
        .await;
    assert!(text_of(&ack).contains("API: *operational*"), "{ack}");
    app.drain_outbox().await;
    let last = slack.posts_in(&room).last().cloned().unwrap();
    assert!(text_of(&last).contains("API: *operational*"), "{last}");
    assert_eq!(states(&app, 1).await[0].1, "operational");
    let recovered: Option<i64> = sqlx::query_scalar(
        "SELECT recovered_at FROM incident_components WHERE component = 'julia-api'",
    )
    .fetch_one(&app.ctx.store.pool)
    .await
    .unwrap();
    assert!(recovered.is_some());

    // With an update's text: the update, and the change on a line of it.
    app.incident(
        "update identified --affects julia-whatsapp:degraded Evolution reconnected, backlog draining",
        "UDECL",
        &room,
    )
    .await;
    app.drain_outbox().await;
    let last = slack.posts_in(&room).last().cloned().unwrap();
    let all = last.to_string();
    assert!(
        all.contains("backlog draining") && all.contains("degraded performance"),
        "{all}"
    );
    assert_eq!(states(&app, 1).await[1].1, "degraded_performance");
    let changes = app.scalar("SELECT COUNT(*) FROM component_changes").await;
    assert_eq!(changes, 4);
}
on_both_stores!(affects, declared_with_affects_and_changed_by_updates);

async fn an_unknown_component_is_refused_with_the_valid_names(db: TestDb) {
    let slack = FakeSlack::start().await;
    let file = components_file();
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default().env("COMPONENTS_FILE", &file),
    )
    .await;
    let ack = app
        .incident(
            "declare P1 --affects julia-apii:partial Julia silent",
            "UDECL",
            "CORIGIN",
        )
        .await;
    let t = text_of(&ack);
    assert!(
        t.contains("Unknown component `julia-apii`")
            && t.contains("`julia-api`")
            && t.contains("`etp-express`"),
        "{t}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 0);

    let ack = app
        .incident(
            "declare P1 --affects julia-api:kaput Julia silent",
            "UDECL",
            "CORIGIN",
        )
        .await;
    assert!(
        text_of(&ack).contains("`kaput` is not a component state"),
        "{ack}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 0);

    let room = declare(&app, "declare P2 Kumon slow", "UDECL").await;
    let room = room.unwrap_or_else(|| "CORIGIN".into());
    let ack = app
        .incident("update INC-1 --affects kumon:major", "UDECL", &room)
        .await;
    assert!(text_of(&ack).contains("Unknown component `kumon`"), "{ack}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incident_components").await,
        0
    );
}
on_both_stores!(
    unknown_component,
    an_unknown_component_is_refused_with_the_valid_names
);

#[tokio::test]
async fn without_a_components_file_affects_says_how_to_configure() {
    let db = TestDb::sqlite().await;
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let ack = app
        .incident(
            "declare P1 --affects julia-api Julia silent",
            "UDECL",
            "CORIGIN",
        )
        .await;
    assert!(text_of(&ack).contains("COMPONENTS_FILE"), "{ack}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 0);
}

#[tokio::test]
async fn a_drill_is_stored_as_one() {
    let db = TestDb::sqlite().await;
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    declare(&app, "declare P0 --drill Region failover drill", "UDECL").await;
    assert_eq!(
        app.scalar("SELECT is_drill FROM incidents WHERE id = 1")
            .await,
        1
    );
    declare(&app, "declare P0 Region failover", "UDECL").await;
    assert_eq!(
        app.scalar("SELECT is_drill FROM incidents WHERE id = 2")
            .await,
        0
    );
}
