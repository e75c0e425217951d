//! `/julia` against Julia's tables as they really are (`julia.md` §6): row-level security on,
//! tables owned by another role, the `send_outcome` enum, `handoffs`, `campanhas`. The bot
//! connects once as a role that cannot see the rows and once as the tables' owner; a superuser
//! pool plays Julia's worker and inspects the rows.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::postgres::PgPool;
use sqlx::Row;
use testkit::app::INCIDENTS;
use testkit::julia_db::{JuliaDatabase, HIDDEN_ROLE, OWNER_ROLE};
use testkit::*;

const ADMIN: &str = "UADMIN";
const OTHER: &str = "UOTHER";
const CH: &str = "COPS";

struct H {
    app: TestApp,
    slack: FakeSlack,
    /// Superuser pool on Julia's database (Julia's worker, and the test's eyes).
    jdb: PgPool,
    _j: JuliaDatabase,
}

/// The bot on SQLite, Julia's database as `role` (`OWNER_ROLE` or `HIDDEN_ROLE`).
async fn harness(role: &str, extra: &[(&str, &str)]) -> H {
    let slack = FakeSlack::start().await;
    let j = testkit::julia_db::julia_db().await;
    let url = if role == HIDDEN_ROLE {
        j.hidden_url.clone()
    } else {
        j.owner_url.clone()
    };
    let mut opts = AppOptions::default()
        .env("JULIA_DATABASE_URL", &url)
        .env("APP_ENV", "production")
        .env("SUPABASE_PROJECT_REF", "ref123")
        .env("CHATOPS_ADMINS", ADMIN)
        .env("JULIA_SOURCE_TIMEOUT", "2s")
        .env("JULIA_WATCH_INTERVAL", "1h");
    for (k, v) in extra {
        opts = opts.env(k, v);
    }
    let app = spawn_app(&TestDb::sqlite().await, &slack, opts).await;
    H {
        app,
        slack,
        jdb: j.admin.clone(),
        _j: j,
    }
}

impl H {
    async fn run(&self, text: &str, user: &str) -> Value {
        let ack = self.app.julia(text, user, CH).await;
        assert_eq!(ack["response_type"], "ephemeral", "{ack}");
        let rid = ack["_response_id"].as_str().unwrap().to_string();
        self.wait_response(&rid).await
    }

    async fn wait_response(&self, rid: &str) -> Value {
        eventually(Duration::from_secs(10), || async {
            self.slack.responses_to(rid).into_iter().next()
        })
        .await
        .unwrap_or_else(|| panic!("no response to {rid}"))
    }

    async fn request(&self, text: &str) -> (String, Value) {
        let msg = self.run(text, ADMIN).await;
        let token =
            button_value(&msg, "julia_confirm").unwrap_or_else(|| panic!("no prompt: {msg}"));
        (token, msg)
    }

    async fn click(&self, action: &str, value: &str, user: &str) -> Value {
        let rid = uuid::Uuid::new_v4().simple().to_string();
        let p = json!({
            "type": "block_actions", "user": {"id": user}, "channel": {"id": CH},
            "container": {"type": "message", "channel_id": CH, "is_ephemeral": true},
            "response_url": self.slack.response_url(&rid),
            "actions": [{"action_id": action, "value": value, "type": "button"}]
        });
        let r = self.app.interaction(&p).await;
        assert_eq!(r.status(), 200);
        self.wait_response(&rid).await
    }

    async fn confirm(&self, text: &str) -> String {
        let (token, _) = self.request(text).await;
        text_of(&self.click("julia_confirm", &token, ADMIN).await)
    }

