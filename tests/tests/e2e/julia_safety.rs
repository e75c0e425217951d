//! `/julia` against Julia's tables as they really are (`julia.md` §6): row-level security on,
//! tables owned by another role, the `send_outcome` enum, `handoffs`, `campanhas`. The bot
//! connects once as a role that cannot see the rows and once as the tables' owner; a superuser
//! pool plays Julia's worker and inspects the rows. This file: seeing the rows, pause and
//! resume with the requeue; `julia_switches.rs`: the campaign switches, the queue, jobs kill.

use serde_json::{json, Value};
use sqlx::Row;
use testkit::harness::{self, *};
use testkit::julia_db::{HIDDEN_ROLE, OWNER_ROLE, SEED_CAMPAIGNS};

/// The bot on SQLite with Julia's database as `role` (`OWNER_ROLE` or `HIDDEN_ROLE`) and nothing
/// else of Julia's; `UADMIN` an admin.
fn safety(role: &'static str) -> harness::Builder {
    Harness::builder()
        .julia_db(role)
        .admin()
        .env("JULIA_SOURCE_TIMEOUT", "2s")
}

/// Julia's worker while `safe_mode` is on: every due `pendente` row becomes `bloqueada`.
async fn worker_blocks_due_messages(h: &Harness) {
    h.jexec(
        "UPDATE fila_mensagens SET status = 'bloqueada', outcome = 'BLOCKED_SAFE_MODE',
                outcome_reason_code = 'safe_mode', outcome_at = now()
         WHERE status = 'pendente' AND (agendar_para IS NULL OR agendar_para <= now())",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_cannot_see_the_rows_gets_one_clear_refusal_and_nothing_is_written() {
    let h = safety(HIDDEN_ROLE).spawn().await;
    // Julia is really paused, with a blocked message, a campaign and a running job.
    h.jexec(&format!(
        "INSERT INTO feature_flags (key, value, updated_by) VALUES ('safe_mode', '{{\"enabled\": true, \"mode\": \"wait\"}}', 'UOPS');
         INSERT INTO fila_mensagens (cliente_id, status, outcome, outcome_at) VALUES (gen_random_uuid(), 'bloqueada', 'BLOCKED_SAFE_MODE', now());
         INSERT INTO fila_mensagens (cliente_id) VALUES (gen_random_uuid());
         {SEED_CAMPAIGNS}"
    ))
    .await;
    let job: String = sqlx::query_scalar(
        "INSERT INTO job_executions (job_name, started_at, status) VALUES ('x', now() - interval '2 hours', 'running') RETURNING id::text",
    )
    .fetch_one(h.jdb())
    .await
    .unwrap();
    let snapshot = "SELECT (SELECT COUNT(*) FROM feature_flags) * 1000000 + (SELECT COUNT(*) FROM julia_status) * 10000
        + (SELECT COUNT(*) FROM fila_mensagens WHERE status = 'bloqueada') * 100 + (SELECT COUNT(*) FROM campanhas WHERE status = 'ativa') * 10
        + (SELECT COUNT(*) FROM job_executions WHERE status = 'running')";
    let before = h.jscalar(snapshot).await;

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
    assert_eq!(h.jscalar(snapshot).await, before, "nothing written");
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
    let h = safety(OWNER_ROLE).spawn().await;
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
    h.jexec("DELETE FROM app_settings").await;
    let t = text_of(&h.run("pause test", ADMIN).await);
    assert!(
        t.contains("Cannot see the settings") && !t.contains("hard guard mismatch"),
        "{t}"
    );
    assert_eq!(h.audits("julia.pause", "refused_settings_hidden").await, 1);
    assert_eq!(h.jscalar("SELECT COUNT(*) FROM feature_flags").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn pause_then_resume_with_requeue_changes_exactly_the_young_rows_blocked_since_the_pause() {
    let h = safety(OWNER_ROLE).spawn().await;
    // Before the pause: a row blocked by an earlier pause, and one pending for later.
    h.jexec(
        "INSERT INTO fila_mensagens (id, cliente_id, tipo, status, outcome, outcome_reason_code, outcome_at, created_at) VALUES
           ('00000000-0000-0000-0000-00000000000a', gen_random_uuid(), 'lembrete', 'bloqueada', 'BLOCKED_SAFE_MODE', 'safe_mode', now() - interval '2 hours', now() - interval '3 hours');
         INSERT INTO fila_mensagens (id, cliente_id, tipo, agendar_para) VALUES
           ('00000000-0000-0000-0000-00000000000e', gen_random_uuid(), 'followup', now() + interval '2 hours');",
    )
    .await;
    let prompt = h.request("pause bad replies", ADMIN).await.1;
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
    h.jexec(
        "INSERT INTO fila_mensagens (id, cliente_id, tipo, conteudo, created_at) VALUES
           ('00000000-0000-0000-0000-0000000000c1', gen_random_uuid(), 'lembrete', 'SEGREDO do paciente', now() - interval '20 minutes'),
           ('00000000-0000-0000-0000-0000000000c2', gen_random_uuid(), 'followup', 'SEGREDO do paciente', now() - interval '5 minutes'),
           ('00000000-0000-0000-0000-0000000000d0', gen_random_uuid(), 'lembrete', 'SEGREDO do paciente', now() - interval '30 hours');
         INSERT INTO fila_mensagens (id, cliente_id, tipo, status, outcome, outcome_at) VALUES
           ('00000000-0000-0000-0000-0000000000b0', gen_random_uuid(), 'lembrete', 'bloqueada', 'BLOCKED_OPTED_OUT', now()),
           ('00000000-0000-0000-0000-0000000000f0', gen_random_uuid(), 'campanha', 'bloqueada', 'BLOCKED_CAMPAIGNS_DISABLED', now());",
    )
    .await;
    worker_blocks_due_messages(&h).await;
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM fila_mensagens WHERE outcome = 'BLOCKED_SAFE_MODE'")
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
    let (token, prompt) = h.request("resume fixed", ADMIN).await;
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
    .fetch_all(h.jdb())
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
            .fetch_one(h.jdb())
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
    let h = safety(OWNER_ROLE).spawn().await;
    h.confirm("pause x").await;
    h.jexec(
        "INSERT INTO fila_mensagens (cliente_id) VALUES (gen_random_uuid()), (gen_random_uuid())",
    )
    .await;
    worker_blocks_due_messages(&h).await;
    // A database error mid-transaction (the julia_status insert fails): nothing changes.
    h.jexec(
        "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
         CREATE TRIGGER boom BEFORE INSERT ON julia_status FOR EACH ROW EXECUTE FUNCTION boom();",
    )
    .await;
    let t = text_of(&h.confirm("resume now").await);
    assert!(
        t.contains("Julia's database")
            && t.contains("disk full")
            && t.contains("nothing was changed"),
        "{t}"
    );
    assert!(!t.contains("resumed"), "{t}");
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM fila_mensagens WHERE status = 'bloqueada'")
            .await,
        2
    );
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM feature_flags WHERE key = 'safe_mode' AND (value->>'enabled')::boolean").await,
        1
    );
    assert_eq!(h.audits("julia.resume", "failed").await, 1);
    h.jexec("DROP TRIGGER boom ON julia_status").await;
    // Resume only.
    let (token, _) = h.request("resume now", ADMIN).await;
    let t = text_of(&h.click("julia_confirm_alt", &token, ADMIN).await);
    assert!(
        t.contains("Julia resumed") && t.contains("0 blocked messages were requeued"),
        "{t}"
    );
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM fila_mensagens WHERE status = 'bloqueada'")
            .await,
        2
    );
    assert_eq!(
        h.jscalar("SELECT COUNT(*) FROM feature_flags WHERE key = 'safe_mode' AND NOT (value->>'enabled')::boolean").await,
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
    let h = safety(OWNER_ROLE).spawn().await;
    let t = text_of(&h.confirm("pause --handoff evolution flapping").await);
    assert!(t.contains("Julia paused"), "{t}");
    h.jexec(
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
