//! `/ops` end to end against loopback fakes: Railway (every document validated against its
//! schema), a Kubernetes API server, and Kumon's `/health`. On SQLite and PostgreSQL.

use serde_json::{json, Value};
use sqlx::Row;
use testkit::ops_harness::*;
use testkit::*;

async fn kumon_kill_switch_end_to_end(db: TestDb) {
    let h = harness(db).await;
    let (prompt, done) = h.confirm("kumon kill-switch").await;
    assert!(text(&prompt).contains("DELIVERY_DISABLE"), "{prompt}");
    assert!(text(&prompt).contains("Now: `(unset)`"), "{prompt}");
    assert!(text(&done).contains("`(unset)` → `true`"), "{done}");
    // Variable set without Railway's own deploy, then one new deployment, in that order.
    let up = h.gql("variableUpsert");
    assert_eq!(
        up,
        vec![
            json!({"input": {"projectId": "p1", "environmentId": "e1", "serviceId": "s-kumon",
                              "name": "DELIVERY_DISABLE", "value": "true", "skipDeploys": true}})
        ]
    );
    assert_eq!(
        h.gql("serviceInstanceDeployV2"),
        vec![json!({"environmentId": "e1", "serviceId": "s-kumon"})]
    );
    let order: Vec<String> = h.rw.requests().iter().map(|r| r.query.clone()).collect();
    let pos = |f: &str| order.iter().position(|q| q.contains(f)).unwrap();
    assert!(pos("variableUpsert(") < pos("serviceInstanceDeployV2("));
    assert!(
        h.rw.state.lock().unwrap().invalid.is_empty(),
        "every document is valid"
    );
    // The follow-up job polls /health until it shows the switch, then posts.
    h.app.settle().await;
    let posts: Vec<String> = h.slack.posts_in(ANNOUNCE).iter().map(text).collect();
    assert!(
        posts.iter().any(
            |p| p.contains(&format!("<@{ADMIN}> ran `kumon kill-switch`")) && p.contains("`true`")
        ),
        "{posts:?}"
    );
    assert!(
        posts
            .iter()
            .any(|p| p.contains("Follow-up of `kumon kill-switch` holds")),
        "{posts:?}"
    );
    assert!(
        h.kumon
            .requests()
            .iter()
            .filter(|r| r.path == "/health")
            .count()
            >= 3,
        "guard twice, follow-up"
    );
    let audit = h.audit("ops.kumon.kill-switch").await;
    let outcomes: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(outcomes, ["requested", "confirmed", "done", "followed_ok"]);
    assert_eq!(
        (audit[2].1.as_deref(), audit[2].2.as_deref()),
        (Some("(unset)"), Some("true"))
    );
    // `/ops` shows the last guard and follow-up results.
    let list = h.run("", OTHER).await;
    let t = list.to_string();
    assert!(
        t.contains("kill-switch follow-up") && t.contains("/delivery_disabled = true"),
        "{t}"
    );
    assert!(t.contains("/environment = production"), "{t}");
}
on_both_stores!(kumon_kill_switch, kumon_kill_switch_end_to_end);

async fn fabrica_scale_to_zero_and_back(db: TestDb) {
    let h = harness(db).await;
    let (prompt, done) = h.confirm("fabrica scale-workers 0").await;
    assert!(text(&prompt).contains("Now: `3`"), "{prompt}");
    assert!(text(&done).contains("`3` → `0`"), "{done}");
    assert_eq!(
        h.k8s
            .deployment("fabrica-agentes", "fabrica-workers")
            .replicas,
        0
    );
    // The PUT carried the resourceVersion it read, and replicas 0.
    let puts: Vec<_> = h
        .k8s
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 1);
    assert_eq!(
        puts[0].path,
        "/apis/apps/v1/namespaces/fabrica-agentes/deployments/fabrica-workers/scale"
    );
    let body: Value = serde_json::from_str(&puts[0].body).unwrap();
    assert_eq!(body["metadata"]["resourceVersion"], "100");
    assert_eq!(body["spec"]["replicas"], 0);
    let (prompt, done) = h.confirm("fabrica scale-workers replicas=3").await;
    assert!(text(&prompt).contains("Now: `0`"), "{prompt}");
    assert!(text(&done).contains("`0` → `3`"), "{done}");
    assert_eq!(
        h.k8s
            .deployment("fabrica-agentes", "fabrica-workers")
            .replicas,
        3
    );
    h.app.drain_outbox().await;
    let posts: Vec<String> = h.slack.posts_in(ANNOUNCE).iter().map(text).collect();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(
        posts[0].contains("fabrica scale-workers replicas=0") && posts[0].contains("`3` → `0`"),
        "{posts:?}"
    );
    let done: Vec<_> = h
        .audit("ops.fabrica.scale-workers")
        .await
        .into_iter()
        .filter(|a| a.0 == "done")
        .map(|a| (a.1, a.2))
        .collect();
    let v = |a: &str, b: &str| (Some(a.to_string()), Some(b.to_string()));
    assert_eq!(done, [v("3", "0"), v("0", "3")]);
}
on_both_stores!(fabrica_scale, fabrica_scale_to_zero_and_back);

