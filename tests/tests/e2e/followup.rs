//! Action items to done (#28): `/incident action add|list|done|reassign|due` through signed
//! slash commands, the owners' DMs and their due / overdue reminders and the commander's review
//! DM (durable jobs: the test moves the app's clock and steps the workers), the refusals, and
//! the overdue items on the owner's Home tab and in `/incident stats`.

use std::time::Duration;

use serde_json::json;
use testkit::incident_kit::*;
use testkit::*;

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

/// The texts of the DMs `user` got.
fn dms(slack: &FakeSlack, user: &str) -> Vec<String> {
    slack
        .posts_in(user)
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Moves the app's clock and runs whatever came due (jobs, then the outbox).
async fn advance(app: &TestApp, by: Duration) {
    app.ctx.clock.advance(by);
    app.settle().await;
}

async fn item(app: &TestApp, id: i64) -> (String, Option<i64>, Option<i64>) {
    sqlx::query_as::<_, (String, Option<i64>, Option<i64>)>(
        "SELECT owner, due_at, done_at FROM action_items WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.ctx.store.pool)
    .await
    .unwrap()
}

async fn action_items_from_assignment_to_done(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let room = declare(&app, "declare P1 queue stuck", "UIC")
        .await
        .unwrap();
    let t0 = app.ctx.clock.now_ms();

    // Added in the war room: the owner is told by DM, the reminders wait for the due date.
    let ack = app
        .incident(
            "action add <@UOWNA> add an index to jobs due 3d",
            "UIC",
            &room,
        )
        .await;
    assert!(
        text_of(&ack).contains("#1") && text_of(&ack).contains("add an index"),
        "{ack}"
    );
    app.settle().await;
    let got = dms(&slack, "UOWNA");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("add an index to jobs") && got[0].contains("<@UIC>"),
        "{got:?}"
    );
    let due = item(&app, 1).await.1.unwrap() - t0 - 3 * DAY as i64 * 1000;
    assert!(
        (0..10_000).contains(&due),
        "due 3 days after it was added: {due}"
    );

    // Bad input: the reason, and nothing added.
    for (text, why) in [
        ("action add fix the alerting", "needs an owner"),
        (
            "action add <@UOWNA> rotate keys due 2020-01-10",
            "in the past",
        ),
        (
            "action add <@UOWNA> rotate keys due someday",
            "is not a due date",
        ),
        ("action add <@UOWNA> due 3d", "Say what is to be done"),
    ] {
        let v = app.incident(text, "UIC", &room).await;
        assert!(text_of(&v).contains(why), "{text}: {v}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM action_items").await, 1);

    // No due date on an open incident: due a week after the resolution, set when it resolves.
    app.incident("action add <@UOWNB> alert on queue depth", "UIC", &room)
        .await;
    assert_eq!(item(&app, 2).await.1, None);
    let v = app
        .incident("resolve drained the queue", "UIC", &room)
        .await;
    assert!(text_of(&v).contains("resolved"), "{v}");
    app.settle().await;
    let resolved = app
        .scalar("SELECT resolved_at FROM incidents WHERE id = 1")
        .await;
    assert_eq!(
        item(&app, 2).await.1,
        Some(resolved + 7 * DAY as i64 * 1000)
    );

    reminders_each_once(&app, &slack).await;
    overdue_listed_and_done(&app).await;
    reassigned_and_new_due_date(&app, &slack, &room).await;
}

/// Day 2: the commander's review DM; day 3: the due DM; day 4: the overdue one; never again.
async fn reminders_each_once(app: &TestApp, slack: &FakeSlack) {
    // 48 h after a P1's resolution: the commander is reminded of the review, once.
    advance(app, Duration::from_secs(48 * HOUR + 1)).await;
    let review: Vec<String> = dms(slack, "UIC")
        .into_iter()
        .filter(|t| t.contains("post-mortem review of INC-1"))
        .collect();
    assert_eq!(review.len(), 1, "{review:?}");

    // Due (3 d) then overdue (a day later): one DM each, never again.
    advance(app, Duration::from_secs(DAY)).await;
    let got = dms(slack, "UOWNA");
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[1].contains("is due") && got[1].contains("#1"),
        "{got:?}"
    );
    advance(app, Duration::from_secs(DAY)).await;
    let got = dms(slack, "UOWNA");
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[2].contains("overdue"), "{got:?}");
    advance(app, Duration::from_secs(DAY)).await;
    assert_eq!(dms(slack, "UOWNA").len(), 3);
    let review = dms(slack, "UIC")
        .iter()
        .filter(|t| t.contains("post-mortem review"))
        .count();
    assert_eq!(review, 1);
}

