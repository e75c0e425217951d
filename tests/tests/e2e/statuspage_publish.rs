//! Publishing to the status page (#26) through signed Slack requests: the preview of an
//! incident's first public post (Publish / Edit), public updates as written after it, the echo
//! in the war room with the page's link, the resolution's [RESOLVED] text, unpublishing (audited)
//! and the refusals (too long, private, P3, drill, unknown component).

use serde_json::{json, Value};

use chatops_core::components::ComponentState;
use statuspage::store::{public_view, PublicSnapshot};
use testkit::incident_kit::*;
use testkit::*;

const PAGE: &str = "https://status.example.com";

async fn app_with(db: &TestDb, slack: &FakeSlack, extra: &[(&str, &str)]) -> TestApp {
    let mut opts = AppOptions::default()
        .env("COMPONENTS_FILE", &components_file())
        .env("STATUSPAGE_URL", PAGE);
    for (k, v) in extra {
        opts = opts.env(k, v);
    }
    spawn_app(db, slack, opts).await
}

pub(crate) async fn page(app: &TestApp) -> PublicSnapshot {
    public_view(
        &app.ctx.store.pool,
        &app.ctx.config.components,
        app.ctx.clock.now_ms(),
        true,
    )
    .await
    .unwrap()
}

pub(crate) fn state_of(p: &PublicSnapshot, component: &str) -> ComponentState {
    p.components().find(|c| c.id == component).unwrap().state
}

/// The value of a button of a message (the draft id of the preview's Publish / Edit).
fn button_value(msg: &Value, action: &str) -> String {
    let s = msg.to_string();
    let v: Vec<&Value> = msg["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["elements"].as_array())
        .flatten()
        .filter(|e| e["action_id"] == action)
        .collect();
    v.first()
        .and_then(|e| e["value"].as_str())
        .unwrap_or_else(|| panic!("no {action} button in {s}"))
        .to_string()
}

async fn click(app: &TestApp, user: &str, action: &str, value: &str, rid: &str) -> Value {
    let payload = json!({"type": "block_actions", "user": {"id": user}, "trigger_id": format!("t.{rid}"),
        "channel": {"id": "CROOM"}, "response_url": app.slack.response_url(rid),
        "actions": [{"action_id": action, "value": value}]});
    assert_eq!(app.interaction(&payload).await.status(), 200);
    eventually(WAIT, || async {
        app.slack.responses_to(rid).into_iter().next()
    })
    .await
    .expect("an answer to the click")
}

fn all_text(v: &Value) -> String {
    v.to_string()
}

async fn the_first_public_post_is_previewed_then_updates_go_out_as_written(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = app_with(&db, &slack, &[]).await;
    let room = declare(
        &app,
        "declare P1 --affects julia-api:partial Messages delayed",
        "UDECL",
    )
    .await
    .expect("war room");
    let v0 = statuspage::store::version(&app.ctx.store.pool)
        .await
        .unwrap();

    // The first public post: a preview of exactly what the page will show, nothing public yet.
    let ack = app
        .incident(
            "update --public identified We found the cause",
            "UDECL",
            &room,
        )
        .await;
    let preview = all_text(&ack);
    assert!(
        preview.contains("Preview of the first public post of INC-1")
            && preview.contains("[INCIDENT] Messages delayed")
            && preview.contains("We found the cause")
            && preview.contains("Next update: in 30 minutes"),
        "{preview}"
    );
    let p = page(&app).await;
    assert!(p.active.is_empty(), "nothing public before Publish");
    assert_eq!(state_of(&p, "julia-api"), ComponentState::Operational);
    assert_eq!(p.version, v0);

    // Publish: on the page, with its status; the component's state shows; the version moved.
    let draft = button_value(&ack, messages::statuspage::ACTION_PUBLISH);
    let answer = click(
        &app,
        "UDECL",
        messages::statuspage::ACTION_PUBLISH,
        &draft,
        "pub1",
    )
    .await;
    assert!(
        text_of(&answer).contains("is on the status page"),
        "{answer}"
    );
    assert_eq!(answer["replace_original"], true);
    let p = page(&app).await;
    assert_eq!(p.active.len(), 1);
    let i = &p.active[0];
    assert_eq!(i.title, "Messages delayed");
    assert_eq!(i.updates.len(), 1);
    assert_eq!(i.updates[0].status.as_str(), "identified");
    assert!(i.updates[0].body.contains("We found the cause"));
    assert!(i.next_update_at.is_some());
    assert_eq!(state_of(&p, "julia-api"), ComponentState::PartialOutage);
    assert_eq!(p.overall, ComponentState::PartialOutage);
    assert!(p.version > v0);

    // The war room sees what went public, with the page's link.
    app.drain_outbox().await;
    let echo = slack
        .posts_in(&room)
        .into_iter()
        .map(|m| m.to_string())
        .find(|m| m.contains("published on the status page"))
        .expect("the echo in the war room");
    assert!(
        echo.contains("We found the cause") && echo.contains(&format!("{PAGE}/incidents/1")),
        "{echo}"
    );

    // Publish is single-use.
    let again = click(
        &app,
        "UDECL",
        messages::statuspage::ACTION_PUBLISH,
        &draft,
        "pub2",
    )
    .await;
    assert!(text_of(&again).contains("already published"), "{again}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM public_updates").await, 1);
    as_written_then_resolved(&app, &room).await;
}
on_both_stores!(
    publish_first_post,
    the_first_public_post_is_previewed_then_updates_go_out_as_written
);

