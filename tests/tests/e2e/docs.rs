//! The documentation agrees with itself and with the code: the README's configuration table and
//! `.env.example` list the same variables, and describe escalation, commander and responder
//! settings the same way (the cadence counts are the code's).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    let p = repo_root().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn is_env_name(s: &str) -> bool {
    s.len() > 2
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The rows of the README's `## Configuration` table.
fn readme_config_rows() -> Vec<String> {
    let readme = read("README.md");
    let section = readme
        .split("\n## Configuration")
        .nth(1)
        .expect("README has a Configuration section")
        .split("\n## ")
        .next()
        .unwrap()
        .to_string();
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(str::to_string)
        .collect()
}

/// The variable names in a row's first cell (`INCIDENT_CADENCE_P0..P3` counts as four).
fn names_in_first_cell(row: &str) -> Vec<String> {
    let cell = row.split('|').nth(1).unwrap_or("");
    let mut out = Vec::new();
    for token in cell.split('`').skip(1).step_by(2) {
        if let Some(stem) = token.strip_suffix("P0..P3") {
            out.extend((0..4).map(|i| format!("{stem}P{i}")));
        } else if is_env_name(token) {
            out.push(token.to_string());
        }
    }
    out
}

fn readme_variables() -> BTreeSet<String> {
    readme_config_rows()
        .iter()
        .flat_map(|r| names_in_first_cell(r))
        .collect()
}

/// `.env.example` entries (`VAR=` or `# VAR=`).
fn env_example_variables() -> BTreeSet<String> {
    read(".env.example")
        .lines()
        .filter_map(|l| {
            let (name, _) = l.trim_start_matches('#').trim().split_once('=')?;
            is_env_name(name).then(|| name.to_string())
        })
        .collect()
}

/// The README row whose first cell names `var`.
fn readme_row(var: &str) -> String {
    readme_config_rows()
        .into_iter()
        .find(|r| names_in_first_cell(r).iter().any(|n| n == var))
        .unwrap_or_else(|| panic!("README's configuration table has no row for {var}"))
}

/// The comment block right above `var`'s entry in `.env.example`, as one line.
fn env_example_comment(var: &str) -> String {
    let text = read(".env.example");
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| {
            l.trim_start_matches('#')
                .trim()
                .split_once('=')
                .is_some_and(|(n, _)| n == var)
        })
        .unwrap_or_else(|| panic!(".env.example has no entry for {var}"));
    let mut comment = Vec::new();
    for l in lines[..at].iter().rev() {
        let c = l.trim_start_matches('#').trim();
        if l.trim().is_empty()
            || !l.starts_with('#')
            || c.split_once('=').is_some_and(|(n, _)| is_env_name(n))
        {
            break;
        }
        comment.push(c);
    }
    comment.reverse();
    comment.join(" ")
}

#[test]
fn readme_and_env_example_list_the_same_variables() {
    let readme = readme_variables();
    let example = env_example_variables();
    // The parsers work.
    for sure in [
        "SLACK_SIGNING_SECRET",
        "INCIDENT_CADENCE_P2",
        "RAILWAY_TOKEN",
    ] {
        assert!(
            readme.contains(sure),
            "README parser missed {sure}: {readme:?}"
        );
        assert!(example.contains(sure), ".env.example parser missed {sure}");
    }
    let only_readme: Vec<_> = readme.difference(&example).collect();
    let only_example: Vec<_> = example.difference(&readme).collect();
    assert!(
        only_readme.is_empty() && only_example.is_empty(),
        "README's configuration table only: {only_readme:?}; .env.example only: {only_example:?}"
    );
}

/// The smallest number of cadences of silence that reaches escalation `level` in the code.
fn cadences_to_reach(level: i64) -> i64 {
    let c = Duration::from_secs(60);
    (1..=10)
        .find(|n| incident::reminder::escalation_level(n * 60_000, c) >= level)
        .unwrap_or_else(|| panic!("the code never reaches escalation level {level}"))
}

