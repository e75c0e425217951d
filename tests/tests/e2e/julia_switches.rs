//! `/julia campaigns`, `campaign`, `flags`, `queue` and `jobs kill` against Julia's tables as
//! they really are (`julia.md` §6), the bot connected as the tables' owner (see
//! `julia_safety.rs`).

use serde_json::{json, Value};
use sqlx::Row;
use testkit::harness::{self, *};
use testkit::julia_db::{OWNER_ROLE, SEED_CAMPAIGNS};
use testkit::*;

/// The bot on SQLite with Julia's database as `role` (`OWNER_ROLE` or `HIDDEN_ROLE`) and nothing
/// else of Julia's; `UADMIN` an admin.
fn safety(role: &'static str) -> harness::Builder {
    Harness::builder()
        .julia_db(role)
        .admin()
        .env("JULIA_SOURCE_TIMEOUT", "2s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn the_campaigns_flag_is_privileged_confirmed_guarded_and_announced() {
    let redis = Redis::start();
    let h = safety(OWNER_ROLE)
        .env("JULIA_REDIS_URL", &redis.url())
        .spawn()
        .await;
    let t = text_of(&h.run("campaigns off spam complaints", OTHER).await);
    assert!(t.contains("restricted"), "{t}");
    assert_eq!(h.audits("julia.campaigns", "refused").await, 1);
    let (token, prompt) = h.request("campaigns off spam complaints", ADMIN).await;
    let p = text_of(&prompt);
    assert!(
        p.contains("campaign sends only") && p.contains("production") && p.contains("ref123"),
        "{p}"
    );
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM feature_flags").await,
        0,
        "nothing before the click"
    );
    let done = text_of(&h.click("julia_confirm", &token, ADMIN).await);
    assert!(
        done.contains("Campaign sends off") && done.contains("applies now"),
        "{done}"
    );
    let r =
        sqlx::query("SELECT value::text, updated_by FROM feature_flags WHERE key = 'campaigns'")
            .fetch_one(h.jdb())
            .await
            .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&r.get::<String, _>(0)).unwrap(),
        json!({"enabled": false})
    );
    assert_eq!(r.get::<String, _>(1), ADMIN);
    assert_eq!(
        serde_json::from_str::<Value>(&redis.get("feature_flag:campaigns").unwrap()).unwrap(),
        json!({"enabled": false})
    );
    // Already off: no prompt, nothing written.
    let m = h.run("campaigns off again", ADMIN).await;
    assert!(
        button_value(&m, "julia_confirm").is_none() && text_of(&m).contains("already off"),
        "{m}"
    );
    let done = text_of(&h.confirm("campaigns on").await);
    assert!(done.contains("Campaign sends on"), "{done}");
    let v: String =
        sqlx::query_scalar("SELECT value::text FROM feature_flags WHERE key = 'campaigns'")
            .fetch_one(h.jdb())
            .await
            .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&v).unwrap(),
        json!({"enabled": true})
    );
    assert_eq!(h.audits("julia.campaigns", "done").await, 2);
    assert_eq!(h.audits("julia.campaigns", "unchanged").await, 1);
    let posts = h.announcements().await;
    assert!(
        posts
            .iter()
            .any(|p| p.contains("campaign sends are OFF — spam complaints — by <@UADMIN>")),
        "{posts:?}"
    );
    assert!(
        posts
            .iter()
            .any(|p| p.contains("campaign sends are back on")),
        "{posts:?}"
    );
    // `/julia flags` shows it, with who and when; an unknown name lists the known ones.
    let f = text_of(&h.run("flags", OTHER).await);
    for want in [
        "`campaigns` = `{\"enabled\": true}`, set by <@UADMIN>",
        "`safe_mode`: no row — Julia uses `{\"enabled\": false, \"mode\": \"wait\"}`",
        "`policy_engine`",
        "`disabled_rules`",
        "`external_handoff`",
    ] {
        assert!(f.contains(want), "missing {want:?} in {f}");
    }
    let f = text_of(&h.run("flags nope", OTHER).await);
    assert!(
        f.contains("Unknown flag `nope`") && f.contains("`external_handoff`"),
        "{f}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_campaigns_flag_is_hard_guarded() {
    let h = safety(OWNER_ROLE).env("APP_ENV", "staging").spawn().await;
    let t = text_of(&h.run("campaigns off x", ADMIN).await);
    assert!(t.contains("hard guard mismatch"), "{t}");
    assert_eq!(h.audits("julia.campaigns", "refused_guard").await, 1);
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM feature_flags").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_campaign_is_paused_and_resumed_and_other_transitions_are_refused() {
    let h = safety(OWNER_ROLE).spawn().await;
    h.jexec(SEED_CAMPAIGNS).await;
    h.jexec("UPDATE campanhas SET updated_at = now() - interval '1 day'")
        .await;
    let t = text_of(&h.confirm("campaign pause oferta sp").await);
    assert!(t.contains("#1 `Oferta SP` is now `pausada`"), "{t}");
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM campanhas WHERE id = 1 AND status = 'pausada' AND updated_at > now() - interval '1 minute'").await,
        1
    );
    let t = text_of(&h.confirm("campaign resume 1").await);
    assert!(t.contains("is now `ativa`"), "{t}");
    let t = text_of(&h.confirm("campaign pause oferta_sp_v2").await);
    assert!(t.contains("is now `pausada`"), "{t}");
    // Other transitions: refused with the allowed ones.
    let m = h.run("campaign pause 2", ADMIN).await;
    let t = text_of(&m);
    assert!(button_value(&m, "julia_confirm").is_none(), "{t}");
    assert!(
        t.contains("is `concluida`")
            && t.contains("`pause` (ativa → pausada), `resume` (pausada → ativa)"),
        "{t}"
    );
    let t = text_of(&h.run("campaign resume piloto", ADMIN).await);
    assert!(t.contains("is `rascunho`"), "{t}");
    // Unknown: the campaigns one can switch.
    let t = text_of(&h.run("campaign pause nope", ADMIN).await);
    assert!(
        t.contains("No campaign `nope`") && t.contains("#1 `Oferta SP` (pausada)"),
        "{t}"
    );
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM campanhas WHERE id = 2 AND status = 'concluida'")
            .await,
        1
    );
    assert_eq!(h.audits("julia.campaign", "done").await, 3);
    assert_eq!(h.audits("julia.campaign", "refused_transition").await, 2);
    assert_eq!(h.audits("julia.campaign", "refused_unknown").await, 1);
    let posts = h.announcements().await;
    assert!(
        posts
            .iter()
            .any(|p| p.contains("Campaign #1 `Oferta SP` set to `pausada` by <@UADMIN>")),
        "{posts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_counts_only_due_rows_and_shows_stuck_processando() {
    let h = safety(OWNER_ROLE).spawn().await;
    h.jexec(
        "INSERT INTO fila_mensagens (cliente_id, created_at) VALUES (gen_random_uuid(), now() - interval '10 minutes');
         INSERT INTO fila_mensagens (cliente_id, created_at, agendar_para) VALUES (gen_random_uuid(), now() - interval '5 hours', now() + interval '2 hours');
         INSERT INTO fila_mensagens (cliente_id, status, processando_desde) VALUES
           (gen_random_uuid(), 'processando', now() - interval '15 minutes'),
           (gen_random_uuid(), 'processando', now() - interval '2 minutes');",
    )
    .await;
    let t = text_of(&h.run("queue", OTHER).await);
    assert!(
        t.contains("2 pending: 1 due (oldest due for 10m), 1 scheduled later"),
        "{t}"
    );
    assert!(
        t.contains("1 stuck in `processando` for over 10 min (oldest 15m"),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_kill_takes_only_a_uuid_and_only_a_running_job() {
    let h = safety(OWNER_ROLE).spawn().await;
    let finished: String = sqlx::query_scalar(
        "INSERT INTO job_executions (job_name, started_at, finished_at, status) VALUES ('sync', now() - interval '1 hour', now(), 'success') RETURNING id::text",
    )
    .fetch_one(h.jdb())
    .await
    .unwrap();
    let running: String = sqlx::query_scalar(
        "INSERT INTO job_executions (job_name, started_at, status) VALUES ('stuck_job', now() - interval '2 hours', 'running') RETURNING id::text",
    )
    .fetch_one(h.jdb())
    .await
    .unwrap();
    let m = h.run("jobs kill abc", ADMIN).await;
    let t = text_of(&m);
    assert!(
        t.contains("`abc` is not a job id") && t.contains("uuid"),
        "{t}"
    );
    assert!(button_value(&m, "julia_confirm").is_none());
    let m = h.run(&format!("jobs kill {finished}"), ADMIN).await;
    let t = text_of(&m);
    assert!(t.contains("is `success`, not `running`"), "{t}");
    assert!(button_value(&m, "julia_confirm").is_none());
    let t = text_of(
        &h.run("jobs kill 0f8fad5b-d9cb-469f-a165-70867728950e", ADMIN)
            .await,
    );
    assert!(t.contains("No job with id"), "{t}");
    assert_eq!(h.audits("julia.jobs_kill", "refused_invalid").await, 1);
    assert_eq!(h.audits("julia.jobs_kill", "refused_not_running").await, 1);
    assert_eq!(h.audits("julia.jobs_kill", "refused_unknown").await, 1);
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM job_executions WHERE status = 'success'")
            .await,
        1
    );
    // A running one: the prompt says what it really does.
    let (token, prompt) = h
        .request(&format!("jobs kill {}", running.to_uppercase()), ADMIN)
        .await;
    let p = text_of(&prompt);
    assert!(
        p.contains("only relabels the row")
            && p.contains("cannot stop a job that is really still running"),
        "{p}"
    );
    let t = text_of(&h.click("julia_cancel", &token, ADMIN).await);
    assert!(t.contains("Cancelled"), "{t}");
    assert_eq!(h.audits("julia.jobs_kill", "cancelled").await, 1);
    let t = text_of(&h.confirm(&format!("jobs kill {running}")).await);
    assert!(t.contains("marked `error`"), "{t}");
    assert_eq!(
        h.jscalar(&format!("SELECT COUNT(*) FROM job_executions WHERE id = '{running}' AND status = 'error' AND finished_at IS NOT NULL")).await,
        1
    );
}