/// After the first post of INC-1 (declared in `room`): updates as written, then the
/// resolution's text.
async fn as_written_then_resolved(app: &TestApp, room: &str) {
    // After the first post: as written, no preview.
    let ack = app
        .incident(
            "update INC-1 --public monitoring A fix is out; we are watching",
            "UDECL",
            "CELSEWHERE",
        )
        .await;
    assert!(
        text_of(&ack).contains("Public update #2 of INC-1 is on the status page"),
        "{ack}"
    );
    let p = page(app).await;
    let bodies: Vec<&str> = p.active[0]
        .updates
        .iter()
        .map(|u| u.body.as_str())
        .collect();
    assert_eq!(
        bodies[0], "A fix is out; we are watching",
        "newest first: {bodies:?}"
    );
    assert_eq!(p.active[0].status.as_str(), "monitoring");

    // The resolution publishes the Resolved text; the incident moves to the history.
    let ack = app
        .incident("resolve Pool size raised", "UDECL", room)
        .await;
    assert!(text_of(&ack).contains("INC-1"), "{ack}");
    let p = page(app).await;
    assert!(p.active.is_empty());
    assert_eq!(p.resolved.len(), 1);
    let last = &p.resolved[0].updates[0];
    assert_eq!(last.status.as_str(), "resolved");
    assert!(
        last.body.starts_with("[RESOLVED] Messages delayed"),
        "{}",
        last.body
    );
    assert_eq!(state_of(&p, "julia-api"), ComponentState::Operational);
    assert_eq!(p.resolved_by_month().len(), 1);
    // The war-room text never reached the page.
    let all = format!("{p:?}");
    assert!(!all.contains("Pool size raised") && !all.contains("UDECL") && !all.contains(room));
}

