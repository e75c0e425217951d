//! Recovery objectives as clocks (#28): each affected component's RTO and when it must be back
//! in the war room, the 80 % warning to the commander, the breach notice to the war room and
//! the escalation list (each once, through a restart), `/incident recovered`, the move to
//! Monitoring, and the recovery times against the RTO after the resolution, in the post-mortem
//! draft and in `/incident stats` (drills excluded).

use std::sync::Arc;
use std::time::Duration;

use chatops_core::Ctx;
use serde_json::Value;
use testkit::incident_kit::*;
use testkit::*;

fn all(v: &Value) -> String {
    format!("{}{}", v["text"].as_str().unwrap_or(""), v["blocks"])
}

/// The posts in `channel` whose text or blocks contain `needle`.
fn posts_with(slack: &FakeSlack, channel: &str, needle: &str) -> Vec<String> {
    slack
        .posts_in(channel)
        .iter()
        .map(all)
        .filter(|t| t.contains(needle))
        .collect()
}

fn opts() -> AppOptions {
    AppOptions::default()
        .env("COMPONENTS_FILE", &components_file())
        .env("ESCALATION_USERS", "UESC1,UESC2")
}

async fn step(ctx: &Arc<Ctx>) {
    for _ in 0..3 {
        chatops_core::jobs::run_once(ctx).await.unwrap();
        for _ in 0..10 {
            chatops_core::outbox::run_once(ctx).await.unwrap();
        }
    }
}

/// julia-api (RTO 5m) down: the war room shows its RTO; at 4m the commander is warned by DM;
/// the bot restarts; at 5m the breach goes to the war room and to each escalation user; each
/// once, whatever the worker does later.
async fn rto_warning_then_breach_once_through_a_restart(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    let room = declare(
        &app,
        "declare P1 --affects julia-api:major API down",
        "UDECL",
    )
    .await
    .expect("war room");
    app.settle().await;
    let objectives = posts_with(&slack, &room, "Recovery objectives");
    assert_eq!(objectives.len(), 1, "{:?}", slack.posts_in(&room));
    assert!(
        objectives[0].contains("API (`julia-api`): RTO 5m — back by <!date^"),
        "{}",
        objectives[0]
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM recovery_clocks WHERE recovered_at IS NULL")
            .await,
        1
    );

    // 3m59s: nothing yet.
    app.ctx.clock.advance(Duration::from_secs(239));
    app.settle().await;
    assert!(posts_with(&slack, "UDECL", "of its RTO").is_empty());
    // 4m01s: 80 % of 5m.
    app.ctx.clock.advance(Duration::from_secs(2));
    app.settle().await;
    let warned = posts_with(&slack, "UDECL", "of its RTO of 5m");
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].contains("`/incident recovered julia-api`"),
        "{}",
        warned[0]
    );
    assert!(posts_with(&slack, &room, "RTO breached").is_empty());
    app.kill();

    // Another process, at 5m01s.
    let ctx = worker_ctx(&db, &slack, opts()).await;
    ctx.clock.advance(Duration::from_secs(301));
    step(&ctx).await;
    let breach = posts_with(&slack, &room, "RTO breached");
    assert_eq!(breach.len(), 1, "{breach:?}");
    assert!(
        breach[0].contains("API (`julia-api`) is not back after 5m")
            && breach[0].contains("<@UESC1> <@UESC2>"),
        "{}",
        breach[0]
    );
    for u in ["UESC1", "UESC2"] {
        assert_eq!(posts_with(&slack, u, "RTO breached").len(), 1, "{u}");
    }
    // Once: later steps say nothing more.
    ctx.clock.advance(Duration::from_secs(3600));
    step(&ctx).await;
    assert_eq!(posts_with(&slack, &room, "RTO breached").len(), 1);
    assert_eq!(posts_with(&slack, "UDECL", "of its RTO of 5m").len(), 1);
    assert_eq!(posts_with(&slack, "UESC1", "RTO breached").len(), 1);
}
on_both_stores!(
    warn_then_breach,
    rto_warning_then_breach_once_through_a_restart
);