async fn fabrica_rollout_restart_status_and_logs(db: TestDb) {
    let h = harness(db).await;
    // Rollout restart: kubectl's exact strategic-merge patch.
    let (_, done) = h.confirm("fabrica restart-api").await;
    assert!(text(&done).contains("generation 2"), "{done}");
    let patch = h
        .k8s
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .expect("a PATCH");
    assert_eq!(
        patch.path,
        "/apis/apps/v1/namespaces/fabrica-agentes/deployments/fabrica-api"
    );
    assert_eq!(
        patch.content_type.as_deref(),
        Some("application/strategic-merge-patch+json")
    );
    let body: Value = serde_json::from_str(&patch.body).unwrap();
    let stamp = body
        .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
        .and_then(Value::as_str)
        .unwrap();
    assert_eq!(
        body,
        json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}}})
    );
    assert!(stamp.ends_with('Z') && !stamp.contains('.'), "{stamp}");
    assert_eq!(
        h.k8s
            .deployment("fabrica-agentes", "fabrica-api")
            .generation,
        2
    );
    h.app.drain_outbox().await;
    let posts: Vec<String> = h.slack.posts_in(ANNOUNCE).iter().map(text).collect();
    assert!(
        posts.len() == 1 && posts[0].contains("ran `fabrica restart-api`"),
        "{posts:?}"
    );
    // Status, for anyone; logs to the requester only.
    let st = text(&h.run("fabrica status", OTHER).await);
    assert!(
        st.contains("2/2 ready") && st.contains("fabrica-api-7d9-b") && st.contains("Running"),
        "{st}"
    );
    let logs = h.run("fabrica logs", ADMIN).await;
    assert_eq!(logs["response_type"], "ephemeral");
    assert!(
        logs.to_string().contains("POST /v1/runs 500") && !logs.to_string().contains("boot"),
        "{logs}"
    );
    let log_reqs: Vec<_> = h
        .k8s
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log"))
        .collect();
    assert_eq!(log_reqs.len(), 2);
    assert!(
        log_reqs.iter().all(|r| r.query.contains("tailLines=2")),
        "{log_reqs:?}"
    );
    h.app.drain_outbox().await;
    assert!(
        h.slack
            .calls_to("chat.postMessage")
            .iter()
            .all(|c| !c.body.to_string().contains("/v1/runs")),
        "logs never in a channel"
    );
    // Logs are privileged here.
    let refused = text(&h.run("fabrica logs", OTHER).await);
    assert!(refused.contains("restricted"), "{refused}");
}
on_both_stores!(
    fabrica_restart_status_logs,
    fabrica_rollout_restart_status_and_logs
);

async fn etp_rollback_goes_to_the_previous_deployment(db: TestDb) {
    let h = harness(db).await;
    let (prompt, done) = h.confirm("etp rollback").await;
    assert!(
        text(&prompt).contains("Now: `s-etp-d4 SUCCESS`"),
        "{prompt}"
    );
    assert!(text(&done).contains("rolled back to s-etp-d2"), "{done}");
    assert_eq!(h.gql("deploymentRollback"), vec![json!({"id": "s-etp-d2"})]);
    // The project token named in the catalog, not the bot's account token.
    let r =
        h.rw.requests()
            .into_iter()
            .find(|r| r.query.contains("deploymentRollback("))
            .unwrap();
    assert_eq!(
        (r.project_token.as_deref(), r.bearer.as_deref()),
        (Some("etp-project-token"), None)
    );
    h.app.drain_outbox().await;
    assert!(h
        .slack
        .posts_in(ANNOUNCE)
        .iter()
        .any(|p| text(p).contains("ran `etp rollback`")));
    let audit = h.audit("ops.etp.rollback").await;
    assert_eq!(audit.last().unwrap().0, "done");
    assert_eq!(audit.last().unwrap().1.as_deref(), Some("s-etp-d4"));
}
on_both_stores!(etp_rollback, etp_rollback_goes_to_the_previous_deployment);