async fn edit_sets_the_public_title_and_the_update_form_publishes(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = app_with(&db, &slack, &[]).await;
    let room = declare(&app, "declare P1 Postgres password rotated wrong", "UDECL")
        .await
        .expect("war room");
    let ack = app.incident("update --public", "UDECL", &room).await;
    assert!(
        all_text(&ack).contains("We are investigating a problem"),
        "{ack}"
    );
    let draft = button_value(&ack, messages::statuspage::ACTION_EDIT);
    // Edit opens the form with the text; its submission publishes what it holds.
    let payload = json!({"type": "block_actions", "user": {"id": "UDECL"}, "trigger_id": "t.edit",
        "channel": {"id": room}, "response_url": slack.response_url("edit"),
        "actions": [{"action_id": messages::statuspage::ACTION_EDIT, "value": draft}]});
    assert_eq!(app.interaction(&payload).await.status(), 200);
    let opened = eventually(WAIT, || async { slack.calls_to("views.open").pop() })
        .await
        .expect("the edit form");
    let form = opened.body.to_string();
    assert!(
        form.contains("Postgres password") && form.contains("We are investigating"),
        "{form}"
    );
    let submit = json!({"type": "view_submission", "user": {"id": "UDECL"},
        "view": {"callback_id": messages::statuspage::MODAL_EDIT, "private_metadata": draft,
        "state": {"values": {
            "public_title": {"public_title_input": {"type": "plain_text_input", "value": "Logins failing"}},
            "public_body": {"public_body_input": {"type": "plain_text_input", "value": "Some users cannot log in. We are on it."}}}}}});
    let r = app.interaction(&submit).await;
    assert_eq!(r.status(), 200);
    let p = page(&app).await;
    assert_eq!(p.active[0].title, "Logins failing");
    assert_eq!(
        p.active[0].updates[0].body,
        "Some users cannot log in. We are on it."
    );
    assert!(!format!("{p:?}").contains("password"));

    // The update form's public field, once the incident is public: as written.
    let form = json!({"type": "view_submission", "user": {"id": "UDECL"},
        "view": {"callback_id": "incident_update", "private_metadata": "1",
        "state": {"values": {
            "status": {"status_select": {"type": "static_select", "selected_option": {"value": "identified"}}},
            "findings": {"findings_input": {"type": "plain_text_input", "value": "rotated secret missing in api"}},
            "public": {"public_input": {"type": "plain_text_input", "value": "We found the cause and are fixing it."}}}}}});
    let r = app.interaction(&form).await;
    assert_eq!(r.status(), 200);
    let p = page(&app).await;
    let u = &p.active[0].updates[0];
    assert_eq!(u.body, "We found the cause and are fixing it.");
    assert_eq!(u.status.as_str(), "identified");
    assert!(!format!("{p:?}").contains("rotated secret"));

    // The resolve form's public resolution replaces the template's [RESOLVED] text.
    let form = json!({"type": "view_submission", "user": {"id": "UDECL"},
        "view": {"callback_id": "incident_resolve", "private_metadata": "1",
        "state": {"values": {
            "resolution": {"resolution_input": {"type": "plain_text_input", "value": "secret re-synced"}},
            "public": {"public_input": {"type": "plain_text_input", "value": "Logins work again."}}}}}});
    let r = app.interaction(&form).await;
    assert_eq!(r.status(), 200);
    let p = page(&app).await;
    assert!(p.active.is_empty());
    let updates = &p.resolved[0].updates;
    assert_eq!(updates[0].body, "Logins work again.");
    assert_eq!(updates[0].status.as_str(), "resolved");
    assert_eq!(updates.len(), 3, "no second resolved text: {updates:?}");
}
on_both_stores!(
    publish_edit_and_form,
    edit_sets_the_public_title_and_the_update_form_publishes
);

