//! Slack's limits at scale, against the fake Slack, which refuses what Slack refuses
//! (`testkit::slack_limits`): 300 open incidents in `/incident list` and on the Home tab, a
//! post-mortem with 5,000 timeline events, templates that render too much, and messages Slack
//! still refuses (terminal, posted once in plain text, never retried).

use std::time::Duration;

use incident::store::{self, NewIncident};
use incident::Severity;
use serde_json::{json, Value};
use testkit::app::INCIDENTS;
use testkit::slack_limits::{message_refusal, refusal};
use testkit::*;

const WAIT: Duration = Duration::from_secs(20);
const MARK: &str = messages::limits::MARK;

/// `n` open incidents straight into the store: severities P0..P3 in turn, incident `i` opened
/// `n - i` minutes before now (so the lowest id of each severity is the oldest).
async fn seed(app: &TestApp, n: i64) {
    let now = app.ctx.clock.now_ms();
    let mut tx = app.ctx.store.begin().await.unwrap();
    for i in 1..=n {
        let title = format!("incident number {i} {}", "with a long title ".repeat(8));
        store::insert(
            &mut tx,
            &NewIncident {
                id: i,
                title: &title,
                severity: [Severity::P0, Severity::P1, Severity::P2, Severity::P3]
                    [(i % 4) as usize],
                impact: None,
                commander: "UIC",
                declared_by: "UIC",
                is_private: false,
                is_drill: false,
                drill_pages: false,
                origin_channel: "CORIGIN",
                now: now - (n - i + 1) * 60_000,
                next_reminder_at: None,
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

fn keys_in(v: &Value) -> Vec<String> {
    let s = v.to_string();
    let mut out = Vec::new();
    let mut rest = s.as_str();
    while let Some(p) = rest.find("*INC-") {
        let tail = &rest[p + 1..];
        let end = tail.find('*').unwrap();
        out.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

async fn list_of_300_is_paged_by_urgency_and_filtered(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    seed(&app, 300).await;

    let v = app.incident("list", "U1", "CELSEWHERE").await;
    assert_eq!(message_refusal(&v), None, "Slack would refuse: {v}");
    let blocks = v["blocks"].as_array().expect("blocks");
    assert!(blocks.len() <= 50);
    // Most urgent first: the P0s (ids ≡ 0 mod 4), oldest (lowest id) first.
    let keys = keys_in(&v);
    assert_eq!(keys.len(), 20);
    assert_eq!(&keys[..3], ["INC-4", "INC-8", "INC-12"], "{keys:?}");
    let s = v.to_string();
    assert!(
        s.contains("1–20 of 300") && s.contains("…and 280 more."),
        "{s}"
    );
    assert!(s.contains("`/incident list P1` (75)"), "{s}");

    // Next: the second page replaces the first, through the response_url.
    let rid = "list-next";
    let click = json!({"type": "block_actions", "user": {"id": "U1"}, "trigger_id": "t",
        "response_url": slack.response_url(rid), "channel": {"id": "CELSEWHERE"},
        "actions": [{"action_id": messages::list::ACTION_PAGE, "value": "all:2"}]});
    assert_eq!(app.interaction(&click).await.status(), 200);
    let page2 = eventually(WAIT, || async {
        slack.responses_to(rid).into_iter().next()
    })
    .await
    .expect("page 2");
    assert_eq!(page2["replace_original"], true);
    let keys2 = keys_in(&page2);
    assert_eq!(keys2.len(), 20);
    assert_eq!(keys2[0], "INC-84", "{keys2:?}");
    assert!(page2.to_string().contains("21–40 of 300"));

    // The last P0 page ends the P0s; then a filter by severity.
    let v = app.incident("list P3 4", "U1", "CELSEWHERE").await;
    let s = v.to_string();
    assert!(
        s.contains("Open P3 incidents") && s.contains("61–75 of 75"),
        "{s}"
    );
    assert!(keys_in(&v).iter().all(|k| {
        let id: i64 = k[4..].parse().unwrap();
        id % 4 == 3
    }));
    assert!(!s.contains("more.") && s.contains("\"P3:3\""), "{s}");
    // A bad filter is usage help and lists nothing.
    let v = app.incident("list urgent", "U1", "CELSEWHERE").await;
    assert!(
        v["text"].as_str().unwrap().contains("is not a severity"),
        "{v}"
    );
}
on_both_stores!(list_300, list_of_300_is_paged_by_urgency_and_filtered);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_with_300_open_incidents_stays_under_100_blocks() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    seed(&app, 300).await;
    let ev = json!({"token": "XXYYZZ", "team_id": "T1", "api_app_id": "A0TEST", "type": "event_callback",
        "event": {"type": "app_home_opened", "user": "UHOME", "channel": "D0HOME", "tab": "home",
                  "event_ts": "1700000000.000100"},
        "event_id": "EvHome300", "event_time": 1700000000});
    assert_eq!(app.event(&ev).await.status(), 200);
    let publish = eventually(WAIT, || async {
        slack.calls_to("views.publish").into_iter().next()
    })
    .await
    .expect("views.publish");
    assert_eq!(refusal("views.publish", &publish.body), None);
    let view = &publish.body["view"];
    assert!(view["blocks"].as_array().unwrap().len() < 100);
    let s = view.to_string();
    assert!(s.contains("*Open incidents (300)*"), "{s}");
    assert!(s.contains("…and 260 more"), "{s}");
    // Most urgent first.
    assert!(s.find("*INC-4*").unwrap() < s.find("*INC-1*").unwrap_or(usize::MAX));
}

/// Resolves INC-1 with `events` extra timeline events, returns its war room.
async fn incident_with_timeline(app: &TestApp, events: usize) -> String {
    let ack = app
        .incident("declare P1 a very long incident", "U1", "CORIGIN")
        .await;
    assert!(ack["text"].as_str().unwrap().contains("declared"), "{ack}");
    app.drain_outbox().await;
    let room: String = eventually(WAIT, || async {
        sqlx::query_scalar::<_, Option<String>>("SELECT channel_id FROM incidents WHERE id = 1")
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap()
    })
    .await
    .expect("war room");
    let now = app.ctx.clock.now_ms();
    let mut tx = app.ctx.store.begin().await.unwrap();
    for i in 0..events {
        store::add_event(
            &mut tx,
            1,
            now + i as i64,
            "U1",
            incident::timeline::EventKind::Note,
            &format!("event {i}: checked the queue"),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    app.incident("resolve fixed it", "U1", &room).await;
    // The draft is a job (written with the resolution); settle runs it and drains the outbox.
    app.settle().await;
    room
}

async fn a_postmortem_of_5000_events_uploads_whole(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    incident_with_timeline(&app, 5000).await;
    let uploads = slack.uploads();
    assert_eq!(uploads.len(), 1);
    let md = String::from_utf8(uploads[0].1.clone()).unwrap();
    for i in [0, 2500, 4999] {
        assert!(md.contains(&format!("note: event {i}: checked the queue")));
    }
    assert_eq!(md.matches("checked the queue").count(), 5000);
    assert!(md.contains("## Action items"), "whole, to the end");
    let get = &slack.calls_to("files.getUploadURLExternal")[0].body;
    let len = get["length"]
        .as_u64()
        .or_else(|| get["length"].as_str().and_then(|s| s.parse().ok()));
    assert_eq!(len, Some(md.len() as u64));
}
on_both_stores!(postmortem_5000, a_postmortem_of_5000_events_uploads_whole);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_upload_of_a_long_postmortem_is_posted_in_clean_parts() {
    let slack = FakeSlack::start().await;
    slack.fail_all(
        "files.getUploadURLExternal",
        Behavior::OkFalse("missing_scope"),
    );
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    let room = incident_with_timeline(&app, 5000).await;
    let parts: Vec<Value> = slack
        .posts_in(&room)
        .into_iter()
        .filter(|p| p["text"].as_str().unwrap_or("").contains("```"))
        .collect();
    assert_eq!(parts.len(), messages::delivery::FALLBACK_PARTS, "{parts:?}");
    for p in &parts {
        let t = p["text"].as_str().unwrap();
        assert!(t.chars().count() <= 4000, "{}", t.len());
        assert_eq!(t.matches("```").count(), 2, "fences closed: {t}");
    }
    assert!(parts[0]["text"]
        .as_str()
        .unwrap()
        .contains("# Post-mortem: INC-1"));
    let last = parts.last().unwrap()["text"].as_str().unwrap();
    assert!(
        last.contains("more lines not shown") && last.contains("/incident postmortem INC-1"),
        "{last}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_slack_refuses_is_posted_once_in_plain_text_and_never_retried() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&TestDb::sqlite().await, &slack, AppOptions::default()).await;
    // A body no builder makes any more (60 blocks): the fake answers `invalid_blocks`.
    let blocks: Vec<Value> = (0..60)
        .map(|i| json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("row {i}")}}))
        .collect();
    let body = json!({"channel": INCIDENTS, "text": "Too many rows", "blocks": blocks});
    let mut tx = app.ctx.store.begin().await.unwrap();
    let item = chatops_core::outbox::OutboxItem {
        method: "chat.postMessage".into(),
        channel: INCIDENTS.into(),
        body,
        depends_on: None,
        depends_field: None,
        tag: None,
    };
    let id = chatops_core::outbox::enqueue(&mut tx, &item, app.ctx.clock.now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.ctx.outbox_wake.notify_one();
    app.drain_outbox().await;
    let posts = slack.calls_to("chat.postMessage");
    assert_eq!(posts.len(), 2, "the refused one and its plain form");
    let short = &posts[1].body;
    assert!(short.get("blocks").is_none());
    let t = short["text"].as_str().unwrap();
    assert!(
        t.starts_with("Too many rows") && t.contains("`invalid_blocks`"),
        "{t}"
    );
    let (status, err): (String, Option<String>) =
        sqlx::query_as("SELECT status, last_error FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap();
    assert_eq!(status, "sent");
    assert!(err.unwrap().contains("invalid_blocks"));

    // Refused again (the plain form too): failed for good, recorded, not retried.
    slack.script("chat.postMessage", Behavior::OkFalse("msg_too_long"), 2);
    let item = chatops_core::outbox::OutboxItem::post(INCIDENTS, &messages::Msg::text("hello"));
    let mut tx = app.ctx.store.begin().await.unwrap();
    let id = chatops_core::outbox::enqueue(&mut tx, &item, app.ctx.clock.now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.ctx.outbox_wake.notify_one();
    app.drain_outbox().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(slack.calls_to("chat.postMessage").len(), 4, "no retry");
    let (status, err): (String, Option<String>) =
        sqlx::query_as("SELECT status, last_error FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), err.as_deref()),
        ("failed", Some("msg_too_long"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_that_renders_too_much_is_cut_and_marked() {
    let tmp = testkit::TempDir::new("chatops-tpl-limits");
    let dir = tmp.path();
    std::fs::write(
        dir.join("declared.j2"),
        "{{ key }} {{ title }}\n{% for i in range(3000) %}{{ key }} line {{ i }} <@U0ANA>\n{% endfor %}",
    )
    .unwrap();
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &TestDb::sqlite().await,
        &slack,
        AppOptions::default().env("TEMPLATES_DIR", dir.to_str().unwrap()),
    )
    .await;
    let ack = app
        .incident(
            &format!("declare P1 {}", "long title ".repeat(8)),
            "U1",
            "CORIGIN",
        )
        .await;
    assert!(ack["text"].as_str().unwrap().contains("declared"), "{ack}");
    let declared = eventually(WAIT, || async {
        slack.calls_to("chat.postMessage").into_iter().find(|c| {
            c.body["text"]
                .as_str()
                .unwrap_or("")
                .starts_with("INC-1 long title")
        })
    })
    .await
    .expect("declared post");
    app.drain_outbox().await;
    assert_eq!(refusal("chat.postMessage", &declared.body), None);
    let section = declared.body["blocks"][0]["text"]["text"].as_str().unwrap();
    assert!(section.chars().count() <= 3000);
    assert!(section.ends_with(MARK), "the cut is marked");
    assert!(!section.ends_with(&format!("<{MARK}")), "no half mention");
    // Nothing the bot sent was refused.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            .await,
        0
    );
}

#[test]
fn a_long_topic_is_cut_to_slack_s_limit() {
    let t = messages::limits::topic(&"P1 · Investigating · IC <@U1> · ".repeat(20));
    assert_eq!(
        refusal("conversations.setTopic", &json!({"topic": t.clone()})),
        None
    );
    assert!(t.ends_with(MARK));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_responder_group_of_1500_is_invited_in_batches_slack_accepts() {
    let slack = FakeSlack::start().await;
    let members: Vec<String> = (0..1500).map(|i| format!("U{i:05}")).collect();
    let refs: Vec<&str> = members.iter().map(String::as_str).collect();
    slack.set_usergroup("SBIG", &refs);
    let app = spawn_app(
        &TestDb::sqlite().await,
        &slack,
        AppOptions::default().env("INCIDENT_RESPONDERS", "SBIG"),
    )
    .await;
    app.incident("declare P1 everyone in", "UDECL", "CORIGIN")
        .await;
    let invites = eventually(WAIT, || async {
        let calls = slack.calls_to("conversations.invite");
        let n: usize = calls
            .iter()
            .map(|c| c.body["users"].as_str().unwrap_or("").split(',').count())
            .sum();
        (n >= 1501).then_some(calls)
    })
    .await
    .expect("everyone invited");
    let mut invited = std::collections::HashSet::new();
    for c in &invites {
        assert_eq!(refusal("conversations.invite", &c.body), None);
        let users: Vec<&str> = c.body["users"].as_str().unwrap().split(',').collect();
        assert!(users.len() <= messages::limits::INVITE_USERS);
        invited.extend(users.into_iter().map(String::from));
    }
    assert!(invited.contains("UDECL") && members.iter().all(|m| invited.contains(m)));
}
