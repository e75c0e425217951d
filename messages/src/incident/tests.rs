use super::common::IncidentView;
use super::ids::action;
use super::posts::{declared, topic, war_room_name};
use crate::Locale;

#[test]
fn war_room_names_fold_accents_and_stay_short() {
    let t = 1_763_800_000; // 2025-11-22
    assert_eq!(
        war_room_name(12, t, "Evolução fora do ar", None),
        "inc-20251122-12-evolucao-fora-do-ar"
    );
    assert_eq!(
        war_room_name(12, t, "Evolução fora do ar", Some(2)),
        "inc-20251122-12-evolucao-fora-do-ar-2"
    );
    let long = war_room_name(
        3,
        t,
        &"Julia não responde aos médicos ".repeat(10),
        Some(10),
    );
    assert!(long.len() <= 80, "{long}");
    assert!(long.ends_with("-10"));
    assert!(long
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'));
    assert_eq!(war_room_name(4, t, "!!!", None), "inc-20251122-4");
    assert_eq!(
        war_room_name(5, t, "z\u{337}a\u{337}l\u{337}g\u{337}o\u{337} down", None),
        "inc-20251122-5-zalgo-down"
    );
}

fn view() -> IncidentView {
    IncidentView {
        id: 7,
        title: "<!channel> Evolution down".into(),
        severity: "P1".into(),
        status: "identified".into(),
        started_at: 1_700_000_000,
        now: 1_700_000_600,
        commander: Some("U0ANA".into()),
        next_update_at: Some(1_700_001_500),
        ..Default::default()
    }
}

#[test]
fn templates_escape_titles_and_use_date_tokens() {
    for l in [Locale::En, Locale::PtBr] {
        let m = declared(&view(), l);
        let json = serde_json::to_string(&m).unwrap();
        assert!(!json.contains("<!channel>"), "{json}");
        assert!(json.contains("<!date^1700000000^"));
        assert!(json.contains(action::POST_UPDATE));
    }
    assert_eq!(
        topic(&view(), Locale::En),
        "P1 · Identified · IC <@U0ANA> · next update 22:38 UTC · INC-7"
    );
    assert!(topic(&view(), Locale::PtBr).contains("Identificado"));
}
