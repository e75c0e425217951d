//! `/incident stats` on a seeded store with answers worked out by hand, the chart (a PNG of the
//! expected size, uploaded with files v2), and the weekly digest posted once by two replicas.

use std::time::Duration;

use serde_json::Value;
use testkit::app::INCIDENTS;
use testkit::*;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn exec(app_pool: &sqlx::AnyPool, sql: &str) {
    sqlx::query(sql).execute(app_pool).await.unwrap();
}

/// Five incidents (one outside 30 days), their timelines, post-mortems and alert notifications.
///
/// | id | sev | started     | first human response          | resolved after | post-mortem |
/// |----|-----|-------------|-------------------------------|----------------|-------------|
/// | 1  | P1  | now − 10 d  | responder +5 m (U1)           | 60 m           | done        |
/// | 2  | P2  | now − 9 d   | acked_at +10 m (paging), update +15 m | 120 m  | due         |
/// | 3  | P1  | now − 3 d   | bot reminder +10 m, role +30 m| 30 m           | overdue     |
/// | 4  | P0  | now − 1 d   | none                          | open           | –           |
/// | 5  | P3  | now − 40 d  | update +1 m                   | 10 m           | –           |
///
/// In 30 days: time to acknowledge 5 m, 10 m (`acked_at` wins), 30 m → median 10 m, p90 30 m;
/// time to resolve 60 m, 120 m, 30 m → sorted 30, 60, 120 → median 1 h, p90 2 h (3 resolved).
/// Cadence: INC-1 declared, update (on time), reminder, update (late), update (on time);
/// INC-2 update (on time); INC-3 reminder, escalation → on time 3, lapsed 2 → 60 %;
/// reminders 2, escalations 1.
async fn seed(pool: &sqlx::AnyPool, now: i64) {
    let inc = |id: i64,
               sev: &str,
               start: i64,
               resolved: Option<i64>,
               pm: (i64, Option<i64>, i64)| {
        format!(
            "INSERT INTO incidents (id, title, severity, status, declared_by, started_at, last_update_at, resolved_at, pm_done, pm_due_at, pm_stage)
             VALUES ({id}, 'Incident {id}', '{sev}', '{}', 'U0', {start}, {start}, {}, {}, {}, {})",
            if resolved.is_some() { "resolved" } else { "investigating" },
            resolved.map(|r| r.to_string()).unwrap_or("NULL".into()),
            pm.0,
            pm.1.map(|r| r.to_string()).unwrap_or("NULL".into()),
            pm.2
        )
    };
    let (s1, s2, s3, s4, s5) = (
        now - 10 * DAY,
        now - 9 * DAY,
        now - 3 * DAY,
        now - DAY,
        now - 40 * DAY,
    );
    exec(pool, &inc(1, "P1", s1, Some(s1 + 60 * MIN), (1, None, 0))).await;
    exec(
        pool,
        &inc(2, "P2", s2, Some(s2 + 120 * MIN), (0, Some(now + DAY), 0)),
    )
    .await;
    exec(
        pool,
        &inc(3, "P1", s3, Some(s3 + 30 * MIN), (0, Some(now + DAY), 1)),
    )
    .await;
    exec(pool, &inc(4, "P0", s4, None, (0, None, 0))).await;
    exec(pool, &inc(5, "P3", s5, Some(s5 + 10 * MIN), (0, None, 0))).await;
    // Acknowledged through paging (#15): `acked_at` counts, not the later update.
    let acked = format!(
        "UPDATE incidents SET acked_at = {}, acked_by = 'U2' WHERE id = 2",
        s2 + 10 * MIN
    );
    exec(pool, &acked).await;
    let ev = |inc: i64, at: i64, actor: &str, kind: &str| {
        format!("INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES ({inc}, {at}, '{actor}', '{kind}', '')")
    };
    for (i, at, actor, kind) in [
        (1, s1, "U0", "declared"),
        (1, s1 + 5 * MIN, "U1", "responder"),
        (1, s1 + 10 * MIN, "U1", "update"),
        (1, s1 + 30 * MIN, "chatops", "reminder"),
        (1, s1 + 35 * MIN, "U1", "update"),
        (1, s1 + 50 * MIN, "U1", "update"),
        (2, s2, "U0", "declared"),
        (2, s2 + 15 * MIN, "U2", "update"),
        (3, s3, "U0", "declared"),
        (3, s3 + 10 * MIN, "chatops", "reminder"),
        (3, s3 + 20 * MIN, "chatops", "escalation"),
        (3, s3 + 30 * MIN, "U3", "role"),
        (4, s4, "U0", "declared"),
        (5, s5, "U0", "declared"),
        (5, s5 + MIN, "U5", "update"),
    ] {
        exec(pool, &ev(i, at, actor, kind)).await;
    }
    // Alert notifications: DiskFull 3 times, ApiDown once (and one 40 days ago, outside).
    for (id, title) in [(1, "DiskFull"), (2, "ApiDown")] {
        exec(pool, &format!(
            "INSERT INTO alert_groups (id, source, group_key, channel, title, labels, status, created_at, updated_at)
             VALUES ({id}, 'alertmanager', 'k{id}', 'C1', '{title}', '{{}}', 'firing', {now}, {now})"
        ))
        .await;
    }
    for (g, at) in [
        (1, now - DAY),
        (1, now - 2 * DAY),
        (1, now - 3 * DAY),
        (2, now - DAY),
        (2, now - 40 * DAY),
    ] {
        exec(pool, &format!("INSERT INTO alert_notifications (group_id, at, status, firing) VALUES ({g}, {at}, 'firing', 1)")).await;
    }
}

