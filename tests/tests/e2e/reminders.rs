//! Reminders and escalation with second-scale cadences against the fake Slack.

use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::app::INCIDENTS;
use testkit::*;

const WAIT: Duration = Duration::from_secs(15);

fn reminders_in(slack: &FakeSlack, channel: &str) -> Vec<Value> {
    slack
        .posts_in(channel)
        .into_iter()
        .filter(|p| p["text"].as_str().unwrap_or("").contains("no update for"))
        .collect()
}

async fn declared(app: &TestApp, text: &str) -> String {
    app.incident(text, "UIC", "CORIGIN").await;
    eventually(WAIT, || async {
        sqlx::query_scalar::<_, Option<String>>(
            "SELECT channel_id FROM incidents ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&app.ctx.store.pool)
        .await
        .unwrap()
        .flatten()
    })
    .await
    .expect("war room")
}

async fn a_reminder_after_one_cadence_and_not_before_and_an_update_resets_it(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default().env("INCIDENT_CADENCE_P1", "2s"),
    )
    .await;
    let t0 = Instant::now();
    let room = declared(&app, "declare P1 worker down").await;
    tokio::time::sleep(Duration::from_millis(1400).saturating_sub(t0.elapsed())).await;
    assert!(
        reminders_in(&slack, &room).is_empty(),
        "no reminder before the cadence"
    );
    let first = eventually(WAIT, || async {
        reminders_in(&slack, &room).into_iter().next()
    })
    .await
    .expect("a reminder");
    let at = t0.elapsed();
    assert!(
        at >= Duration::from_millis(1900) && at < Duration::from_millis(3500),
        "first reminder at {at:?}"
    );
    let text = first["blocks"].to_string();
    assert!(
        text.contains("INC-1 (P1)") && text.contains("<@UIC>"),
        "{text}"
    );
    assert!(text.contains("incident_snooze") && text.contains("incident_update_open"));
    // An update resets the schedule: no reminder for the next ~2 s.
    app.incident("update identified found it", "UIC", &room)
        .await;
    let n = reminders_in(&slack, &room).len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        reminders_in(&slack, &room).len(),
        n,
        "update moved the schedule"
    );
    eventually(WAIT, || async {
        (reminders_in(&slack, &room).len() > n).then_some(())
    })
    .await
    .expect("next reminder after the update");
    assert!(
        app.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'reminder'")
            .await
            >= 2
    );
}
on_both_stores!(
    cadence,
    a_reminder_after_one_cadence_and_not_before_and_an_update_resets_it
);

async fn escalation_at_2x_and_4x_mentions_the_right_people_once(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default()
            .env("INCIDENT_CADENCE_P0", "1s")
            .env("ESCALATION_USERS", "UESC1")
            .env("ESCALATION_USERGROUP", "SESC")
            .env("COMMANDER_USERS", "UCMD1"),
    )
    .await;
    slack.set_usergroup("SESC", &["UESC2"]);
    let room = declared(&app, "declare P0 nothing sends").await;
    eventually(WAIT, || async {
        (reminders_in(&slack, &room).len() >= 5).then_some(())
    })
    .await
    .expect("5 reminders");
    let posts = reminders_in(&slack, &room);
    let with = |u: &str| {
        posts
            .iter()
            .filter(|p| p.to_string().contains(&format!("<@{u}>")))
            .count()
    };
    assert_eq!(with("UESC1"), 1, "escalation engineers once");
    assert_eq!(with("UESC2"), 1, "group members too");
    assert_eq!(with("UCMD1"), 1, "commanders once");
    // The 2x step is the 2nd reminder, the 4x step the 4th.
    assert!(posts[1].to_string().contains("<@UESC1>"));
    assert!(posts[3].to_string().contains("<@UCMD1>"));
    // Escalations are also posted to the incidents channel itself (not in a thread).
    let top: Vec<Value> = reminders_in(&slack, INCIDENTS)
        .into_iter()
        .filter(|p| p.get("thread_ts").is_none())
        .collect();
    assert_eq!(top.len(), 2, "{top:?}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'escalation'")
            .await,
        2
    );
}
on_both_stores!(
    escalation,
    escalation_at_2x_and_4x_mentions_the_right_people_once
);

