//! `/julia` reading Julia's state end to end (status, health, circuits, queue, jobs, Evolution,
//! webhook) and Evolution's QR, restart and webhook reset, on `Harness::for_julia` (see
//! `julia.rs`).

use std::time::{Duration, Instant};

use serde_json::json;
use testkit::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_every_source() {
    let h = Harness::for_julia().spawn().await;
    sqlx::raw_sql(
        "INSERT INTO fila_mensagens (cliente_id, status, created_at) VALUES (gen_random_uuid(), 'pendente', now() - interval '10 minutes'), (gen_random_uuid(), 'pendente', now());
         INSERT INTO fila_mensagens (cliente_id, status, enviada_em) VALUES (gen_random_uuid(), 'enviada', now() - interval '1 minute');
         INSERT INTO job_executions (job_name, started_at, status) VALUES ('sync_chips', now() - interval '45 minutes', 'running');
         INSERT INTO job_executions (job_name, started_at, finished_at, status, error) VALUES ('sync_chips', now() - interval '1 hour', now(), 'error', 'boom');",
    )
    .execute(h.jdb())
    .await
    .unwrap();
    let msg = h.run("status", "UANY").await;
    let t = text_of(&msg);
    for want in [
        "Running",
        "install", // the latest non-heartbeat julia_status row
        "Scheduler heartbeat",
        "`healthy`",
        "`evolution`: open",         // open circuit
        "`julia`: open (connected)", // Evolution state
        "`julia-api`: SUCCESS",
        "ddddddd", // commit of the latest deployment
        "2 pending",
        "1 sent in the last 5 min",
        "`sync_chips` running for",
        "`sync_chips` ×1",
    ] {
        assert!(t.contains(want), "missing {want:?} in {t}");
    }
    h.assert_no_secrets();
    // Railway got the project's token as Bearer.
    assert_eq!(
        h.rw().requests()[0].bearer.as_deref(),
        Some("Bearer rw-secret-token")
    );
    assert!(h.rw().requests()[0].project_token.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_source_does_not_delay_status() {
    let h = Harness::for_julia().spawn().await;
    h.evo().set_delay(Duration::from_secs(10));
    let start = Instant::now();
    let msg = h.run("status", "UANY").await;
    let took = start.elapsed();
    assert!(took < Duration::from_millis(1800), "status took {took:?}");
    let t = text_of(&msg);
    assert!(t.contains("Evolution: no answer in 1 s"), "{t}");
    assert!(
        t.contains("`julia-api`: SUCCESS") && t.contains("`healthy`"),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_subcommands() {
    let h = Harness::for_julia().spawn().await;
    let m = h.run("health", "UANY").await;
    let t = text_of(&m);
    assert!(
        t.contains("`redis`: ok") && t.contains("`schema_version`: ok"),
        "{t}"
    );
    h.julia().set_healthy(false);
    let m = h.run("health", "UANY").await;
    assert!(
        text_of(&m).contains(":x: `redis`: error — message=Connection refused"),
        "{m}"
    );
    let m = h.run("circuits", "UANY").await;
    assert!(text_of(&m).contains("`claude`: closed") && text_of(&m).contains("`evolution`: open"));
    let m = h.run("queue", "UANY").await;
    assert!(text_of(&m).contains("0 pending"), "{m}");
    let m = h.run("jobs", "UANY").await;
    assert!(
        text_of(&m).contains("No job running for over 30 min"),
        "{m}"
    );
    let m = h.run("evolution", "UANY").await;
    assert!(text_of(&m).contains("open (connected)"), "{m}");
    let m = h.run("webhook", "UANY").await;
    assert!(text_of(&m).contains("No webhook configured"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn julia_db_refusing_connections_is_named() {
    let h = Harness::for_julia()
        .env(
            "JULIA_DATABASE_URL",
            "postgres://postgres:pw@127.0.0.1:9/nope",
        )
        .spawn()
        .await;
    let m = h.run("queue", "UANY").await;
    let t = text_of(&m);
    assert!(t.contains("Supabase") && !t.contains(":pw@"), "{t}");
    let m = h.run("pause x", ADMIN).await;
    let t = text_of(&m);
    assert!(
        t.contains("Julia's database") && t.contains("nothing was changed"),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolution_qr_restart_and_webhook_reset() {
    let h = Harness::for_julia().spawn().await;
    h.evo().set_state("connecting");
    let m = h.run("evolution qr", OTHER).await;
    assert!(text_of(&m).contains("restricted"), "{m}");
    assert!(h.slack.uploads().is_empty());
    let m = h.run("evolution qr", ADMIN).await;
    let t = text_of(&m);
    assert!(
        t.contains("only you can see it") && t.contains("direct messages"),
        "{t}"
    );
    assert_eq!(m["response_type"], "ephemeral");
    let uploads = h.slack.uploads();
    assert_eq!(uploads.len(), 1);
    assert!(uploads[0].1.starts_with(b"\x89PNG"));
    // The image goes to the requester's DM, never to a channel (tests/wire.rs has the details).
    let complete = h.slack.calls_to("files.completeUploadExternal");
    assert_eq!(complete[0].body["channel_id"], format!("D{ADMIN}"));
    assert!(h.slack.calls_to("chat.postMessage").is_empty());
    // Restart from `close` is a failure reported as such.
    h.evo().set_state("close");
    let t = text_of(&h.confirm("evolution restart").await);
    assert!(
        t.contains("Evolution") && t.contains("failed") && t.contains("evolution qr"),
        "{t}"
    );
    h.evo().set_state("open");
    let t = text_of(&h.confirm("evolution restart").await);
    assert!(t.contains("restarted"), "{t}");
    assert!(h
        .evo()
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/instance/restart/julia"));
    // Webhook reset with the nested v2 body, read back.
    let t = text_of(&h.confirm("webhook reset").await);
    assert!(t.contains("read back"), "{t}");
    let set = h
        .evo()
        .requests()
        .into_iter()
        .find(|r| r.path == "/webhook/set/julia")
        .unwrap();
    assert_eq!(
        set.body,
        json!({"webhook": {"enabled": true, "url": "https://julia.example/webhooks/evolution", "byEvents": false, "base64": false, "events": ["MESSAGES_UPSERT", "CONNECTION_UPDATE"]}})
    );
    assert!(h
        .evo()
        .requests()
        .iter()
        .all(|r| r.apikey.as_deref() == Some("evo-key")));
    h.assert_no_secrets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evolution_errors_name_the_fix() {
    let h = Harness::for_julia()
        .env("EVOLUTION_API_KEY", "wrong")
        .spawn()
        .await;
    let m = h.run("evolution", "UANY").await;
    assert!(text_of(&m).contains("HTTP 401"), "{m}");
    let h = Harness::for_julia()
        .env("EVOLUTION_INSTANCE", "nope")
        .spawn()
        .await;
    let t = text_of(&h.confirm("webhook reset").await);
    assert!(
        t.contains("does not exist") && t.contains("EVOLUTION_INSTANCE"),
        "{t}"
    );
}