/// `/incident recovered julia-api` at 3m: its clock stops (no warning, no breach later), the
/// war room hears "back in 3m — within its RTO"; the worker (RTO 10m) is still down and the
/// move to Monitoring at 12m marks it back, over its RTO. After the resolution: the report
/// (after the resolved message), the post-mortem table, and `/incident stats`.
#[allow(clippy::too_many_lines)] // over 80 lines: an end-to-end scenario read top to bottom
async fn recovered_stops_the_clock_and_the_times_are_reported(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts().env("RECOVERY_WATCH", "off")).await;
    let room = declare(
        &app,
        "declare P1 --affects julia-api:major,julia-worker:partial Julia silent",
        "UDECL",
    )
    .await
    .expect("war room");
    app.settle().await;
    app.ctx.clock.advance(Duration::from_secs(180));
    let ack = app.incident("recovered julia-api", "UOTHER", &room).await;
    let t = text_of(&ack);
    assert!(
        t.contains("INC-1: API (`julia-api`) back in 3m") && t.contains("within its RTO of 5m"),
        "{t}"
    );
    app.settle().await;
    let back = posts_with(&slack, &room, "Marked recovered by");
    assert_eq!(back.len(), 1, "{back:?}");
    assert!(back[0].contains("<@UOTHER>") && back[0].contains("within its RTO of 5m"));
    let state: String =
        sqlx::query_scalar("SELECT state FROM incident_components WHERE component = 'julia-api'")
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap();
    assert_eq!(state, "operational");

    // Past julia-api's RTO: nothing about it. At 10m the worker breaches.
    app.ctx.clock.advance(Duration::from_secs(7 * 60 + 30));
    app.settle().await;
    assert!(posts_with(&slack, "UDECL", "julia-api").is_empty());
    let breach = posts_with(&slack, &room, "RTO breached");
    assert_eq!(breach.len(), 1, "{breach:?}");
    assert!(breach[0].contains("`julia-worker`"), "{}", breach[0]);

    // 12m: Monitoring marks the worker back, 2m over its RTO.
    app.ctx.clock.advance(Duration::from_secs(90));
    app.incident("update monitoring fix deployed", "UDECL", &room)
        .await;
    app.settle().await;
    let back = posts_with(&slack, &room, "Marked recovered by");
    assert_eq!(back.len(), 2, "{back:?}");
    assert!(
        back[1].contains("`julia-worker`) back in 12m — 2m")
            && back[1].contains("over its RTO of 10m :x:"),
        "{}",
        back[1]
    );
    // The report follows the resolved message.
    app.incident("resolve rolled back the release", "UDECL", &room)
        .await;
    app.settle().await;
    let posts: Vec<String> = slack.posts_in(&room).iter().map(all).collect();
    let resolved = posts
        .iter()
        .position(|p| p.contains("rolled back the release"))
        .expect("resolved message");
    let report = posts
        .iter()
        .position(|p| p.contains("Recovery against RTO"))
        .expect("report");
    assert!(report > resolved, "{posts:?}");
    assert!(
        posts[report].contains("(`julia-api`) back in 3m")
            && posts[report].contains("within its RTO of 5m")
            && posts[report].contains("(`julia-worker`) back in 12m — 2m")
            && posts[report].contains("over its RTO of 10m"),
        "{}",
        posts[report]
    );
    // The post-mortem draft (P1) carries the table.
    let draft = slack
        .uploads()
        .into_iter()
        .map(|(_, b)| String::from_utf8_lossy(&b).to_string())
        .find(|d| d.contains("Post-mortem"))
        .expect("draft uploaded");
    assert!(
        draft.contains("| API (julia-api) | 5m | 3m")
            && draft.contains("| yes |")
            && draft.contains("| Message processing (julia-worker) | 10m | 12m | no (2m"),
        "{draft}"
    );
    // Stats: attainment per component.
    let s = app.incident("stats 7d", "UDECL", "CSTATS").await;
    let s = s.to_string();
    assert!(
        s.contains("julia-api: *1/1* within RTO 5m")
            && s.contains("julia-worker: *0/1* within RTO 10m"),
        "{s}"
    );
}
on_both_stores!(
    recovered_and_reported,
    recovered_stops_the_clock_and_the_times_are_reported
);

/// Bad input changes nothing: an unknown component (with the valid names), one the incident
/// does not affect, one already back, and no component at all.
async fn recovered_refuses_bad_input(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    let room = declare(
        &app,
        "declare P1 --affects julia-api:major,julia-database:partial API down",
        "UDECL",
    )
    .await
    .expect("war room");
    app.settle().await;
    let objectives = posts_with(&slack, &room, "Recovery objectives");
    assert!(
        objectives[0].contains("Database (`julia-database`): RTO 30m — back by")
            && objectives[0].contains("· RPO 5m"),
        "{objectives:?}"
    );
    let changes = || app.scalar("SELECT COUNT(*) FROM component_changes");
    let before = changes().await;
    let t = text_of(&app.incident("recovered julia-apii", "UDECL", &room).await);
    assert!(
        t.contains("Unknown component `julia-apii`")
            && t.contains("`julia-api`")
            && t.contains("`etp-express`"),
        "{t}"
    );
    let t = text_of(&app.incident("recovered julia-cache", "UDECL", &room).await);
    assert!(
        t.contains("INC-1 does not affect `julia-cache`; it affects: `julia-api`"),
        "{t}"
    );
    let t = app.incident("recovered", "UDECL", &room).await.to_string();
    assert!(t.contains("recovered [INC-n] <component>"), "{t}");
    assert_eq!(changes().await, before);
    app.incident("recovered julia-api", "UDECL", &room).await;
    let after = changes().await;
    let t = text_of(
        &app.incident("recovered INC-1 julia-api", "UDECL", &room)
            .await,
    );
    assert!(t.contains("was already marked recovered"), "{t}");
    assert_eq!(changes().await, after);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM recovery_clocks WHERE recovered_at IS NOT NULL")
            .await,
        1
    );
}
on_both_stores!(recovered_bad_input, recovered_refuses_bad_input);