fn text_of(v: &Value) -> String {
    format!("{}{}", v["text"].as_str().unwrap_or(""), v["blocks"])
}

async fn stats_on_a_seeded_store_match_the_hand_computed_answers(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    // Empty: said so, no chart.
    let r = app.incident("stats", "U1", "COPS").await;
    assert!(
        text_of(&r).contains("No incidents in the last 30 days"),
        "{r}"
    );
    seed(&app.ctx.store.pool, now_ms()).await;
    // The figures, by hand (see `seed`).
    let s = stats::compute(&app.ctx.store.pool, 30, now_ms())
        .await
        .unwrap();
    let v = &s.view;
    assert_eq!((v.total, v.by_severity, v.open), (4, [1, 2, 1, 0], 1));
    assert_eq!(
        (v.tta.median, v.tta.p90, v.tta.n),
        (Some(10 * 60), Some(30 * 60), 3)
    );
    assert_eq!(
        (v.ttr.median, v.ttr.p90, v.ttr.n),
        (Some(3600), Some(7200), 3)
    );
    assert_eq!(
        (v.on_time, v.lapsed, v.reminders, v.escalations),
        (3, 2, 2, 1)
    );
    assert_eq!((v.pm_done, v.pm_due, v.pm_overdue), (1, 1, 1));
    let noisy: Vec<(String, i64)> = v
        .noisiest
        .iter()
        .map(|n| (n.title.clone(), n.notifications))
        .collect();
    assert_eq!(
        noisy,
        [("DiskFull".to_string(), 3), ("ApiDown".to_string(), 1)]
    );
    assert_eq!(v.longest.first().map(|l| (l.id, l.open)), Some((4, true)));
    assert_eq!(s.weeks.len(), 5);
    assert_eq!(
        s.weeks
            .iter()
            .map(|w| w.counts.iter().sum::<i64>())
            .sum::<i64>(),
        4
    );
}
on_both_stores!(
    figures,
    stats_on_a_seeded_store_match_the_hand_computed_answers
);

async fn the_stats_command_answers_in_the_channel_with_a_chart(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    seed(&app.ctx.store.pool, now_ms()).await;
    // The command: Block Kit for the channel, the chart uploaded to it.
    let r = app.incident("stats 30d", "U1", "COPS").await;
    assert_eq!(r["response_type"], "in_channel", "{r}");
    let t = text_of(&r);
    for want in [
        "*4* incidents (1 still open)",
        "P0: *1* · P1: *2* · P2: *1* · P3: *0*",
        "median 10m · p90 30m (3 incidents)",
        "median 1h 00m · p90 2h 00m (3 resolved)",
        "60% of 5 cadence intervals",
        "2 · 1",
        "1 done · 1 due · 1 overdue",
        "alertmanager · DiskFull — 3",
        "*INC-4* P0",
    ] {
        assert!(t.contains(want), "{want} in {t}");
    }
    app.drain_outbox().await;
    let uploads = slack.uploads();
    assert_eq!(uploads.len(), 1);
    let png = &uploads[0].1;
    let info = png::Decoder::new(std::io::Cursor::new(png.clone()))
        .read_info()
        .expect("a valid PNG");
    assert_eq!((info.info().width, info.info().height), (960, 600));
    let done = slack.calls_to("files.completeUploadExternal");
    assert_eq!(done[0].body["channel_id"], "COPS");
    // Screen readers get the chart's description (`alt_txt` of the upload).
    let asked = slack.calls_to("files.getUploadURLExternal");
    assert_eq!(
        asked[0].body["alt_txt"],
        "Chart of the last 30 days (4 incidents): incidents per week by severity, and the median time to resolve per week in hours"
    );
    // 90 days includes INC-5; a bad range is usage help.
    let r = app.incident("stats 90d", "U1", "COPS").await;
    assert!(text_of(&r).contains("*5* incidents"), "{r}");
    let r = app.incident("stats 5d", "U1", "COPS").await;
    assert!(text_of(&r).contains("stats [7d|30d|90d]"), "{r}");
    assert_eq!(r["response_type"], "ephemeral");
}
on_both_stores!(
    stats_command,
    the_stats_command_answers_in_the_channel_with_a_chart
);

