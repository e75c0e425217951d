use std::time::Duration;

use messages::usage::{Problem, Topic};

use super::*;
use ::incident::{IncidentStatus, Role, Severity};

/// A title the grammar accepts.
fn title(s: &str) -> IncidentTitle {
    IncidentTitle::parse(s).unwrap()
}

#[test]
fn declare_accepts_every_severity_spelling() {
    for s in ["P1", "p1", "sev1", "SEV-1", "Sev1", "sev_1"] {
        let c = parse_incident(&format!("declare {s} Evolution fora do ar")).unwrap();
        assert_eq!(
            c,
            IncidentCmd::Declare {
                severity: Some(Severity::P1),
                title: Some(title("Evolution fora do ar")),
                private: false,
                drill: false,
                drill_pages: false,
                affects: vec![]
            },
            "{s}"
        );
    }
    assert_eq!(
        parse_incident("declare sev 0 Julia silent --private").unwrap(),
        IncidentCmd::Declare {
            severity: Some(Severity::P0),
            title: Some(title("Julia silent")),
            private: true,
            drill: false,
            drill_pages: false,
            affects: vec![],
        }
    );
}

#[test]
fn list_takes_a_severity_and_a_page() {
    let list = |s, p| IncidentCmd::List {
        severity: s,
        page: p,
    };
    assert_eq!(parse_incident("list").unwrap(), list(None, 1));
    assert_eq!(
        parse_incident("list p1").unwrap(),
        list(Some(Severity::P1), 1)
    );
    assert_eq!(
        parse_incident("ls SEV-0 page 3").unwrap(),
        list(Some(Severity::P0), 3)
    );
    assert_eq!(parse_incident("list 2").unwrap(), list(None, 2));
    assert!(matches!(
        parse_incident("list urgent"),
        Err(Problem::BadSeverity(_))
    ));
}

#[test]
fn declare_without_arguments_opens_the_modal() {
    assert_eq!(
        parse_incident("declare").unwrap(),
        IncidentCmd::Declare {
            severity: None,
            title: None,
            private: false,
            drill: false,
            drill_pages: false,
            affects: vec![],
        }
    );
}

#[test]
fn declare_refuses_bad_titles_and_severities() {
    assert!(matches!(
        parse_incident("declare P1 ab"),
        Err(Problem::TitleLength { len: 2, .. })
    ));
    let long = "x".repeat(151);
    assert!(matches!(
        parse_incident(&format!("declare P1 {long}")),
        Err(Problem::TitleLength { .. })
    ));
    assert!(
        matches!(parse_incident("declare P7 db down"), Err(Problem::BadSeverity(s)) if s == "P7")
    );
    assert!(matches!(
        parse_incident("declare urgent db down"),
        Err(Problem::BadSeverity(_))
    ));
}

#[test]
fn update_may_be_marked_for_stakeholders() {
    assert_eq!(
        parse_incident("update identified --stakeholders Doctors get answers again, slowly")
            .unwrap(),
        IncidentCmd::Update {
            id: None,
            status: Some(IncidentStatus::Identified),
            text: Some("Doctors get answers again, slowly".into()),
            affects: vec![],
            stakeholders: true,
        }
    );
    assert_eq!(
        parse_incident("update --stakeholders"),
        Err(messages::usage::Problem::Usage(
            messages::usage::Topic::IncidentUpdate
        ))
    );
}

#[test]
fn update_takes_optional_id_and_status() {
    assert_eq!(
        parse_incident("update INC-12 identified bad deploy").unwrap(),
        IncidentCmd::Update {
            id: Some(IncidentId(12)),
            status: Some(IncidentStatus::Identified),
            text: Some("bad deploy".into()),
            affects: vec![],
            stakeholders: false,
        }
    );
    assert_eq!(
        parse_incident("update rolled back worker").unwrap(),
        IncidentCmd::Update {
            id: None,
            status: None,
            text: Some("rolled back worker".into()),
            affects: vec![],
            stakeholders: false,
        }
    );
    assert_eq!(
        parse_incident("update").unwrap(),
        IncidentCmd::Update {
            id: None,
            status: None,
            text: None,
            affects: vec![],
            stakeholders: false,
        }
    );
}

