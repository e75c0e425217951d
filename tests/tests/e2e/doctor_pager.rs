//! `chatops doctor` on the pager instance (#25): when pages go by WhatsApp, the instance they go
//! through is connected, the key accepted and its webhook brings replies to the bot; pages through
//! Julia's own instance are a warning. The webhook token never shows.

use doctor::Status;
use serde_json::json;
use testkit::doctor_kit::*;

const TOKEN: &str = "pager-token-0123456789abcdef0123";
const PAGING: [(&str, &str); 3] = [
    ("ONCALL_PHONES", "U012AB3CD:+5511999991234"),
    ("PAGER_WEBHOOK_TOKEN", TOKEN),
    ("PAGER_EVOLUTION_INSTANCE", "pager"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pager_instance_is_checked() {
    let h = harness().await;
    // No paging by WhatsApp: no pager checks at all.
    let r = h.doctor(&[]).await;
    assert!(
        r.get("Evolution", "pager instance").is_none(),
        "{}",
        r.render()
    );

    // Pages through Julia's own instance.
    let r = h.doctor(&PAGING[..2]).await;
    let c = expect(&r, "Evolution", "pager instance", Status::Warn);
    assert!(c.detail.contains("Julia's own instance"), "{}", r.render());

    // An instance Evolution does not have.
    let r = h.doctor(&PAGING).await;
    let c = expect(&r, "Evolution", "pager instance", Status::Fail);
    assert!(c.detail.contains("does not exist"), "{}", r.render());
    assert!(fix(c).contains("PAGER_EVOLUTION_INSTANCE"));

    // It exists but its number is not connected.
    h.evo().add_instance("pager");
    {
        let mut g = h.evo().state.lock().unwrap();
        g.own_state.insert("pager".into(), "close".into());
        g.own_webhook
            .insert("pager".into(), serde_json::Value::Null);
    }
    let r = h.doctor(&PAGING).await;
    let c = expect(&r, "Evolution", "pager instance", Status::Fail);
    assert!(c.detail.contains("`pager` is close"), "{}", r.render());
    // Julia's instance is still fine.
    expect(&r, "Evolution", "instance", Status::Pass);

    // Connected, but no webhook; then one pointing elsewhere; then the bot's route.
    h.evo()
        .state
        .lock()
        .unwrap()
        .own_state
        .insert("pager".into(), "open".into());
    let r = h.doctor(&PAGING).await;
    expect(&r, "Evolution", "pager instance", Status::Pass);
    expect(&r, "Evolution", "pager webhook", Status::Fail);
    let set = |url: &str, events: serde_json::Value| {
        h.evo().state.lock().unwrap().own_webhook.insert(
            "pager".into(),
            json!({"id": "w2", "url": url, "enabled": true, "events": events,
                "webhookByEvents": false, "webhookBase64": false, "headers": null}),
        );
    };
    set(HOOK, json!(["MESSAGES_UPSERT"]));
    let r = h.doctor(&PAGING).await;
    expect(&r, "Evolution", "pager webhook", Status::Fail);
    let good = format!("https://bot.example/pager/evolution/{TOKEN}");
    set(&good, json!(["CONNECTION_UPDATE"]));
    let r = h.doctor(&PAGING).await;
    let c = expect(&r, "Evolution", "pager webhook", Status::Fail);
    assert!(c.detail.contains("MESSAGES_UPSERT"), "{}", r.render());
    set(&good, json!(["MESSAGES_UPSERT"]));
    let r = h.doctor(&PAGING).await;
    expect(&r, "Evolution", "pager webhook", Status::Pass);
    assert!(!r.render().contains(TOKEN), "{}", r.render());

    // A key Evolution refuses.
    let wrong = [&PAGING[..], &[("EVOLUTION_API_KEY", "wrong-key-1")]].concat();
    let r = h.doctor(&wrong).await;
    let c = expect(&r, "Evolution", "pager instance", Status::Fail);
    assert!(fix(c).contains("EVOLUTION_API_KEY"), "{}", r.render());
}