    async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sql).execute(&self.jdb).await.unwrap();
    }

    async fn n(&self, sql: &str) -> i64 {
        sqlx::query(sql)
            .fetch_one(&self.jdb)
            .await
            .unwrap()
            .get::<i64, _>(0)
    }

    async fn audits(&self, action: &str, outcome: &str) -> i64 {
        self.app
            .scalar(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND outcome = '{outcome}'"
            ))
            .await
    }

    async fn announcements(&self) -> Vec<String> {
        self.app.drain_outbox().await;
        self.slack.posts_in(INCIDENTS).iter().map(text_of).collect()
    }

    /// Julia's worker while `safe_mode` is on: every due `pendente` row becomes `bloqueada`.
    async fn worker_blocks_due_messages(&self) {
        self.exec(
            "UPDATE fila_mensagens SET status = 'bloqueada', outcome = 'BLOCKED_SAFE_MODE',
                    outcome_reason_code = 'safe_mode', outcome_at = now()
             WHERE status = 'pendente' AND (agendar_para IS NULL OR agendar_para <= now())",
        )
        .await;
    }
}

fn text_of(v: &Value) -> String {
    let mut t = v["text"].as_str().unwrap_or("").to_string();
    t.push_str(&v["blocks"].to_string());
    t
}

fn button_value(v: &Value, action: &str) -> Option<String> {
    v["blocks"].as_array()?.iter().find_map(|b| {
        b["elements"]
            .as_array()?
            .iter()
            .find(|e| e["action_id"] == action)
            .and_then(|e| e["value"].as_str().map(String::from))
    })
}

fn button_label(v: &Value, action: &str) -> Option<String> {
    v["blocks"].as_array()?.iter().find_map(|b| {
        b["elements"]
            .as_array()?
            .iter()
            .find(|e| e["action_id"] == action)
            .and_then(|e| e["text"]["text"].as_str().map(String::from))
    })
}

