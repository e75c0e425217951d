//! `/ops` writes beyond the catalog example: `http.call` and `sql.flag` end to end, and a
//! confirmed action cut short by a crash (a job, never repeated blindly); rows the release
//! before the guarded path wrote, and where a secret value may stay (until the click or the
//! expiry). Both stores.

use serde_json::{json, Value};
use sqlx::Row;
use testkit::ops_harness::*;
use testkit::*;

/// `http.call` (a body filled from typed arguments, a header from the environment) and
/// `sql.flag` (PostgreSQL upsert, read back), with their catalog entries.
fn admin_catalog() -> String {
    format!(
        r#"systems:
  - name: kumon-admin
    description: Kumon's admin switches
    admins: [{ADMIN}]
    announce: {ANNOUNCE}
    actions:
      - name: flag
        writes: true
        args:
          - {{name: name, type: enum, values: [delivery, campaigns]}}
          - {{name: state, type: enum, values: ["on", "off"]}}
        kind: sql.flag
        params: {{database_url_env: FLAGS_DATABASE_URL, table: feature_flags, key_column: name,
                  value_column: enabled, key: "{{{{ name }}}}", value: "{{{{ state == 'on' }}}}", cast: boolean}}
      - name: pause-campaign
        writes: true
        confirm: false
        args:
          - {{name: campaign, type: int, min: 1, max: 9999}}
        kind: http.call
        params:
          method: POST
          url: ${{KUMON_BASE_URL}}/admin/campaigns/pause
          headers: {{Authorization: "Bearer ${{KUMON_ADMIN_TOKEN}}"}}
          body: '{{"id": {{{{ campaign }}}}}}'
          expect: {{/paused: true}}
"#
    )
}

async fn http_call_and_sql_flag_write_and_read_back(db: TestDb) {
    let flags = TestDb::postgres().await;
    let pool = sqlx::PgPool::connect(&flags.url).await.unwrap();
    sqlx::query("CREATE TABLE feature_flags (name text PRIMARY KEY, enabled boolean NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    let h = harness_with(
        db,
        &admin_catalog(),
        &[
            ("FLAGS_DATABASE_URL", flags.url.as_str()),
            ("KUMON_ADMIN_TOKEN", "admin-token-1"),
        ],
    )
    .await;
    let (prompt, done) = h.confirm("kumon-admin flag delivery off").await;
    assert!(text(&prompt).contains("Now: `(no row)`"), "{prompt}");
    assert!(text(&done).contains("`(no row)` → `false`"), "{done}");
    let (_, done) = h.confirm("kumon-admin flag delivery on").await;
    assert!(text(&done).contains("`false` → `true`"), "{done}");
    let v: bool = sqlx::query_scalar("SELECT enabled FROM feature_flags WHERE name = 'delivery'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(v);
    // http.call without confirmation: the body from the arguments, the token from the env.
    h.kumon.answer(
        "POST",
        "/admin/campaigns/pause",
        200,
        json!({"paused": true}),
    );
    let done = text(&h.run("kumon-admin pause-campaign 42", ADMIN).await);
    assert!(done.contains("HTTP 200"), "{done}");
    let req = h
        .kumon
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&req.body).unwrap(),
        json!({"id": 42})
    );
    assert_eq!(req.headers["authorization"], "Bearer admin-token-1");
    // The service refuses: the answer names HTTP and what it got; nothing claimed done.
    h.kumon.answer(
        "POST",
        "/admin/campaigns/pause",
        409,
        json!({"paused": false}),
    );
    let failed = text(&h.run("kumon-admin pause-campaign 43", ADMIN).await);
    assert!(
        failed.contains("*HTTP* failed")
            && failed.contains("HTTP 409")
            && failed.contains("nothing was changed"),
        "{failed}"
    );
    let outcomes: Vec<String> = h
        .audit("ops.kumon-admin.pause-campaign")
        .await
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(outcomes, ["done", "failed"]);
    pool.close().await;
}
on_both_stores!(
    http_call_and_sql_flag,
    http_call_and_sql_flag_write_and_read_back
);

