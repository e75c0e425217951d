//! The escalation matrix (#27): who is notified at a declaration, at a raise of the severity and
//! when an incident is still open after a while; the notice (DM or channel post) with the Join
//! the war room button; once per person and level whatever runs twice; shown in the war room
//! and in `/incident status`; bad ids named by `check-config` and `chatops doctor`.
//! Management updates and mail: `stakeholders_mail.rs`.

use std::time::Duration;

use doctor::Status;
use serde_json::{json, Value};
use testkit::doctor_kit;
use testkit::incident_kit::*;
use testkit::*;

/// Julia's DR plan: P0 → CTO, CEO, Product Lead; P1 → Engineering Lead, Product Lead (the
/// product group); Fabrica's L4: CTO and CEO after 1 hour.
fn matrix() -> AppOptions {
    AppOptions::default()
        .env("STAKEHOLDERS_NOTIFY_P0", "U0CTO,U0CEO,S0PRODUCT")
        .env("STAKEHOLDERS_NOTIFY_P1", "U0ENGLEAD,S0PRODUCT")
        .env("STAKEHOLDERS_NOTIFY_P2", "C0ENGTEAM")
        .env("STAKEHOLDERS_LATE_NOTIFY", "U0CTO,U0CEO")
        .env("STAKEHOLDERS_LATE_AFTER", "1h")
}

fn all_text(v: &Value) -> String {
    v.to_string()
}

async fn notices(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM stakeholder_notices").await
}