#[tokio::test]
async fn snooze_and_resolution_stop_reminders() {
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &TestDb::sqlite().await,
        &slack,
        AppOptions::default()
            .env("INCIDENT_CADENCE_P0", "1s")
            .env("INCIDENT_CADENCE_P1", "1s"),
    )
    .await;
    let p0 = declared(&app, "declare P0 snoozed one").await;
    // A P0 cannot be snoozed past 2 cadences.
    let v = app.incident("snooze 1h", "UIC", &p0).await;
    assert!(
        v["text"].as_str().unwrap().contains("at most 2 cadences"),
        "{v}"
    );
    let n = reminders_in(&slack, &p0).len();
    // Snoozed for 2 cadences: moved to just before that, the reminder worker fires nothing.
    let due = app
        .scalar("SELECT next_reminder_at FROM incidents WHERE id = 1")
        .await;
    let now = app.ctx.clock.now_ms();
    assert!(
        due >= now + 1500,
        "snoozed about 2 cadences: due in {} ms",
        due - now
    );
    app.ctx
        .clock
        .advance(Duration::from_millis((due - now - 200) as u64));
    assert_eq!(incident::reminder::run_once(&app.ctx).await.unwrap(), 0);
    app.drain_outbox().await;
    assert_eq!(reminders_in(&slack, &p0).len(), n, "snoozed");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'snoozed'")
            .await,
        1
    );
    // The "Snooze 15m" button on a P1.
    let p1 = declared(&app, "declare P1 snoozed by button").await;
    let click = serde_json::json!({"type": "block_actions", "user": {"id": "U9"}, "actions": [{"action_id": "incident_snooze", "value": "2:900"}]});
    app.interaction(&click).await;
    eventually(WAIT, || async {
        (app.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'snoozed' AND incident_id = 2")
            .await
            == 1)
            .then_some(())
    })
    .await
    .expect("button snooze");
    let n1 = reminders_in(&slack, &p1).len();
    // Resolved: no more reminders.
    app.incident("resolve done", "UIC", &p0).await;
    let n0 = reminders_in(&slack, &p0).len();
    // 2.5 cadences later, driven: the reminder worker fires nothing for either.
    app.ctx.clock.advance(Duration::from_millis(2500));
    assert_eq!(incident::reminder::run_once(&app.ctx).await.unwrap(), 0);
    app.drain_outbox().await;
    assert_eq!(
        reminders_in(&slack, &p0).len(),
        n0,
        "resolved incidents get no reminders"
    );
    assert_eq!(
        reminders_in(&slack, &p1).len(),
        n1,
        "snoozed for 15 minutes"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents WHERE id = 1 AND next_reminder_at IS NULL AND pm_due_at IS NOT NULL").await, 1);
}

async fn a_restart_after_missed_intervals_posts_once(db: TestDb) {
    let slack = FakeSlack::start().await;
    let opts = AppOptions::default().env("INCIDENT_CADENCE_P1", "1s");
    let app = spawn_app(&db, &slack, opts.clone()).await;
    let room = declared(&app, "declare P1 down during a redeploy").await;
    app.drain_outbox().await;
    app.kill();
    let before = reminders_in(&slack, &room).len();
    tokio::time::sleep(Duration::from_millis(4500)).await; // ~4 missed intervals
    let app2 = spawn_app(&db, &slack, opts).await;
    eventually(WAIT, || async {
        (reminders_in(&slack, &room).len() > before).then_some(())
    })
    .await
    .expect("catch-up");
    tokio::time::sleep(Duration::from_millis(500)).await;
    app2.drain_outbox().await;
    assert_eq!(
        reminders_in(&slack, &room).len(),
        before + 1,
        "one catch-up reminder, not one per missed interval"
    );
    // Then the cadence goes on.
    eventually(WAIT, || async {
        (reminders_in(&slack, &room).len() > before + 1).then_some(())
    })
    .await
    .expect("cadence resumes");
}
on_both_stores!(restart, a_restart_after_missed_intervals_posts_once);

