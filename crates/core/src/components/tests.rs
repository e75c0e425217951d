use std::time::Duration;

use super::*;

const EXAMPLE: &str = include_str!("../../../../components.example.yml");

#[test]
fn the_example_file_loads_with_names_in_both_languages_and_rtos() {
    let c = Components::parse("components.example.yml", EXAMPLE).unwrap();
    let api = c.get("JULIA-API").unwrap();
    assert_eq!(api.system, "julia");
    assert_eq!(api.rto, Some(Duration::from_secs(300)));
    assert_eq!(api.check, Some(HealthCheck::JuliaDeep));
    let w = c.get("julia-whatsapp").unwrap();
    assert_eq!(w.name.get(messages::Locale::PtBr), "Mensagens no WhatsApp");
    assert!(w.customer_facing);
    assert_eq!(
        c.system("fabrica").unwrap().name.pt_br,
        "Fábrica de Agentes"
    );
    assert!(c.ids().contains(&"etp-express"));
}

#[test]
fn problems_name_the_file_and_the_component() {
    let bad = "systems:\n  - id: s\n    components:\n      - id: Bad Id\n      - id: x\n        rto: soon\n";
    let e = Components::parse("c.yml", bad).unwrap_err();
    assert!(
        e.contains("c.yml") && e.contains("`Bad Id`") && e.contains("rto `soon`"),
        "{e}"
    );
    let twice = "systems:\n  - id: s\n    components:\n      - id: a\n      - id: a\n";
    assert!(Components::parse("c.yml", twice)
        .unwrap_err()
        .contains("defined twice"));
    let auto = "systems:\n  - id: s\n    components:\n      - id: a\n        auto_degrade: true\n";
    assert!(Components::parse("c.yml", auto)
        .unwrap_err()
        .contains("needs a check"));
    let unknown = "systems:\n  - id: s\n    components:\n      - id: a\n        colour: red\n";
    assert!(Components::parse("c.yml", unknown)
        .unwrap_err()
        .contains("c.yml line"));
}

#[test]
fn checks_are_one_of_three_shapes() {
    assert_eq!(
        parse_check("http https://x.example/health").unwrap(),
        HealthCheck::Http {
            url: "https://x.example/health".into()
        }
    );
    assert_eq!(
        parse_check("ops kumon/status").unwrap(),
        HealthCheck::Runbook {
            system: "kumon".into(),
            action: "status".into()
        }
    );
    assert!(parse_check("ping x").is_err());
}