#[allow(clippy::too_many_lines)] // an end-to-end scenario read top to bottom
async fn declared_p1_notifies_its_people_once_with_a_join_button(db: TestDb) {
    let slack = FakeSlack::start().await;
    slack.set_usergroup("S0PRODUCT", &["U0PL"]);
    let app = spawn_app(&db, &slack, matrix()).await;
    let room = declare(&app, "declare P1 Julia silent", "UDECL")
        .await
        .expect("war room");
    app.settle().await;

    for who in ["U0ENGLEAD", "U0PL"] {
        let dms = slack.posts_in(who);
        assert_eq!(dms.len(), 1, "{who}: {dms:?}");
        let s = all_text(&dms[0]);
        assert!(
            s.contains("INC-1")
                && s.contains("Julia silent")
                && s.contains("[P1]")
                && s.contains("Investigating")
                && s.contains("<@UDECL>")
                && s.contains(&format!("<#{room}>"))
                && s.contains(&format!("app_redirect?channel={room}")),
            "{s}"
        );
        assert_eq!(
            testkit::harness::button_value(&dms[0], messages::stakeholders::JOIN).as_deref(),
            Some("1"),
            "{s}"
        );
    }
    for nobody in ["U0CTO", "U0CEO", "C0ENGTEAM"] {
        assert!(slack.posts_in(nobody).is_empty(), "{nobody} is not on P1");
    }
    // The war room says who was notified.
    let lines: Vec<String> = slack
        .posts_in(&room)
        .iter()
        .map(text_of)
        .filter(|t| t.contains("Escalation matrix"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("<@U0ENGLEAD>") && lines[0].contains("<@U0PL>"),
        "{lines:?}"
    );

    // A replica or a restart running the level again notifies nobody twice.
    {
        let mut c = app.ctx.store.pool.acquire().await.unwrap();
        let job = stakeholders::matrix::Notify {
            incident: 1,
            level: "P1".into(),
        };
        chatops_core::jobs::enqueue(&mut c, &app.ctx, stakeholders::matrix::NOTIFY, &job, 0)
            .await
            .unwrap();
    }
    app.settle().await;
    assert_eq!(slack.posts_in("U0ENGLEAD").len(), 1);
    assert_eq!(slack.posts_in("U0PL").len(), 1);
    assert_eq!(notices(&app).await, 2);

    // `/incident status` shows it too.
    let status = app.incident("status", "UDECL", &room).await;
    let s = all_text(&status);
    assert!(
        s.contains("Stakeholders notified") && s.contains("<@U0ENGLEAD>") && s.contains("<@U0PL>"),
        "{s}"
    );

    // Join the war room: the person who clicked is invited.
    let click = json!({"type": "block_actions", "user": {"id": "U0PL"}, "trigger_id": "t.join",
        "channel": {"id": "DU0PL"}, "response_url": slack.response_url("join"),
        "actions": [{"action_id": messages::stakeholders::JOIN, "value": "1"}]});
    assert_eq!(app.interaction(&click).await.status(), 200);
    let answer = eventually(WAIT, || async {
        slack.responses_to("join").into_iter().next()
    })
    .await
    .expect("an answer to the click");
    assert!(
        text_of(&answer).contains("You are in the war room"),
        "{answer}"
    );
    let invites: Vec<_> = slack
        .calls_to("conversations.invite")
        .into_iter()
        .filter(|c| c.body["users"] == "U0PL")
        .collect();
    assert_eq!(invites.len(), 1, "{invites:?}");
    assert_eq!(invites[0].body["channel"], room.as_str());
}
on_both_stores!(
    declared_p1,
    declared_p1_notifies_its_people_once_with_a_join_button
);

async fn a_raise_notifies_the_new_level_and_late_incidents_reach_the_l4_people(db: TestDb) {
    let slack = FakeSlack::start().await;
    slack.set_usergroup("S0PRODUCT", &["U0PL"]);
    let app = spawn_app(&db, &slack, matrix()).await;
    // P2 has no war room (WAR_ROOM_SEVERITIES): commands name the incident.
    assert!(declare(&app, "declare P2 Queue slow", "UDECL")
        .await
        .is_none());
    let room = "CORIGIN";
    app.settle().await;
    // P2: the engineering team's channel, a post there (not a DM).
    assert_eq!(slack.posts_in("C0ENGTEAM").len(), 1);
    assert!(slack.posts_in("U0ENGLEAD").is_empty());

    app.incident("severity INC-1 P0", "UDECL", room).await;
    app.settle().await;
    for who in ["U0CTO", "U0CEO", "U0PL"] {
        let dms = slack.posts_in(who);
        assert_eq!(dms.len(), 1, "{who}: {dms:?}");
        assert!(all_text(&dms[0]).contains("[P0]"), "{}", dms[0]);
    }
    // P1's people are not P0's: nothing for the engineering lead.
    assert!(slack.posts_in("U0ENGLEAD").is_empty());

    // Lowered, then raised again to P0: nobody hears twice.
    app.incident("severity INC-1 P1", "UDECL", room).await;
    app.settle().await;
    app.incident("severity INC-1 P0", "UDECL", room).await;
    app.settle().await;
    assert!(
        slack.posts_in("U0ENGLEAD").is_empty(),
        "a lower level is not a raise"
    );
    for who in ["U0CTO", "U0CEO", "U0PL"] {
        assert_eq!(slack.posts_in(who).len(), 1, "{who}");
    }

    // Still open after an hour: the late level (CTO, CEO), once.
    app.ctx.clock.advance(Duration::from_secs(61 * 60));
    app.settle().await;
    app.settle().await;
    for who in ["U0CTO", "U0CEO"] {
        let dms = slack.posts_in(who);
        assert_eq!(dms.len(), 2, "{who}: {dms:?}");
        assert!(
            all_text(&dms[1]).contains("still open after 1h"),
            "{}",
            dms[1]
        );
    }
    assert_eq!(slack.posts_in("U0PL").len(), 1);
    let status = all_text(&app.incident("status INC-1", "UDECL", room).await);
    assert!(status.contains("still open: <@U0CTO>"), "{status}");
}
on_both_stores!(
    raise_and_late,
    a_raise_notifies_the_new_level_and_late_incidents_reach_the_l4_people
);

async fn a_resolved_incident_reaches_no_late_level(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, matrix()).await;
    let room = declare(&app, "declare P1 Short blip", "UDECL")
        .await
        .expect("war room");
    app.incident("resolve fixed", "UDECL", &room).await;
    app.settle().await;
    app.ctx.clock.advance(Duration::from_secs(2 * 3600));
    app.settle().await;
    assert!(slack.posts_in("U0CTO").is_empty());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM stakeholder_notices WHERE level = 'late'")
            .await,
        0
    );
}
on_both_stores!(resolved_no_late, a_resolved_incident_reaches_no_late_level);

