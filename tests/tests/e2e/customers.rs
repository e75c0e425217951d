//! Customers by WhatsApp (#27): the war-room prompt an hour into a customer-facing P1, who it
//! leaves out and why, the guarded send naming the count, a number that fails, WhatsApp not
//! connected, drills, a recipient query that times out, and the back-to-normal offer.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::customers_kit::{seed_doctors, CLEAR, HELD, NEVER};
use testkit::harness::*;
use testkit::incident_kit::{components_file, declare};
use testkit::julia_db::OWNER_ROLE;
use testkit::wait::eventually;
use testkit::*;

const WAIT: Duration = Duration::from_secs(10);

pub async fn customers_app(db: TestDb, extra: &[(&str, &str)]) -> Harness {
    let fakes = Harness::builder()
        .store(db)
        .evolution()
        .julia_db(OWNER_ROLE)
        .admin()
        .env("COMPONENTS_FILE", &components_file())
        .env("CUSTOMERS_BUSINESS_HOURS", "always")
        .env("CUSTOMERS_PACE", "3s")
        .env("CUSTOMERS_JITTER", "0s")
        .env("JULIA_SOURCE_TIMEOUT", "2s")
        // The app's own job worker runs beside the test's steps: a lease longer than the
        // clock's jumps keeps a job with the worker that holds it.
        .env("JOBS_LEASE", "60s")
        .envs(extra)
        .start()
        .await;
    seed_doctors(fakes.jdb()).await;
    fakes.spawn().await
}

/// Runs the due jobs (the app's own worker may run them first) and delivers the outbox.
pub async fn step(h: &Harness) {
    chatops_core::jobs::run_once(&h.app.ctx).await.unwrap();
    h.app.drain_outbox().await;
}

/// The message in `room` whose text holds `needle`, once it is there.
pub async fn message_with(h: &Harness, room: &str, needle: &str) -> Value {
    eventually(WAIT, || async {
        step(h).await;
        h.slack
            .messages_in(room)
            .into_iter()
            .find(|m| text_of(m).contains(needle))
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "no message with {needle:?} in {room}: {:?}",
            h.slack.messages_in(room)
        )
    })
}

/// Clicks a button of a channel message as `user`; returns the first answer to it.
pub async fn click_in(h: &Harness, room: &str, action: &str, value: &str, user: &str) -> Value {
    let rid = uuid::Uuid::new_v4().simple().to_string();
    let p = json!({
        "type": "block_actions", "user": {"id": user}, "channel": {"id": room},
        "container": {"type": "message", "channel_id": room},
        "trigger_id": "trig", "response_url": h.slack.response_url(&rid),
        "actions": [{"action_id": action, "value": value, "type": "button"}]
    });
    assert_eq!(h.app.interaction(&p).await.status(), 200);
    h.wait_response(&rid, 1).await
}

/// Everything Slack and the audit log ever saw, as one string: no doctor's number in it.
pub async fn assert_no_numbers(h: &Harness) {
    let mut all = String::new();
    for c in h.slack.calls() {
        all.push_str(&c.body.to_string());
    }
    for (_, r) in h.slack.responses() {
        all.push_str(&r.to_string());
    }
    let audit: Vec<(String, Option<String>)> = sqlx::query_as("SELECT args, detail FROM audit_log")
        .fetch_all(&h.app.ctx.store.pool)
        .await
        .unwrap();
    for (a, d) in audit {
        all.push_str(&a);
        all.push_str(&d.unwrap_or_default());
    }
    for n in CLEAR.iter().chain(HELD).chain(NEVER) {
        assert!(
            !all.contains(&n[2..]),
            "number {n} reached Slack or the audit log"
        );
    }
}