async fn bad_public_input_is_refused_and_changes_nothing(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = app_with(&db, &slack, &[("STATUSPAGE_MAX_UPDATE", "60")]).await;
    let room = declare(&app, "declare P1 Messages delayed", "UDECL")
        .await
        .expect("war room");
    let long = "x".repeat(61);
    let ack = app
        .incident(&format!("update --public {long}"), "UDECL", &room)
        .await;
    assert!(
        text_of(&ack).contains("at most 60 characters; this one has 61"),
        "{ack}"
    );
    let ack = app
        .incident(
            "update --public --affects julia-apii:major Down",
            "UDECL",
            &room,
        )
        .await;
    let t = text_of(&ack);
    assert!(t.contains("julia-apii") && t.contains("`julia-api`"), "{t}");
    // What stays in the war room is refused, before the components change.
    let ack = app
        .incident(
            "update --public --affects julia-api:major Ask <@U0ANA> for details",
            "UDECL",
            &room,
        )
        .await;
    assert!(text_of(&ack).contains("Slack mention"), "{ack}");
    let ack = app
        .incident(
            "update --public Call us at +55 11 91234-5678",
            "UDECL",
            &room,
        )
        .await;
    assert!(text_of(&ack).contains("phone number"), "{ack}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM public_drafts").await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM component_changes").await,
        0
    );

    // Private, P3 (hidden by default) and drills never reach the page.
    for (n, declared, why) in [
        (2, "declare P1 --private Payroll export broken", "private"),
        (3, "declare P3 Typo on the settings page", "P3"),
        (4, "declare P1 --drill Fire drill", "drill"),
    ] {
        app.incident(declared, "UDECL", "CORIGIN").await;
        app.settle().await;
        let ack = app
            .incident(
                &format!("update INC-{n} --public We are on it"),
                "UDECL",
                "CX",
            )
            .await;
        let t = text_of(&ack);
        assert!(t.contains("cannot be published") && t.contains(why), "{t}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM public_drafts").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM public_updates").await, 0);
    assert!(page(&app).await.active.is_empty());
}
on_both_stores!(
    publish_refusals,
    bad_public_input_is_refused_and_changes_nothing
);

async fn unpublish_takes_a_wrong_update_off_the_page_and_audits_it(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = app_with(&db, &slack, &[]).await;
    let room = declare(&app, "declare P1 Messages delayed", "UDECL")
        .await
        .expect("war room");
    let ack = app
        .incident("update --public Looking into it", "UDECL", &room)
        .await;
    let draft = button_value(&ack, messages::statuspage::ACTION_PUBLISH);
    click(
        &app,
        "UDECL",
        messages::statuspage::ACTION_PUBLISH,
        &draft,
        "p",
    )
    .await;
    app.incident(
        "update --public Wrong text for the wrong customer",
        "UDECL",
        &room,
    )
    .await;
    let v = statuspage::store::version(&app.ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(page(&app).await.active[0].updates.len(), 2);

    let ack = app.incident("unpublish 2", "UOTHER", &room).await;
    assert!(text_of(&ack).contains("is off the status page"), "{ack}");
    let p = page(&app).await;
    assert_eq!(p.active[0].updates.len(), 1);
    assert!(!format!("{p:?}").contains("Wrong text"));
    assert!(p.version > v);
    let (actor, action): (String, String) =
        sqlx::query_as("SELECT actor, action FROM audit_log WHERE action = 'statuspage.unpublish'")
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap();
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("UOTHER", "statuspage.unpublish")
    );
    app.drain_outbox().await;
    assert!(slack
        .posts_in(&room)
        .iter()
        .any(|m| m.to_string().contains("removed public update #2")));

    // The timeline (and so the post-mortem) keeps both publications and the removal.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'public'")
            .await,
        3
    );
    let ack = app.incident("unpublish 2", "UOTHER", &room).await;
    assert!(text_of(&ack).contains("already removed"), "{ack}");
    let ack = app.incident("unpublish 99", "UOTHER", &room).await;
    assert!(text_of(&ack).contains("no public update #99"), "{ack}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'statuspage.unpublish'")
            .await,
        1
    );

    whole_incident_then_drill(&app, &room).await;
}
on_both_stores!(
    unpublish,
    unpublish_takes_a_wrong_update_off_the_page_and_audits_it
);

