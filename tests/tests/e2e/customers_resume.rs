//! A bot that dies in the middle of a customer notice, the call to Evolution in flight: the
//! next process resumes from the store, never sends that doctor (or anyone) the notice again,
//! and says how many were cut short.

use std::time::Duration;

use testkit::app::worker_ctx;
use testkit::customers_kit::{CLEAR, HELD, NEVER};
use testkit::harness::*;
use testkit::incident_kit::declare;
use testkit::wait::eventually;
use testkit::*;

use crate::customers::{click_in, customers_app, message_with};

async fn recipient_states(pool: &sqlx::AnyPool) -> Vec<String> {
    sqlx::query_scalar("SELECT state FROM customer_recipients ORDER BY seq")
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn a_crash_mid_send_resumes_without_sending_anyone_twice(db: TestDb) {
    let h = customers_app(db, &[]).await;
    let room = declare(
        &h.app,
        "declare P1 --affects julia-whatsapp:major Julia silent",
        "UDECL",
    )
    .await
    .unwrap();
    h.app.incident("notify-customers", "UDECL", &room).await;
    let prompt = message_with(&h, &room, "tell the customers").await;
    let value = button_value(&prompt, "customers_send").unwrap();
    let c = click_in(&h, &room, "customers_send", &value, "UDECL").await;
    let token = button_value(&c, "customers_confirm").unwrap();
    click_in(&h, &room, "customers_confirm", &token, "UDECL").await;
    message_with(&h, &room, "sent 1 / 3").await;

    // The second call never answers; the app's own worker makes it when it is due.
    h.evo().hang_number(Some(CLEAR[1]));
    h.app.ctx.clock.advance(Duration::from_secs(3));
    h.app.ctx.jobs_wake.notify_one();
    eventually(Duration::from_secs(10), || async {
        (h.evo().send_calls_to(CLEAR[1]) == 1).then_some(())
    })
    .await
    .expect("the second call in flight");
    assert_eq!(
        recipient_states(&h.app.ctx.store.pool).await,
        vec!["sent", "sending", "pending"],
        "recorded before the call"
    );
    // The process dies mid-call: server, workers and the call with them.
    h.app.abort();
    h.evo().hang_number(None);

    // A new process on the same store, once the dead one's lease has run out.
    let ctx = worker_ctx(&h.store, &h.slack, h.options()).await;
    ctx.clock.advance(Duration::from_secs(3 + 61));
    for _ in 0..3 {
        chatops_core::jobs::run_once(&ctx).await.unwrap();
        ctx.clock.advance(Duration::from_secs(3));
    }
    chatops_core::outbox::run_once(&ctx).await.unwrap();
    chatops_core::outbox::run_once(&ctx).await.unwrap();
    assert_eq!(
        recipient_states(&ctx.store.pool).await,
        vec!["sent", "uncertain", "sent"]
    );
    // Nobody twice: the doctor whose call was cut short is not sent it again.
    assert_eq!(h.evo().send_calls_to(CLEAR[0]), 1);
    assert_eq!(h.evo().send_calls_to(CLEAR[1]), 1);
    assert!(h.evo().sent_to(CLEAR[1]).is_empty());
    assert_eq!(h.evo().send_calls_to(CLEAR[2]), 1);
    for n in HELD.iter().chain(NEVER) {
        assert_eq!(h.evo().send_calls_to(n), 0, "{n}");
    }
    let done = eventually(Duration::from_secs(10), || async {
        chatops_core::outbox::run_once(&ctx).await.unwrap();
        h.slack
            .messages_in(&room)
            .into_iter()
            .find(|m| text_of(m).contains("finished"))
    })
    .await
    .expect("the progress message says it finished");
    let t = text_of(&done);
    assert!(t.contains("sent 2 / 3, 0 failed, 1 not confirmed"), "{t}");
}
on_both_stores!(
    crash_mid_send_resumes_without_duplicates,
    a_crash_mid_send_resumes_without_sending_anyone_twice
);