#[test]
fn check_config_names_bad_ids_and_malformed_addresses() {
    let (_, problems) = bot::Settings::read_pairs(&[
        ("SLACK_SIGNING_SECRET", "s"),
        ("STAKEHOLDERS_NOTIFY_P0", "U0CTO,@ceo"),
        (
            "STAKEHOLDERS_EMAILS_P1",
            "cto@julia.example.com,ceo-at-julia",
        ),
        ("STAKEHOLDERS_CHANNEL_P1", "#management"),
        ("SMTP_HOST", "smtp.example.com"),
    ]);
    let text = chatops_core::config::render_problems(&problems);
    assert!(
        text.contains("STAKEHOLDERS_NOTIFY_P0") && text.contains("`ceo`"),
        "{text}"
    );
    assert!(
        text.contains("STAKEHOLDERS_EMAILS_P1")
            && text.contains("`ceo-at-julia` is not an email address"),
        "{text}"
    );
    assert!(text.contains("STAKEHOLDERS_CHANNEL_P1"), "{text}");
    assert!(text.contains("SMTP_FROM"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_matrix_people_slack_does_not_know() {
    let h = doctor_kit::harness().await;
    h.slack.set_user("U0CTO", false);
    h.slack.set_user("U0GONE", true);
    h.slack.set_usergroup("S0PRODUCT", &["U0PL"]);
    h.slack.set_channel("C0MGMT", "leadership", false, true);
    h.slack.set_channel("C0OUT", "board", false, false);
    let r = h
        .doctor(&[
            (
                "STAKEHOLDERS_NOTIFY_P0",
                "U0CTO,S0PRODUCT,U0GHOST,U0GONE,S0NOPE",
            ),
            ("STAKEHOLDERS_CHANNEL_P0", "C0OUT"),
            ("STAKEHOLDERS_CHANNEL_P1", "C0MGMT"),
        ])
        .await;
    let c = doctor_kit::expect(&r, "Slack", "escalation matrix", Status::Fail);
    assert!(
        c.detail.contains("U0GHOST is not a user")
            && c.detail.contains("S0NOPE is not a user or user group")
            && c.detail.contains("U0GONE is deactivated")
            && c.detail.contains("C0OUT: the bot is not a member")
            && !c.detail.contains("C0MGMT")
            && !c.detail.contains("U0CTO")
            && !c.detail.contains("S0PRODUCT"),
        "{}",
        c.detail
    );
    assert!(doctor_kit::fix(c).contains("STAKEHOLDERS_NOTIFY_P0"));
    let ok = h
        .doctor(&[
            ("STAKEHOLDERS_NOTIFY_P0", "U0CTO,S0PRODUCT"),
            ("STAKEHOLDERS_CHANNEL_P1", "C0MGMT"),
        ])
        .await;
    doctor_kit::expect(&ok, "Slack", "escalation matrix", Status::Pass);
}

async fn a_group_slack_cannot_list_keeps_nobody_else_waiting(db: TestDb) {
    let slack = FakeSlack::start().await;
    let opts = AppOptions::default()
        .env("STAKEHOLDERS_NOTIFY_P1", "U0ENGLEAD,S0MISSING")
        .env("JOBS_MAX_ATTEMPTS", "2");
    let app = spawn_app(&db, &slack, opts).await;
    let room = declare(&app, "declare P1 Julia silent", "UDECL")
        .await
        .expect("war room");
    app.settle().await;
    // First attempt: Slack says the group does not exist; tried again.
    assert!(slack.posts_in("U0ENGLEAD").is_empty());
    app.ctx.clock.advance(Duration::from_secs(2));
    app.settle().await;
    // The last attempt notifies the others and says which group was not reached.
    assert_eq!(slack.posts_in("U0ENGLEAD").len(), 1);
    let warned: Vec<String> = slack
        .posts_in(&room)
        .iter()
        .map(text_of)
        .filter(|t| t.contains("S0MISSING"))
        .collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("no_such_subteam"), "{warned:?}");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'stakeholder_notify' AND state = 'done'"
        )
        .await,
        1
    );
}
on_both_stores!(
    unreadable_group,
    a_group_slack_cannot_list_keeps_nobody_else_waiting
);
