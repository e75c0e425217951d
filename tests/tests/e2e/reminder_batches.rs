//! The reminder worker driven one step at a time (`incident::reminder::run_once`), with no
//! background workers running: batches larger than one transaction's chunk, leases held by
//! another replica, rows that must not fire. What is checked is what the store holds afterwards
//! (timeline, outbox posts, next due times, leases).

use std::sync::Arc;

use incident::reminder::{run_once, FIRE_CHUNK};
use testkit::app::SECRET;
use testkit::*;

/// The application's context, built but not run: no worker runs unless the test drives it.
async fn ctx(db: &TestDb) -> Arc<chatops_core::Ctx> {
    let pairs: Vec<(&str, &str)> = vec![
        ("SLACK_SIGNING_SECRET", SECRET),
        ("SLACK_BOT_TOKEN", "xoxb-test-token"),
        ("SLACK_API_URL", "http://127.0.0.1:9/api"),
        ("BIND_ADDR", "127.0.0.1"),
        ("PORT", "0"),
        ("DATABASE_URL", &db.url),
        ("INCIDENTS_CHANNEL", ""),
        ("INCIDENT_CADENCE_P1", "1h"),
    ];
    let config = bot::Settings::from_pairs(&pairs).expect("test config");
    let app = bot::Application::build(config, chatops_core::Clock::system())
        .await
        .expect("app builds");
    app.ctx()
}

async fn scalar(ctx: &chatops_core::Ctx, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
}

/// Inserts open P1 incidents `from..=to` with war rooms `CW<i>`, due at `due_ms`.
async fn seed(ctx: &chatops_core::Ctx, from: i64, to: i64, status: &str, due_ms: i64, now_ms: i64) {
    for i in from..=to {
        sqlx::query(
            "INSERT INTO incidents (id, title, severity, status, commander, declared_by, is_private, channel_id, started_at, last_update_at, next_reminder_at)
             VALUES ($1, $2, 'P1', $3, 'UIC', 'UIC', 0, $4, $5, $5, $6)",
        )
        .bind(i)
        .bind(format!("seeded {i}"))
        .bind(status)
        .bind(format!("CW{i}"))
        .bind(now_ms)
        .bind(due_ms)
        .execute(&ctx.store.pool)
        .await
        .unwrap();
    }
}

async fn several_chunks_fire_each_reminder_once_and_move_every_schedule(db: TestDb) {
    let ctx = ctx(&db).await;
    let now = ctx.clock.now_ms();
    let due = (FIRE_CHUNK * 2 + 7) as i64;
    seed(&ctx, 1, due, "investigating", now - 1_000, now - 60_000).await;
    seed(&ctx, due + 1, due + 5, "investigating", now + 600_000, now).await;

    assert_eq!(run_once(&ctx).await.unwrap(), due as usize);

    assert_eq!(
        scalar(
            &ctx,
            "SELECT COUNT(DISTINCT incident_id) FROM timeline WHERE kind = 'reminder'"
        )
        .await,
        due
    );
    assert_eq!(
        scalar(
            &ctx,
            "SELECT COUNT(*) FROM timeline WHERE kind = 'reminder'"
        )
        .await,
        due
    );
    let posts: Vec<String> = sqlx::query_scalar(
        "SELECT channel FROM outbox WHERE method = 'chat.postMessage' ORDER BY channel",
    )
    .fetch_all(&ctx.store.pool)
    .await
    .unwrap();
    let mut expected: Vec<String> = (1..=due).map(|i| format!("CW{i}")).collect();
    expected.sort();
    assert_eq!(posts, expected, "one reminder post in each due war room");
    // Each fired incident is due again one cadence (1 h) later, without a lease; the others
    // are untouched.
    assert_eq!(
        scalar(
            &ctx,
            &format!(
                "SELECT COUNT(*) FROM incidents WHERE id <= {due} AND next_reminder_at >= {}
                   AND reminder_count = 1 AND lease_token IS NULL",
                now + 3_600_000
            )
        )
        .await,
        due
    );
    assert_eq!(
        scalar(
            &ctx,
            &format!(
                "SELECT COUNT(*) FROM incidents WHERE id > {due} AND next_reminder_at = {} AND reminder_count = 0",
                now + 600_000
            )
        )
        .await,
        5
    );
    // Nothing is due any more.
    assert_eq!(run_once(&ctx).await.unwrap(), 0);
    assert_eq!(
        scalar(&ctx, "SELECT COUNT(*) FROM outbox").await,
        due,
        "no second post"
    );
}
on_both_stores!(
    chunks,
    several_chunks_fire_each_reminder_once_and_move_every_schedule
);

async fn a_row_leased_by_another_replica_waits_for_its_lease(db: TestDb) {
    let ctx = ctx(&db).await;
    let now = ctx.clock.now_ms();
    seed(&ctx, 1, 3, "investigating", now - 1_000, now - 60_000).await;
    sqlx::query(
        "UPDATE incidents SET lease_token = 'other-replica', lease_until = $1 WHERE id = 2",
    )
    .bind(now + 30_000)
    .execute(&ctx.store.pool)
    .await
    .unwrap();

    assert_eq!(run_once(&ctx).await.unwrap(), 2);
    assert_eq!(
        scalar(&ctx, "SELECT COUNT(*) FROM timeline WHERE incident_id = 2").await,
        0,
        "the other replica's row is not fired"
    );
    assert_eq!(
        scalar(
            &ctx,
            "SELECT COUNT(*) FROM incidents WHERE id = 2 AND lease_token = 'other-replica'"
        )
        .await,
        1,
        "nor its lease taken"
    );

    // The other replica died: once its lease has run out the row fires, once.
    sqlx::query("UPDATE incidents SET lease_until = $1 WHERE id = 2")
        .bind(now - 1)
        .execute(&ctx.store.pool)
        .await
        .unwrap();
    assert_eq!(run_once(&ctx).await.unwrap(), 1);
    assert_eq!(run_once(&ctx).await.unwrap(), 0);
    assert_eq!(
        scalar(&ctx, "SELECT COUNT(*) FROM outbox WHERE channel = 'CW2'").await,
        1
    );
    assert_eq!(
        scalar(
            &ctx,
            "SELECT COUNT(*) FROM incidents WHERE lease_token IS NOT NULL"
        )
        .await,
        0
    );
}
on_both_stores!(leased, a_row_leased_by_another_replica_waits_for_its_lease);

async fn a_resolved_incident_with_a_stale_due_time_is_not_reminded(db: TestDb) {
    let ctx = ctx(&db).await;
    let now = ctx.clock.now_ms();
    seed(&ctx, 1, 1, "resolved", now - 1_000, now - 60_000).await;
    seed(&ctx, 2, 2, "investigating", now - 1_000, now - 60_000).await;

    assert_eq!(run_once(&ctx).await.unwrap(), 1);
    assert_eq!(
        scalar(&ctx, "SELECT COUNT(*) FROM outbox WHERE channel = 'CW1'").await,
        0,
        "nothing posted for the resolved incident"
    );
    assert_eq!(
        scalar(&ctx, "SELECT COUNT(*) FROM outbox WHERE channel = 'CW2'").await,
        1
    );
    assert_eq!(
        scalar(
            &ctx,
            "SELECT COUNT(*) FROM incidents WHERE lease_token IS NOT NULL"
        )
        .await,
        0,
        "its lease is given back, not left to expire"
    );
}
on_both_stores!(
    resolved,
    a_resolved_incident_with_a_stale_due_time_is_not_reminded
);