async fn a_guard_that_fails_refuses(db: TestDb) {
    let h = harness(db).await;
    *h.kumon_env.lock().unwrap() = "staging".into();
    let m = text(&h.run("kumon kill-switch", ADMIN).await);
    assert!(
        m.contains("guard does not hold") && m.contains("`staging`"),
        "{m}"
    );
    assert!(h.gql("variableUpsert").is_empty());
    // The guard is checked again at the click: it held at the prompt, not any more.
    *h.kumon_env.lock().unwrap() = "production".into();
    let prompt = h.run("kumon kill-switch", ADMIN).await;
    let token = token_of(&prompt).unwrap();
    *h.kumon_env.lock().unwrap() = "staging".into();
    let after = text(&h.click("ops_confirm", &token, ADMIN).await);
    assert!(after.contains("guard does not hold"), "{after}");
    assert!(h.gql("variableUpsert").is_empty(), "nothing written");
    let outcomes: Vec<String> = h
        .audit("ops.kumon.kill-switch")
        .await
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(
        outcomes,
        ["refused_guard", "requested", "confirmed", "refused_guard"]
    );
    // Not an admin: refused before anything is read.
    let m = text(&h.run("kumon kill-switch", OTHER).await);
    assert!(
        m.contains("restricted") && m.contains(&format!("<@{ADMIN}>")),
        "{m}"
    );
}
on_both_stores!(guard_refuses, a_guard_that_fails_refuses);

async fn a_secret_value_never_leaks(db: TestDb) {
    let h = harness(db).await;
    let (prompt, done) = h.confirm(&format!("etp rotate-key {SECRET_KEY}")).await;
    assert!(text(&prompt).contains("key=[secret]"), "{prompt}");
    assert!(
        text(&done).contains("changed (secret, not shown)"),
        "{done}"
    );
    assert_eq!(
        h.rw.variable("s-etp", "OPENAI_API_KEY").as_deref(),
        Some(SECRET_KEY),
        "it was set"
    );
    // A value that does not match is not echoed either.
    let bad = h.ops("etp rotate-key sk-short-SECRETISH", ADMIN).await;
    assert!(
        text(&bad).contains("must match") && !bad.to_string().contains("SECRETISH"),
        "{bad}"
    );
    h.app.settle().await;
    let mut seen: Vec<String> = h.slack.calls().iter().map(|c| c.body.to_string()).collect();
    seen.extend(h.slack.responses().iter().map(|(_, v)| v.to_string()));
    for sql in [
        "SELECT COALESCE(args, '') || COALESCE(before_value, '') || COALESCE(after_value, '') || COALESCE(detail, '') FROM audit_log",
        "SELECT body FROM outbox",
        "SELECT args FROM confirmations",
        "SELECT payload FROM jobs",
        "SELECT summary FROM ops_checks",
    ] {
        for r in sqlx::query(sql).fetch_all(&h.app.ctx.store.pool).await.unwrap() {
            seen.push(r.get::<String, _>(0));
        }
    }
    assert!(seen.len() > 5);
    for s in &seen {
        assert!(!s.contains(SECRET_KEY), "the secret leaked: {s}");
    }
    h.app.drain_outbox().await;
    let ann: Vec<String> = h.slack.posts_in(ANNOUNCE).iter().map(text).collect();
    assert!(
        ann.iter()
            .any(|p| p.contains("OPENAI_API_KEY") && p.contains("changed (secret, not shown)")),
        "{ann:?}"
    );
}
on_both_stores!(secret_never_leaks, a_secret_value_never_leaks);

