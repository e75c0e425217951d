//! A real Alertmanager on loopback (Debian's `prometheus-alertmanager`, installed by
//! `scripts/test.sh`): it delivers a group to the bot's webhook, then the bot creates, and
//! expires, a silence through its API. Skipped, saying so, when the binary is absent.

use std::process::Stdio;

use serde_json::{json, Value};
use testkit::alert_kit::*;
use testkit::*;

fn binary() -> Option<String> {
    ["prometheus-alertmanager", "alertmanager"]
        .into_iter()
        .find_map(|b| {
            std::env::var_os("PATH").and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(b))
                    .find(|f| f.is_file())
                    .map(|f| f.to_string_lossy().into_owned())
            })
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Alertmanager with a route that sends to the bot after 100 ms, no cluster, its own storage.
async fn start_alertmanager(
    bin: &str,
    webhook: &str,
    port: u16,
) -> (tokio::process::Child, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("chatops-am-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let config = format!(
        "route:\n  receiver: chatops\n  group_by: [alertname]\n  group_wait: 100ms\n  group_interval: 1s\n  repeat_interval: 1h\n\
         receivers:\n  - name: chatops\n    webhook_configs:\n      - url: {webhook}\n        send_resolved: true\n        max_alerts: 50\n\
         \x20       http_config:\n          authorization:\n            type: Bearer\n            credentials: {TOKEN}\n"
    );
    std::fs::write(dir.join("am.yml"), config).unwrap();
    let child = tokio::process::Command::new(bin)
        .arg(format!("--config.file={}", dir.join("am.yml").display()))
        .arg(format!("--storage.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    (child, dir)
}

/// An alert, as Prometheus would send it; Alertmanager groups it and calls the bot: the group.
async fn delivered_group(app: &TestApp, http: &reqwest::Client, am_url: &str) -> i64 {
    let alert = json!([{"labels": {"alertname": "RealDiskFull", "instance": "db-1", "team": "a", "severity": "critical"},
                        "annotations": {"summary": "db-1 disk 97%"}}]);
    let r = http
        .post(format!("{am_url}/api/v2/alerts"))
        .json(&alert)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    eventually(WAIT, || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM alert_groups WHERE source = 'alertmanager' AND title = 'RealDiskFull'",
        )
        .fetch_optional(&app.ctx.store.pool)
        .await
        .unwrap()
    })
    .await
    .expect("Alertmanager delivered the group to the bot")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_alertmanager_delivers_and_takes_the_bots_silence() {
    let Some(bin) = binary() else {
        eprintln!("SKIPPED: no prometheus-alertmanager binary (scripts/test.sh installs it: apt-get install prometheus-alertmanager)");
        return;
    };
    let db = TestDb::sqlite().await;
    let slack = FakeSlack::start().await;
    let port = free_port();
    let am_url = format!("http://127.0.0.1:{port}");
    let app = spawn_app(&db, &slack, opts().env("ALERTMANAGER_URL", &am_url)).await;
    let (_child, dir) = start_alertmanager(&bin, &app.url("/alerts/alertmanager"), port).await;
    let http = reqwest::Client::new();
    let ready = eventually(WAIT, || async {
        let r = http.get(format!("{am_url}/-/ready")).send().await.ok()?;
        r.status().is_success().then_some(())
    })
    .await;
    assert!(ready.is_some(), "Alertmanager did not start on {am_url}");
    let g = delivered_group(&app, &http, &am_url).await;
    app.drain_outbox().await;
    assert!(message_text(&app).contains("[FIRING] RealDiskFull"));
    // Silence from Slack: Alertmanager takes the bot's body and holds it active.
    app.interaction(&click(
        "alert_silence",
        &format!("{g}:3600"),
        "U1",
        "real1",
        &app,
    ))
    .await;
    let t = reply(&app, "real1").await;
    let id: String = sqlx::query_scalar("SELECT silence_id FROM alert_groups WHERE id = $1")
        .bind(g)
        .fetch_one(&app.ctx.store.pool)
        .await
        .unwrap();
    assert!(t.contains(&id), "{t}");
    let silence = |id: String| {
        let http = http.clone();
        let url = format!("{am_url}/api/v2/silence/{id}");
        async move {
            http.get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let s = silence(id.clone()).await;
    assert_eq!(s["status"]["state"], "active", "{s}");
    assert_eq!(s["createdBy"], "slack:U1");
    let matchers = s["matchers"].to_string();
    assert!(
        matchers.contains(r#""name":"team","value":"a""#)
            || matchers.contains(r#""name":"team""#) && matchers.contains(r#""value":"a""#),
        "{matchers}"
    );
    // Expire from Slack: expired in Alertmanager; the alert still fires there, so the
    // re-check keeps the group FIRING.
    app.interaction(&click("alert_expire", &g.to_string(), "U1", "real2", &app))
        .await;
    let t = reply(&app, "real2").await;
    assert!(t.contains("Silence expired"), "{t}");
    assert_eq!(silence(id).await["status"]["state"], "expired");
    app.drain_outbox().await;
    assert!(message_text(&app).contains("[FIRING] RealDiskFull"));
    std::fs::remove_dir_all(&dir).ok();
}
