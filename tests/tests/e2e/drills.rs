//! Drills (#28): `declare … --drill` runs the whole flow marked DRILL (channel name, every
//! message, the topic, the Home tab), pages nobody unless `--page`, stays out of the
//! statistics, reports at its resolution (recovery against the RTOs, the alerts that fired,
//! Fabrica's checklist answered with buttons onto the timeline); only the audited `drill on` /
//! `drill off` turns one into the other.

use std::time::Duration;

use serde_json::json;
use testkit::incident_kit::*;
use testkit::*;

const MIN: u64 = 60;

async fn app_with_components(db: &TestDb, slack: &FakeSlack) -> TestApp {
    let file = components_file();
    spawn_app(
        db,
        slack,
        AppOptions::default().env("COMPONENTS_FILE", &file),
    )
    .await
}

async fn ladders(app: &TestApp, id: i64) -> i64 {
    app.scalar(&format!(
        "SELECT COUNT(*) FROM pager_ladders WHERE incident_id = {id}"
    ))
    .await
}

async fn a_drill_runs_marked_pages_nobody_and_reports(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = app_with_components(&db, &slack).await;
    let room = declare(
        &app,
        "declare P0 --drill --affects julia-api:major,julia-worker:major Julia API down",
        "UIC",
    )
    .await
    .expect("war room");
    // The channel's name, the declared message, the announcement and the topic say DRILL.
    let names = slack.calls_to("conversations.create");
    let name = names[0].body["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("drill-inc-"), "{name}");
    let first = slack.posts_in(&room)[0].to_string();
    assert!(first.contains("DRILL"), "{first}");
    let ann = slack
        .posts_in(testkit::app::INCIDENTS)
        .into_iter()
        .find(|p| p.to_string().contains("Julia API down"))
        .expect("announcement");
    assert!(ann.to_string().contains("DRILL"), "{ann}");
    let topic = slack.calls_to("conversations.setTopic");
    assert!(
        topic[0].body["topic"]
            .as_str()
            .unwrap()
            .starts_with("DRILL"),
        "{topic:?}"
    );
    // No paging ladder for a drill that did not opt in; a real P0 gets one.
    assert_eq!(ladders(&app, 1).await, 0);
    // Reminders run as for a real incident, and say DRILL.
    app.ctx.clock.advance(Duration::from_secs(10 * MIN + 1));
    incident::reminder::run_once(&app.ctx).await.unwrap();
    app.settle().await;
    let reminder = slack
        .posts_in(&room)
        .into_iter()
        .map(|p| p.to_string())
        .find(|p| p.contains("has had no update for"))
        .filter(|p| p.contains("DRILL"));
    assert!(reminder.is_some(), "{:?}", slack.posts_in(&room));

    resolved_with_a_report(&app, &slack, &room).await;
    answered_and_kept_out_of_the_statistics(&app, &slack, &room).await;
}

/// An alert linked to the drill, the API back late, the worker never: the report says so.
async fn resolved_with_a_report(app: &TestApp, slack: &FakeSlack, room: &str) {
    // An alert that fired during the drill, linked to it.
    let now = app.ctx.clock.now_ms();
    sqlx::query(
        "INSERT INTO alert_groups (source, group_key, channel, title, labels, status, firing, created_at, updated_at, incident_id, firing_since)
         VALUES ('alertmanager', 'g-drill', 'CALERTS', 'JuliaApiDown', '{}', 'firing', 1, $1, $1, 1, $1)",
    )
    .bind(now)
    .execute(&app.ctx.store.pool)
    .await
    .unwrap();
    // The API back at 10 min (over its 5 min RTO); the worker never marked recovered.
    let v = app
        .incident("update --affects julia-api:operational", "UIC", room)
        .await;
    assert!(!text_of(&v).is_empty(), "{v}");
    let v = app.incident("resolve failover worked", "UIC", room).await;
    assert!(text_of(&v).contains("resolved"), "{v}");
    app.settle().await;
    let report = slack
        .posts_in(room)
        .into_iter()
        .find(|p| text_of(p).contains("Drill report INC-1"))
        .expect("the drill report");
    let r = report.to_string();
    assert!(r.contains("DRILL"), "{r}");
    assert!(r.contains("API") && r.contains("over the RTO of 5m"), "{r}");
    assert!(
        r.contains("Message processing") && r.contains("not marked recovered"),
        "{r}"
    );
    assert!(r.contains("JuliaApiDown"), "{r}");
    for q in [
        "Recovered within the RTO?",
        "Data loss within the RPO?",
        "Did the alerts fire?",
        "Do the runbooks need adjusting?",
    ] {
        assert!(r.contains(q), "{q}: {r}");
    }
    assert!(
        r.contains("1:rpo:yes") && r.contains("followup_drill_answer"),
        "{r}"
    );
}

/// A checklist answer on the timeline and in the war room; `/incident stats` leaves the drill out.
async fn answered_and_kept_out_of_the_statistics(app: &TestApp, slack: &FakeSlack, room: &str) {
    // A checklist answer: on the timeline and said in the war room.
    let click = json!({"type": "block_actions", "user": {"id": "UQA"}, "trigger_id": "t.d",
        "channel": {"id": room}, "response_url": slack.response_url("drill"),
        "actions": [{"action_id": "followup_drill_answer", "value": "1:alerts:yes"}]});
    assert_eq!(app.interaction(&click).await.status(), 200);
    app.settle().await;
    let answered = app
        .scalar("SELECT COUNT(*) FROM timeline WHERE incident_id = 1 AND kind = 'drill' AND text LIKE 'Did the alerts fire? yes%' AND actor = 'UQA'")
        .await;
    assert_eq!(answered, 1);
    assert!(slack
        .posts_in(room)
        .iter()
        .any(|p| text_of(p).contains("Did the alerts fire? *yes* (<@UQA>)")));
    // A second click on the same answer records nothing more; a changed answer is recorded.
    let said = |slack: &FakeSlack| {
        slack
            .posts_in(room)
            .iter()
            .filter(|p| text_of(p).contains("Did the alerts fire?"))
            .count()
    };
    let before = said(slack);
    assert_eq!(app.interaction(&click).await.status(), 200);
    app.settle().await;
    let answers = "SELECT COUNT(*) FROM timeline WHERE incident_id = 1 AND kind = 'drill' AND text LIKE 'Did the alerts fire?%'";
    assert_eq!(app.scalar(answers).await, 1);
    assert_eq!(said(slack), before);
    let mut no = click.clone();
    no["actions"][0]["value"] = json!("1:alerts:no");
    assert_eq!(app.interaction(&no).await.status(), 200);
    app.settle().await;
    assert_eq!(app.scalar(answers).await, 2);

    // Out of the statistics of real incidents.
    let v = app.incident("stats 7d", "UX", "CELSEWHERE").await;
    assert!(
        v.to_string().contains("No incidents in the last 7 days"),
        "{v}"
    );
}
on_both_stores!(drill_flow, a_drill_runs_marked_pages_nobody_and_reports);

async fn paging_is_opt_in_and_the_switch_is_audited(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = app_with_components(&db, &slack).await;
    // A real P0 has a ladder; a drill with --page too; a drill without it none.
    declare(&app, "declare P0 real outage", "UIC")
        .await
        .unwrap();
    declare(&app, "declare P0 --drill --page paging drill", "UIC")
        .await
        .unwrap();
    let room3 = declare(&app, "declare P1 --drill quiet drill", "UIC")
        .await
        .unwrap();
    assert_eq!(ladders(&app, 1).await, 1);
    assert_eq!(ladders(&app, 2).await, 1);
    assert_eq!(ladders(&app, 3).await, 0);

    // Only the commander (or an admin) may turn a drill into a real incident: refused, audited.
    let v = app.incident("drill off", "UOTHER", &room3).await;
    assert!(text_of(&v).contains("Only the commander of INC-3"), "{v}");
    assert_eq!(
        app.scalar("SELECT is_drill FROM incidents WHERE id = 3")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'incident.drill_off' AND outcome = 'denied' AND actor = 'UOTHER'")
            .await,
        1
    );
    let v = app.incident("drill off", "UIC", &room3).await;
    assert!(text_of(&v).contains("real incident"), "{v}");
    assert_eq!(
        app.scalar("SELECT is_drill FROM incidents WHERE id = 3")
            .await,
        0
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'incident.drill_off' AND outcome = 'ok' AND actor = 'UIC' AND before_value = 'drill' AND after_value = 'real'")
            .await,
        1
    );
    // It pages from now on.
    assert_eq!(ladders(&app, 3).await, 1);
    app.settle().await;
    assert!(slack
        .posts_in(&room3)
        .iter()
        .any(|p| text_of(p).contains("into a *real incident*")));
    let again = app.incident("drill off", "UIC", &room3).await;
    assert!(
        text_of(&again).contains("already a real incident"),
        "{again}"
    );

    real_into_drill_and_answers_refused(&app, &slack, &room3).await;
}

/// `drill on` turns a real incident into a drill, audited; a checklist answer on a real
/// incident is refused; the declarer's answer of a drill says DRILL.
async fn real_into_drill_and_answers_refused(app: &TestApp, slack: &FakeSlack, room3: &str) {
    // And back: a real incident becomes a drill only by `drill on`, audited.
    let v = app.incident("drill on INC-1", "UIC", "CELSEWHERE").await;
    assert!(text_of(&v).contains("into a *drill*"), "{v}");
    assert_eq!(
        app.scalar("SELECT is_drill FROM incidents WHERE id = 1")
            .await,
        1
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'incident.drill_on' AND outcome = 'ok'"
        )
        .await,
        1
    );
    // A checklist answer on a real incident is refused.
    let click = json!({"type": "block_actions", "user": {"id": "UQA"}, "trigger_id": "t.d",
        "channel": {"id": room3}, "response_url": slack.response_url("real"),
        "actions": [{"action_id": "followup_drill_answer", "value": "3:rto:no"}]});
    app.interaction(&click).await;
    let said = eventually(WAIT, || async {
        slack.responses_to("real").into_iter().next()
    })
    .await
    .expect("an answer");
    assert!(text_of(&said).contains("not a drill"), "{said}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM timeline WHERE incident_id = 3 AND kind = 'drill' AND text LIKE 'Recovered%'")
            .await,
        0
    );
    // The declarer's answer says DRILL too.
    let ack = app
        .incident("declare P3 --drill answer check", "UIC", "CORIGIN")
        .await;
    assert!(text_of(&ack).contains("DRILL"), "{ack}");
}
on_both_stores!(drill_switch, paging_is_opt_in_and_the_switch_is_audited);

