//! True on the wire (issue #10): calls that passed lenient fakes but fail against the real
//! Slack, Railway and Evolution. The fakes refuse what the real services refuse (form-only
//! Slack methods sent as JSON, image blocks of unshared files, restarting a failed build,
//! redeploying without `canRedeploy`, unknown Evolution event names), and each test below
//! failed on the code before the fix.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::fake_evolution::FakeEvolution;
use testkit::fake_railway::deployment;
use testkit::harness::{self, *};
use testkit::*;

const WAIT: Duration = Duration::from_secs(10);

/// Declares an incident and waits for its war room; returns the war room id.
async fn declare(app: &TestApp, text: &str, user: &str) -> String {
    let ack = app.incident(text, user, "CORIGIN").await;
    let rid = ack["_response_id"].as_str().unwrap().to_string();
    eventually(WAIT, || async {
        app.slack.responses_to(&rid).into_iter().next()
    })
    .await
    .expect("declared reply");
    app.drain_outbox().await;
    sqlx::query_scalar::<_, Option<String>>("SELECT channel_id FROM incidents WHERE id = 1")
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap()
        .expect("war room")
}

fn invited(slack: &FakeSlack) -> Vec<String> {
    slack
        .calls_to("conversations.invite")
        .iter()
        .flat_map(|c| {
            c.body["users"]
                .as_str()
                .unwrap_or("")
                .split(',')
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect()
}

// ------------------------------------------------------------------------------- Slack

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responder_group_members_are_invited() {
    let f = Harness::builder()
        .env("INCIDENT_RESPONDERS", "URESP1,SRESP")
        .start()
        .await;
    f.slack.set_usergroup("SRESP", &["UG1", "UG2"]);
    let h = f.spawn().await;
    let room = declare(&h.app, "declare P1 Evolution down", "UDECL").await;
    let lookup = h.slack.calls_to("usergroups.users.list");
    assert_eq!(lookup.len(), 1);
    assert_ne!(lookup[0].transport, "json", "form-only method sent as JSON");
    assert_eq!(lookup[0].body["usergroup"], "SRESP");
    let users = invited(&h.slack);
    for u in ["UDECL", "URESP1", "UG1", "UG2"] {
        assert!(users.contains(&u.to_string()), "{u} not invited: {users:?}");
    }
    assert!(
        !h.slack
            .posts_in(&room)
            .iter()
            .any(|p| text_of(p).contains("could not be invited")),
        "nobody is missing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_lookup_error_still_invites_everyone_else_and_says_why() {
    let h = Harness::builder()
        .env("INCIDENT_RESPONDERS", "URESP1,SNOPE")
        .spawn()
        .await;
    let room = declare(&h.app, "declare P1 Evolution down", "UDECL").await;
    let users = invited(&h.slack);
    for u in ["UDECL", "URESP1"] {
        assert!(users.contains(&u.to_string()), "{u} not invited: {users:?}");
    }
    let warning = h
        .slack
        .posts_in(&room)
        .into_iter()
        .find(|p| text_of(p).contains("could not be invited"))
        .expect("the war room is told who is missing");
    let t = text_of(&warning);
    assert!(
        t.contains("<!subteam^SNOPE>") && t.contains("no such user group"),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postmortem_is_a_file_shared_to_the_war_room() {
    let h = Harness::builder().spawn().await;
    let room = declare(&h.app, "declare P1 Evolution down", "U1").await;
    h.app.incident("resolve reconnected", "U1", &room).await;
    h.app.drain_outbox().await;
    let get = h.slack.calls_to("files.getUploadURLExternal");
    assert_eq!(get.len(), 1);
    assert_eq!(get[0].transport, "form");
    let complete = h.slack.calls_to("files.completeUploadExternal");
    assert_eq!(complete.len(), 1, "the upload was completed");
    let file = complete[0].body["files"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(h.slack.file_channels(&file), std::slice::from_ref(&room));
    assert!(
        !h.slack
            .posts_in(&room)
            .iter()
            .any(|p| text_of(p).contains("# Post-mortem")),
        "no fallback message when the upload works"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushpin_keeps_the_message_text_on_the_timeline() {
    let h = Harness::builder().spawn().await;
    let room = declare(&h.app, "declare P1 Evolution down", "U1").await;
    h.slack.add_message(
        &room,
        "1700000000.000900",
        "U7",
        "worker restarted, errors dropped",
    );
    let ev = json!({"type": "event_callback", "event_id": "EvPinWire", "event": {"type": "reaction_added", "user": "U7", "reaction": "pushpin",
                     "item": {"type": "message", "channel": room, "ts": "1700000000.000900"}, "event_ts": "1.1"}});
    h.app.event(&ev).await;
    let entry = eventually(WAIT, || async {
        sqlx::query_scalar::<_, Option<String>>(
            "SELECT text FROM timeline WHERE kind = 'pinned_message'",
        )
        .fetch_optional(&h.app.ctx.store.pool)
        .await
        .unwrap()
        .flatten()
    })
    .await
    .expect("pinned on the timeline");
    assert!(
        entry.contains("worker restarted, errors dropped") && entry.contains("p1700000000000900"),
        "{entry}"
    );
    let history = h.slack.calls_to("conversations.history");
    assert_eq!(history[0].transport, "query");
}

/// Slack, Evolution, Railway and Julia's health behind the bot, an admin, the channel `COPS`.
fn wired() -> harness::Builder {
    Harness::for_julia()
        .without_julia_db()
        .env("JULIA_FOLLOW_LIMIT", "2s")
}

/// What the fake Railway was asked to `name` (a mutation), with which variables.
fn mutations(h: &Harness, name: &str) -> Vec<Value> {
    h.rw()
        .requests()
        .into_iter()
        .filter(|r| r.query.contains(name))
        .map(|r| r.variables)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_goes_to_the_requesters_dm_and_never_to_a_channel() {
    let h = wired().spawn().await;
    h.evo().set_state("connecting");
    let m = h.run("evolution qr", ADMIN).await;
    let t = text_of(&m);
    assert!(t.contains("in your direct messages"), "{t}");
    let open = h.slack.calls_to("conversations.open");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].body["users"], ADMIN);
    let complete = h.slack.calls_to("files.completeUploadExternal");
    assert_eq!(complete.len(), 1);
    let dm = format!("D{ADMIN}");
    assert_eq!(complete[0].body["channel_id"], dm.as_str());
    let file = complete[0].body["files"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(h.slack.file_channels(&file), [dm]);
    assert!(h.slack.uploads()[0].1.starts_with(b"\x89PNG"));
    assert!(h.slack.calls_to("chat.postMessage").is_empty());
    // The code itself never travels as text.
    let mut all = String::new();
    for c in h.slack.calls() {
        all.push_str(&c.body.to_string());
    }
    for (_, r) in h.slack.responses() {
        all.push_str(&r.to_string());
    }
    assert!(!all.contains("SECRETQRCODE") && !all.contains("iVBORw0KGgo"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_qr_upload_answers_with_text() {
    let h = wired().spawn().await;
    h.evo().set_state("connecting");
    h.slack.fail_all(
        "files.getUploadURLExternal",
        Behavior::OkFalse("missing_scope"),
    );
    let t = text_of(&h.run("evolution qr", ADMIN).await);
    assert!(
        t.contains("Could not send the QR image")
            && t.contains("missing_scope")
            && t.contains("/manager"),
        "{t}"
    );
    assert!(h.slack.calls_to("files.completeUploadExternal").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_waits_for_evolution_to_open_the_socket() {
    // Real Evolution answers connect after ~2 s; the 1 s source timeout must not apply.
    let h = wired().spawn().await;
    h.evo().set_state("connecting");
    h.evo().set_socket_wait(Duration::from_millis(2000));
    let t = text_of(&h.run("evolution qr", ADMIN).await);
    assert!(t.contains("in your direct messages"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_without_an_answer_may_have_been_applied() {
    let h = wired().env("EVOLUTION_ACTION_TIMEOUT", "1s").spawn().await;
    h.evo().set_socket_wait(Duration::from_millis(2500));
    let done = h.confirm("evolution restart").await;
    let t = text_of(&done);
    assert!(
        t.contains("no answer from Evolution in 1 s")
            && t.contains("may have applied the restart")
            && !t.contains("nothing was changed"),
        "{t}"
    );
    let audit = h
        .app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'julia.evolution_restart' AND outcome = 'unknown'")
        .await;
    assert_eq!(audit, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolution_refuses_unknown_event_names_and_the_bot_never_sends_one() {
    // The fake refuses like the real server.
    let evo = FakeEvolution::start().await;
    let r = reqwest::Client::new()
        .post(format!("{}/webhook/set/julia", evo.base_url))
        .header("apikey", "evo-key")
        .json(&json!({"webhook": {"enabled": true, "url": "https://x", "events": ["MESSAGES_UPSERT", "MESSAGE_UPSERT"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("webhook.events[1]"));
    // The bot refuses such a configuration at start, naming the bad name.
    let e = bot::Settings::from_pairs(&[
        ("SLACK_SIGNING_SECRET", "s"),
        ("EVOLUTION_WEBHOOK_EVENTS", "MESSAGES_UPSERT,MESSAGE_UPSERT"),
    ])
    .unwrap_err();
    assert_eq!(e.var, "EVOLUTION_WEBHOOK_EVENTS");
    assert!(e.problem.contains("`MESSAGE_UPSERT`"), "{}", e.problem);
}

// ------------------------------------------------------------------------------- Railway

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_goes_to_the_newest_removed_deployment() {
    let h = wired().spawn().await;
    let (token, prompt) = h.request("rollback julia-api", ADMIN).await;
    let done = h.click("julia_confirm", &token, ADMIN).await;
    assert!(text_of(&prompt).contains("s-api-d4 → s-api-d2"), "{prompt}");
    assert!(
        text_of(&done).contains("Railway accepted `rollback`"),
        "{done}"
    );
    assert_eq!(
        mutations(&h, "deploymentRollback"),
        [json!({"id": "s-api-d2"})]
    );
    // The rollback is live now; the next rollback returns to what it replaced.
    let prompt = h.run("rollback julia-api", ADMIN).await;
    assert!(text_of(&prompt).contains("s-api-rb → s-api-d4"), "{prompt}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rollback_offered_after_a_failed_health_check_targets_the_replaced_deployment() {
    let h = wired().env("JULIA_FOLLOW_LIMIT", "1s").spawn().await;
    h.julia().set_healthy(false);
    let done = h.confirm("redeploy julia-worker").await;
    assert!(text_of(&done).contains("s-worker-new"), "{done}");
    let outcome = eventually(WAIT, || async {
        h.slack
            .posts_in(CH)
            .into_iter()
            .find(|p| text_of(p).contains("julia_rollback_prompt"))
    })
    .await
    .expect("outcome with a rollback button");
    assert!(
        text_of(&outcome).contains("/health/deep fails"),
        "{outcome}"
    );
    let prompt = h
        .click("julia_rollback_prompt", "julia-worker", ADMIN)
        .await;
    assert!(
        text_of(&prompt).contains("s-worker-new → s-worker-d4"),
        "{prompt}"
    );
    assert!(token_of(&prompt).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_after_a_failed_build_restarts_the_running_deployment() {
    let h = wired().spawn().await;
    h.rw().state.lock().unwrap().deployments.push((
        "s-api".into(),
        deployment(
            "s-api-d5",
            "FAILED",
            "2026-01-05T00:00:00Z",
            false,
            "eeeeeee5",
        ),
    ));
    let (token, prompt) = h.request("restart julia-api", ADMIN).await;
    let done = h.click("julia_confirm", &token, ADMIN).await;
    let p = text_of(&prompt);
    assert!(
        p.contains("`s-api-d4`, the one running") && p.contains("`s-api-d5`, is FAILED"),
        "{p}"
    );
    assert!(
        text_of(&done).contains("Railway accepted `restart`"),
        "{done}"
    );
    assert_eq!(
        mutations(&h, "deploymentRestart"),
        [json!({"id": "s-api-d4"})]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redeploy_refuses_when_railway_says_it_cannot() {
    let h = wired().spawn().await;
    for (_, d) in h.rw().state.lock().unwrap().deployments.iter_mut() {
        if d["id"] == "s-api-d4" {
            d["canRedeploy"] = false.into();
        }
    }
    let m = h.run("redeploy julia-api", ADMIN).await;
    let t = text_of(&m);
    assert!(
        t.contains("canRedeploy = false") && t.contains("Nothing was changed"),
        "{t}"
    );
    assert!(token_of(&m).is_none(), "no confirmation offered");
    assert!(mutations(&h, "deploymentRedeploy").is_empty());
    assert_eq!(
        h.app
            .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'julia.redeploy' AND outcome = 'refused'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn julias_railway_ids_win_over_the_ones_railway_injects() {
    // Deployed on Railway, the bot's own service has RAILWAY_PROJECT_ID/ENVIRONMENT_ID set.
    let h = wired()
        .envs(&[
            ("RAILWAY_PROJECT_ID", "p-bot"),
            ("RAILWAY_ENVIRONMENT_ID", "e-bot"),
        ])
        .spawn()
        .await;
    let m = h.run("deploys julia-api", "UANY").await;
    assert!(text_of(&m).contains("s-api-d4"), "{m}");
    for r in h.rw().requests() {
        let v = &r.variables;
        for id in [
            v.pointer("/input/projectId"),
            v.pointer("/projectId"),
            v.pointer("/input/environmentId"),
            v.pointer("/id"),
        ]
        .into_iter()
        .flatten()
        {
            assert!(id != "p-bot" && id != "e-bot", "{v}");
        }
    }
    assert!(h
        .rw()
        .requests()
        .iter()
        .any(|r| r.variables.pointer("/input/projectId") == Some(&json!("p1"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_both_railway_tokens_only_the_project_token_is_sent() {
    let h = wired()
        .env("RAILWAY_TOKEN", "rw-project-token")
        .spawn()
        .await;
    h.run("deploys julia-api", "UANY").await;
    let reqs = h.rw().requests();
    assert!(!reqs.is_empty());
    for r in reqs {
        assert_eq!(r.project_token.as_deref(), Some("rw-project-token"));
        assert!(r.bearer.is_none(), "never both headers");
    }
}
