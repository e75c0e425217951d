//! `/ops` Railway variable writes take effect: a kill switch reaches the service's running
//! deployment (the fake Railway records which deployment carries which variables), an unset
//! deploys once, a sealed variable is not "read back", the prompt shows the value to be
//! written, and a variable written but not deployed is announced and audited as such.

use testkit::ops_harness::*;
use testkit::*;

/// The kill switch, the same variable unset, on the fakes' `kumon-api`.
fn unset_catalog() -> String {
    format!(
        r#"systems:
  - name: kumon
    description: Kumon Assistant
    admins: [{ADMIN}]
    announce: {ANNOUNCE}
    actions:
      - name: resume
        writes: true
        kind: railway.variable.unset
        params: {{project: p1, environment: e1, service: kumon-api, variable: DELIVERY_DISABLE, redeploy: true}}
"#
    )
}

fn preset(h: &H, name: &str, value: &str) {
    let mut g = h.rw.state.lock().unwrap();
    g.variables
        .entry("s-kumon".into())
        .or_default()
        .insert(name.into(), value.into());
}

async fn a_kill_switch_reaches_the_running_deployment(db: TestDb) {
    let h = harness(db).await;
    preset(&h, "DELIVERY_DISABLE", "false");
    let (prompt, done) = h.confirm("kumon kill-switch").await;
    // What the service runs with, not only what is stored.
    let running = h.rw.running_variable("s-kumon", "DELIVERY_DISABLE");
    assert_eq!(running.as_deref(), Some("true"), "the running deployment");
    assert_eq!(h.gql("serviceInstanceDeployV2").len(), 1);
    assert!(h.gql("serviceInstanceRedeploy").is_empty());
    assert!(h.rw.state.lock().unwrap().invalid.is_empty());
    // The prompt shows the value that will be written, next to the current one.
    assert!(
        text(&prompt).contains("DELIVERY_DISABLE: `false` → `true`"),
        "{prompt}"
    );
    assert!(text(&done).contains("`false` → `true`"), "{done}");
    h.app.settle().await;
    let audit = h.audit("ops.kumon.kill-switch").await;
    assert_eq!(audit.last().unwrap().0, "followed_ok", "{audit:?}");
}
on_both_stores!(
    kill_switch_takes_effect,
    a_kill_switch_reaches_the_running_deployment
);

async fn an_unset_deploys_once(db: TestDb) {
    let h = harness_with(db, &unset_catalog(), &[]).await;
    preset(&h, "DELIVERY_DISABLE", "true");
    let count = || {
        let g = h.rw.state.lock().unwrap();
        g.deployments.iter().filter(|(s, _)| s == "s-kumon").count()
    };
    let before = count();
    let (_, done) = h.confirm("kumon resume").await;
    assert!(text(&done).contains("→ `(unset)`"), "{done}");
    assert_eq!(
        count(),
        before + 1,
        "variableDelete deploys by itself: one deployment, not two"
    );
    assert_eq!(h.rw.running_variable("s-kumon", "DELIVERY_DISABLE"), None);
}
on_both_stores!(unset_deploys_once, an_unset_deploys_once);

async fn a_sealed_variable_is_written_and_deployed(db: TestDb) {
    let h = harness(db).await;
    h.rw.seal("s-kumon", "DELIVERY_DISABLE", "false");
    let (prompt, done) = h.confirm("kumon kill-switch").await;
    let done = text(&done);
    assert!(
        done.contains("Done") && !done.contains("read back"),
        "{done}"
    );
    assert_eq!(h.gql("serviceInstanceDeployV2").len(), 1, "deployed");
    let running = h.rw.running_variable("s-kumon", "DELIVERY_DISABLE");
    assert_eq!(running.as_deref(), Some("true"));
    assert!(
        text(&prompt).contains("DELIVERY_DISABLE: `(sealed)` → `true`"),
        "{prompt}"
    );
}
on_both_stores!(sealed_variable, a_sealed_variable_is_written_and_deployed);

async fn a_variable_written_but_not_deployed_is_announced(db: TestDb) {
    let h = harness(db).await;
    h.rw.state.lock().unwrap().refuse_deploys = Some("Deployments are paused".into());
    let (_, done) = h.confirm("kumon kill-switch").await;
    assert!(text(&done).contains("Written, not deployed"), "{done}");
    assert_eq!(
        h.rw.variable("s-kumon", "DELIVERY_DISABLE").as_deref(),
        Some("true")
    );
    assert_eq!(h.rw.running_variable("s-kumon", "DELIVERY_DISABLE"), None);
    h.app.settle().await;
    let posts: Vec<String> = h.slack.posts_in(ANNOUNCE).iter().map(text).collect();
    assert!(
        posts
            .iter()
            .any(|p| p.contains("Written, not deployed") && p.contains("Deployments are paused")),
        "{posts:?}"
    );
    let audit = h.audit("ops.kumon.kill-switch").await;
    let last = audit.last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_deref(), last.2.as_deref()),
        ("written_not_deployed", Some("(unset)"), Some("true")),
        "{audit:?}"
    );
}
on_both_stores!(
    written_not_deployed,
    a_variable_written_but_not_deployed_is_announced
);