#[test]
fn unknown_subcommand_suggests_the_closest() {
    match parse_incident("updte foo") {
        Err(Problem::Unknown { suggestion, .. }) => {
            assert_eq!(suggestion.as_deref(), Some("update"))
        }
        other => panic!("{other:?}"),
    }
    match parse_julia("staus") {
        Err(Problem::Unknown { suggestion, .. }) => {
            assert_eq!(suggestion.as_deref(), Some("status"))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(parse_julia(""), Err(Problem::Empty(Topic::Julia))));
}

#[test]
fn roles_take_mentions() {
    assert_eq!(
        parse_incident("commander <@U0ANA|ana>").unwrap(),
        IncidentCmd::Role {
            id: None,
            role: Role::Commander,
            user: UserId::new("U0ANA")
        }
    );
    assert_eq!(
        parse_incident("role INC-3 scribe <@U0BOB>").unwrap(),
        IncidentCmd::Role {
            id: Some(IncidentId(3)),
            role: Role::Scribe,
            user: UserId::new("U0BOB")
        }
    );
    assert!(parse_incident("commander ana").is_err());
}

#[test]
fn julia_grammar() {
    assert_eq!(
        parse_julia("pause --handoff evolution flapping").unwrap(),
        JuliaCmd::Pause {
            reason: "evolution flapping".into(),
            handoff: true
        }
    );
    assert!(matches!(
        parse_julia("pause"),
        Err(Problem::Usage(Topic::JuliaPause))
    ));
    assert_eq!(
        parse_julia("rollback julia-worker d-123").unwrap(),
        JuliaCmd::Rollback {
            service: "julia-worker".into(),
            deployment: Some("d-123".into())
        }
    );
    assert_eq!(
        parse_julia("jobs kill abc").unwrap(),
        JuliaCmd::JobsKill { id: "abc".into() }
    );
    assert_eq!(
        parse_julia("queue blocked").unwrap(),
        JuliaCmd::QueueBlocked
    );
    assert_eq!(
        parse_julia("queue nope"),
        Err(Problem::Usage(Topic::JuliaQueue))
    );
    assert_eq!(
        parse_julia("flags Campaigns").unwrap(),
        JuliaCmd::Flags {
            name: Some("campaigns".into())
        }
    );
    assert_eq!(
        parse_julia("campaigns off spam complaints").unwrap(),
        JuliaCmd::Campaigns {
            enabled: false,
            reason: Some("spam complaints".into())
        }
    );
    assert_eq!(
        parse_julia("campaigns maybe"),
        Err(Problem::Usage(Topic::JuliaSwitches))
    );
    assert_eq!(
        parse_julia("campaign pause Oferta plantão SP").unwrap(),
        JuliaCmd::Campaign {
            pause: true,
            name: "Oferta plantão SP".into()
        }
    );
    assert_eq!(
        parse_julia("campaign stop 12"),
        Err(Problem::Usage(Topic::JuliaSwitches))
    );
    assert_eq!(
        parse_julia("campaign resume"),
        Err(Problem::Usage(Topic::JuliaSwitches))
    );
    assert_eq!(parse_julia("evolution qr").unwrap(), JuliaCmd::EvolutionQr);
    assert_eq!(
        parse_julia("deploys").unwrap(),
        JuliaCmd::Deploys { service: None }
    );
}

#[test]
fn control_characters_are_data_not_structure() {
    let c = parse_incident("note \u{0007}db\u{0000} is\n slow").unwrap();
    assert_eq!(
        c,
        IncidentCmd::Note {
            id: None,
            text: "db is slow".into()
        }
    );
    let big = "a ".repeat(6000);
    assert!(matches!(
        parse_incident(&format!("note {big}")),
        Err(Problem::TextTooLong { .. })
    ));
}

#[test]
fn titles_of_invisible_characters_are_refused_and_bidi_controls_removed() {
    assert_eq!(
        parse_incident("declare P1 \u{200B}\u{200B}\u{200B}\u{200B}"),
        Err(Problem::TitleLength {
            len: 0,
            min: 3,
            max: 150
        }),
        "zero-width spaces are removed: nothing is left"
    );
    assert_eq!(
        parse_incident("declare P1 \u{200D}\u{3164}\u{FE0F}\u{2800}"),
        Err(Problem::InvisibleTitle)
    );
    assert_eq!(
        parse_incident("declare P1 \u{202E}nwod bd\u{202C} \u{2066}x\u{2069}").unwrap(),
        IncidentCmd::Declare {
            severity: Some(Severity::P1),
            title: Some(title("nwod bd x")),
            private: false,
            drill: false,
            drill_pages: false,
            affects: vec![],
        }
    );
    assert_eq!(
        IncidentTitle::parse("db\u{00A0}\u{00A0}down\u{200B}")
            .unwrap()
            .as_str(),
        "db down",
        "no-break spaces are spaces"
    );
    assert_eq!(
        IncidentTitle::parse("👩\u{200D}💻 api").map(|t| t.as_str().to_string()),
        Ok("👩\u{200D}💻 api".into())
    );
}

#[test]
fn snooze_parses_humantime() {
    assert_eq!(
        parse_incident("snooze 15m").unwrap(),
        IncidentCmd::Snooze {
            id: None,
            duration: Duration::from_secs(900)
        }
    );
    assert!(matches!(
        parse_incident("snooze later"),
        Err(Problem::BadDuration(_))
    ));
}

#[test]
fn declare_and_update_take_affects_and_drill_anywhere() {
    assert_eq!(
        parse_incident(
            "declare P1 --affects julia-api:partial,julia-whatsapp:major Julia down --drill"
        )
        .unwrap(),
        IncidentCmd::Declare {
            severity: Some(Severity::P1),
            title: Some(title("Julia down")),
            private: false,
            drill: true,
            drill_pages: false,
            affects: vec!["julia-api:partial,julia-whatsapp:major".into()],
        }
    );
    // `--page` opts a drill in to paging; on a real incident it changes nothing.
    for (text, pages) in [
        ("declare P0 --drill --page failover test", true),
        ("declare P0 --page failover test", false),
    ] {
        match parse_incident(text).unwrap() {
            IncidentCmd::Declare {
                drill_pages, title, ..
            } => {
                assert_eq!(drill_pages, pages, "{text}");
                assert_eq!(title, Some(self::title("failover test")));
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        parse_incident("action done 3"),
        Ok(IncidentCmd::Followup(followup::FollowupCmd::Done {
            item: 3
        }))
    ));
    assert!(matches!(
        parse_incident("drill off INC-2"),
        Ok(IncidentCmd::Followup(followup::FollowupCmd::Drill {
            on: false,
            ..
        }))
    ));
    assert_eq!(
        parse_incident("update INC-3 monitoring --affects julia-api:operational failover done")
            .unwrap(),
        IncidentCmd::Update {
            id: Some(IncidentId(3)),
            status: Some(IncidentStatus::Monitoring),
            text: Some("failover done".into()),
            affects: vec!["julia-api:operational".into()],
            stakeholders: false,
        }
    );
    assert_eq!(
        parse_incident("update --affects"),
        Err(messages::usage::Problem::Usage(
            messages::usage::Topic::IncidentUpdate
        ))
    );
}
