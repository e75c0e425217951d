//! When the customer notice sends nothing, and says why: WhatsApp not connected, a drill, a
//! recipient query that times out, a role that cannot see Julia's rows.

use std::time::Duration;

use testkit::customers_kit::seed_doctors;
use testkit::harness::*;
use testkit::incident_kit::{components_file, declare};
use testkit::julia_db::HIDDEN_ROLE;
use testkit::*;

use crate::customers::{click_in, customers_app, message_with, step};

async fn whatsapp_not_open_sends_nothing(db: TestDb) {
    let h = customers_app(db, &[]).await;
    let room = declare(
        &h.app,
        "declare P1 --affects julia-whatsapp:major Julia silent",
        "UDECL",
    )
    .await
    .unwrap();
    h.evo().set_state("close");
    h.app.ctx.clock.advance(Duration::from_secs(3601));
    let prompt = message_with(&h, &room, "tell the customers").await;
    let t = text_of(&prompt);
    assert!(
        t.contains("WhatsApp is not connected") && t.contains("`close`"),
        "{t}"
    );
    assert!(
        button_value(&prompt, "customers_send").is_none(),
        "no Send while WhatsApp is down"
    );
    // A Send click anyway (an older prompt): refused with the same reason, audited.
    let r = click_in(&h, &room, "customers_send", "1:outage", ADMIN).await;
    assert!(text_of(&r).contains("WhatsApp is not connected"), "{r}");
    assert_eq!(h.audits("customers.notify", "refused_whatsapp").await, 1);
    // Connected again between the prompt and the click, then down again before the send.
    h.evo().set_state("open");
    let c = click_in(&h, &room, "customers_send", "1:outage", ADMIN).await;
    let token = button_value(&c, "customers_confirm").unwrap();
    h.evo().set_state("connecting");
    let r = click_in(&h, &room, "customers_confirm", &token, ADMIN).await;
    assert!(text_of(&r).contains("`connecting`"), "{r}");
    step(&h).await;
    assert!(h.evo().send_bodies().is_empty());
    let notices = h.app.scalar("SELECT COUNT(*) FROM customer_notices").await;
    assert_eq!(notices, 0);
}
on_both_stores!(whatsapp_not_open_refused, whatsapp_not_open_sends_nothing);

async fn drills_never_reach_customers(db: TestDb) {
    let h = customers_app(db, &[]).await;
    let room = declare(
        &h.app,
        "declare P0 --drill --affects julia-whatsapp:major Drill: Julia silent",
        "UDECL",
    )
    .await
    .unwrap();
    let ack = h.app.incident("notify-customers", "UDECL", &room).await;
    assert!(text_of(&ack).contains("drill"), "{ack}");
    h.app.ctx.clock.advance(Duration::from_secs(2 * 3600));
    step(&h).await;
    step(&h).await;
    assert!(
        !h.slack
            .posts_in(&room)
            .iter()
            .any(|m| text_of(m).contains("tell the customers")),
        "no prompt for a drill"
    );
    let r = click_in(&h, &room, "customers_send", "1:outage", ADMIN).await;
    assert!(text_of(&r).contains("drills never reach customers"), "{r}");
    assert!(h.evo().send_bodies().is_empty());
    assert_eq!(h.audits("customers.notify", "refused_drill").await, 1);
}
on_both_stores!(drills_are_refused, drills_never_reach_customers);

async fn a_query_that_times_out_sends_nothing(db: TestDb) {
    let h = customers_app(db, &[("CUSTOMERS_QUERY_TIMEOUT", "300ms")]).await;
    let room = declare(
        &h.app,
        "declare P1 --affects julia-api:major Julia down",
        "UDECL",
    )
    .await
    .unwrap();
    // Julia's own work holds the table: the read waits, and the statement timeout ends it.
    let mut lock = h.jdb().begin().await.unwrap();
    sqlx::query("LOCK TABLE clientes IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    h.app.incident("notify-customers", "UDECL", &room).await;
    let prompt = message_with(&h, &room, "recipient query").await;
    let t = text_of(&prompt);
    assert!(
        t.contains("did not answer") && t.contains("Nothing was sent"),
        "{t}"
    );
    assert!(button_value(&prompt, "customers_send").is_none());
    let r = click_in(&h, &room, "customers_send", "1:outage", ADMIN).await;
    assert!(text_of(&r).contains("recipient query"), "{r}");
    lock.rollback().await.unwrap();
    assert!(h.evo().send_bodies().is_empty());
    assert_eq!(h.audits("customers.notify", "failed_recipients").await, 1);
}
on_both_stores!(
    query_timeout_sends_nothing,
    a_query_that_times_out_sends_nothing
);

async fn a_role_that_cannot_see_the_rows_sends_nothing(db: TestDb) {
    let fakes = Harness::builder()
        .store(db)
        .evolution()
        .julia_db(HIDDEN_ROLE)
        .admin()
        .env("COMPONENTS_FILE", &components_file())
        .env("CUSTOMERS_BUSINESS_HOURS", "always")
        .start()
        .await;
    seed_doctors(fakes.jdb()).await;
    let h = fakes.spawn().await;
    let room = declare(
        &h.app,
        "declare P1 --affects julia-api:major Julia down",
        "UDECL",
    )
    .await
    .unwrap();
    h.app.incident("notify-customers", "UDECL", &room).await;
    let prompt = message_with(&h, &room, "recipient query").await;
    assert!(text_of(&prompt).contains("row-level security"), "{prompt}");
    assert!(h.evo().send_bodies().is_empty());
}
on_both_stores!(
    hidden_rows_send_nothing,
    a_role_that_cannot_see_the_rows_sends_nothing
);

async fn whatsapp_going_away_mid_send_waits(db: TestDb) {
    let h = customers_app(db, &[]).await;
    let room = declare(
        &h.app,
        "declare P1 --affects julia-whatsapp:major Julia silent",
        "UDECL",
    )
    .await
    .unwrap();
    h.app.incident("notify-customers", "UDECL", &room).await;
    message_with(&h, &room, "tell the customers").await;
    let c = click_in(&h, &room, "customers_send", "1:outage", "UDECL").await;
    let token = button_value(&c, "customers_confirm").unwrap();
    click_in(&h, &room, "customers_confirm", &token, "UDECL").await;
    message_with(&h, &room, "sent 1 / 3").await;
    // WhatsApp drops: Evolution refuses the next send; the doctor waits, nothing fails.
    h.evo().set_state("close");
    h.app.ctx.clock.advance(Duration::from_secs(3));
    let waiting = message_with(&h, &room, "WhatsApp is not connected").await;
    assert!(
        text_of(&waiting).contains("sent 1 / 3, 0 failed"),
        "{waiting}"
    );
    h.evo().set_state("open");
    for _ in 0..3 {
        h.app.ctx.clock.advance(Duration::from_secs(30));
        step(&h).await;
    }
    let done = message_with(&h, &room, "finished").await;
    assert!(text_of(&done).contains("sent 3 / 3, 0 failed"), "{done}");
    for n in testkit::customers_kit::CLEAR {
        assert_eq!(h.evo().sent_to(n).len(), 1, "{n}");
    }
}
on_both_stores!(
    whatsapp_drops_mid_send_waits,
    whatsapp_going_away_mid_send_waits
);
