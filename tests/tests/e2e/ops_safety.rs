//! `/ops` limits on what a catalog entry can do: SQL guards run read-only and under a statement
//! timeout, a secret `sql.flag` value shows nowhere (not even in PostgreSQL's cast error), and a
//! secret header never follows a redirect to another host.

use serde_json::json;
use sqlx::Row;
use testkit::fake_http::FakeHttp;
use testkit::ops_harness::*;
use testkit::*;

const LIMIT_SECRET: &str = "sk-NOTaNUMBERsecret0123456789";
const TOKEN_SECRET: &str = "tok-SECRETvalue9876543210";
const API_KEY: &str = "apikey-SECRET-42";

fn safety_catalog() -> String {
    r#"systems:
  - name: ledger
    description: a guard that writes
    admins: [ADMIN]
    announce: ANNOUNCE
    guard:
      sql: {database_url_env: LEDGER_DATABASE_URL, query: "SELECT bump()", expect: ok}
    actions:
      - name: pause
        writes: true
        confirm: false
        kind: http.call
        params: {method: POST, url: "${KUMON_BASE_URL}/admin/pause", expect: {/paused: true}}
  - name: slowpoke
    description: a guard that sleeps
    admins: [ADMIN]
    announce: ANNOUNCE
    guard:
      sql: {database_url_env: LEDGER_DATABASE_URL, query: "SELECT 'ok' FROM pg_sleep(7)", expect: ok}
    actions:
      - name: pause
        writes: true
        confirm: false
        kind: http.call
        params: {method: POST, url: "${KUMON_BASE_URL}/admin/pause", expect: {/paused: true}}
  - name: quota
    description: secret sql.flag values
    admins: [ADMIN]
    announce: ANNOUNCE
    actions:
      - name: set-limit
        writes: true
        args:
          - {name: limit, type: string, pattern: "[A-Za-z0-9-]{4,60}", secret: true}
        kind: sql.flag
        params: {database_url_env: LEDGER_DATABASE_URL, table: limits, key_column: name,
                 value_column: value, key: tenant-a, value: "{{ limit }}", cast: integer}
      - name: set-token
        writes: true
        args:
          - {name: token, type: string, pattern: "[A-Za-z0-9-]{4,60}", secret: true}
        kind: sql.flag
        params: {database_url_env: LEDGER_DATABASE_URL, table: tokens, key_column: name,
                 value_column: value, key: tenant-a, value: "{{ token }}", cast: text}
  - name: kumon-admin
    description: a secret header
    admins: [ADMIN]
    announce: ANNOUNCE
    actions:
      - name: pause
        writes: true
        confirm: false
        kind: http.call
        params:
          method: POST
          url: ${KUMON_BASE_URL}/admin/pause
          headers: {apikey: "${KUMON_API_KEY}"}
          body: '{"all": true}'
          expect: {/paused: true}
"#
    .replace("ADMIN]", &format!("{ADMIN}]"))
    .replace("ANNOUNCE\n", &format!("{ANNOUNCE}\n"))
}

/// The harness on a PostgreSQL database of the systems' own (`LEDGER_DATABASE_URL`), with a
/// function that writes, and the tables of the flags.
async fn safety_harness() -> (H, sqlx::PgPool, TestDb) {
    let ledger = TestDb::postgres().await;
    let pool = sqlx::PgPool::connect(&ledger.url).await.unwrap();
    for sql in [
        "CREATE TABLE touched (n integer)",
        "CREATE FUNCTION bump() RETURNS text LANGUAGE sql AS $$ INSERT INTO touched VALUES (1); SELECT 'ok' $$",
        "CREATE TABLE limits (name text PRIMARY KEY, value integer NOT NULL)",
        "CREATE TABLE tokens (name text PRIMARY KEY, value text NOT NULL)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let h = harness_with(
        TestDb::sqlite().await,
        &safety_catalog(),
        &[
            ("LEDGER_DATABASE_URL", ledger.url.as_str()),
            ("KUMON_API_KEY", API_KEY),
        ],
    )
    .await;
    h.kumon
        .answer("POST", "/admin/pause", 200, json!({"paused": true}));
    (h, pool, ledger)
}