#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn the_prompt_an_hour_in_and_the_guarded_paced_send(db: TestDb) {
    let h = customers_app(db, &[]).await;
    h.evo().fail_number(CLEAR[1]);
    let room = declare(
        &h.app,
        "declare P1 --affects julia-whatsapp:major Julia silent",
        "UDECL",
    )
    .await
    .unwrap();
    // Not before the hour.
    h.app.ctx.clock.advance(Duration::from_secs(50 * 60));
    step(&h).await;
    assert!(!h
        .slack
        .posts_in(&room)
        .iter()
        .any(|m| text_of(m).contains("WhatsApp?")));
    h.app.ctx.clock.advance(Duration::from_secs(10 * 60 + 1));
    let prompt = message_with(&h, &room, "tell the customers").await;
    let t = text_of(&prompt);
    assert!(
        t.contains("Aqui é a Julia"),
        "pt-BR message shown as sent: {t}"
    );
    assert!(t.contains("Recipients: *3*"), "{t}");
    assert!(
        t.contains("5 opted out") && t.contains("1 deleted") && t.contains("1 duplicate number"),
        "{t}"
    );
    assert!(
        t.contains("1 cooling-off") && t.contains("1 weekly contact cap reached"),
        "{t}"
    );
    assert!(t.contains("estimated time"), "{t}");
    let value = button_value(&prompt, "customers_send").unwrap();
    assert!(button_value(&prompt, "customers_edit").is_some());
    assert!(button_value(&prompt, "customers_dismiss").is_some());

    // Neither an admin nor the commander: refused, audited, nothing sent.
    let no = click_in(&h, &room, "customers_send", &value, OTHER).await;
    assert!(text_of(&no).contains("restricted"), "{no}");
    assert!(text_of(&no).contains("commander may send it too"), "{no}");
    assert_eq!(h.audits("customers.notify", "refused").await, 1);

    // The commander: a single-use confirmation naming the count, and one with the held.
    let confirm = click_in(&h, &room, "customers_send", &value, "UDECL").await;
    assert_eq!(
        button_label(&confirm, "customers_confirm").as_deref(),
        Some("Send to 3")
    );
    assert_eq!(
        button_label(&confirm, "customers_confirm_all").as_deref(),
        Some("Send to 5, held included")
    );
    let token = button_value(&confirm, "customers_confirm").unwrap();
    let started = click_in(&h, &room, "customers_confirm", &token, "UDECL").await;
    assert!(text_of(&started).contains("Sending to 3"), "{started}");
    // Paced: one message per run, the next one due 3 s later.
    let progress = message_with(&h, &room, "sent 1 / 3").await;
    assert!(button_value(&progress, "customers_stop").is_some());
    step(&h).await;
    assert_eq!(
        h.evo().send_bodies().len(),
        1,
        "the next one waits for the pace"
    );
    for _ in 0..2 {
        h.app.ctx.clock.advance(Duration::from_secs(3));
        step(&h).await;
    }
    let done = message_with(&h, &room, "finished").await;
    assert!(text_of(&done).contains("sent 2 / 3, 1 failed"), "{done}");
    assert!(button_value(&done, "customers_stop").is_none());
    // One message updated in place: a single progress post.
    let posts = h
        .slack
        .posts_in(&room)
        .iter()
        .filter(|m| text_of(m).contains("Customer notice"))
        .count();
    assert_eq!(posts, 1);
    for n in CLEAR {
        assert_eq!(h.evo().send_calls_to(n), 1, "{n}");
    }
    for n in HELD.iter().chain(NEVER) {
        assert_eq!(h.evo().send_calls_to(n), 0, "{n} must not be contacted");
    }
    let sent = h.evo().sent();
    assert!(
        sent.iter()
            .all(|(_, t)| t.starts_with("Olá! Aqui é a Julia")),
        "{sent:?}"
    );
    // The click is single-use; the notice is never sent twice.
    let again = click_in(&h, &room, "customers_confirm", &token, "UDECL").await;
    assert!(
        text_of(&again).to_lowercase().contains("already"),
        "{again}"
    );
    let ack = h.app.incident("notify-customers", "UDECL", &room).await;
    assert!(text_of(&ack).contains("never sent twice"), "{ack}");
    // Audited with who confirmed and what was chosen for the held doctors.
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'customers.notify' AND outcome = 'started'",
    )
    .fetch_one(&h.app.ctx.store.pool)
    .await
    .unwrap();
    assert!(
        detail.contains("3 recipients") && detail.contains("left out"),
        "{detail}"
    );
    assert_eq!(h.audits("customers.notify", "confirmed").await, 1);
    assert_no_numbers(&h).await;

    // Resolution offers the back-to-normal notice to the same doctors, guarded the same way.
    h.app
        .incident("resolve Evolution reconnected", "UDECL", &room)
        .await;
    let back = message_with(&h, &room, "back to normal?").await;
    let bt = text_of(&back);
    assert!(
        bt.contains("Recipients: *2*") && bt.contains("voltou ao normal"),
        "{bt}"
    );
    let v = button_value(&back, "customers_send").unwrap();
    let c = click_in(&h, &room, "customers_send", &v, ADMIN).await;
    let token = button_value(&c, "customers_confirm").unwrap();
    click_in(&h, &room, "customers_confirm", &token, ADMIN).await;
    h.app.ctx.clock.advance(Duration::from_secs(3));
    message_with(&h, &room, "Back-to-normal notice").await;
    h.app.ctx.clock.advance(Duration::from_secs(3));
    message_with(&h, &room, "sent 2 / 2").await;
    assert_eq!(h.evo().send_calls_to(CLEAR[0]), 2);
    assert_eq!(
        h.evo().send_calls_to(CLEAR[1]),
        1,
        "the failed one is not told it is back"
    );
    assert_no_numbers(&h).await;
}
on_both_stores!(
    prompt_an_hour_in_then_guarded_paced_send,
    the_prompt_an_hour_in_and_the_guarded_paced_send
);

