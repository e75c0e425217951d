use super::Settings as Config;

fn problems(pairs: &[(&str, &str)]) -> Vec<(String, String, bool)> {
    let (_, p) = Config::read_pairs(pairs);
    p.into_iter()
        .map(|p| {
            let e = p.is_error();
            (p.var, p.problem, e)
        })
        .collect()
}

#[test]
fn defaults() {
    let (c, _) = Config::read_pairs(&[]);
    let p = &c.paging;
    assert_eq!(p.ack[0], Some(std::time::Duration::from_secs(300)));
    assert_eq!(p.ack[1], Some(std::time::Duration::from_secs(900)));
    assert_eq!(p.ack[2], Some(std::time::Duration::from_secs(3600)));
    assert_eq!(p.ack[3], None);
    assert_eq!(p.tz.name(), "America/Sao_Paulo");
    assert_eq!(p.handoff.describe(), "mon 09:00");
    assert!(p.webhook_token.is_none());
}

#[test]
fn bad_values_name_the_variable_and_never_show_a_number() {
    let p = problems(&[
        ("ONCALL_ROTATION", "U012AB3CD,ana"),
        ("ONCALL_PHONES", "U012AB3CD:5511999991234"),
        ("ONCALL_TZ", "Mars/Olympus"),
        ("ONCALL_HANDOFF", "someday"),
        ("PAGER_WEBHOOK_TOKEN", "short"),
        ("INCIDENT_ACK_P0", "soon"),
    ]);
    for var in [
        "ONCALL_ROTATION",
        "ONCALL_PHONES",
        "ONCALL_TZ",
        "ONCALL_HANDOFF",
        "PAGER_WEBHOOK_TOKEN",
        "INCIDENT_ACK_P0",
    ] {
        assert!(
            p.iter().any(|(v, _, e)| v == var && *e),
            "{var} not reported: {p:?}"
        );
    }
    assert!(
        p.iter().all(|(_, t, _)| !t.contains("5511999991234")),
        "{p:?}"
    );
    let p = problems(&[("ONCALL_PHONES", "5511999991234")]);
    assert!(
        p.iter().all(|(_, t, _)| !t.contains("5511999991234")),
        "{p:?}"
    );
}

#[test]
fn check_config_masks_numbers_and_redacts_the_token() {
    let c = Config::from_pairs(&[
        ("SLACK_SIGNING_SECRET", "x"),
        ("ONCALL_ROTATION", "U012AB3CD"),
        ("ONCALL_PHONES", "U012AB3CD:+5511999991234"),
        ("PAGER_WEBHOOK_TOKEN", "abcdefghijklmnopqrstuvwxyz012345"),
        ("EVOLUTION_INSTANCE", "julia"),
    ])
    .unwrap();
    let (r, _) = c.report();
    assert!(r.contains("U012AB3CD:+55 •••• 1234"), "{r}");
    assert!(
        !r.contains("5511999991234") && !r.contains("abcdefghijklmnop"),
        "{r}"
    );
    assert!(r.contains("PAGER_EVOLUTION_INSTANCE") && r.contains("julia"));
    assert!(format!("{c:?}").contains("+55 •••• 1234"));
    assert!(!format!("{c:?}").contains("5511999991234"));
}

#[test]
fn check_config_warns_when_pages_go_through_julias_own_instance() {
    let base = [
        ("ONCALL_PHONES", "U012AB3CD:+5511999991234"),
        ("EVOLUTION_API_URL", "https://evo.example"),
        ("EVOLUTION_INSTANCE", "julia"),
    ];
    let warned = |p: &[(String, String, bool)]| {
        p.iter()
            .any(|(v, t, e)| v == "PAGER_EVOLUTION_INSTANCE" && !e && t.contains("Julia's own"))
    };
    assert!(warned(&problems(&base)), "unset: Julia's instance is used");
    let same = [base.as_slice(), &[("PAGER_EVOLUTION_INSTANCE", "julia")]].concat();
    assert!(warned(&problems(&same)));
    let own = [base.as_slice(), &[("PAGER_EVOLUTION_INSTANCE", "pager")]].concat();
    let p = problems(&own);
    assert!(!warned(&p), "{p:?}");
}
