//! Rows already in the store when the job registry replaced the `Job` enum keep working: a
//! rolling deploy with jobs in flight loses nothing. Each row here is written by hand exactly
//! as the release with the enum wrote it (internally tagged: the payload's fields and `kind`),
//! then run by the new worker.

use chatops_core::ids::IncidentTitle;
use chatops_core::jobs;
use chatops_core::Ctx;
use incident::declare::{create_incident, Declaration};
use incident::Severity;
use serde_json::json;
use sqlx::Row;
use testkit::app::INCIDENTS;
use testkit::*;

async fn state_of(ctx: &Ctx, id: i64) -> (String, Option<String>) {
    let r = sqlx::query("SELECT state, last_error FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap();
    (r.get(0), r.get(1))
}

/// Writes a pending job row as the release before the registry did.
async fn old_row(ctx: &Ctx, kind: &str, payload: serde_json::Value) -> i64 {
    let now = ctx.clock.now_ms();
    sqlx::query(
        "INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, progress, created_at)
         VALUES ($1, $2, 'pending', $3, 0, 5, '{}', $3) RETURNING id",
    )
    .bind(kind)
    .bind(payload.to_string())
    .bind(now)
    .fetch_one(&ctx.store.pool)
    .await
    .unwrap()
    .get::<i64, _>(0)
}

async fn a_declaration_row_of_the_old_format_gets_its_war_room_and_answer(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let d = Declaration {
        actor: "UDECL".into(),
        origin_channel: "CORIGIN".into(),
        severity: Severity::P1,
        title: IncidentTitle::parse("checkout is failing").unwrap(),
        impact: None,
        commander: None,
        private: false,
        affects: Vec::new(),
        drill: false,
        drill_pages: false,
    };
    let id = create_incident(&ctx, &d, None).await.unwrap().0;
    // The declaration's row as the old release wrote it, with the declarer answered by DM.
    sqlx::query("DELETE FROM jobs")
        .execute(&ctx.store.pool)
        .await
        .unwrap();
    let old =
        json!({"kind": "declaration", "incident": id, "reply": {"via": "dm", "user": "UDECL"}});
    let job = old_row(&ctx, "declaration", old).await;
    let ran = jobs::run_once(&ctx).await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(
        (ran[0].kind.as_str(), ran[0].outcome),
        ("declaration", "done")
    );
    assert_eq!(state_of(&ctx, job).await.0, "done");
    while chatops_core::outbox::run_once(&ctx).await.unwrap() > 0 {}
    assert_eq!(
        slack.calls_to("conversations.create").len(),
        1,
        "one war room"
    );
    let announced = slack.posts_in(INCIDENTS);
    assert!(
        announced.iter().any(|p| p["text"]
            .as_str()
            .unwrap_or("")
            .contains("checkout is failing")),
        "announced: {announced:?}"
    );
    let dm = slack.posts_in("UDECL");
    assert_eq!(dm.len(), 1, "the declarer is answered once by DM: {dm:?}");
}

async fn a_row_of_a_kind_this_release_does_not_know_waits_instead_of_failing(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    // Written by a newer release during a rolling deploy.
    let job = old_row(
        &ctx,
        "status_page_publish",
        json!({"kind": "status_page_publish"}),
    )
    .await;
    let ran = jobs::run_once(&ctx).await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].outcome, "retry");
    let (state, error) = state_of(&ctx, job).await;
    assert_eq!(state, "pending", "left for a process that knows the kind");
    assert!(
        error.unwrap_or_default().contains("status_page_publish"),
        "the reason names the kind"
    );
    assert!(slack.posts_in(INCIDENTS).is_empty(), "nothing posted");
}

async fn an_unreadable_payload_fails_for_good_and_says_why(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let job = old_row(&ctx, "declaration", json!({"kind": "declaration"})).await;
    let ran = jobs::run_once(&ctx).await.unwrap();
    assert_eq!(ran[0].outcome, "failed");
    let (state, error) = state_of(&ctx, job).await;
    assert_eq!(state, "failed");
    assert!(
        error.unwrap_or_default().contains("unreadable payload"),
        "the reason is kept"
    );
}

on_both_stores!(
    declaration_row_of_the_old_format,
    a_declaration_row_of_the_old_format_gets_its_war_room_and_answer
);
on_both_stores!(
    unknown_kind_waits,
    a_row_of_a_kind_this_release_does_not_know_waits_instead_of_failing
);
on_both_stores!(
    unreadable_payload_fails,
    an_unreadable_payload_fails_for_good_and_says_why
);
