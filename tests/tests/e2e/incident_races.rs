//! Two changes to one incident at the same moment: each reads the incident inside its own
//! transaction (locked until it commits), so both take effect or one is refused with a clear
//! message; neither silently overwrites the other with what it read before.

use ::paging::ack::{acknowledge_id, Outcome};
use chatops_core::ids::{ChannelId, IncidentId, IncidentTitle, UserId};
use chatops_core::{Ctx, FlowError};
use incident::declare::{create_incident, Declaration};
use incident::lifecycle::{assign_role, resolve, set_severity, update, ResolveInput, UpdateInput};
use incident::{Role, Severity};
use messages::paging::Via;
use sqlx::Row;
use testkit::*;

async fn declared(ctx: &Ctx, sev: Severity, title: &str) -> IncidentId {
    let d = Declaration {
        actor: UserId::new("UDECL"),
        origin_channel: ChannelId::new("CORIGIN"),
        severity: sev,
        title: IncidentTitle::parse(title).unwrap(),
        impact: None,
        commander: None,
        private: false,
        affects: Vec::new(),
        drill: false,
        drill_pages: false,
    };
    create_incident(ctx, &d, None).await.unwrap()
}

/// (severity, status, commander, latest findings) as stored.
async fn row(ctx: &Ctx, id: IncidentId) -> (String, String, Option<String>, Option<String>) {
    let r = sqlx::query(
        "SELECT severity, status, commander, latest_findings FROM incidents WHERE id = $1",
    )
    .bind(id.0)
    .fetch_one(&ctx.store.pool)
    .await
    .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

async fn events(ctx: &Ctx, id: IncidentId, kind: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM timeline WHERE incident_id = $1 AND kind = $2")
        .bind(id.0)
        .bind(kind)
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn severity_and_commander_changed_together_both_stick(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let id = declared(&ctx, Severity::P3, "checkout is slow").await;
    let actor = UserId::new("UDECL");
    let rounds = 10;
    for round in 0..rounds {
        let sev = if round % 2 == 0 {
            Severity::P2
        } else {
            Severity::P3
        };
        let commander = UserId::new(format!("UIC{round}"));
        let (a, b) = tokio::join!(
            set_severity(&ctx, &actor, id, sev),
            assign_role(&ctx, &actor, id, Role::Commander, &commander),
        );
        a.expect("the severity change is applied");
        b.expect("the new commander is applied");
        let (stored_sev, _, stored_ic, _) = row(&ctx, id).await;
        assert_eq!(
            (stored_sev.as_str(), stored_ic.as_deref()),
            (sev.as_str(), Some(commander.as_str())),
            "round {round}: one change overwrote the other"
        );
    }
    assert_eq!(events(&ctx, id, "severity").await, rounds);
    assert_eq!(events(&ctx, id, "role").await, rounds);
}

async fn an_update_racing_a_resolution_is_applied_or_refused_clearly(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let (ana, bob) = (UserId::new("UANA"), UserId::new("UBOB"));
    for round in 0..6 {
        let id = declared(&ctx, Severity::P2, &format!("queue stuck {round}")).await;
        let u = UpdateInput {
            status: None,
            findings: format!("worker {round} restarted"),
            actions: None,
            eta: None,
            affects: Vec::new(),
        };
        let r = ResolveInput {
            resolution: "drained".into(),
            root_cause: None,
            preventive: None,
        };
        let (updated, resolved) =
            tokio::join!(update(&ctx, &ana, id, u), resolve(&ctx, &bob, id, r));
        resolved.expect("the resolution is applied");
        let (_, status, _, findings) = row(&ctx, id).await;
        assert_eq!(status, "resolved", "round {round}: the update reopened it");
        match updated {
            // Applied first: its findings are kept by the resolution.
            Ok(_) => assert_eq!(findings, Some(format!("worker {round} restarted"))),
            // Came second: refused, saying why, and nothing of it was stored.
            Err(FlowError::User(m)) => {
                assert!(m.text.contains("is resolved"), "{}", m.text);
                assert_eq!(findings, None);
                assert_eq!(events(&ctx, id, "update").await, 0);
            }
            Err(FlowError::Internal(e)) => panic!("round {round}: {e:#}"),
        }
    }
}

async fn a_resolution_racing_the_declarations_posts_sticks(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let bob = UserId::new("UBOB");
    for round in 0..6 {
        // P3: no war room, so the job only writes the posts (and saves the incident).
        let id = declared(&ctx, Severity::P3, &format!("search is slow {round}")).await;
        let r = ResolveInput {
            resolution: "index rebuilt".into(),
            root_cause: None,
            preventive: None,
        };
        let (ran, resolved) = tokio::join!(
            chatops_core::jobs::run_once(&ctx),
            resolve(&ctx, &bob, id, r)
        );
        ran.unwrap();
        resolved.expect("the resolution is applied");
        while !chatops_core::jobs::run_once(&ctx).await.unwrap().is_empty() {}
        let (_, status, _, _) = row(&ctx, id).await;
        assert_eq!(
            status, "resolved",
            "round {round}: the declaration job undid it"
        );
    }
}

/// The id of the first timeline row of `kind`, if any (ids follow the commit order of the rows).
async fn first_event(ctx: &Ctx, id: IncidentId, kind: &str) -> Option<i64> {
    sqlx::query("SELECT MIN(id) FROM timeline WHERE incident_id = $1 AND kind = $2")
        .bind(id.0)
        .bind(kind)
        .fetch_one(&ctx.store.pool)
        .await
        .unwrap()
        .get::<Option<i64>, _>(0)
}

async fn an_ack_racing_a_resolution_lands_before_it_or_is_told(db: TestDb) {
    let slack = FakeSlack::start().await;
    let ctx = worker_ctx(&db, &slack, AppOptions::default()).await;
    let (ana, bob) = (UserId::new("UANA"), UserId::new("UBOB"));
    for round in 0..6 {
        let id = declared(&ctx, Severity::P2, &format!("payments down {round}")).await;
        let r = ResolveInput {
            resolution: "rolled back".into(),
            root_cause: None,
            preventive: None,
        };
        let (acked, resolved) = tokio::join!(
            acknowledge_id(&ctx, ana.as_str(), id.0, Via::Slack),
            resolve(&ctx, &bob, id, r)
        );
        resolved.expect("the resolution is applied");
        let acked_at: Option<i64> = sqlx::query("SELECT acked_at FROM incidents WHERE id = $1")
            .bind(id.0)
            .fetch_one(&ctx.store.pool)
            .await
            .unwrap()
            .get(0);
        let (ack_event, resolved_event) = (
            first_event(&ctx, id, "acknowledged").await,
            first_event(&ctx, id, "resolved").await,
        );
        match acked.unwrap() {
            // Applied first: stored, and written to the timeline before the resolution.
            Outcome::Acked => {
                assert!(acked_at.is_some(), "round {round}");
                assert!(
                    ack_event.unwrap() < resolved_event.unwrap(),
                    "round {round}: a resolved incident was acknowledged"
                );
            }
            // Came second: told it is resolved, and nothing of it was stored.
            Outcome::Resolved => {
                assert_eq!(acked_at, None, "round {round}");
                assert_eq!(ack_event, None, "round {round}");
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
}

on_both_stores!(
    ack_racing_resolution,
    an_ack_racing_a_resolution_lands_before_it_or_is_told
);
on_both_stores!(
    resolution_racing_declaration,
    a_resolution_racing_the_declarations_posts_sticks
);
on_both_stores!(
    severity_and_commander,
    severity_and_commander_changed_together_both_stick
);
on_both_stores!(
    update_racing_resolution,
    an_update_racing_a_resolution_is_applied_or_refused_clearly
);
