use super::Settings as Config;
use chatops_core::config::ConfigProblem;
use chatops_core::config::{redact_url, render_problems, Level};
use std::time::Duration;

#[test]
fn secrets_never_print() {
    let c = Config::from_pairs(&[
        ("SLACK_SIGNING_SECRET", "s3cr3t"),
        ("SLACK_BOT_TOKEN", "xoxb-123"),
    ])
    .unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("s3cr3t") && !dbg.contains("xoxb-123"));
    let (report, ok) = c.report();
    assert!(ok);
    assert!(!report.contains("s3cr3t") && !report.contains("xoxb-123"));
}

#[test]
fn bad_values_name_the_variable() {
    let e = Config::from_pairs(&[("INCIDENT_CADENCE_P1", "soon")]).unwrap_err();
    assert_eq!(e.var, "INCIDENT_CADENCE_P1");
    let e = Config::from_pairs(&[("JULIA_COMMAND", "julia")]).unwrap_err();
    assert_eq!(e.var, "JULIA_COMMAND");
}

#[test]
fn julia_secrets_never_print_and_missing_parts_are_named() {
    let c = Config::from_pairs(&[
        ("RAILWAY_API_TOKEN", "rw-s3cr3t"),
        ("EVOLUTION_API_KEY", "evo-s3cr3t"),
        ("JULIA_DATABASE_URL", "postgres://u:dbpw@h/db"),
    ])
    .unwrap();
    let (report, _) = c.report();
    let dbg = format!("{c:?}");
    for s in ["rw-s3cr3t", "evo-s3cr3t", "dbpw"] {
        assert!(!report.contains(s) && !dbg.contains(s), "{s}");
    }
    assert!(
        report.contains(
            "julia railway: off, set JULIA_RAILWAY_PROJECT_ID, JULIA_RAILWAY_ENVIRONMENT_ID ("
        ),
        "{report}"
    );
    assert_eq!(
        c.julia.railway_services,
        ["julia-api", "julia-worker", "julia-scheduler"]
    );
    assert_eq!(c.julia.evolution_webhook_events, ["MESSAGES_UPSERT"]);
    assert_eq!(
        c.julia.railway_api_url,
        "https://backboard.railway.com/graphql/v2"
    );
}

#[test]
fn julia_railway_ids_win_and_the_plain_fallback_is_noted() {
    let c = Config::from_pairs(&[
        ("JULIA_RAILWAY_PROJECT_ID", "p-julia"),
        ("JULIA_RAILWAY_ENVIRONMENT_ID", "e-julia"),
        ("RAILWAY_PROJECT_ID", "p-bot"),
        ("RAILWAY_ENVIRONMENT_ID", "e-bot"),
    ])
    .unwrap();
    assert_eq!(c.julia.railway_project_id.as_deref(), Some("p-julia"));
    assert_eq!(c.julia.railway_environment_id.as_deref(), Some("e-julia"));
    assert!(!c.report().0.contains("NOTE"));
    // Only Railway's injected names: used, with a note saying so.
    let c = Config::from_pairs(&[
        ("RAILWAY_PROJECT_ID", "p-bot"),
        ("RAILWAY_ENVIRONMENT_ID", "e-bot"),
    ])
    .unwrap();
    assert_eq!(c.julia.railway_project_id.as_deref(), Some("p-bot"));
    let (report, _) = c.report();
    assert!(
        report.contains("NOTE RAILWAY_PROJECT_ID used because JULIA_RAILWAY_PROJECT_ID is unset")
            && report.contains("NOTE RAILWAY_ENVIRONMENT_ID used")
            && report.contains("p-bot (from RAILWAY_PROJECT_ID)"),
        "{report}"
    );
    // One of each: still noted.
    let c = Config::from_pairs(&[
        ("JULIA_RAILWAY_PROJECT_ID", "p-julia"),
        ("RAILWAY_ENVIRONMENT_ID", "e-bot"),
    ])
    .unwrap();
    assert_eq!(c.julia.railway_id_fallbacks, ["RAILWAY_ENVIRONMENT_ID"]);
    let (report, _) = c.report();
    assert!(
        report.contains("= p-julia\n") && report.contains("= e-bot (from RAILWAY_ENVIRONMENT_ID)"),
        "{report}"
    );
}

