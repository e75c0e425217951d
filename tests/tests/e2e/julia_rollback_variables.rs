//! `/julia rollback` says that a rollback restores the target deployment's variables too
//! (Railway docs `deployments/deployment-actions.md`: "Both the Docker image and custom
//! variables are restored"), naming those that differ, never their values.

use testkit::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_prompt_names_the_variables_it_restores() {
    let h = Harness::for_julia().spawn().await;
    {
        let rw = h.rw();
        let mut g = rw.state.lock().unwrap();
        let vars = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        // Running: the kill switch set since the rollback target was made.
        g.deployment_variables.insert(
            "s-api-d4".into(),
            vars(&[("DELIVERY_DISABLE", "true"), ("RUN_MODE", "api")]),
        );
        g.deployment_variables
            .insert("s-api-d2".into(), vars(&[("RUN_MODE", "api")]));
    }
    let (_, prompt) = h.request("rollback julia-api", ADMIN).await;
    let t = text_of(&prompt);
    assert!(t.contains("s-api-d4 → s-api-d2"), "{t}");
    assert!(
        t.contains("restores that deployment's variables") && t.contains("`DELIVERY_DISABLE`"),
        "{t}"
    );
    assert!(!t.contains("RUN_MODE"), "only the ones that differ: {t}");
    let snapshots: Vec<_> = h
        .rw()
        .requests()
        .into_iter()
        .filter(|r| r.query.contains("deploymentSnapshot("))
        .collect();
    assert_eq!(snapshots.len(), 2, "current and target");
    assert!(h.rw().state.lock().unwrap().invalid.is_empty());
}