/// The overdue list, `/incident stats`, and who may mark an item done.
async fn overdue_listed_and_done(app: &TestApp) {
    // Overdue items: in the list, and in `/incident stats`.
    let v = app
        .incident("action list overdue", "UX", "CELSEWHERE")
        .await;
    assert!(
        text_of(&v).contains("#1") && text_of(&v).contains("overdue"),
        "{v}"
    );
    assert!(!text_of(&v).contains("#2"), "{v}");
    let v = app.incident("stats 7d", "UX", "CELSEWHERE").await;
    assert!(v.to_string().contains("Overdue action items: 1"), "{v}");

    // Neither the owner nor the commander: refused, nothing changed.
    let v = app.incident("action done 1", "UOTHER", "CELSEWHERE").await;
    assert!(text_of(&v).contains("Only the owner <@UOWNA>"), "{v}");
    assert_eq!(item(app, 1).await.2, None);
    // The commander may.
    let v = app.incident("action done #1", "UIC", "CELSEWHERE").await;
    assert!(text_of(&v).contains("done"), "{v}");
    assert!(item(app, 1).await.2.is_some());
    let v = app.incident("action done 1", "UOWNA", "CELSEWHERE").await;
    assert!(text_of(&v).contains("already done"), "{v}");
}

/// A reassignment and a new due date: the new owner's DMs, nothing for the old date.
async fn reassigned_and_new_due_date(app: &TestApp, slack: &FakeSlack, room: &str) {
    // Reassigned by its owner: the new owner is told; a new due date brings new reminders, and
    // the old date's reminders say nothing.
    let v = app
        .incident("action reassign 2 <@UOWNC>", "UOWNB", "CELSEWHERE")
        .await;
    assert!(text_of(&v).contains("<@UOWNC>"), "{v}");
    let v = app
        .incident("action due 2 yesterday", "UOWNC", "CELSEWHERE")
        .await;
    assert!(text_of(&v).contains("is not a due date"), "{v}");
    let v = app.incident("action due 2 1d", "UOWNC", "CELSEWHERE").await;
    assert!(text_of(&v).contains("#2"), "{v}");
    app.settle().await;
    assert_eq!(dms(slack, "UOWNC").len(), 1, "the assignment");
    advance(app, Duration::from_secs(DAY + 1)).await;
    let got = dms(slack, "UOWNC");
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[1].contains("is due"), "{got:?}");
    // Day 7 (the old due date) and after: nothing for the old date.
    advance(app, Duration::from_secs(3 * DAY)).await;
    let got = dms(slack, "UOWNC");
    assert_eq!(got.len(), 3, "the new date's overdue only: {got:?}");
    assert_eq!(dms(slack, "UOWNB").len(), 1, "its assignment only");

    // The lists.
    let v = app
        .incident("action list mine", "UOWNC", "CELSEWHERE")
        .await;
    assert!(
        text_of(&v).contains("#2") && !text_of(&v).contains("#1"),
        "{v}"
    );
    let v = app.incident("action list", "UX", room).await;
    assert!(
        text_of(&v).contains("#1") && text_of(&v).contains("#2"),
        "{v}"
    );
}
on_both_stores!(action_items, action_items_from_assignment_to_done);

