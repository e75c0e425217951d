//! `/ops` end to end against loopback fakes: Railway (every document validated against its
//! schema), a Kubernetes API server, and Kumon's `/health`. On SQLite and PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::Row;
use testkit::fake_http::FakeHttp;
use testkit::fake_kubernetes::FakeKubernetes;
use testkit::fake_railway::FakeRailway;
use testkit::*;

const ADMIN: &str = "UADMIN";
const OTHER: &str = "UOTHER";
const CH: &str = "COPS";
const ANNOUNCE: &str = "CANNOUNCE";
const SECRET_KEY: &str = "sk-TOPSECRETvalue0123456789abcdef";

/// The catalog the tests run: the example's three systems on the fakes' ids.
fn catalog() -> String {
    format!(
        r#"systems:
  - name: kumon
    description: Kumon Assistant
    admins: [{ADMIN}]
    announce: {ANNOUNCE}
    guard:
      http:
        url: ${{KUMON_BASE_URL}}/health
        expect:
          /environment: production
    actions:
      - name: kill-switch
        description: stop all deliveries
        writes: true
        kind: railway.variable.set
        params:
          project: p1
          environment: e1
          service: kumon-api
          variable: DELIVERY_DISABLE
          value: "true"
          redeploy: true
        follow_up:
          http:
            url: ${{KUMON_BASE_URL}}/health
            expect:
              /delivery_disabled: true
          within: 5s
          every: 100ms
  - name: fabrica
    description: Fabrica de Agentes
    admins: [{ADMIN}]
    announce: {ANNOUNCE}
    actions:
      - name: status
        kind: kubernetes.status
        params: {{namespace: fabrica-agentes, deployment: fabrica-api}}
      - name: restart-api
        writes: true
        kind: kubernetes.rollout_restart
        params: {{namespace: fabrica-agentes, deployment: fabrica-api}}
      - name: scale-workers
        writes: true
        args:
          - {{name: replicas, type: int, min: 0, max: 10}}
        kind: kubernetes.scale
        params: {{namespace: fabrica-agentes, deployment: fabrica-workers, replicas: "{{{{ replicas }}}}"}}
      - name: logs
        privileged: true
        kind: kubernetes.logs
        params: {{namespace: fabrica-agentes, selector: app=fabrica-api, tail_lines: 2}}
  - name: etp
    description: ETP Express
    admins: [{ADMIN}]
    announce: {ANNOUNCE}
    actions:
      - name: rollback
        writes: true
        kind: railway.rollback
        params: &etp {{project: p1, environment: e1, service: etp-express-api, token_env: ETP_RAILWAY_TOKEN}}
      - name: rotate-key
        writes: true
        args:
          - {{name: key, type: string, pattern: "sk-[A-Za-z0-9]{{20,100}}", secret: true}}
        kind: railway.variable.set
        params: {{project: p1, environment: e1, service: etp-express-api, token_env: ETP_RAILWAY_TOKEN,
                  variable: OPENAI_API_KEY, value: "{{{{ key }}}}", secret: true, redeploy: false}}
"#
    )
}

struct H {
    app: TestApp,
    slack: FakeSlack,
    rw: FakeRailway,
    k8s: FakeKubernetes,
    kumon: FakeHttp,
    /// What Kumon's `/health` says its environment is.
    kumon_env: Arc<Mutex<String>>,
    _dir: TempDir,
}

async fn harness(store: TestDb) -> H {
    let slack = FakeSlack::start().await;
    let rw = FakeRailway::start().await;
    rw.add_service("s-kumon", "kumon-api");
    rw.add_service("s-etp", "etp-express-api");
    let k8s = FakeKubernetes::start().await;
    k8s.add_deployment("fabrica-agentes", "fabrica-api", 2, "fabrica-api");
    k8s.add_deployment("fabrica-agentes", "fabrica-workers", 3, "fabrica-workers");
    k8s.add_pod(
        "fabrica-agentes",
        "fabrica-api-7d9-a",
        "fabrica-api",
        "Running",
        0,
        "boot\nready\nGET /v1/agents 200",
    );
    k8s.add_pod(
        "fabrica-agentes",
        "fabrica-api-7d9-b",
        "fabrica-api",
        "Running",
        2,
        "boot\nready\nPOST /v1/runs 500",
    );
    // Kumon reports the kill-switch once the variable is set and the service redeployed.
    let kumon = FakeHttp::start().await;
    let kumon_env = Arc::new(Mutex::new("production".to_string()));
    let (st, env) = (rw.state.clone(), kumon_env.clone());
    kumon.answer_with("GET", "/health", move || {
        let g = st.lock().unwrap();
        let set = g.variables.get("s-kumon").and_then(|v| v.get("DELIVERY_DISABLE")).map(String::as_str) == Some("true");
        let redeployed = g.service_redeploys.iter().any(|s| s == "s-kumon");
        (200, json!({"status": "ok", "environment": *env.lock().unwrap(), "delivery_disabled": set && redeployed}))
    });
    let dir = TempDir::new("chatops-ops");
    let file = dir.path().join("runbooks.yml");
    std::fs::write(&file, catalog()).unwrap();
    let opts = AppOptions::default()
        .env("RUNBOOKS_FILE", &file.display().to_string())
        .env("KUBECONFIG", &k8s.kubeconfig)
        .env("KUMON_BASE_URL", &kumon.base_url)
        .env("ETP_RAILWAY_TOKEN", "etp-project-token")
        .env("RAILWAY_API_URL", &rw.url)
        .env("RAILWAY_API_TOKEN", "rw-account-token")
        .env("CHATOPS_ADMINS", ADMIN);
    let app = spawn_app(&store, &slack, opts).await;
    H {
        app,
        slack,
        rw,
        k8s,
        kumon,
        kumon_env,
        _dir: dir,
    }
}