const SEED_CAMPAIGNS: &str =
    "INSERT INTO campanhas (id, nome_template, friendly_name, status) VALUES
    (1, 'oferta_sp_v2', 'Oferta SP', 'ativa'),
    (2, 'reativacao', 'Reativação', 'concluida'),
    (3, 'piloto', NULL, 'rascunho');";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_cannot_see_the_rows_gets_one_clear_refusal_and_nothing_is_written() {
    let h = harness(HIDDEN_ROLE, &[]).await;
    // Julia is really paused, with a blocked message, a campaign and a running job.
    h.exec(&format!(
        "INSERT INTO feature_flags (key, value, updated_by) VALUES ('safe_mode', '{{\"enabled\": true, \"mode\": \"wait\"}}', 'UOPS');
         INSERT INTO fila_mensagens (cliente_id, status, outcome, outcome_at) VALUES (gen_random_uuid(), 'bloqueada', 'BLOCKED_SAFE_MODE', now());
         INSERT INTO fila_mensagens (cliente_id) VALUES (gen_random_uuid());
         {SEED_CAMPAIGNS}"
    ))
    .await;
    let job: String = sqlx::query_scalar(
        "INSERT INTO job_executions (job_name, started_at, status) VALUES ('x', now() - interval '2 hours', 'running') RETURNING id::text",
    )
    .fetch_one(&h.jdb)
    .await
    .unwrap();
    let snapshot = "SELECT (SELECT COUNT(*) FROM feature_flags) * 1000000 + (SELECT COUNT(*) FROM julia_status) * 10000
        + (SELECT COUNT(*) FROM fila_mensagens WHERE status = 'bloqueada') * 100 + (SELECT COUNT(*) FROM campanhas WHERE status = 'ativa') * 10
        + (SELECT COUNT(*) FROM job_executions WHERE status = 'running')";
    let before = h.n(snapshot).await;

    // Every reading subcommand: the one clear message, never "Running" or "0 pending".
    for cmd in ["status", "queue", "queue blocked", "jobs", "flags"] {
        let t = text_of(&h.run(cmd, OTHER).await);
        assert!(
            t.contains("cannot see Julia's data")
                && t.contains(HIDDEN_ROLE)
                && t.contains("row-level security")
                && t.contains("BYPASSRLS")
                && t.contains(OWNER_ROLE),
            "{cmd}: {t}"
        );
        for lie in ["Running", "0 pending", "PAUSED", "No job running"] {
            assert!(!t.contains(lie), "{cmd} claims {lie:?}: {t}");
        }
    }
    // Every privileged one: refused before any prompt, audited, nothing written.
    for (cmd, action) in [
        ("resume ok", "julia.resume"),
        ("pause x", "julia.pause"),
        ("campaigns off spam", "julia.campaigns"),
        ("campaign pause 1", "julia.campaign"),
        (&*format!("jobs kill {job}"), "julia.jobs_kill"),
    ] {
        let m = h.run(cmd, ADMIN).await;
        let t = text_of(&m);
        assert!(button_value(&m, "julia_confirm").is_none(), "{cmd}: {t}");
        assert!(t.contains("cannot see Julia's data"), "{cmd}: {t}");
        assert!(!t.contains("mismatch"), "{cmd}: {t}");
        assert_eq!(h.audits(action, "refused_rows_hidden").await, 1, "{cmd}");
    }
    assert_eq!(h.n(snapshot).await, before, "nothing written");
    // /health/ready says so without making the bot unready.
    let r = h
        .app
        .http
        .get(h.app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["checks"]["julia"]["status"], "rows_hidden", "{body}");
    assert_eq!(body["checks"]["julia"]["role"], HIDDEN_ROLE);
    assert!(body["checks"]["julia"]["hidden_tables"]
        .as_array()
        .unwrap()
        .contains(&json!("feature_flags")));
    // check-config's line.
    let (ok, line) = julia::visibility::describe(clients::julia_config::of(&h.app.ctx))
        .await
        .unwrap();
    assert!(
        !ok && line.contains("CANNOT see") && line.contains("app_settings"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_sees_the_rows_and_no_visible_settings_is_not_called_a_mismatch() {
    let h = harness(OWNER_ROLE, &[]).await;
    let r = h
        .app
        .http
        .get(h.app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["checks"]["julia"]["status"], "ok", "{body}");
    assert_eq!(body["checks"]["julia"]["role"], OWNER_ROLE);
    let (ok, line) = julia::visibility::describe(clients::julia_config::of(&h.app.ctx))
        .await
        .unwrap();
    assert!(ok && line.contains("sees the rows"), "{line}");
    // The settings rows are gone (or hidden by a policy): "cannot see the settings".
    h.exec("DELETE FROM app_settings").await;
    let t = text_of(&h.run("pause test", ADMIN).await);
    assert!(
        t.contains("Cannot see the settings") && !t.contains("hard guard mismatch"),
        "{t}"
    );
    assert_eq!(h.audits("julia.pause", "refused_settings_hidden").await, 1);
    assert_eq!(h.n("SELECT COUNT(*) FROM feature_flags").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn pause_then_resume_with_requeue_changes_exactly_the_young_rows_blocked_since_the_pause() {
    let h = harness(OWNER_ROLE, &[]).await;
    // Before the pause: a row blocked by an earlier pause, and one pending for later.
    h.exec(
        "INSERT INTO fila_mensagens (id, cliente_id, tipo, status, outcome, outcome_reason_code, outcome_at, created_at) VALUES
           ('00000000-0000-0000-0000-00000000000a', gen_random_uuid(), 'lembrete', 'bloqueada', 'BLOCKED_SAFE_MODE', 'safe_mode', now() - interval '2 hours', now() - interval '3 hours');
         INSERT INTO fila_mensagens (id, cliente_id, tipo, agendar_para) VALUES
           ('00000000-0000-0000-0000-00000000000e', gen_random_uuid(), 'followup', now() + interval '2 hours');",
    )
    .await;
    let prompt = h.request("pause bad replies").await.1;
    let p = text_of(&prompt);
    assert!(
        p.contains("*Stops:* every proactive send")
            && p.contains("replies to inbound messages")
            && p.contains("*Does not stop:* chip warming"),
        "{p}"
    );
    let done = h
        .click(
            "julia_confirm",
            &button_value(&prompt, "julia_confirm").unwrap(),
            ADMIN,
        )
        .await;
    assert!(text_of(&done).contains("Julia paused"), "{done}");
    // While paused, Julia's worker blocks what is due: two young messages, one 30 h old.
    h.exec(
        "INSERT INTO fila_mensagens (id, cliente_id, tipo, conteudo, created_at) VALUES
           ('00000000-0000-0000-0000-0000000000c1', gen_random_uuid(), 'lembrete', 'SEGREDO do paciente', now() - interval '20 minutes'),
           ('00000000-0000-0000-0000-0000000000c2', gen_random_uuid(), 'followup', 'SEGREDO do paciente', now() - interval '5 minutes'),
           ('00000000-0000-0000-0000-0000000000d0', gen_random_uuid(), 'lembrete', 'SEGREDO do paciente', now() - interval '30 hours');
         INSERT INTO fila_mensagens (id, cliente_id, tipo, status, outcome, outcome_at) VALUES
           ('00000000-0000-0000-0000-0000000000b0', gen_random_uuid(), 'lembrete', 'bloqueada', 'BLOCKED_OPTED_OUT', now()),
           ('00000000-0000-0000-0000-0000000000f0', gen_random_uuid(), 'campanha', 'bloqueada', 'BLOCKED_CAMPAIGNS_DISABLED', now());",
    )
    .await;
    h.worker_blocks_due_messages().await;
    assert_eq!(
        h.n("SELECT COUNT(*) FROM fila_mensagens WHERE outcome = 'BLOCKED_SAFE_MODE'")
            .await,
        4
    );

    let st = text_of(&h.run("status", OTHER).await);
    for want in [
        "PAUSED",
        "Paused for",
        "by <@UADMIN>",
        "reason: bad replies",
        "3 messages blocked by safe mode since the pause, 2 still young enough to send",
        "Julia's own dashboard and Slack status will say `ativo`",
        "chip warming keeps sending",
    ] {
        assert!(st.contains(want), "missing {want:?} in {st}");
    }
    let b = text_of(&h.run("queue blocked", OTHER).await);
    assert!(
        b.contains("3 messages blocked since the pause began")
            && b.contains("2 created < 24 h ago")
            && b.contains("`lembrete` ×2")
            && b.contains("`followup` ×1")
            && b.contains("Oldest created"),
        "{b}"
    );
    assert!(
        !b.contains("SEGREDO") && !b.contains("0000000000c1"),
        "no content or ids: {b}"
    );

    // Resume: two ways, with the count on the button.
    let (token, prompt) = h.request("resume fixed").await;
    assert_eq!(
        button_label(&prompt, "julia_confirm").as_deref(),
        Some("Resume and requeue 2 messages"),
        "{prompt}"
    );
    assert_eq!(
        button_label(&prompt, "julia_confirm_alt").as_deref(),
        Some("Resume only")
    );
    assert!(
        text_of(&prompt).contains("1 are older and will not be"),
        "{prompt}"
    );
    let done = text_of(&h.click("julia_confirm", &token, ADMIN).await);
    assert!(
        done.contains("Julia resumed") && done.contains("2 blocked messages were requeued"),
        "{done}"
    );

    // Exactly the two young rows blocked since this pause changed, in Julia's requeue shape.
    let rows = sqlx::query(
        "SELECT id::text, status, outcome::text, outcome_reason_code, outcome_at IS NULL, processando_desde IS NULL,
                agendar_para > now() - interval '1 minute' AND agendar_para <= now()
         FROM fila_mensagens ORDER BY id",
    )
    .fetch_all(&h.jdb)
    .await
    .unwrap();
    let got: Vec<(String, String, Option<String>)> = rows
        .iter()
        .map(|r| (r.get::<String, _>(0)[24..].to_string(), r.get(1), r.get(2)))
        .collect();
    let want =
        |id: &str, s: &str, o: Option<&str>| (id.to_string(), s.to_string(), o.map(String::from));
    assert_eq!(
        got,
        vec![
            want("00000000000a", "bloqueada", Some("BLOCKED_SAFE_MODE")), // an earlier pause
            want("00000000000e", "pendente", None), // scheduled later: untouched
            want("0000000000b0", "bloqueada", Some("BLOCKED_OPTED_OUT")), // another reason
            want("0000000000c1", "pendente", None),
            want("0000000000c2", "pendente", None),
            want("0000000000d0", "bloqueada", Some("BLOCKED_SAFE_MODE")), // too old
            want(
                "0000000000f0",
                "bloqueada",
                Some("BLOCKED_CAMPAIGNS_DISABLED")
            ),
        ]
    );
    for r in rows
        .iter()
        .filter(|r| r.get::<String, _>(0).ends_with("c1") || r.get::<String, _>(0).ends_with("c2"))
    {
        assert!(
            r.get::<Option<String>, _>(3).is_none()
                && r.get::<bool, _>(4)
                && r.get::<bool, _>(5)
                && r.get::<bool, _>(6)
        );
    }
    let v: String =
        sqlx::query_scalar("SELECT value::text FROM feature_flags WHERE key = 'safe_mode'")
            .fetch_one(&h.jdb)
            .await
            .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&v).unwrap(),
        json!({"enabled": false, "mode": "wait"})
    );
    // Audited with the count; announced.
    let after: String = sqlx::query_scalar::<_, String>(
        "SELECT after_value FROM audit_log WHERE action = 'julia.resume' AND outcome = 'done'",
    )
    .fetch_one(&h.app.ctx.store.pool)
    .await
    .unwrap();
    assert!(after.contains("requeued 2"), "{after}");
    let posts = h.announcements().await;
    assert!(
        posts.iter().any(|p| p.contains("Julia resumed — fixed")
            && p.contains("2 blocked messages were requeued")),
        "{posts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_only_leaves_the_blocked_rows_and_a_failed_transaction_changes_nothing() {
    let h = harness(OWNER_ROLE, &[]).await;
    h.confirm("pause x").await;
    h.exec(
        "INSERT INTO fila_mensagens (cliente_id) VALUES (gen_random_uuid()), (gen_random_uuid())",
    )
    .await;
    h.worker_blocks_due_messages().await;
    // A database error mid-transaction (the julia_status insert fails): nothing changes.
    h.exec(
        "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
         CREATE TRIGGER boom BEFORE INSERT ON julia_status FOR EACH ROW EXECUTE FUNCTION boom();",
    )
    .await;
    let t = h.confirm("resume now").await;
    assert!(
        t.contains("Julia's database")
            && t.contains("disk full")
            && t.contains("nothing was changed"),
        "{t}"
    );
    assert!(!t.contains("resumed"), "{t}");
    assert_eq!(
        h.n("SELECT COUNT(*) FROM fila_mensagens WHERE status = 'bloqueada'")
            .await,
        2
    );
    assert_eq!(
        h.n("SELECT COUNT(*) FROM feature_flags WHERE key = 'safe_mode' AND (value->>'enabled')::boolean").await,
        1
    );
    assert_eq!(h.audits("julia.resume", "failed").await, 1);
    h.exec("DROP TRIGGER boom ON julia_status").await;
    // Resume only.
    let (token, _) = h.request("resume now").await;
    let t = text_of(&h.click("julia_confirm_alt", &token, ADMIN).await);
    assert!(
        t.contains("Julia resumed") && t.contains("0 blocked messages were requeued"),
        "{t}"
    );
    assert_eq!(
        h.n("SELECT COUNT(*) FROM fila_mensagens WHERE status = 'bloqueada'")
            .await,
        2
    );
    assert_eq!(
        h.n("SELECT COUNT(*) FROM feature_flags WHERE key = 'safe_mode' AND NOT (value->>'enabled')::boolean").await,
        1
    );
    let args: String = sqlx::query_scalar(
        "SELECT args FROM audit_log WHERE action = 'julia.resume' AND outcome = 'done'",
    )
    .fetch_one(&h.app.ctx.store.pool)
    .await
    .unwrap();
    assert!(args.contains("\"requeue\":false"), "{args}");
    // The same token cannot be used again with the other button.
    let t = text_of(&h.click("julia_confirm", &token, ADMIN).await);
    assert!(t.contains("already used"), "{t}");
    let posts = h.announcements().await;
    assert!(
        posts
            .iter()
            .any(|p| p.contains("Blocked messages were not requeued")),
        "{posts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handoff_mode_status_shows_pending_handoffs() {
    let h = harness(OWNER_ROLE, &[]).await;
    let t = h.confirm("pause --handoff evolution flapping").await;
    assert!(t.contains("Julia paused"), "{t}");
    h.exec(
        "INSERT INTO handoffs (conversa_id, motivo, trigger_type, created_at) VALUES
           (gen_random_uuid(), 'safe_mode', 'safe_mode', now() - interval '40 minutes'),
           (gen_random_uuid(), 'safe_mode', 'safe_mode', now() - interval '5 minutes');
         INSERT INTO handoffs (conversa_id, status, resolvido_em, resolvido_por) VALUES (gen_random_uuid(), 'resolvido', now(), 'ana');",
    )
    .await;
    let st = text_of(&h.run("status", OTHER).await);
    assert!(
        st.contains("mode `handoff`") && st.contains("2 handoffs pending (oldest 40m"),
        "{st}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn the_campaigns_flag_is_privileged_confirmed_guarded_and_announced() {
    let redis = Redis::start();
    let h = harness(OWNER_ROLE, &[("JULIA_REDIS_URL", &redis.url())]).await;
    let t = text_of(&h.run("campaigns off spam complaints", OTHER).await);
    assert!(t.contains("restricted"), "{t}");
    assert_eq!(h.audits("julia.campaigns", "refused").await, 1);
    let (token, prompt) = h.request("campaigns off spam complaints").await;
    let p = text_of(&prompt);
    assert!(
        p.contains("campaign sends only") && p.contains("production") && p.contains("ref123"),
        "{p}"
    );
    assert_eq!(
        h.n("SELECT COUNT(*) FROM feature_flags").await,
        0,
        "nothing before the click"
    );
    let done = text_of(&h.click("julia_confirm", &token, ADMIN).await);
    assert!(
        done.contains("Campaign sends off") && done.contains("applies now"),
        "{done}"
    );
    let r =
        sqlx::query("SELECT value::text, updated_by FROM feature_flags WHERE key = 'campaigns'")
            .fetch_one(&h.jdb)
            .await
            .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&r.get::<String, _>(0)).unwrap(),
        json!({"enabled": false})
    );
    assert_eq!(r.get::<String, _>(1), ADMIN);
    assert_eq!(
        serde_json::from_str::<Value>(&redis.get("feature_flag:campaigns").unwrap()).unwrap(),
        json!({"enabled": false})
    );
    // Already off: no prompt, nothing written.
    let m = h.run("campaigns off again", ADMIN).await;
    assert!(
        button_value(&m, "julia_confirm").is_none() && text_of(&m).contains("already off"),
        "{m}"
    );
    let done = h.confirm("campaigns on").await;
    assert!(done.contains("Campaign sends on"), "{done}");
    let v: String =
        sqlx::query_scalar("SELECT value::text FROM feature_flags WHERE key = 'campaigns'")
            .fetch_one(&h.jdb)
            .await
            .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&v).unwrap(),
        json!({"enabled": true})
    );
    assert_eq!(h.audits("julia.campaigns", "done").await, 2);
    assert_eq!(h.audits("julia.campaigns", "unchanged").await, 1);
    let posts = h.announcements().await;
    assert!(
        posts
            .iter()
            .any(|p| p.contains("campaign sends are OFF — spam complaints — by <@UADMIN>")),
        "{posts:?}"
    );
    assert!(
        posts
            .iter()
            .any(|p| p.contains("campaign sends are back on")),
        "{posts:?}"
    );
    // `/julia flags` shows it, with who and when; an unknown name lists the known ones.
    let f = text_of(&h.run("flags", OTHER).await);
    for want in [
        "`campaigns` = `{\"enabled\": true}`, set by <@UADMIN>",
        "`safe_mode`: no row — Julia uses `{\"enabled\": false, \"mode\": \"wait\"}`",
        "`policy_engine`",
        "`disabled_rules`",
        "`external_handoff`",
    ] {
        assert!(f.contains(want), "missing {want:?} in {f}");
    }
    let f = text_of(&h.run("flags nope", OTHER).await);
    assert!(
        f.contains("Unknown flag `nope`") && f.contains("`external_handoff`"),
        "{f}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_campaigns_flag_is_hard_guarded() {
    let h = harness(OWNER_ROLE, &[("APP_ENV", "staging")]).await;
    let t = text_of(&h.run("campaigns off x", ADMIN).await);
    assert!(t.contains("hard guard mismatch"), "{t}");
    assert_eq!(h.audits("julia.campaigns", "refused_guard").await, 1);
    assert_eq!(h.n("SELECT COUNT(*) FROM feature_flags").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_campaign_is_paused_and_resumed_and_other_transitions_are_refused() {
    let h = harness(OWNER_ROLE, &[]).await;
    h.exec(SEED_CAMPAIGNS).await;
    h.exec("UPDATE campanhas SET updated_at = now() - interval '1 day'")
        .await;
    let t = h.confirm("campaign pause oferta sp").await;
    assert!(t.contains("#1 `Oferta SP` is now `pausada`"), "{t}");
    assert_eq!(
        h.n("SELECT COUNT(*) FROM campanhas WHERE id = 1 AND status = 'pausada' AND updated_at > now() - interval '1 minute'").await,
        1
    );
    let t = h.confirm("campaign resume 1").await;
    assert!(t.contains("is now `ativa`"), "{t}");
    let t = h.confirm("campaign pause oferta_sp_v2").await;
    assert!(t.contains("is now `pausada`"), "{t}");
    // Other transitions: refused with the allowed ones.
    let m = h.run("campaign pause 2", ADMIN).await;
    let t = text_of(&m);
    assert!(button_value(&m, "julia_confirm").is_none(), "{t}");
    assert!(
        t.contains("is `concluida`")
            && t.contains("`pause` (ativa → pausada), `resume` (pausada → ativa)"),
        "{t}"
    );
    let t = text_of(&h.run("campaign resume piloto", ADMIN).await);
    assert!(t.contains("is `rascunho`"), "{t}");
    // Unknown: the campaigns one can switch.
    let t = text_of(&h.run("campaign pause nope", ADMIN).await);
    assert!(
        t.contains("No campaign `nope`") && t.contains("#1 `Oferta SP` (pausada)"),
        "{t}"
    );
    assert_eq!(
        h.n("SELECT COUNT(*) FROM campanhas WHERE id = 2 AND status = 'concluida'")
            .await,
        1
    );
    assert_eq!(h.audits("julia.campaign", "done").await, 3);
    assert_eq!(h.audits("julia.campaign", "refused_transition").await, 2);
    assert_eq!(h.audits("julia.campaign", "refused_unknown").await, 1);
    let posts = h.announcements().await;
    assert!(
        posts
            .iter()
            .any(|p| p.contains("Campaign #1 `Oferta SP` set to `pausada` by <@UADMIN>")),
        "{posts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_counts_only_due_rows_and_shows_stuck_processando() {
    let h = harness(OWNER_ROLE, &[]).await;
    h.exec(
        "INSERT INTO fila_mensagens (cliente_id, created_at) VALUES (gen_random_uuid(), now() - interval '10 minutes');
         INSERT INTO fila_mensagens (cliente_id, created_at, agendar_para) VALUES (gen_random_uuid(), now() - interval '5 hours', now() + interval '2 hours');
         INSERT INTO fila_mensagens (cliente_id, status, processando_desde) VALUES
           (gen_random_uuid(), 'processando', now() - interval '15 minutes'),
           (gen_random_uuid(), 'processando', now() - interval '2 minutes');",
    )
    .await;
    let t = text_of(&h.run("queue", OTHER).await);
    assert!(
        t.contains("2 pending: 1 due (oldest due for 10m), 1 scheduled later"),
        "{t}"
    );
    assert!(
        t.contains("1 stuck in `processando` for over 10 min (oldest 15m"),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_kill_takes_only_a_uuid_and_only_a_running_job() {
    let h = harness(OWNER_ROLE, &[]).await;
    let finished: String = sqlx::query_scalar(
        "INSERT INTO job_executions (job_name, started_at, finished_at, status) VALUES ('sync', now() - interval '1 hour', now(), 'success') RETURNING id::text",
    )
    .fetch_one(&h.jdb)
    .await
    .unwrap();
    let running: String = sqlx::query_scalar(
        "INSERT INTO job_executions (job_name, started_at, status) VALUES ('stuck_job', now() - interval '2 hours', 'running') RETURNING id::text",
    )
    .fetch_one(&h.jdb)
    .await
    .unwrap();
    let m = h.run("jobs kill abc", ADMIN).await;
    let t = text_of(&m);
    assert!(
        t.contains("`abc` is not a job id") && t.contains("uuid"),
        "{t}"
    );
    assert!(button_value(&m, "julia_confirm").is_none());
    let m = h.run(&format!("jobs kill {finished}"), ADMIN).await;
    let t = text_of(&m);
    assert!(t.contains("is `success`, not `running`"), "{t}");
    assert!(button_value(&m, "julia_confirm").is_none());
    let t = text_of(
        &h.run("jobs kill 0f8fad5b-d9cb-469f-a165-70867728950e", ADMIN)
            .await,
    );
    assert!(t.contains("No job with id"), "{t}");
    assert_eq!(h.audits("julia.jobs_kill", "refused_invalid").await, 1);
    assert_eq!(h.audits("julia.jobs_kill", "refused_not_running").await, 1);
    assert_eq!(h.audits("julia.jobs_kill", "refused_unknown").await, 1);
    assert_eq!(
        h.n("SELECT COUNT(*) FROM job_executions WHERE status = 'success'")
            .await,
        1
    );
    // A running one: the prompt says what it really does.
    let (token, prompt) = h
        .request(&format!("jobs kill {}", running.to_uppercase()))
        .await;
    let p = text_of(&prompt);
    assert!(
        p.contains("only relabels the row")
            && p.contains("cannot stop a job that is really still running"),
        "{p}"
    );
    let t = text_of(&h.click("julia_cancel", &token, ADMIN).await);
    assert!(t.contains("Cancelled"), "{t}");
    assert_eq!(h.audits("julia.jobs_kill", "cancelled").await, 1);
    let t = h.confirm(&format!("jobs kill {running}")).await;
    assert!(t.contains("marked `error`"), "{t}");
    assert_eq!(
        h.n(&format!("SELECT COUNT(*) FROM job_executions WHERE id = '{running}' AND status = 'error' AND finished_at IS NOT NULL")).await,
        1
    );
}