/// The Home tab says DRILL on a drill's line.
async fn the_home_tab_says_drill(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = app_with_components(&db, &slack).await;
    let room = declare(&app, "declare P1 --drill restore drill", "UIC")
        .await
        .unwrap();
    // `/incident status` says it too.
    let v = app.incident("status", "UX", &room).await;
    assert!(text_of(&v).contains("DRILL"), "{v}");
    let v = app.incident("list", "UX", "CELSEWHERE").await;
    assert!(v.to_string().contains("*DRILL* ·"), "{v}");
    let ev = json!({"token": "XXYYZZ", "team_id": "T1", "api_app_id": "A0TEST", "type": "event_callback",
        "event": {"type": "app_home_opened", "user": "UHOME", "channel": "D0HOME", "tab": "home",
                  "event_ts": "1700000000.000100"},
        "event_id": "EvHomeDrill", "event_time": 1700000000});
    assert_eq!(app.event(&ev).await.status(), 200);
    let view = eventually(WAIT, || async {
        slack.calls_to("views.publish").into_iter().next()
    })
    .await
    .expect("views.publish")
    .body["view"]
        .to_string();
    assert!(
        view.contains("*DRILL* ·") && view.contains("restore drill"),
        "{view}"
    );
}
on_both_stores!(drill_home, the_home_tab_says_drill);