async fn the_held_doctors_only_when_someone_includes_them(db: TestDb) {
    let h = customers_app(db, &[]).await;
    let room = declare(
        &h.app,
        "declare P0 --affects julia-api:partial Julia down",
        "UDECL",
    )
    .await
    .unwrap();
    let ack = h.app.incident("notify-customers", OTHER, &room).await;
    assert!(text_of(&ack).contains("Preparing"), "{ack}");
    let prompt = message_with(&h, &room, "tell the customers").await;
    let value = button_value(&prompt, "customers_send").unwrap();
    let c = click_in(&h, &room, "customers_send", &value, ADMIN).await;
    let token = button_value(&c, "customers_confirm_all").unwrap();
    click_in(&h, &room, "customers_confirm_all", &token, ADMIN).await;
    message_with(&h, &room, "sent 1 / 5").await;
    // A doctor writes "pare" meanwhile (Julia's keyword detector sets `opted_out` only): the
    // check just before that doctor's send leaves them out.
    h.jexec(&format!(
        "UPDATE clientes SET opted_out = true WHERE telefone = '{}'",
        CLEAR[2]
    ))
    .await;
    for _ in 0..5 {
        h.app.ctx.clock.advance(Duration::from_secs(3));
        step(&h).await;
    }
    let done = message_with(&h, &room, "finished").await;
    let t = text_of(&done);
    assert!(
        t.contains("sent 4 / 5") && t.contains("1 left out since the confirmation"),
        "{t}"
    );
    assert_eq!(h.evo().send_calls_to(CLEAR[2]), 0);
    for n in CLEAR[..2].iter().chain(HELD) {
        assert_eq!(h.evo().send_calls_to(n), 1, "{n}");
    }
    for n in NEVER {
        assert_eq!(h.evo().send_calls_to(n), 0, "{n}");
    }
    let (actor, detail): (String, String) = sqlx::query_as(
        "SELECT actor, detail FROM audit_log WHERE action = 'customers.notify' AND outcome = 'started'",
    )
    .fetch_one(&h.app.ctx.store.pool)
    .await
    .unwrap();
    assert_eq!(actor, ADMIN);
    assert!(
        detail.contains("5 recipients") && detail.contains("included"),
        "{detail}"
    );
    assert_no_numbers(&h).await;
}
on_both_stores!(
    held_doctors_only_when_included,
    the_held_doctors_only_when_someone_includes_them
);