impl H {
    /// Runs `/ops text`; returns the ack.
    async fn ops(&self, text: &str, user: &str) -> Value {
        self.app.command_as("/ops", text, user, CH).await
    }

    async fn wait_response(&self, rid: &str, n: usize) -> Value {
        eventually(Duration::from_secs(10), || async {
            let r = self.slack.responses_to(rid);
            (r.len() >= n).then(|| r[n - 1].clone())
        })
        .await
        .unwrap_or_else(|| panic!("no response #{n} to {rid}"))
    }

    /// Runs a command that answers later; returns its first later answer.
    async fn run(&self, text: &str, user: &str) -> Value {
        let ack = self.ops(text, user).await;
        assert_eq!(ack["response_type"], "ephemeral", "{ack}");
        let rid = ack["_response_id"].as_str().unwrap().to_string();
        self.wait_response(&rid, 1).await
    }

    async fn click(&self, action: &str, token: &str, user: &str) -> Value {
        let rid = uuid::Uuid::new_v4().simple().to_string();
        let p = json!({
            "type": "block_actions", "user": {"id": user}, "channel": {"id": CH},
            "container": {"type": "message", "channel_id": CH, "is_ephemeral": true},
            "response_url": self.slack.response_url(&rid),
            "actions": [{"action_id": action, "value": token, "type": "button"}]
        });
        assert_eq!(self.app.interaction(&p).await.status(), 200);
        self.wait_response(&rid, 1).await
    }

    /// Request, confirmation prompt, click: the answer after the click.
    async fn confirm(&self, text: &str) -> (Value, Value) {
        let prompt = self.run(text, ADMIN).await;
        let token = token_of(&prompt).unwrap_or_else(|| panic!("no confirmation in {prompt}"));
        let done = self.click("ops_confirm", &token, ADMIN).await;
        (prompt, done)
    }

    async fn audit(&self, action: &str) -> Vec<(String, Option<String>, Option<String>, String)> {
        sqlx::query("SELECT outcome, before_value, after_value, args FROM audit_log WHERE action = $1 ORDER BY id")
            .bind(action)
            .fetch_all(&self.app.ctx.store.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    }

    fn gql(&self, field: &str) -> Vec<Value> {
        self.rw
            .requests()
            .into_iter()
            .filter(|r| r.query.contains(&format!("{field}(")))
            .map(|r| r.variables)
            .collect()
    }
}

fn token_of(v: &Value) -> Option<String> {
    v["blocks"].as_array()?.iter().find_map(|b| {
        b["elements"]
            .as_array()?
            .iter()
            .find(|e| e["action_id"] == "ops_confirm")
            .and_then(|e| e["value"].as_str().map(String::from))
    })
}

fn text(v: &Value) -> String {
    v["text"].as_str().unwrap_or("").to_string()
}

async fn kumon_kill_switch_end_to_end(db: TestDb) {
    let h = harness(db).await;
    let (prompt, done) = h.confirm("kumon kill-switch").await;
    assert!(text(&prompt).contains("DELIVERY_DISABLE"), "{prompt}");
    assert!(text(&prompt).contains("Now: `(unset)`"), "{prompt}");
    assert!(text(&done).contains("`(unset)` → `true`"), "{done}");
    // Variable set without Railway's own deploy, then one explicit redeploy, in that order.
    let up = h.gql("variableUpsert");
    assert_eq!(
        up,
        vec![
            json!({"input": {"projectId": "p1", "environmentId": "e1", "serviceId": "s-kumon",
                              "name": "DELIVERY_DISABLE", "value": "true", "skipDeploys": true}})
        ]
    );
    assert_eq!(
        h.gql("serviceInstanceRedeploy"),
        vec![json!({"environmentId": "e1", "serviceId": "s-kumon"})]
    );
    let order: Vec<String> = h.rw.requests().iter().map(|r| r.query.clone()).collect();
    let pos = |f: &str| order.iter().position(|q| q.contains(f)).unwrap();
    assert!(pos("variableUpsert(") < pos("serviceInstanceRedeploy("));
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

async fn fabrica_scale_to_zero_and_back_and_restart(db: TestDb) {
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
    assert_eq!(posts.len(), 3, "{posts:?}");
    assert!(
        posts[0].contains("fabrica scale-workers replicas=0") && posts[0].contains("`3` → `0`"),
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
    fabrica_scale_and_restart,
    fabrica_scale_to_zero_and_back_and_restart
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
    let err = handlers::Config::from_pairs(&pairs).unwrap_err();
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
    let err = handlers::Config::from_pairs(&[("RUNBOOKS_FILE", missing.as_str())]).unwrap_err();
    assert!(
        err.problem.contains("cannot read the runbook file"),
        "{}",
        err.problem
    );
    let c = handlers::Config::from_pairs(&[]).unwrap();
    assert!(c.ops.catalog.is_none());
    // The example shipped with the repository loads.
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../runbooks.example.yml");
    let c = handlers::Config::from_pairs(&[("RUNBOOKS_FILE", example)]).unwrap();
    assert_eq!(c.ops.catalog.unwrap().systems.len(), 3);
}

#[test]
fn railway_variable_documents_are_valid_against_the_schema() {
    let schema =
        testkit::graphql_check::Schema::load(testkit::specs::path(testkit::specs::RAILWAY_SCHEMA));
    for op in handlers::integrations::railway_vars::OPERATIONS {
        assert_eq!(schema.validate(op), Vec::<String>::new(), "{op}");
    }
}