/// Phones: a real P0 and a `--drill --page` pages after the window (the drill's page says
/// DRILL); a drill without `--page` pages nobody, not even the on-call notice.
async fn only_an_opted_in_drill_reaches_phones(db: TestDb) {
    use testkit::paging::{page, Setup, ANA, ANA_PHONE, MIN};
    let s = Setup::new().await;
    let app = s.app(&db).await;
    declare(&app, "declare P0 checkout down", "UIC")
        .await
        .unwrap();
    let paged_room = declare(&app, "declare P0 --drill --page failover drill", "UIC")
        .await
        .unwrap();
    let quiet_room = declare(&app, "declare P0 --drill tabletop drill", "UIC")
        .await
        .unwrap();
    let says_on_call = |room: &str| {
        s.slack
            .posts_in(room)
            .iter()
            .any(|p| text_of(p).contains("on call"))
    };
    assert!(says_on_call(&paged_room));
    assert!(!says_on_call(&quiet_room));
    app.ctx.clock.advance(5 * MIN + Duration::from_secs(1));
    page(&app).await;
    let wa = s.evo.sent_to(ANA_PHONE);
    assert_eq!(
        wa.len(),
        2,
        "the real incident and the opted-in drill: {wa:?}"
    );
    assert!(
        wa.iter()
            .any(|t| t.contains("INC-2") && t.contains("DRILL")),
        "{wa:?}"
    );
    assert!(wa.iter().all(|t| !t.contains("INC-3")), "{wa:?}");
    assert!(
        wa.iter()
            .any(|t| t.contains("INC-1") && !t.contains("DRILL")),
        "{wa:?}"
    );
    let dms = s.slack.posts_in(ANA);
    assert!(dms
        .iter()
        .all(|d| !d.to_string().contains("tabletop drill")));
}
on_both_stores!(drill_phones, only_an_opted_in_drill_reaches_phones);