#[test]
fn both_railway_tokens_the_project_token_wins_and_is_noted() {
    let c = Config::from_pairs(&[
        ("RAILWAY_API_TOKEN", "acct-s3cr3t"),
        ("RAILWAY_TOKEN", "proj-s3cr3t"),
    ])
    .unwrap();
    let (report, _) = c.report();
    assert!(
        report.contains(
            "both set; RAILWAY_TOKEN (project token, Project-Access-Token header) is used"
        ),
        "{report}"
    );
    assert!(!report.contains("s3cr3t"));
}

#[test]
fn unknown_evolution_events_are_named() {
    let e = Config::from_pairs(&[(
        "EVOLUTION_WEBHOOK_EVENTS",
        "MESSAGES_UPSERT,MESSAGE_UPSERT,CONNECTION_UPDATE",
    )])
    .unwrap_err();
    assert_eq!(e.var, "EVOLUTION_WEBHOOK_EVENTS");
    assert!(
        e.problem
            .contains("does not know the event `MESSAGE_UPSERT`"),
        "{}",
        e.problem
    );
    let c = Config::from_pairs(&[(
        "EVOLUTION_WEBHOOK_EVENTS",
        "MESSAGES_UPSERT,CONNECTION_UPDATE,QRCODE_UPDATED",
    )])
    .unwrap();
    assert_eq!(c.julia.evolution_webhook_events.len(), 3);
    assert_eq!(c.julia.evolution_action_timeout, Duration::from_secs(15));
}

#[test]
fn redacts_database_passwords() {
    assert_eq!(
        redact_url("postgres://u:pw@h:5432/db"),
        "postgres://u:***@h:5432/db"
    );
    let (r, ok) = Config::from_pairs(&[]).unwrap().report();
    assert!(!ok, "no signing secret: cannot start");
    assert!(r.contains("server: off, set SLACK_SIGNING_SECRET"), "{r}");
}

fn problems(pairs: &[(&str, &str)]) -> Vec<ConfigProblem> {
    Config::read_pairs(pairs).1
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let p = problems(&[
        ("PORT", "abc"),
        ("INCIDENT_CADENCE_P1", "banana"),
        ("SLACK_BOT_TOKEN", "xapp-1-A0-s3cr3t"),
        ("SLACK_APP_TOKEN", "xoxb-1-2-s3cr3t"),
        ("INCIDENTS_CHANNEL", "#incidents"),
        ("CHATOPS_ADMINS", "ana, @bob"),
        ("INCIDENT_CADENSE_P1", "20m"),
        ("DATABASE_URL", "mysql://u:dbpw@h/db"),
        ("INCIDENT_RESTRICT_CHANGES", "ture"),
    ]);
    let vars: Vec<&str> = p.iter().map(|p| p.var.as_str()).collect();
    assert_eq!(
        vars,
        [
            "SLACK_BOT_TOKEN",
            "SLACK_APP_TOKEN",
            "PORT",
            "DATABASE_URL",
            "INCIDENTS_CHANNEL",
            "INCIDENT_RESTRICT_CHANGES",
            "CHATOPS_ADMINS",
            "INCIDENT_CADENCE_P1",
            "INCIDENT_CADENSE_P1",
        ]
    );
    let of = |v: &str| p.iter().find(|p| p.var == v).unwrap();
    assert_eq!(of("PORT").problem, "`abc` is not a whole number");
    assert!(of("INCIDENT_CADENCE_P1").problem.contains("`off`"));
    assert!(of("INCIDENTS_CHANNEL")
        .problem
        .contains("channel name, not a channel id"));
    assert!(of("CHATOPS_ADMINS")
        .problem
        .starts_with("`ana`, `@bob` are not user ids"));
    assert_eq!(
        of("INCIDENT_CADENSE_P1").problem,
        "not a variable the bot reads; did you mean `INCIDENT_CADENCE_P1`?"
    );
    assert_eq!(of("INCIDENT_CADENSE_P1").level, Level::Warning);
    assert!(of("DATABASE_URL")
        .problem
        .starts_with("unsupported database URL scheme `mysql`"));
    let all = render_problems(&p);
    assert!(all.starts_with("8 errors, 1 warning:"), "{all}");
    for secret in ["s3cr3t", "dbpw"] {
        assert!(!all.contains(secret), "{all}");
    }
}