/// `STATS_DIGEST` set to a minute ago (UTC weekday and time), so it is due now.
fn digest_due_now() -> String {
    let t = now_ms() / 1000 - 60;
    let days = t.div_euclid(86_400);
    let day = ["thu", "fri", "sat", "sun", "mon", "tue", "wed"][days.rem_euclid(7) as usize];
    let s = t.rem_euclid(86_400);
    format!("{day} {:02}:{:02}", s / 3600, (s % 3600) / 60)
}

async fn the_digest_is_posted_once_across_two_replicas(db: TestDb) {
    let slack = FakeSlack::start().await;
    let opts = AppOptions::default()
        .env("STATS_DIGEST", &digest_due_now())
        .env("ONCALL_TZ", "UTC");
    let a = worker_ctx(&db, &slack, opts.clone()).await;
    let b = worker_ctx(&db, &slack, opts).await;
    seed(&a.store.pool, now_ms()).await;
    let (ra, rb) = tokio::join!(stats::digest::run_once(&a), stats::digest::run_once(&b));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra ^ rb, "exactly one replica posts: {ra} {rb}");
    // Later checks the same week: nothing more.
    assert!(!stats::digest::run_once(&a).await.unwrap());
    assert!(!stats::digest::run_once(&b).await.unwrap());
    for _ in 0..5 {
        chatops_core::outbox::run_once(&a).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let posts: Vec<Value> = slack
        .posts_in(INCIDENTS)
        .into_iter()
        .filter(|p| text_of(p).contains("Weekly incident digest"))
        .collect();
    assert_eq!(posts.len(), 1);
    assert!(text_of(&posts[0]).contains("last 7 days"));
    // The chart in the digest's thread.
    let done = slack.calls_to("files.completeUploadExternal");
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].body["channel_id"], INCIDENTS);
    assert!(
        done[0].body["thread_ts"].as_str().is_some(),
        "{:?}",
        done[0].body
    );
}
on_both_stores!(digest, the_digest_is_posted_once_across_two_replicas);

/// In a channel the bot is not in, the figures still answer there (the command's reply needs
/// no membership) and the chart, which Slack shares only where the bot is a member, goes to
/// the DM of the person who asked, saying why.
async fn the_chart_goes_to_the_requesters_dm_where_the_bot_is_not(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, AppOptions::default()).await;
    seed(&app.ctx.store.pool, now_ms()).await;
    slack.bot_not_in("CELSEWHERE");
    let r = app.incident("stats 30d", "U1", "CELSEWHERE").await;
    assert_eq!(r["response_type"], "in_channel", "{r}");
    app.drain_outbox().await;
    let done = slack.calls_to("files.completeUploadExternal");
    let shared: Vec<&Value> = done.iter().map(|c| &c.body["channel_id"]).collect();
    assert_eq!(shared, ["CELSEWHERE", "DU1"], "{shared:?}");
    let file = done[1].body["files"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(slack.file_channels(&file), ["DU1"]);
    let comment = done[1].body["initial_comment"].as_str().unwrap_or_default();
    assert!(
        comment.contains("I am not a member of <#CELSEWHERE>"),
        "{comment}"
    );
    assert!(slack.calls_to("files.getUploadURLExternal")[1].body["alt_txt"].is_string());
    let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(failed, 0);
}

on_both_stores!(
    chart_outside,
    the_chart_goes_to_the_requesters_dm_where_the_bot_is_not
);