/// After INC-1 (in `room`) lost an update: the whole incident off the page and back with a new
/// first post; then marked a drill, off the page at once.
async fn whole_incident_then_drill(app: &TestApp, room: &str) {
    // A wrong public title: the whole incident off the page; its next post is a first post.
    let ack = app.incident("unpublish INC-1", "UOTHER", room).await;
    assert!(
        text_of(&ack).contains("took INC-1 off the status page"),
        "{ack}"
    );
    assert!(page(app).await.active.is_empty());
    let ack = app
        .incident("update --public Back on it", "UDECL", room)
        .await;
    assert!(
        all_text(&ack).contains("Preview of the first public post"),
        "{ack}"
    );
    let draft = button_value(&ack, messages::statuspage::ACTION_PUBLISH);
    click(
        app,
        "UDECL",
        messages::statuspage::ACTION_PUBLISH,
        &draft,
        "p2",
    )
    .await;
    assert_eq!(page(app).await.active[0].updates.len(), 1);

    // Marked a drill after it went public: off the page at once (the version moves).
    let v = statuspage::store::version(&app.ctx.store.pool)
        .await
        .unwrap();
    let ack = app.incident("drill on", "UDECL", room).await;
    assert!(text_of(&ack).to_lowercase().contains("drill"), "{ack}");
    let p = page(app).await;
    assert!(p.active.is_empty() && p.version > v, "{p:?}");
}

fn declare_form(title: &str, severity: &str, affects: &str, public_title: &str) -> Value {
    json!({"type": "view_submission", "user": {"id": "UDECL"}, "view": {"callback_id": "incident_declare", "private_metadata": "CORIGIN",
        "state": {"values": {"title": {"title_input": {"type": "plain_text_input", "value": title}},
            "severity": {"severity_select": {"type": "static_select", "selected_option": {"value": severity}}},
            "impact": {"impact_input": {"type": "plain_text_input", "value": null}},
            "commander": {"commander_select": {"type": "users_select", "selected_user": null}},
            "affects": {"affects_input": {"type": "plain_text_input", "value": affects}},
            "public_title": {"public_title_input": {"type": "plain_text_input", "value": public_title}}}}}})
}

async fn the_declare_form_names_components_and_previews_the_public_title_in_a_dm(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = app_with(&db, &slack, &[]).await;
    // An unknown component and a P3 with a public title are refused under their fields.
    let r = app
        .interaction(&declare_form(
            "Kumon down",
            "P1",
            "kumon-deliveryy:major",
            "Deliveries late",
        ))
        .await;
    let body: Value = r.json().await.unwrap();
    assert!(
        body["errors"]["affects"]
            .as_str()
            .unwrap()
            .contains("`kumon-delivery`"),
        "{body}"
    );
    let r = app
        .interaction(&declare_form("Kumon down", "P3", "", "Deliveries late"))
        .await;
    let body: Value = r.json().await.unwrap();
    assert!(
        body["errors"]["public_title"]
            .as_str()
            .unwrap()
            .contains("P3"),
        "{body}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents").await, 0);

    let r = app
        .interaction(&declare_form(
            "Kumon worker OOM after deploy",
            "P1",
            "kumon-delivery:major",
            "Deliveries late",
        ))
        .await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incident_components WHERE component = 'kumon-delivery'")
            .await,
        1
    );
    // Nothing public yet; the preview waits in the declarer's DM.
    assert!(page(&app).await.active.is_empty());
    let dm = slack
        .posts_in("UDECL")
        .into_iter()
        .find(|m| m.to_string().contains("Preview of the first public post"))
        .expect("the preview in the DM");
    assert!(
        dm.to_string().contains("[INCIDENT] Deliveries late"),
        "{dm}"
    );
    let draft = button_value(&dm, messages::statuspage::ACTION_PUBLISH);
    click(
        &app,
        "UDECL",
        messages::statuspage::ACTION_PUBLISH,
        &draft,
        "dm",
    )
    .await;
    let p = page(&app).await;
    assert_eq!(p.active[0].title, "Deliveries late");
    assert_eq!(state_of(&p, "kumon-delivery"), ComponentState::MajorOutage);
    assert!(!format!("{p:?}").contains("OOM"));
}
on_both_stores!(
    publish_from_the_declare_form,
    the_declare_form_names_components_and_previews_the_public_title_in_a_dm
);