#[test]
fn platform_variables_are_not_taken_for_misspellings() {
    // What Railway, Docker and a shell set beside the bot's own variables.
    let platform = [
        "RAILWAY_ENVIRONMENT",
        "RAILWAY_ENVIRONMENT_NAME",
        "RAILWAY_PROJECT_NAME",
        "RAILWAY_SERVICE_ID",
        "RAILWAY_SERVICE_NAME",
        "RAILWAY_REPLICA_ID",
        "RAILWAY_DEPLOYMENT_ID",
        "RAILWAY_SNAPSHOT_ID",
        "RAILWAY_PUBLIC_DOMAIN",
        "RAILWAY_PRIVATE_DOMAIN",
        "RAILWAY_STATIC_URL",
        "RAILWAY_GIT_COMMIT_SHA",
        "DATABASE_PUBLIC_URL",
        "REDIS_PUBLIC_URL",
        "REDISHOST",
        "PGHOST",
        "HOSTNAME",
        "HOME",
        "PATH",
        "RUST_LOG",
        "RUST_BACKTRACE",
    ];
    let pairs: Vec<(&str, &str)> = platform.iter().map(|k| (*k, "x")).collect();
    assert_eq!(problems(&pairs), []);
}

#[test]
fn extra_responder_groups_are_a_warning_not_silence() {
    let (c, p) = Config::read_pairs(&[("INCIDENT_RESPONDERS", "U0ANA,S0ONE,S0TWO")]);
    assert_eq!(c.incident_responder_group.as_deref(), Some("S0ONE"));
    assert_eq!(c.incident_responders, ["U0ANA"]);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].level, Level::Warning);
    assert!(p[0].problem.contains("`S0TWO` ignored"), "{}", p[0].problem);
    assert!(problems(&[("INCIDENT_RESPONDERS", "U0ANA,S0ONE")]).is_empty());
}

#[test]
fn the_variable_list_is_what_read_reads() {
    let v = Config::variables();
    for name in [
        "SLACK_SIGNING_SECRET",
        "INCIDENT_CADENCE_P3",
        "INCIDENT_RESPONDER_GROUP",
        "EVOLUTION_WEBHOOK_EVENTS",
        "JULIA_FOLLOW_LIMIT",
    ] {
        assert!(v.contains(&name), "{name}: {v:?}");
    }
}

#[test]
fn port_out_of_range_is_not_not_a_number() {
    let e = Config::from_pairs(&[("PORT", "99999")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "PORT: `99999` is out of range: use 0 to 65535"
    );
}

#[test]
fn a_wrong_value_falls_back_to_its_default_and_a_warning_does_not_stop() {
    let (c, p) = Config::read_pairs(&[("INCIDENT_CADENCE_P0", "soon"), ("LOG_FORMATT", "json")]);
    assert_eq!(c.cadence[0], Some(Duration::from_secs(600)));
    assert_eq!(p.len(), 2);
    assert!(Config::from_pairs(&[("LOG_FORMATT", "json")]).is_ok());
}

#[test]
fn serve_and_check_config_agree_on_the_signing_secret() {
    let c = Config::from_pairs(&[]).unwrap();
    let p = c.serve_problems();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].var, "SLACK_SIGNING_SECRET");
    assert!(!c.report().1);
    let c = Config::from_pairs(&[("SLACK_SIGNING_SECRET", "x")]).unwrap();
    assert!(c.serve_problems().is_empty() && c.report().1);
}
