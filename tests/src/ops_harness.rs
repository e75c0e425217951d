//! The `/ops` test harness: the app with a runbook catalog on loopback fakes of Railway,
//! a Kubernetes API server and Kumon's `/health`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::Row;

use crate::fake_http::FakeHttp;
use crate::fake_kubernetes::FakeKubernetes;
use crate::fake_railway::FakeRailway;
use crate::{eventually, spawn_app, AppOptions, FakeSlack, TempDir, TestApp, TestDb};

pub const ADMIN: &str = "UADMIN";
pub const OTHER: &str = "UOTHER";
pub const CH: &str = "COPS";
pub const ANNOUNCE: &str = "CANNOUNCE";
pub const SECRET_KEY: &str = "sk-TOPSECRETvalue0123456789abcdef";

/// The catalog the tests run: the example's three systems on the fakes' ids.
pub fn catalog() -> String {
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
          within: 2s
          every: 200ms
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

pub struct H {
    pub app: TestApp,
    pub slack: FakeSlack,
    pub rw: FakeRailway,
    pub k8s: FakeKubernetes,
    pub kumon: FakeHttp,
    /// What Kumon's `/health` says its environment is.
    pub kumon_env: Arc<Mutex<String>>,
    pub _dir: TempDir,
}

pub async fn harness(store: TestDb) -> H {
    harness_with(store, &catalog(), &[]).await
}

/// The same fakes with another catalog and more variables.
pub async fn harness_with(store: TestDb, catalog: &str, extra: &[(&str, &str)]) -> H {
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
    // Kumon reports the kill-switch once its running deployment has the variable set.
    let kumon = FakeHttp::start().await;
    let kumon_env = Arc::new(Mutex::new("production".to_string()));
    let (fake, env) = (rw.clone(), kumon_env.clone());
    kumon.answer_with("GET", "/health", move || {
        let set = fake
            .running_variable("s-kumon", "DELIVERY_DISABLE")
            .as_deref()
            == Some("true");
        (
            200,
            json!({"status": "ok", "environment": *env.lock().unwrap(), "delivery_disabled": set}),
        )
    });
    let dir = TempDir::new("chatops-ops");
    let file = dir.path().join("runbooks.yml");
    std::fs::write(&file, catalog).unwrap();
    let opts = AppOptions::default()
        .env("RUNBOOKS_FILE", &file.display().to_string())
        .env("KUBECONFIG", &k8s.kubeconfig)
        .env("KUMON_BASE_URL", &kumon.base_url)
        .env("ETP_RAILWAY_TOKEN", "etp-project-token")
        .env("RAILWAY_API_URL", &rw.url)
        .env("RAILWAY_API_TOKEN", "rw-account-token")
        .env("CHATOPS_ADMINS", ADMIN);
    let opts = extra.iter().fold(opts, |o, (k, v)| o.env(k, v));
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
    pub async fn ops(&self, text: &str, user: &str) -> Value {
        self.app.command_as("/ops", text, user, CH).await
    }

    pub async fn wait_response(&self, rid: &str, n: usize) -> Value {
        eventually(Duration::from_secs(10), || async {
            let r = self.slack.responses_to(rid);
            (r.len() >= n).then(|| r[n - 1].clone())
        })
        .await
        .unwrap_or_else(|| panic!("no response #{n} to {rid}"))
    }

    /// Runs a command that answers later; returns its first later answer.
    pub async fn run(&self, text: &str, user: &str) -> Value {
        let ack = self.ops(text, user).await;
        assert_eq!(ack["response_type"], "ephemeral", "{ack}");
        let rid = ack["_response_id"].as_str().unwrap().to_string();
        self.wait_response(&rid, 1).await
    }

    pub async fn click(&self, action: &str, token: &str, user: &str) -> Value {
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
    pub async fn confirm(&self, text: &str) -> (Value, Value) {
        let prompt = self.run(text, ADMIN).await;
        let token = token_of(&prompt).unwrap_or_else(|| panic!("no confirmation in {prompt}"));
        let done = self.click("ops_confirm", &token, ADMIN).await;
        (prompt, done)
    }

    pub async fn audit(
        &self,
        action: &str,
    ) -> Vec<(String, Option<String>, Option<String>, String)> {
        sqlx::query("SELECT outcome, before_value, after_value, args FROM audit_log WHERE action = $1 ORDER BY id")
            .bind(action)
            .fetch_all(&self.app.ctx.store.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    }

    pub fn gql(&self, field: &str) -> Vec<Value> {
        self.rw
            .requests()
            .into_iter()
            .filter(|r| r.query.contains(&format!("{field}(")))
            .map(|r| r.variables)
            .collect()
    }
}

pub fn token_of(v: &Value) -> Option<String> {
    v["blocks"].as_array()?.iter().find_map(|b| {
        b["elements"]
            .as_array()?
            .iter()
            .find(|e| e["action_id"] == "ops_confirm")
            .and_then(|e| e["value"].as_str().map(String::from))
    })
}

pub fn text(v: &Value) -> String {
    v["text"].as_str().unwrap_or("").to_string()
}
