//! `/julia deploys`, `rollback`, `restart`, `redeploy` end to end against the fake Railway,
//! each followed until Julia's health says how it went, on `Harness::for_julia` (see
//! `julia.rs`).

use std::time::Duration;

use serde_json::json;
use testkit::harness::*;
use testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_picks_the_newest_older_success_and_follows_it() {
    let h = Harness::for_julia().spawn().await;
    let (token, prompt) = h.request("rollback julia-api", ADMIN).await;
    assert!(text_of(&prompt).contains("s-api-d4 → s-api-d2"), "{prompt}");
    let started = text_of(&h.click("julia_confirm", &token, ADMIN).await);
    assert!(started.contains("Railway accepted `rollback`"), "{started}");
    let rb: Vec<_> = h
        .rw()
        .requests()
        .into_iter()
        .filter(|r| r.query.contains("deploymentRollback"))
        .collect();
    assert_eq!(rb.len(), 1);
    assert_eq!(rb[0].variables, json!({"id": "s-api-d2"}));
    // The outcome is posted in the channel.
    let post = eventually(Duration::from_secs(10), || async {
        h.slack.posts_in(CH).into_iter().next()
    })
    .await
    .expect("outcome posted");
    assert!(
        text_of(&post).contains("deployment SUCCESS — healthy"),
        "{post}"
    );
    // An explicit id, and refusals.
    let (_, prompt) = h.request("rollback julia-worker s-worker-d1", ADMIN).await;
    assert!(text_of(&prompt).contains("→ s-worker-d1"));
    let msg = h.run("rollback julia-worker nope", ADMIN).await;
    assert!(text_of(&msg).contains("Cannot roll back"), "{msg}");
    let msg = h.run("rollback julia-web", ADMIN).await;
    let t = text_of(&msg);
    assert!(
        t.contains("Unknown service")
            && t.contains("`julia-api`, `julia-worker`, `julia-scheduler`"),
        "{t}"
    );
    h.rw()
        .state
        .lock()
        .unwrap()
        .deployments
        .iter_mut()
        .for_each(|(_, d)| d["canRollback"] = false.into());
    let msg = h.run("rollback julia-api", ADMIN).await;
    assert!(text_of(&msg).contains("canRollback = false"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_health_after_a_deploy_offers_a_rollback() {
    let h = Harness::for_julia()
        .env("JULIA_FOLLOW_LIMIT", "1s")
        .spawn()
        .await;
    h.julia().set_healthy(false);
    let done = text_of(&h.confirm("restart julia-worker").await);
    assert!(done.contains("Railway accepted `restart`"), "{done}");
    let r: Vec<_> = h
        .rw()
        .requests()
        .into_iter()
        .filter(|r| r.query.contains("deploymentRestart"))
        .collect();
    assert_eq!(r[0].variables, json!({"id": "s-worker-d4"}));
    let post = eventually(Duration::from_secs(10), || async {
        h.slack.posts_in(CH).into_iter().next()
    })
    .await
    .expect("outcome");
    let t = text_of(&post);
    assert!(
        t.contains("/health/deep fails")
            && t.contains("julia_rollback_prompt")
            && t.contains("`redis`"),
        "{t}"
    );
    // Redeploy sends deploymentRedeploy with a selection.
    let done = text_of(&h.confirm("redeploy julia-api").await);
    assert!(done.contains("s-api-new"), "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn railway_errors_are_reported_without_claiming_success() {
    let h = Harness::for_julia().spawn().await;
    let (token, _) = h.request("restart julia-api", ADMIN).await;
    h.rw().fail_with(Some("Not Authorized"));
    let t = text_of(&h.click("julia_confirm", &token, ADMIN).await);
    assert!(
        t.contains("Railway") && t.contains("Not Authorized") && t.contains("RAILWAY_API_TOKEN"),
        "{t}"
    );
    assert!(!t.contains("accepted"));
    let msg = h.run("deploys", "UANY").await;
    assert!(text_of(&msg).contains("Not Authorized"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploys_lists_the_last_deployments_and_says_what_to_set_when_unconfigured() {
    let h = Harness::for_julia().spawn().await;
    let msg = h.run("deploys julia-api", "UANY").await;
    let t = text_of(&msg);
    let d4 = t.find("s-api-d4").unwrap();
    let d1 = t.find("s-api-d1").unwrap();
    assert!(d4 < d1, "newest first: {t}");
    assert!(t.contains("can roll back") && t.contains("FAILED"), "{t}");

    // Nothing configured: each answer says what to set.
    let bare = Harness::builder().spawn().await;
    let r = bare.run("deploys", "UANY").await;
    assert!(
        text_of(&r).contains("RAILWAY_API_TOKEN or RAILWAY_TOKEN"),
        "{r}"
    );
    let r = bare.run("status", "UANY").await;
    assert!(
        text_of(&r).contains("JULIA_DATABASE_URL") && text_of(&r).contains("EVOLUTION_API_URL"),
        "{r}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn railway_rate_limits_are_waited_out() {
    let h = Harness::for_julia()
        .env("JULIA_SOURCE_TIMEOUT", "3s")
        .spawn()
        .await;
    h.rw().state.lock().unwrap().rate_limited = 1;
    let before = h.rw().requests().len();
    let m = h.run("deploys julia-api", "UANY").await;
    assert!(text_of(&m).contains("s-api-d4"), "{m}");
    assert!(h.rw().requests().len() >= before + 3, "the 429 was retried");
}