/// A drill runs its clocks too, and says DRILL; its recovery stays out of `/incident stats`.
async fn a_drill_runs_clocks_that_say_drill(db: TestDb) {
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, opts()).await;
    let room = declare(
        &app,
        "declare P1 --drill --affects kumon-delivery:major Kumon drill",
        "UDECL",
    )
    .await
    .expect("war room");
    app.settle().await;
    let objectives = posts_with(&slack, &room, "Recovery objectives");
    assert_eq!(objectives.len(), 1, "{:?}", slack.posts_in(&room));
    assert!(objectives[0].contains("DRILL"), "{}", objectives[0]);
    app.ctx.clock.advance(Duration::from_secs(301));
    app.settle().await;
    let breach = posts_with(&slack, &room, "RTO breached");
    assert_eq!(breach.len(), 1);
    assert!(breach[0].contains("DRILL"), "{}", breach[0]);
    assert!(posts_with(&slack, "UDECL", "of its RTO")[0].contains("DRILL"));
    app.incident("recovered kumon-delivery", "UDECL", &room)
        .await;
    let s = app
        .incident("stats 7d", "UDECL", "CSTATS")
        .await
        .to_string();
    assert!(!s.contains("kumon-delivery"), "{s}");
}
on_both_stores!(drill_clocks, a_drill_runs_clocks_that_say_drill);

/// The report and the breach notice can be overridden like the other templates
/// (`recovery_report.j2`, `rto_breach.j2` in `TEMPLATES_DIR`).
async fn the_recovery_templates_can_be_overridden(db: TestDb) {
    let dir = TempDir::new("chatops-test-recovery-tpl");
    std::fs::write(
        dir.path().join("recovery_report.j2"),
        "{{ key }} recovery:{% for c in components %} {{ c.component }} took {{ c.took }} of {{ c.rto }}{% if c.within %} ok{% endif %}{% endfor %}",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rto_breach.j2"),
        "{{ key }}: {{ name }} past its {{ rto }} RTO, ping {{ escalate_to | join(' ') }}",
    )
    .unwrap();
    let slack = FakeSlack::start().await;
    let o = opts().env("TEMPLATES_DIR", dir.path().to_str().unwrap());
    let app = spawn_app(&db, &slack, o).await;
    let room = declare(
        &app,
        "declare P1 --affects julia-api:major,julia-cache:major API down",
        "UDECL",
    )
    .await
    .expect("war room");
    app.ctx.clock.advance(Duration::from_secs(120));
    app.incident("recovered julia-api", "UDECL", &room).await;
    app.ctx.clock.advance(Duration::from_secs(200));
    app.settle().await;
    let breach = posts_with(&slack, &room, "past its 5m RTO");
    assert_eq!(breach.len(), 1, "{:?}", slack.posts_in(&room));
    assert!(
        breach[0].contains("INC-1: Cache past its 5m RTO, ping <@UESC1> <@UESC2>"),
        "{}",
        breach[0]
    );
    app.incident("resolve cache back", "UDECL", &room).await;
    app.settle().await;
    let report = posts_with(&slack, &room, "INC-1 recovery:");
    assert_eq!(report.len(), 1, "{:?}", slack.posts_in(&room));
    assert!(
        report[0].contains("julia-api took 2m")
            && report[0].contains("of 5m ok julia-cache took 5m"),
        "{}",
        report[0]
    );
    // Reopened: the cache was never marked back, so it gets a new clock from now.
    app.incident("reopen", "UDECL", &room).await;
    app.settle().await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM recovery_clocks WHERE component = 'julia-cache' AND recovered_at IS NULL")
            .await,
        1
    );
    let objectives = posts_with(&slack, &room, "Recovery objectives");
    assert_eq!(objectives.len(), 2, "{objectives:?}");
    assert!(
        objectives[1].contains("Cache (`julia-cache`): RTO 5m")
            && !objectives[1].contains("julia-api")
    );
}
on_both_stores!(templates, the_recovery_templates_can_be_overridden);

/// With the stakeholders' matrix naming people for the severity, the breach goes to them (the
/// severity's escalation list), not to `ESCALATION_USERS`.
async fn a_breach_goes_to_the_severity_s_matrix(db: TestDb) {
    let slack = FakeSlack::start().await;
    let o = opts().env("STAKEHOLDERS_NOTIFY_P1", "UENGLEAD");
    let app = spawn_app(&db, &slack, o).await;
    let room = declare(
        &app,
        "declare P1 --affects julia-cache:major Redis down",
        "UDECL",
    )
    .await
    .expect("war room");
    app.ctx.clock.advance(Duration::from_secs(301));
    app.settle().await;
    let breach = posts_with(&slack, &room, "RTO breached");
    assert_eq!(breach.len(), 1, "{:?}", slack.posts_in(&room));
    assert!(
        breach[0].contains("Escalated to <@UENGLEAD>"),
        "{}",
        breach[0]
    );
    assert_eq!(posts_with(&slack, "UENGLEAD", "RTO breached").len(), 1);
    assert!(posts_with(&slack, "UESC1", "RTO breached").is_empty());
}
on_both_stores!(breach_matrix, a_breach_goes_to_the_severity_s_matrix);