async fn stop_halts_the_send(db: TestDb) {
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
    let progress = message_with(&h, &room, "sent 1 / 3").await;
    let stop = button_value(&progress, "customers_stop").unwrap();
    let r = click_in(&h, &room, "customers_stop", &stop, OTHER).await;
    assert!(text_of(&r).contains("Stopping"), "{r}");
    h.app.ctx.clock.advance(Duration::from_secs(30));
    let stopped = message_with(&h, &room, "stopped by").await;
    assert!(
        text_of(&stopped).contains("sent 1 / 3") && text_of(&stopped).contains(OTHER),
        "{stopped}"
    );
    step(&h).await;
    assert_eq!(h.evo().send_bodies().len(), 1);
    assert_eq!(h.audits("customers.stop", "stopped").await, 1);
}
on_both_stores!(the_stop_button_halts_the_send, stop_halts_the_send);

async fn edit_the_text_and_not_now(db: TestDb) {
    let h = customers_app(db, &[]).await;
    let room = declare(
        &h.app,
        "declare P1 --affects julia-whatsapp:major Julia silent",
        "UDECL",
    )
    .await
    .unwrap();
    h.app.ctx.clock.advance(Duration::from_secs(3601));
    let prompt = message_with(&h, &room, "tell the customers").await;
    let value = button_value(&prompt, "customers_edit").unwrap();
    // Edit: a form holding the text as it would go out.
    let p = json!({
        "type": "block_actions", "user": {"id": OTHER}, "channel": {"id": room},
        "trigger_id": "trig.edit", "response_url": h.slack.response_url("edit"),
        "actions": [{"action_id": "customers_edit", "value": value, "type": "button"}]
    });
    assert_eq!(h.app.interaction(&p).await.status(), 200);
    let form = eventually(WAIT, || async {
        h.slack.calls_to("views.open").into_iter().next()
    })
    .await
    .expect("the edit form");
    assert!(
        form.body.to_string().contains("Aqui é a Julia"),
        "{:?}",
        form.body
    );
    let submit = |text: &str| {
        json!({"type": "view_submission", "user": {"id": OTHER}, "view": {"callback_id": "customers_edit_form",
            "private_metadata": value, "state": {"values": {"customers_text": {"text": {"type": "plain_text_input", "value": text}}}}}})
    };
    // An empty text is a field error and changes nothing.
    let body: Value = h.app.interaction(&submit("  ")).await.json().await.unwrap();
    assert_eq!(body["response_action"], "errors", "{body}");
    let r = h
        .app
        .interaction(&submit(
            "Olá! A Julia está lenta agora; avisamos quando normalizar.",
        ))
        .await;
    assert!(r.text().await.unwrap().is_empty());
    let edited = message_with(&h, &room, "A Julia está lenta agora").await;
    assert!(text_of(&edited).contains("Recipients: *3*"), "{edited}");
    assert_eq!(h.audits("customers.edit", "edited").await, 1);
    // Not now: the prompt says who chose it (its buttons gone), audited; nothing sent.
    let r = click_in(&h, &room, "customers_dismiss", &value, "UDECL").await;
    assert!(
        text_of(&r).contains("chose not to notify the customers"),
        "{r}"
    );
    assert_eq!(r["replace_original"], true, "{r}");
    assert_eq!(h.audits("customers.not_now", "dismissed").await, 1);
    // The edited text is what goes out when someone sends after all.
    let c = click_in(&h, &room, "customers_send", &value, "UDECL").await;
    let token = button_value(&c, "customers_confirm").unwrap();
    click_in(&h, &room, "customers_confirm", &token, "UDECL").await;
    message_with(&h, &room, "sent 1 / 3").await;
    let sent = h.evo().sent();
    assert_eq!(
        sent[0].1,
        "Olá! A Julia está lenta agora; avisamos quando normalizar."
    );
}
on_both_stores!(edit_and_not_now, edit_the_text_and_not_now);