/// What a click on Confirm for `/ops kumon kill-switch` writes, `ago` after the click: the
/// confirmation row (the request) and the job.
async fn confirmed_kill_switch(ctx: &chatops_core::Ctx, ago: std::time::Duration) {
    let now = ctx.clock.now_ms();
    let stored = json!({"system": "kumon", "action": "kill-switch", "args": {"values": {}, "secret": []},
                        "channel": CH, "expected": "(unset)"});
    sqlx::query("INSERT INTO confirmations (token, user_id, action, args, created_at, expires_at, used_at) VALUES ('tok1', $1, 'ops.kumon.kill-switch', $2, $3, $4, $3)")
        .bind(ADMIN)
        .bind(stored.to_string())
        .bind(now)
        .bind(now + 300_000)
        .execute(&ctx.store.pool)
        .await
        .unwrap();
    // The job row exactly as the release before the job registry wrote it (the `Job` enum,
    // internally tagged): rows in flight during a rolling deploy keep working.
    let payload = json!({"kind": "ops_confirmed", "token": "tok1", "user": ADMIN, "channel": CH,
                         "response_url": "", "confirmed_at": now - ago.as_millis() as i64});
    sqlx::query("INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, progress, created_at) VALUES ('ops_confirmed', $1, 'pending', $2, 0, 5, '{}', $2)")
        .bind(payload.to_string())
        .bind(now)
        .execute(&ctx.store.pool)
        .await
        .unwrap();
}

async fn worker(
    db: &TestDb,
    slack: &FakeSlack,
    urls: &(String, String),
) -> std::sync::Arc<chatops_core::Ctx> {
    let dir = TempDir::new("chatops-ops-w");
    let file = dir.path().join("runbooks.yml");
    std::fs::write(&file, catalog()).unwrap();
    let opts = AppOptions::default()
        .env("RUNBOOKS_FILE", &file.display().to_string())
        .env("KUMON_BASE_URL", &urls.0)
        .env("RAILWAY_API_URL", &urls.1)
        .env("RAILWAY_API_TOKEN", "rw-account-token");
    worker_ctx(db, slack, opts).await
}

async fn a_confirmed_action_cut_short_by_a_crash_is_not_repeated(db: TestDb) {
    let H { app, rw, kumon, .. } = harness(db.clone()).await;
    let upserts = || {
        rw.requests()
            .iter()
            .filter(|r| r.query.contains("variableUpsert("))
            .count()
    };
    let slack = FakeSlack::start().await;
    let urls = (kumon.base_url.clone(), rw.url.clone());
    let ctx = worker(&db, &slack, &urls).await;
    app.kill();
    confirmed_kill_switch(&ctx, std::time::Duration::ZERO).await;
    // Railway answers slowly: the process dies with the upsert in flight.
    rw.set_delay(std::time::Duration::from_secs(3));
    let cut = tokio::time::timeout(
        std::time::Duration::from_millis(1500),
        chatops_core::jobs::run_once(&ctx),
    )
    .await;
    assert!(cut.is_err());
    rw.set_delay(std::time::Duration::ZERO);
    let asked = upserts();
    ctx.clock.advance(std::time::Duration::from_secs(6));
    let ran = chatops_core::jobs::run_once(&ctx).await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].outcome, "done");
    while chatops_core::outbox::run_once(&ctx).await.unwrap() > 0 {}
    assert_eq!(upserts(), asked, "not sent again");
    let posts: Vec<String> = slack.posts_in(CH).iter().map(text).collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(
        posts[0].contains("restarted while carrying out `/ops kumon kill-switch`"),
        "{posts:?}"
    );
    // Confirmed three minutes ago and never started: not carried out late.
    let db2 = TestDb::sqlite().await;
    let ctx2 = worker(&db2, &slack, &urls).await;
    confirmed_kill_switch(&ctx2, std::time::Duration::from_secs(180)).await;
    let before = upserts();
    assert_eq!(
        chatops_core::jobs::run_once(&ctx2).await.unwrap()[0].outcome,
        "done"
    );
    while chatops_core::outbox::run_once(&ctx2).await.unwrap() > 0 {}
    assert_eq!(upserts(), before);
    assert!(slack
        .posts_in(CH)
        .iter()
        .map(text)
        .any(|t| t.contains("was not carried out")));
}
on_both_stores!(
    cut_short,
    a_confirmed_action_cut_short_by_a_crash_is_not_repeated
);

