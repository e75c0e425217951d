//! `/julia rollback` where the runbook catalog marks a variable of the service as a kill switch
//! (`DELIVERY_DISABLE`, set since the target deployment): the confirmation says the rollback
//! puts it back, and offers "Roll back, keep DELIVERY_DISABLE=true". Kept, the deployment that
//! ends up running has the rolled-back code and the switch's current value; plain, the old one.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::harness::*;
use testkit::{eventually, TempDir};

const CATALOG: &str = r#"
systems:
  - name: julia
    description: Julia on Railway
    actions:
      - name: kill-switch
        description: stop all deliveries
        writes: true
        kind: railway.variable.set
        params: {project: p1, environment: e1, service: julia-api, variable: DELIVERY_DISABLE, value: "true"}
"#;

/// Julia with the catalog, `DELIVERY_DISABLE=true` set (and running in d4) since d2.
async fn switched(dir: &TempDir) -> Harness {
    let file = dir.path().join("runbooks.yml");
    std::fs::write(&file, CATALOG).unwrap();
    let h = Harness::for_julia()
        .env("RUNBOOKS_FILE", &file.display().to_string())
        .spawn()
        .await;
    {
        let rw = h.rw();
        let mut g = rw.state.lock().unwrap();
        let vars = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let now = vars(&[("DELIVERY_DISABLE", "true"), ("RUN_MODE", "api")]);
        g.variables.insert("s-api".into(), now.clone());
        g.deployment_variables.insert("s-api-d4".into(), now);
        g.deployment_variables
            .insert("s-api-d2".into(), vars(&[("RUN_MODE", "api")]));
    }
    h
}

/// The deployment of julia-api that runs once the follow-up posted its outcome.
async fn running_after_follow(h: &Harness) -> Value {
    eventually(Duration::from_secs(10), || async {
        h.slack.posts_in(CH).into_iter().next()
    })
    .await
    .expect("outcome posted");
    let g = h.rw().state.lock().unwrap();
    g.deployments
        .iter()
        .filter(|(s, d)| s == "s-api" && d["status"] == "SUCCESS")
        .map(|(_, d)| d.clone())
        .max_by(|a, b| a["createdAt"].as_str().cmp(&b["createdAt"].as_str()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_can_keep_the_kill_switch_set_since() {
    let dir = TempDir::new("chatops-keep");
    let h = switched(&dir).await;
    let (token, prompt) = h.request("rollback julia-api", ADMIN).await;
    let t = text_of(&prompt);
    assert!(
        t.contains("Kill switch `DELIVERY_DISABLE` is `true` now") && t.contains("back to unset"),
        "{t}"
    );
    assert_eq!(
        button_label(&prompt, "julia_confirm_alt").as_deref(),
        Some("Roll back, keep DELIVERY_DISABLE=true")
    );
    let started = text_of(&h.click("julia_confirm_alt", &token, ADMIN).await);
    assert!(
        started.contains("Railway accepted `rollback`")
            && started.contains("Kept DELIVERY_DISABLE=true"),
        "{started}"
    );
    let live = running_after_follow(&h).await;
    // The rolled-back code (d2's commit), with the switch as it was before the rollback.
    assert_eq!(live["meta"]["commitHash"], "bbbbbbb2", "{live}");
    assert_eq!(
        h.rw()
            .running_variable("s-api", "DELIVERY_DISABLE")
            .as_deref(),
        Some("true")
    );
    let reqs = h.rw().requests();
    let order: Vec<&str> = reqs
        .iter()
        .filter_map(|r| {
            ["deploymentRollback", "variableUpsert"]
                .into_iter()
                .find(|op| r.query.contains(op))
        })
        .collect();
    assert_eq!(order, ["deploymentRollback", "variableUpsert"]);
    let up = reqs
        .iter()
        .find(|r| r.query.contains("variableUpsert"))
        .unwrap();
    assert_eq!(
        up.variables["input"],
        json!({"projectId": "p1", "environmentId": "e1", "serviceId": "s-api",
               "name": "DELIVERY_DISABLE", "value": "true", "skipDeploys": false})
    );
    assert!(h.rw().state.lock().unwrap().invalid.is_empty());
    assert_eq!(h.audits("julia.rollback", "accepted").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_rollback_puts_the_kill_switch_back_as_the_prompt_said() {
    let dir = TempDir::new("chatops-keep");
    let h = switched(&dir).await;
    let (token, prompt) = h.request("rollback julia-api", ADMIN).await;
    assert!(
        text_of(&prompt).contains("*Confirm* rolls it back to unset"),
        "{prompt}"
    );
    let started = text_of(&h.click("julia_confirm", &token, ADMIN).await);
    assert!(!started.contains("Kept"), "{started}");
    let live = running_after_follow(&h).await;
    assert_eq!(live["meta"]["commitHash"], "bbbbbbb2", "{live}");
    assert_eq!(h.rw().running_variable("s-api", "DELIVERY_DISABLE"), None);
    assert!(!h
        .rw()
        .requests()
        .iter()
        .any(|r| r.query.contains("variableUpsert")));
}

/// Without a catalog naming it, no offer (the variables that differ are still named).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_offer_without_a_catalog_switch() {
    let h = Harness::for_julia().spawn().await;
    let (_, prompt) = h.request("rollback julia-api", ADMIN).await;
    assert_eq!(button_label(&prompt, "julia_confirm_alt"), None);
}