/// Inserts `n` open P1 incidents with war rooms `CW<i>`, due at `due_ms`.
async fn seed(pool: &sqlx::AnyPool, n: i64, due_ms: i64, now_ms: i64) {
    for i in 1..=n {
        sqlx::query(
            "INSERT INTO incidents (id, title, severity, status, commander, declared_by, is_private, channel_id, started_at, last_update_at, next_reminder_at)
             VALUES ($1, $2, 'P1', 'investigating', 'UIC', 'UIC', 0, $3, $4, $4, $5)",
        )
        .bind(i)
        .bind(format!("seeded {i}"))
        .bind(format!("CW{i}"))
        .bind(now_ms)
        .bind(due_ms)
        .execute(pool)
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_post_each_reminder_exactly_once() {
    let db = TestDb::postgres().await;
    let slack = FakeSlack::start().await;
    let opts = AppOptions::default()
        .env("INCIDENT_CADENCE_P1", "1h")
        .env("INCIDENTS_CHANNEL", "");
    let a = spawn_app(&db, &slack, opts.clone()).await;
    let b = spawn_app(&db, &slack, opts).await;
    let now = a.ctx.clock.now_ms();
    seed(&a.ctx.store.pool, 60, now + 800, now).await;
    a.ctx.reminder_wake.notify_one();
    b.ctx.reminder_wake.notify_one();
    eventually(WAIT, || async {
        (a.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'reminder'")
            .await
            == 60)
            .then_some(())
    })
    .await
    .expect("60 reminders");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.drain_outbox().await;
    for i in 1..=60 {
        assert_eq!(
            reminders_in(&slack, &format!("CW{i}")).len(),
            1,
            "incident {i}"
        );
    }
    assert_eq!(
        a.scalar("SELECT COUNT(*) FROM timeline WHERE kind = 'reminder'")
            .await,
        60
    );
    assert_eq!(
        a.scalar("SELECT COUNT(*) FROM outbox WHERE method = 'chat.postMessage'")
            .await,
        60
    );
    drop(b);
}

async fn a_dead_instances_lease_is_taken_over_after_it_expires(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default()
            .env("INCIDENT_CADENCE_P1", "1h")
            .env("INCIDENTS_CHANNEL", ""),
    )
    .await;
    let now = app.ctx.clock.now_ms();
    // Seeded not yet due, then made due and leased in one statement: this app's worker cannot
    // fire it in between.
    seed(&app.ctx.store.pool, 1, now + 3_600_000, now).await;
    // Another replica claimed it and died: its lease runs 2 s more.
    sqlx::query("UPDATE incidents SET lease_token = 'dead-replica', lease_until = $1, next_reminder_at = $2 WHERE id = 1")
        .bind(now + 2000)
        .bind(now - 1000)
        .execute(&app.ctx.store.pool)
        .await
        .unwrap();
    app.ctx.reminder_wake.notify_one();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        reminders_in(&slack, "CW1").is_empty(),
        "not while the lease holds"
    );
    eventually(WAIT, || async {
        (reminders_in(&slack, "CW1").len() == 1).then_some(())
    })
    .await
    .expect("taken over");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents WHERE lease_token IS NULL")
            .await,
        1
    );
}
on_both_stores!(lease, a_dead_instances_lease_is_taken_over_after_it_expires);

async fn postmortem_reminders_follow_resolution_until_done(db: TestDb) {
    let slack = FakeSlack::start().await;
    // Due times far enough away that nothing comes due unless the test moves the clock.
    let app = spawn_app(
        &db,
        &slack,
        AppOptions::default()
            .env("POSTMORTEM_DRAFT_DUE", "1h")
            .env("POSTMORTEM_REVIEW_DUE", "2h"),
    )
    .await;
    let pm = |room: &str| -> Vec<String> {
        slack
            .posts_in(room)
            .into_iter()
            .filter_map(|p| p["text"].as_str().map(String::from))
            .filter(|t| t.contains("post-mortem") && t.contains("is due"))
            .collect()
    };
    // One reminder step: the reminder worker runs (the app's own loop may take the row first;
    // the lease makes it fire once either way), then the outbox delivers.
    let step = |want: usize, room: String| {
        let app = &app;
        let pm = &pm;
        async move {
            eventually(WAIT, || async {
                incident::reminder::run_once(&app.ctx)
                    .await
                    .expect("reminder step");
                app.drain_outbox().await;
                (pm(&room).len() >= want).then(|| pm(&room))
            })
            .await
        }
    };
    // P1: the draft reminder an hour after resolution, the review reminder at two hours, then
    // nothing more.
    let room = declared(&app, "declare P1 needs a post-mortem").await;
    app.incident("resolve fixed it", "UIC", &room).await;
    app.settle().await;
    incident::reminder::run_once(&app.ctx).await.unwrap();
    app.drain_outbox().await;
    assert!(
        pm(&room).is_empty(),
        "nothing before it is due: {:?}",
        pm(&room)
    );
    app.ctx.clock.advance(Duration::from_secs(3601));
    let got = step(1, room.clone()).await.expect("the draft reminder");
    assert!(got[0].contains("draft is due"), "{got:?}");
    app.ctx.clock.advance(Duration::from_secs(3600));
    let got = step(2, room.clone()).await.expect("the review reminder");
    assert!(got[1].contains("review is due"), "{got:?}");
    app.ctx.clock.advance(Duration::from_secs(10 * 3600));
    incident::reminder::run_once(&app.ctx).await.unwrap();
    app.settle().await;
    assert_eq!(pm(&room).len(), 2, "each once: {:?}", pm(&room));
    // `postmortem done` before they come due: none.
    let room2 = declared(&app, "declare P0 done quickly").await;
    app.incident("resolve fixed", "UIC", &room2).await;
    app.incident("postmortem done", "UIC", &room2).await;
    app.ctx.clock.advance(Duration::from_secs(3 * 3600));
    incident::reminder::run_once(&app.ctx).await.unwrap();
    app.settle().await;
    assert!(pm(&room2).is_empty(), "{:?}", pm(&room2));
    // P2 gets none.
    let p2 = app
        .incident("declare P2 minor thing", "UIC", "CORIGIN")
        .await;
    assert!(p2["text"].as_str().unwrap().contains("INC-3"));
    app.incident("resolve INC-3 fine", "UIC", "CX").await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents WHERE id = 3 AND pm_due_at IS NULL")
            .await,
        1
    );
}
on_both_stores!(
    postmortem,
    postmortem_reminders_follow_resolution_until_done
);