/// The confirmation row of a `/ops etp rotate-key` prompt exactly as the release before the
/// guarded path wrote it (its `Stored` serialized, fields in order): the action's fields beside
/// the channel, the secret value included.
async fn old_prompt(ctx: &chatops_core::Ctx, token: &str) {
    let now = ctx.clock.now_ms();
    let stored = format!(
        r#"{{"system":"etp","action":"rotate-key","args":{{"values":{{"key":"{SECRET_KEY}"}},"secret":["key"]}},"channel":"{CH}","expected":"(unset)"}}"#
    );
    sqlx::query("INSERT INTO confirmations (token, user_id, action, args, created_at, expires_at) VALUES ($1, $2, 'ops.etp.rotate-key', $3, $4, $5)")
        .bind(token)
        .bind(ADMIN)
        .bind(stored)
        .bind(now)
        .bind(now + 300_000)
        .execute(&ctx.store.pool)
        .await
        .unwrap();
}

/// How many rows of the store hold the secret value (confirmations, jobs, audit).
async fn rows_holding_the_secret(ctx: &chatops_core::Ctx) -> usize {
    let mut n = 0;
    for sql in [
        "SELECT args FROM confirmations",
        "SELECT payload FROM jobs",
        "SELECT COALESCE(args, '') || COALESCE(detail, '') FROM audit_log",
    ] {
        for r in sqlx::query(sql).fetch_all(&ctx.store.pool).await.unwrap() {
            n += usize::from(r.get::<String, _>(0).contains(SECRET_KEY));
        }
    }
    n
}

async fn a_secret_stays_only_until_the_click_or_the_expiry_in_either_release_s_rows(db: TestDb) {
    let h = harness(db).await;
    let ctx = h.app.ctx.clone();
    // Shown before the deploy, clicked after it: carried out once.
    old_prompt(&ctx, "old-clicked").await;
    old_prompt(&ctx, "old-never-clicked").await;
    let done = text(&h.click("ops_confirm", "old-clicked", ADMIN).await);
    assert!(done.contains("changed (secret, not shown)"), "{done}");
    assert_eq!(
        h.rw.variable("s-etp", "OPENAI_API_KEY").as_deref(),
        Some(SECRET_KEY)
    );
    let again = text(&h.click("ops_confirm", "old-clicked", ADMIN).await);
    assert!(again.contains("already used"), "{again}");
    // This release's prompts: one cancelled, one never clicked.
    let cmd = format!("etp rotate-key {SECRET_KEY}");
    let token = token_of(&h.run(&cmd, ADMIN).await).expect("a prompt");
    let cancelled = text(&h.click("ops_cancel", &token, ADMIN).await);
    assert!(
        cancelled.contains("Cancelled: etp rotate-key"),
        "{cancelled}"
    );
    token_of(&h.run(&cmd, ADMIN).await).expect("a prompt");
    h.app.settle().await;
    assert_eq!(
        rows_holding_the_secret(&ctx).await,
        2,
        "the prompts not clicked yet"
    );
    // Expired: the next prompt blanks both.
    ctx.clock.advance(std::time::Duration::from_secs(301));
    token_of(&h.run("fabrica scale-workers 2", ADMIN).await).expect("a prompt");
    assert_eq!(rows_holding_the_secret(&ctx).await, 0);
    let outcomes: Vec<String> = h
        .audit("ops.etp.rotate-key")
        .await
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(
        outcomes,
        [
            "confirmed",
            "done",
            "rejected_click_used",
            "requested",
            "cancelled",
            "requested"
        ]
    );
}
on_both_stores!(
    secret_until_click_or_expiry,
    a_secret_stays_only_until_the_click_or_the_expiry_in_either_release_s_rows
);