async fn typed_argument_errors(db: TestDb) {
    let h = harness(db).await;
    let cases = [
        (
            "fabrica scale-workers 11",
            "`replicas` must be from 0 to 10; got 11",
        ),
        (
            "fabrica scale-workers three",
            "`replicas` must be a whole number from 0 to 10; got `three`",
        ),
        ("fabrica scale-workers", "`replicas` is missing"),
        ("fabrica scale-workers 1 2", "too many arguments (`2`)"),
        (
            "fabrica scale-workers replica=1",
            "no argument named `replica`; did you mean `replicas`?",
        ),
        (
            "fabrica scale-wrokers 1",
            "Did you mean `/ops fabrica scale-workers`?",
        ),
        ("fabrika status", "Did you mean `/ops fabrica`?"),
    ];
    for (cmd, want) in cases {
        let ack = h.ops(cmd, ADMIN).await;
        assert!(text(&ack).contains(want), "{cmd}: {ack}");
        assert_eq!(ack["response_type"], "ephemeral");
    }
    let usage = text(&h.ops("fabrica scale-workers 11", ADMIN).await);
    assert!(
        usage.contains("Usage: `/ops fabrica scale-workers <replicas: 0..10>`"),
        "{usage}"
    );
    assert!(
        h.k8s.requests().is_empty(),
        "nothing was sent to Kubernetes"
    );
    // Listing a system and the help.
    let sys = text(&h.ops("fabrica", OTHER).await);
    assert!(
        sys.contains("`/ops fabrica scale-workers <replicas: 0..10>`")
            && sys.contains(&format!("<@{ADMIN}>")),
        "{sys}"
    );
    assert!(text(&h.ops("help", OTHER).await).contains("Runbook catalog"));
}
on_both_stores!(typed_args, typed_argument_errors);

#[test]
fn an_invalid_catalog_fails_the_start_with_file_and_line() {
    let dir = TempDir::new("chatops-ops-bad");
    let file = dir.path().join("runbooks.yml");
    std::fs::write(
        &file,
        "systems:\n  - name: fabrica\n    actions:\n      - name: scale\n        writes: true\n        kind: kubernetes.scale\n        params: {namespace: n, deployment: d, replicas: '{{ count }}'}\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let pairs = [
        ("SLACK_SIGNING_SECRET", "s"),
        ("RUNBOOKS_FILE", path.as_str()),
    ];
    let err = bot::Settings::from_pairs(&pairs).unwrap_err();
    assert_eq!(err.var, "RUNBOOKS_FILE");
    assert!(
        err.problem
            .starts_with(&format!("{path}:7: action `scale`")),
        "{}",
        err.problem
    );
    assert!(
        err.problem.contains("`{{ count }}` is not an argument"),
        "{}",
        err.problem
    );
    // A file named but missing is an error; the default file absent is no catalog.
    let missing = dir.path().join("nope.yml").display().to_string();
    let err = bot::Settings::from_pairs(&[("RUNBOOKS_FILE", missing.as_str())]).unwrap_err();
    assert!(
        err.problem.contains("cannot read the runbook file"),
        "{}",
        err.problem
    );
    let c = bot::Settings::from_pairs(&[]).unwrap();
    assert!(c.ops.catalog.is_none());
    // The example shipped with the repository loads.
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../runbooks.example.yml");
    let c = bot::Settings::from_pairs(&[("RUNBOOKS_FILE", example)]).unwrap();
    assert_eq!(c.ops.catalog.unwrap().systems.len(), 3);
}

#[test]
fn railway_variable_documents_are_valid_against_the_schema() {
    let schema =
        testkit::graphql_check::Schema::load(testkit::specs::path(testkit::specs::RAILWAY_SCHEMA));
    for op in clients::railway_vars::OPERATIONS {
        assert_eq!(schema.validate(op), Vec::<String>::new(), "{op}");
    }
}

async fn a_follow_up_that_does_not_hold_is_announced(db: TestDb) {
    let h = harness(db).await;
    // Kumon keeps delivering whatever the variable says.
    h.kumon.answer(
        "GET",
        "/health",
        200,
        json!({"environment": "production", "delivery_disabled": false}),
    );
    let (_, done) = h.confirm("kumon kill-switch").await;
    assert!(text(&done).contains("Follow-up"), "{done}");
    h.app.settle().await;
    let posts: Vec<String> = h.slack.posts_in(ANNOUNCE).iter().map(text).collect();
    assert!(
        posts
            .iter()
            .any(|p| p.contains("did *not* hold within 2 s") && p.contains("/delivery_disabled")),
        "{posts:?}"
    );
    let polls = h
        .kumon
        .requests()
        .iter()
        .filter(|r| r.path == "/health")
        .count();
    assert!(polls >= 5, "polled until the deadline: {polls}");
    let last = h.audit("ops.kumon.kill-switch").await.pop().unwrap();
    assert_eq!(last.0, "followed_failed");
}
on_both_stores!(follow_up_fails, a_follow_up_that_does_not_hold_is_announced);