#[test]
fn escalation_commander_and_responder_settings_are_described_alike() {
    let escalate = cadences_to_reach(1);
    let commanders = cadences_to_reach(2);
    assert_eq!((escalate, commanders), (2, 4), "the code's ladder");
    for (vars, n) in [
        (["ESCALATION_USERS", "ESCALATION_USERGROUP"], escalate),
        (["COMMANDER_USERS", "COMMANDER_USERGROUP"], commanders),
    ] {
        let when = format!("after {n} cadences without an update");
        for var in vars {
            let row = readme_row(var);
            let comment = env_example_comment(var);
            assert!(
                row.contains(&when),
                "README on {var} should say `{when}`: {row}"
            );
            assert!(
                comment.contains(&when),
                ".env.example on {var} should say `{when}`: {comment}"
            );
            // Users are a comma-separated list of U… ids; a group is one S… id whose members count.
            if var.ends_with("_USERS") {
                assert!(
                    row.contains("comma-separated") && comment.contains("comma-separated"),
                    "{var}"
                );
            } else {
                assert!(row.contains("S…") && comment.contains("S…"), "{var}");
                assert!(
                    row.contains("members") && comment.contains("members"),
                    "{var}"
                );
            }
        }
    }
    // Only the 2-cadence step goes to the incidents channel as well; both say so.
    assert!(readme_row("ESCALATION_USERS").contains("incidents channel"));
    assert!(env_example_comment("ESCALATION_USERS").contains("incidents channel"));

    // Responders: an S… entry in INCIDENT_RESPONDERS is a group and wins over
    // INCIDENT_RESPONDER_GROUP — in the code and in both documents.
    let config = bot::Settings::from_pairs(&[
        ("INCIDENT_RESPONDERS", "U1,S1,U2"),
        ("INCIDENT_RESPONDER_GROUP", "S2"),
    ])
    .unwrap();
    assert_eq!(config.incident_responders, vec!["U1", "U2"]);
    assert_eq!(config.incident_responder_group.as_deref(), Some("S1"));
    for text in [
        readme_row("INCIDENT_RESPONDERS"),
        env_example_comment("INCIDENT_RESPONDERS"),
    ] {
        assert!(
            text.contains("S…") && text.contains("user group") && text.contains("overrides"),
            "INCIDENT_RESPONDERS: {text}"
        );
        assert!(text.contains("comma-separated"), "{text}");
    }
    for text in [
        readme_row("INCIDENT_RESPONDER_GROUP"),
        env_example_comment("INCIDENT_RESPONDER_GROUP"),
    ] {
        assert!(
            text.contains("S…") && text.contains("members") && text.contains("every war room"),
            "INCIDENT_RESPONDER_GROUP: {text}"
        );
    }
}

/// The README's "Where things are" map: every path it names exists (a module path may be a
/// file `x.rs` or a folder `x/`), every row names a file that reads, one that runs, and the
/// words, and every `/incident` subcommand the grammar knows has a row.
#[test]
fn the_map_of_where_things_are_names_only_real_files() {
    let readme = read("README.md");
    let section = readme
        .split("\n### Where things are")
        .nth(1)
        .expect("README has a `Where things are` section")
        .split("\n#")
        .next()
        .unwrap();
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| What") && !l.starts_with("|---"))
        .collect();
    assert!(rows.len() >= 15, "the map has {} rows", rows.len());
    let root = repo_root();
    let mut missing = Vec::new();
    let mut named = 0;
    for row in &rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 6, "four columns: {row}");
        assert!(
            cells[3].contains("crates/") || cells[3].contains("bot/src/"),
            "no flow named in: {row}"
        );
        assert!(
            cells[4].contains("messages/src/"),
            "no words named in: {row}"
        );
        for token in row.split('`').skip(1).step_by(2) {
            let is_path = ["bot/", "crates/", "messages/", "tests/"]
                .iter()
                .any(|p| token.starts_with(p));
            if !is_path {
                continue;
            }
            named += 1;
            let p = root.join(token);
            if !p.exists() && !p.with_extension("rs").exists() {
                missing.push(token.to_string());
            }
        }
    }
    assert!(named > 40, "only {named} paths in the map");
    assert!(
        missing.is_empty(),
        "the map names paths that do not exist: {missing:?}"
    );
    let map_text = rows.join("\n");
    for sub in bot::command::INCIDENT_SUBCOMMANDS {
        if *sub == "help" {
            continue;
        }
        assert!(
            map_text.contains(&format!("`/incident {sub}"))
                || map_text.contains(&format!("`{sub}`")),
            "`/incident {sub}` is not in the map"
        );
    }
}