async fn a_raise_to_p1_and_a_paused_julia(db: TestDb) {
    let h = customers_app(db, &[("WAR_ROOM_SEVERITIES", "P0,P1,P2,P3")]).await;
    let room = declare(
        &h.app,
        "declare P2 --affects julia-api:degraded Julia slow",
        "UDECL",
    )
    .await
    .unwrap();
    h.app.ctx.clock.advance(Duration::from_secs(30 * 60));
    step(&h).await;
    // Raised to P1 half an hour in: prompted an hour after the start.
    h.app.incident("severity P1", "UDECL", &room).await;
    h.jexec(
        "INSERT INTO feature_flags (key, value) VALUES ('safe_mode', '{\"enabled\": true, \"mode\": \"wait\"}')",
    )
    .await;
    h.app.ctx.clock.advance(Duration::from_secs(20 * 60));
    step(&h).await;
    assert!(!h
        .slack
        .posts_in(&room)
        .iter()
        .any(|m| text_of(m).contains("tell the customers")));
    h.app.ctx.clock.advance(Duration::from_secs(10 * 60 + 1));
    let prompt = message_with(&h, &room, "tell the customers").await;
    assert!(text_of(&prompt).contains("Julia is paused"), "{prompt}");
    let c = click_in(&h, &room, "customers_send", "1:outage", ADMIN).await;
    assert!(
        text_of(&c).contains("exception recorded with your name"),
        "{c}"
    );
    let token = button_value(&c, "customers_confirm").unwrap();
    click_in(&h, &room, "customers_confirm", &token, ADMIN).await;
    message_with(&h, &room, "sent 1 / 3").await;
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'customers.notify' AND outcome = 'started'",
    )
    .fetch_one(&h.app.ctx.store.pool)
    .await
    .unwrap();
    assert!(detail.contains("Julia paused"), "{detail}");
}
on_both_stores!(
    raise_to_p1_and_paused_julia,
    a_raise_to_p1_and_a_paused_julia
);

async fn the_texts_come_from_the_templates(db: TestDb) {
    let dir = std::env::temp_dir().join(format!(
        "chatops-customers-tpl-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("customers_outage.j2"),
        "Oi! A Julia & equipe estão resolvendo uma instabilidade ({{ severity }}).\n",
    )
    .unwrap();
    let h = customers_app(db, &[("TEMPLATES_DIR", dir.to_str().unwrap())]).await;
    let room = declare(
        &h.app,
        "declare P1 --affects julia-whatsapp:major Julia silent",
        "UDECL",
    )
    .await
    .unwrap();
    h.app.incident("notify-customers", "UDECL", &room).await;
    let prompt = message_with(&h, &room, "tell the customers").await;
    assert!(
        text_of(&prompt).contains("estão resolvendo uma instabilidade (P1)"),
        "{prompt}"
    );
    let c = click_in(&h, &room, "customers_send", "1:outage", "UDECL").await;
    let token = button_value(&c, "customers_confirm").unwrap();
    click_in(&h, &room, "customers_confirm", &token, "UDECL").await;
    message_with(&h, &room, "sent 1 / 3").await;
    assert_eq!(
        h.evo().sent()[0].1,
        "Oi! A Julia & equipe estão resolvendo uma instabilidade (P1)."
    );
    let _ = std::fs::remove_dir_all(&dir);
}
on_both_stores!(texts_from_templates, the_texts_come_from_the_templates);
