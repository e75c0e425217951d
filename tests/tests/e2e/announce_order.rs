//! Incidents declared around a crash are announced in the incidents channel in incident-number
//! order, even when their declaration jobs commit out of order (#25): each declaration reserves
//! its announcement's place in the channel, its job fills it. A place held too long
//! (`RESERVED_WAIT_MS`) stops holding the channel, and a job that failed for good gives it up.
//! Driven step by step (`jobs::run_job`, `outbox::run_once`), no worker running; the crash is
//! the first process dropped with jobs still owed, a second one finishing them.

use std::sync::Arc;
use std::time::Duration;

use chatops_core::ids::{ChannelId, IncidentId, IncidentTitle, UserId};
use chatops_core::outbox::RESERVED_WAIT_MS;
use chatops_core::Ctx;
use incident::declare::{create_incident, declaration_failed, Declaration};
use incident::Severity;
use sqlx::Row;
use testkit::app::INCIDENTS;
use testkit::*;

async fn declare(ctx: &Ctx, n: i64) -> IncidentId {
    // P2 opens a war room (the announcement may be combined); P3 posts only here.
    let severity = if n % 2 == 0 {
        Severity::P2
    } else {
        Severity::P3
    };
    let d = Declaration {
        actor: UserId::new("UDECL"),
        origin_channel: ChannelId::new("CORIGIN"),
        severity,
        title: IncidentTitle::parse(&format!("outage part {n}")).unwrap(),
        impact: None,
        commander: None,
        private: false,
        affects: Vec::new(),
        drill: false,
        drill_pages: false,
    };
    let id = create_incident(ctx, &d, None).await.unwrap();
    assert_eq!(id.0, n);
    id
}

async fn run_declaration(ctx: &Arc<Ctx>, incident: i64) {
    let job: i64 = sqlx::query(
        "SELECT id FROM jobs WHERE kind = 'declaration' AND state = 'pending' AND payload LIKE $1",
    )
    .bind(format!("%\"incident\":{incident}%"))
    .fetch_one(&ctx.store.pool)
    .await
    .unwrap()
    .get(0);
    chatops_core::jobs::run_job(ctx, job).await.unwrap();
}

/// Delivers what can go out now (a few steps of a second each, far below the reservation's
/// wait).
async fn deliver(ctx: &Ctx) {
    for _ in 0..8 {
        chatops_core::outbox::run_once(ctx).await.unwrap();
        ctx.clock.advance(Duration::from_millis(1100));
    }
}

/// The incident numbers the incidents channel announced, in the order read there.
fn announced(slack: &FakeSlack) -> Vec<i64> {
    let mut out = Vec::new();
    for p in slack.posts_in(INCIDENTS) {
        let text = p["text"].as_str().unwrap_or_default().to_string();
        for part in text.split("INC-").skip(1) {
            let n: String = part.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = n.parse::<i64>() {
                if out.last() != Some(&n) {
                    out.push(n);
                }
            }
        }
    }
    out
}

async fn announced_in_number_order_across_a_crash(db: TestDb) {
    let slack = FakeSlack::start().await;
    let first = worker_ctx(&db, &slack, AppOptions::default()).await;
    for n in 1..=5 {
        declare(&first, n).await;
    }
    // The jobs of INC-5 and INC-3 finish first.
    run_declaration(&first, 5).await;
    run_declaration(&first, 3).await;
    deliver(&first).await;
    assert_eq!(announced(&slack), Vec::<i64>::new(), "INC-1 is owed first");
    // The process dies with INC-1, 2 and 4 still owed; another one takes over.
    drop(first);
    let second = worker_ctx(&db, &slack, AppOptions::default()).await;
    run_declaration(&second, 4).await;
    deliver(&second).await;
    assert_eq!(announced(&slack), Vec::<i64>::new());
    run_declaration(&second, 1).await;
    deliver(&second).await;
    assert_eq!(announced(&slack), vec![1]);
    run_declaration(&second, 2).await;
    deliver(&second).await;
    assert_eq!(announced(&slack), vec![1, 2, 3, 4, 5]);
    let left: i64 = sqlx::query("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
        .fetch_one(&second.store.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "nothing owed, nothing reserved");
}
on_both_stores!(across_a_crash, announced_in_number_order_across_a_crash);

/// INC-1's job never comes back in time: INC-2 and INC-3 wait no longer than the reservation
/// holds, and INC-1 goes out when its job finally runs. A job that failed for good gives its
/// place up at once.
async fn a_missing_announcement_holds_the_channel_for_a_bounded_time(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    for n in 1..=3 {
        declare(&ctx, n).await;
    }
    run_declaration(&ctx, 3).await;
    run_declaration(&ctx, 2).await;
    deliver(&ctx).await;
    assert_eq!(announced(&slack), Vec::<i64>::new());
    ctx.clock
        .advance(Duration::from_millis(RESERVED_WAIT_MS as u64));
    deliver(&ctx).await;
    assert_eq!(announced(&slack), vec![2, 3]);
    run_declaration(&ctx, 1).await;
    deliver(&ctx).await;
    assert_eq!(
        announced(&slack),
        vec![2, 3, 1],
        "late, but not lost or doubled"
    );

    // INC-4's job fails for good: INC-5 goes out without waiting, after the failure notice.
    declare(&ctx, 4).await;
    declare(&ctx, 5).await;
    run_declaration(&ctx, 5).await;
    deliver(&ctx).await;
    assert_eq!(announced(&slack), vec![2, 3, 1]);
    let mut tx = ctx.store.begin().await.unwrap();
    declaration_failed(&ctx, &mut tx, IncidentId(4), 5, ctx.clock.now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    deliver(&ctx).await;
    assert_eq!(announced(&slack), vec![2, 3, 1, 5, 4]);
}
on_both_stores!(
    bounded_wait,
    a_missing_announcement_holds_the_channel_for_a_bounded_time
);