/// The Home tab of an owner shows their overdue items.
async fn overdue_items_on_the_owner_s_home_tab(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let room = declare(&app, "declare P1 slow dashboard", "UIC")
        .await
        .unwrap();
    app.incident(
        "action add <@UOWNA> cache the dashboard query due 1d",
        "UIC",
        &room,
    )
    .await;
    app.settle().await;
    let home = |user: &str| {
        json!({"token": "XXYYZZ", "team_id": "T1", "api_app_id": "A0TEST", "type": "event_callback",
               "event_id": format!("Ev{user}{}", app.ctx.clock.now_ms()), "event_time": 1700000000,
               "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                         "event_ts": "1700000000.000100"}})
    };
    let published = |user: &str| {
        slack
            .calls_to("views.publish")
            .into_iter()
            .filter(|c| c.body["user_id"] == user)
            .map(|c| c.body["view"].to_string())
            .collect::<Vec<_>>()
    };
    app.event(&home("UOWNA")).await;
    let first = eventually(WAIT, || async { published("UOWNA").into_iter().next() })
        .await
        .expect("home published");
    assert!(!first.contains("overdue action items"), "{first}");
    app.ctx.clock.advance(Duration::from_secs(2 * DAY));
    app.event(&home("UOWNA")).await;
    let second = eventually(WAIT, || async { published("UOWNA").into_iter().nth(1) })
        .await
        .expect("home published again");
    assert!(
        second.contains("Your overdue action items")
            && second.contains("cache the dashboard query"),
        "{second}"
    );
    // Someone else's Home tab does not show them.
    app.event(&home("UOTHER")).await;
    let other = eventually(WAIT, || async { published("UOTHER").into_iter().next() })
        .await
        .expect("other home");
    assert!(!other.contains("cache the dashboard query"), "{other}");
}
on_both_stores!(home_overdue, overdue_items_on_the_owner_s_home_tab);

/// The post-mortem message's button opens the form; the form adds an item (a past due date is
/// shown under its field, nothing added).
async fn the_postmortem_button_and_its_form(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    let room = declare(&app, "declare P1 webhook lost", "UIC")
        .await
        .unwrap();
    app.incident("resolve re-registered the webhook", "UIC", &room)
        .await;
    app.settle().await;
    let msg = slack
        .posts_in(&room)
        .into_iter()
        .find(|p| p.to_string().contains("followup_action_add"))
        .expect("the action items message with its button");
    assert!(
        text_of(&msg).contains("Post-mortem action items of INC-1"),
        "{msg}"
    );
    let click = json!({"type": "block_actions", "user": {"id": "UIC"}, "trigger_id": "t.pm",
        "channel": {"id": room}, "response_url": slack.response_url("pm"),
        "actions": [{"action_id": "followup_action_add", "value": "1"}]});
    app.interaction(&click).await;
    let opened = eventually(WAIT, || async {
        slack.calls_to("views.open").into_iter().next()
    })
    .await
    .expect("the form");
    assert_eq!(opened.body["view"]["callback_id"], "followup_action_form");
    let submit = |due: &str| {
        json!({"type": "view_submission", "user": {"id": "UIC"},
            "view": {"callback_id": "followup_action_form", "private_metadata": "1", "state": {"values": {
                "owner": {"owner_select": {"type": "users_select", "selected_user": "UOWNA"}},
                "text": {"text_input": {"type": "plain_text_input", "value": "alert when the webhook is gone"}},
                "due": {"due_input": {"type": "plain_text_input", "value": due}}}}}})
    };
    let r = app.interaction(&submit("2020-01-01")).await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["response_action"], "errors", "{body}");
    assert!(
        body["errors"]["due"]
            .as_str()
            .unwrap()
            .contains("in the past"),
        "{body}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM action_items").await, 0);
    let r = app.interaction(&submit("5d")).await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM action_items").await, 1);
    assert!(dms(&slack, "UOWNA")[0].contains("alert when the webhook is gone"));
}
on_both_stores!(postmortem_button, the_postmortem_button_and_its_form);