fn posts(h: &H) -> usize {
    h.kumon
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sql_guard_runs_read_only_and_under_a_timeout() {
    let (h, pool, _ledger) = safety_harness().await;
    // A guard that writes: PostgreSQL refuses it in the read-only transaction; nothing written,
    // the action not run.
    let m = text(&h.run("ledger pause", ADMIN).await);
    assert!(
        m.contains("guard does not hold") && m.contains("tried to write"),
        "{m}"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM touched")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "the guard changed nothing");
    assert_eq!(posts(&h), 0, "the action did not run");
    // A guard that runs longer than the statement timeout (5 s): stopped, said so.
    let started = std::time::Instant::now();
    let m = text(&h.run("slowpoke pause", ADMIN).await);
    assert!(
        m.contains("guard does not hold") && m.contains("ran longer than 5s and was stopped"),
        "{m}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(7));
    assert_eq!(posts(&h), 0, "the action did not run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_sql_flag_value_shows_nowhere() {
    let (h, pool, _ledger) = safety_harness().await;
    // Not an integer: PostgreSQL's cast error quotes the value; the reply does not.
    let (prompt, done) = h.confirm(&format!("quota set-limit {LIMIT_SECRET}")).await;
    assert!(text(&prompt).contains("limit=[secret]"), "{prompt}");
    let failed = text(&done);
    assert!(
        failed.contains("*PostgreSQL* failed")
            && failed.contains("invalid input syntax for type integer: \"[secret]\"")
            && !failed.contains(LIMIT_SECRET),
        "{failed}"
    );
    // A text value: set, said changed, not shown.
    let (_, done) = h.confirm(&format!("quota set-token {TOKEN_SECRET}")).await;
    assert!(
        text(&done).contains("changed (secret, not shown)"),
        "{done}"
    );
    let stored: String = sqlx::query_scalar("SELECT value FROM tokens WHERE name = 'tenant-a'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, TOKEN_SECRET, "it was set");
    // Set again: the prompt's "now" does not show the value either.
    let prompt = h
        .run(&format!("quota set-token {TOKEN_SECRET}x"), ADMIN)
        .await;
    assert!(text(&prompt).contains("Now: `(set)`"), "{prompt}");
    h.app.settle().await;
    h.app.drain_outbox().await;
    let mut seen: Vec<String> = h.slack.calls().iter().map(|c| c.body.to_string()).collect();
    seen.extend(h.slack.responses().iter().map(|(_, v)| v.to_string()));
    for sql in [
        "SELECT COALESCE(args, '') || COALESCE(before_value, '') || COALESCE(after_value, '') || COALESCE(detail, '') FROM audit_log",
        "SELECT body FROM outbox",
        "SELECT payload FROM jobs",
    ] {
        for r in sqlx::query(sql).fetch_all(&h.app.ctx.store.pool).await.unwrap() {
            seen.push(r.get::<String, _>(0));
        }
    }
    assert!(
        !h.slack.posts_in(ANNOUNCE).is_empty(),
        "announced: {:?}",
        h.slack.posts_in(ANNOUNCE)
    );
    for s in &seen {
        assert!(
            !s.contains(LIMIT_SECRET) && !s.contains(TOKEN_SECRET),
            "a secret leaked: {s}"
        );
    }
}

/// "Another host" is another origin (scheme, host, port: RFC 6454 §4): the second fake listens on
/// the same 127.0.0.1 at another port, which a browser or reqwest treats as another server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_header_does_not_follow_a_redirect_to_another_host() {
    let (h, _pool, _ledger) = safety_harness().await;
    let elsewhere = FakeHttp::start().await;
    elsewhere.answer("POST", "/landing", 200, json!({"paused": true}));
    h.kumon.redirect(
        "POST",
        "/admin/pause",
        &format!("{}/landing", elsewhere.base_url),
    );
    let m = text(&h.run("kumon-admin pause", ADMIN).await);
    let port = elsewhere.base_url.rsplit(':').next().unwrap();
    assert!(
        m.contains("*HTTP* failed")
            && m.contains("redirect to another host")
            && m.contains(&format!("127.0.0.1:{port}")),
        "{m}"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the other host got nothing: {:?}",
        elsewhere.requests()
    );
    // On the same host and port, the redirect is followed, the header with it.
    h.kumon.redirect("POST", "/admin/pause", "/admin/moved");
    h.kumon
        .answer("POST", "/admin/moved", 200, json!({"paused": true}));
    let m = text(&h.run("kumon-admin pause", ADMIN).await);
    assert!(m.contains("HTTP 200"), "{m}");
    let moved = h
        .kumon
        .requests()
        .into_iter()
        .find(|r| r.path == "/admin/moved")
        .expect("followed");
    assert_eq!(moved.headers["apikey"], API_KEY);
}

/// `kubernetes.logs` on pods the API cannot give a whole log for: one waiting to start (400),
/// one with two containers and none named (400 unless each is asked for), one byte that is not
/// UTF-8, and a log longer than the cap. What can be shown is; what cannot is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_logs_show_what_can_be_shown() {
    let catalog = format!(
        r#"systems:
  - name: batch
    admins: [{ADMIN}]
    announce: {ANNOUNCE}
    actions:
      - name: logs
        kind: kubernetes.logs
        params: {{namespace: fabrica-agentes, selector: app=batch, tail_lines: 5}}
"#
    );
    let h = harness_with(TestDb::sqlite().await, &catalog, &[]).await;
    let ns = "fabrica-agentes";
    h.k8s.add_pod_raw(
        ns,
        "batch-a",
        "batch",
        &["main"],
        Some("ContainerCreating"),
        b"",
    );
    h.k8s.add_pod_raw(
        ns,
        "batch-b",
        "batch",
        &["web", "sidecar"],
        None,
        b"started\nbad \xff byte\nlast line",
    );
    let long = "x".repeat(100_000);
    h.k8s
        .add_pod_raw(ns, "batch-c", "batch", &["main"], None, long.as_bytes());
    let logs = h.run("batch logs", ADMIN).await;
    assert_eq!(logs["response_type"], "ephemeral");
    let all = logs.to_string();
    assert!(
        all.contains("batch-a")
            && all.contains(r#"not shown: Kubernetes answered 400 BadRequest: container \"main\" in pod \"batch-a\" is waiting to start: ContainerCreating"#),
        "{all}"
    );
    assert!(
        all.contains("batch-b/web")
            && all.contains("batch-b/sidecar")
            && all.contains("bad \u{fffd} byte")
            && all.contains("last line"),
        "{all}"
    );
    assert!(all.contains("(cut at 64 KiB)"), "{all}");
    let log_reqs: Vec<_> = h
        .k8s
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log"))
        .collect();
    assert!(
        log_reqs
            .iter()
            .all(|r| r.query.contains("limitBytes=65536")),
        "{log_reqs:?}"
    );
    assert!(
        log_reqs
            .iter()
            .any(|r| r.path.contains("batch-b") && r.query.contains("container=sidecar")),
        "{log_reqs:?}"
    );
}