/// The post-mortem draft in pt-BR: every row in Portuguese, people by their Slack names
/// (`users.info`, asked once per person), the action items with owners and due dates.
async fn the_draft_reads_as_the_team_writes(db: TestDb) {
    let slack = FakeSlack::start().await;
    slack.set_user_name("UPLAIN01", "Ana Souza");
    slack.set_user_name("UBETO01", "Beto Lima");
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default().env("CHATOPS_LOCALE", "pt-BR"),
    )
    .await;
    app.incident("declare P1 Evolution fora do ar", "UPLAIN01", "CORIGIN")
        .await;
    let room = eventually(WAIT, || async {
        sqlx::query_scalar::<_, Option<String>>("SELECT channel_id FROM incidents WHERE id = 1")
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap()
    })
    .await
    .expect("war room");
    app.settle().await;
    app.incident("update identified achamos a causa", "UPLAIN01", &room)
        .await;
    app.incident("commander <@UBETO01>", "UPLAIN01", &room)
        .await;
    app.incident(
        "action add <@UBETO01> criar alerta de fila due 2030-01-31",
        "UPLAIN01",
        &room,
    )
    .await;
    app.incident("resolve reconectado", "UBETO01", &room).await;
    app.settle().await;
    let md = String::from_utf8(slack.uploads()[0].1.clone()).unwrap();
    for part in [
        "| declarado: P1 Evolution fora do ar (Ana Souza) |",
        "| status: Investigando → Identificado (Ana Souza) |",
        "papel: comandante = Beto Lima (Ana Souza)",
        "| resolvido: reconectado (Beto Lima) |",
        "- Comandante do incidente: Beto Lima",
        "| #1 criar alerta de fila | Beto Lima | 2030-01-31 | aberto |",
        "| item de ação: #1 criar alerta de fila — Beto Lima (Ana Souza) |",
        "## Impacto\n\n_a definir_",
    ] {
        assert!(md.contains(part), "{part} missing from\n{md}");
    }
    for raw in [
        "UPLAIN01",
        "UBETO01",
        "declared:",
        "investigating",
        "resolved:",
        "commander =",
    ] {
        assert!(!md.contains(raw), "{raw} in\n{md}");
    }
    // Names are cached: the draft posted again asks Slack nothing more.
    let asked = slack.calls_to("users.info").len();
    assert!(asked <= 2, "once per person: {asked}");
    app.incident("postmortem", "UBETO01", &room).await;
    app.settle().await;
    assert_eq!(slack.uploads().len(), 2);
    assert_eq!(slack.calls_to("users.info").len(), asked);
}
on_both_stores!(draft_language, the_draft_reads_as_the_team_writes);

/// The weekly digest lists the overdue items of real incidents (a drill's are left out).
async fn overdue_items_in_the_weekly_digest(db: TestDb) {
    let slack = FakeSlack::start().await;
    // The digest is due a minute before the moment the test moves the clock to (2 days on).
    let t = testkit::app::now_secs() + 2 * DAY as i64 - 60;
    let day = ["thu", "fri", "sat", "sun", "mon", "tue", "wed"]
        [t.div_euclid(86_400).rem_euclid(7) as usize];
    let s = t.rem_euclid(86_400);
    let at = format!("{day} {:02}:{:02}", s / 3600, (s % 3600) / 60);
    let opts = AppOptions::default()
        .env("STATS_DIGEST", &at)
        .env("ONCALL_TZ", "UTC");
    let app = spawn_app(&db, &slack, opts).await;
    let room = declare(&app, "declare P1 backups failing", "UIC")
        .await
        .unwrap();
    let drill = declare(&app, "declare P1 --drill restore drill", "UIC")
        .await
        .unwrap();
    app.incident(
        "action add <@UOWNA> alert on failed backups due 1d",
        "UIC",
        &room,
    )
    .await;
    app.incident("action add <@UOWNA> time the restore due 1d", "UIC", &drill)
        .await;
    app.settle().await;
    app.ctx.clock.advance(Duration::from_secs(2 * DAY));
    // Posted once, by this call or by the app's own digest worker.
    stats::digest::run_once(&app.ctx).await.unwrap();
    app.drain_outbox().await;
    let digest = slack
        .posts_in(testkit::app::INCIDENTS)
        .into_iter()
        .find(|p| text_of(p).contains("Weekly incident digest"))
        .expect("the digest")
        .to_string();
    assert!(
        digest.contains("Overdue action items: 1") && digest.contains("alert on failed backups"),
        "{digest}"
    );
    assert!(!digest.contains("time the restore"), "{digest}");
}
on_both_stores!(digest_overdue, overdue_items_in_the_weekly_digest);
