//! `manifest.yml` (repo root): valid against the vendored Slack manifest schema, pointing at the
//! routes the bot serves, declaring the configured commands. `manifest.socket.yml`: the same
//! app over Socket Mode (valid too, no request URLs, otherwise equal). `manifest_scopes.rs`:
//! a bot scope for every Slack Web API method the code calls and every event it subscribes to.
//!
//! Paths: the repo root is `CARGO_MANIFEST_DIR/..` (`testkit::manifest_kit`); the vendored
//! specs are in `tests/specs/` (`testkit::specs`).

use std::collections::BTreeSet;

use serde_json::{json, Value};
use testkit::manifest_kit::*;

/// The schema named by `_metadata.major_version` (1 or absent: 1.0.0, 2: 2.0.0).
fn schema_for(manifest: &Value) -> Value {
    let file = match manifest
        .pointer("/_metadata/major_version")
        .and_then(Value::as_i64)
    {
        None | Some(1) => testkit::specs::SLACK_MANIFEST_SCHEMA_1,
        Some(2) => testkit::specs::SLACK_MANIFEST_SCHEMA_2,
        Some(other) => panic!("_metadata.major_version {other}: no vendored schema"),
    };
    testkit::specs::json(file)
}

/// The schema's complaints about `instance`, as `path: message` lines.
fn schema_errors(instance: &Value) -> Vec<String> {
    let schema = schema_for(instance);
    let validator = jsonschema::validator_for(&schema).expect("the vendored schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

/// The path part of `https://YOUR-HOST/slack/commands`.
fn url_path(url: &str) -> String {
    let rest = url
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("request URLs must be https: {url}"));
    let slash = rest.find('/').unwrap_or_else(|| panic!("no path in {url}"));
    rest[slash..].to_string()
}

#[test]
fn manifest_is_valid_against_the_vendored_schema() {
    let m = manifest();
    assert_eq!(
        m.pointer("/_metadata/major_version")
            .and_then(Value::as_i64),
        Some(2),
        "the manifest targets schema 2.0.0"
    );
    let errors = schema_errors(&m);
    assert!(
        errors.is_empty(),
        "manifest.yml is invalid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn request_urls_point_at_the_routes_the_bot_serves() {
    let m = manifest();
    let commands = m["features"]["slash_commands"]
        .as_array()
        .expect("slash_commands");
    let mut used = BTreeSet::new();
    for c in commands {
        let path = url_path(c["url"].as_str().expect("command url"));
        assert_eq!(path, "/slack/commands", "{}", c["command"]);
        used.insert(path);
    }
    let events = url_path(
        m["settings"]["event_subscriptions"]["request_url"]
            .as_str()
            .expect("events url"),
    );
    assert_eq!(events, "/slack/events");
    used.insert(events);
    assert_eq!(m["settings"]["interactivity"]["is_enabled"], json!(true));
    let interactions = url_path(
        m["settings"]["interactivity"]["request_url"]
            .as_str()
            .expect("interactivity url"),
    );
    assert_eq!(interactions, "/slack/interactions");
    used.insert(interactions);

    let served: BTreeSet<String> = bot::routes::SLACK_PATHS
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        used, served,
        "manifest request URL paths must equal bot::routes::SLACK_PATHS"
    );

    // Every URL uses the same placeholder host, so one search-and-replace configures the app.
    fn urls(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if s.contains("://") => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| urls(x, out)),
            Value::Object(o) => o.values().for_each(|x| urls(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    urls(&m, &mut all);
    assert_eq!(
        all.len(),
        5,
        "three commands, events, interactivity: {all:?}"
    );
    let hosts: BTreeSet<&str> = all
        .iter()
        .map(|u| {
            u.trim_start_matches("https://")
                .split('/')
                .next()
                .unwrap_or("")
        })
        .collect();
    assert_eq!(
        hosts,
        BTreeSet::from(["YOUR-HOST"]),
        "one placeholder host everywhere"
    );
}

#[test]
fn commands_are_the_configured_defaults() {
    let m = manifest();
    let config = bot::Settings::from_pairs(&[]).expect("default config");
    let declared: BTreeSet<String> = m["features"]["slash_commands"]
        .as_array()
        .expect("slash_commands")
        .iter()
        .map(|c| c["command"].as_str().expect("command").to_string())
        .collect();
    let configured = BTreeSet::from([
        config.incident_command.clone(),
        config.julia_command.clone(),
        config.ops.command.clone(),
    ]);
    assert_eq!(declared, configured);
    assert_eq!(
        configured,
        BTreeSet::from([
            "/incident".to_string(),
            "/julia".to_string(),
            "/ops".to_string()
        ])
    );
    for c in m["features"]["slash_commands"].as_array().unwrap() {
        assert_eq!(
            c["should_escape"],
            json!(true),
            "{}: user and channel mentions arrive as IDs",
            c["command"]
        );
        assert!(
            c["usage_hint"].as_str().is_some_and(|h| !h.is_empty()),
            "{}: usage_hint",
            c["command"]
        );
        assert!(
            c["description"].as_str().is_some_and(|h| !h.is_empty()),
            "{}: description",
            c["command"]
        );
    }
    assert!(
        bot_scopes(&m).contains("commands"),
        "slash commands need the `commands` scope"
    );
    assert_eq!(
        m["features"]["app_home"]["home_tab_enabled"],
        json!(true),
        "views.publish needs the Home tab"
    );
    assert!(m["features"]["bot_user"]["display_name"].is_string());
}

/// Changes the valid manifest in one way; the schema must refuse the result.
fn assert_rejected(what: &str, change: impl FnOnce(&mut Value), expected_path: &str) {
    let mut m = manifest();
    change(&mut m);
    let errors = schema_errors(&m);
    assert!(
        !errors.is_empty(),
        "the schema accepted a manifest with {what}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with(expected_path)),
        "{what}: expected an error at `{expected_path}`, got:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_schema_rejects_common_manifest_mistakes() {
    assert_rejected(
        "interactivity without is_enabled",
        |m| {
            m["settings"]["interactivity"]
                .as_object_mut()
                .unwrap()
                .remove("is_enabled");
        },
        "/settings/interactivity",
    );
    assert_rejected(
        "a command without a leading /",
        |m| m["features"]["slash_commands"][0]["command"] = json!("incident"),
        "/features/slash_commands/0/command",
    );
    assert_rejected(
        "a command over 32 characters",
        |m| m["features"]["slash_commands"][1]["command"] = json!(format!("/{}", "j".repeat(32))),
        "/features/slash_commands/1/command",
    );
    assert_rejected(
        "a command without description",
        |m| {
            m["features"]["slash_commands"][0]
                .as_object_mut()
                .unwrap()
                .remove("description");
        },
        "/features/slash_commands/0",
    );
    assert_rejected(
        "an unknown key in a command",
        |m| m["features"]["slash_commands"][0]["escape"] = json!(true),
        "/features/slash_commands/0",
    );
    assert_rejected(
        "a name over 35 characters",
        |m| m["display_information"]["name"] = json!("Julia ChatOps incident response bot!"),
        "/display_information/name",
    );
    assert_rejected(
        "a duplicate bot_events entry",
        |m| {
            m["settings"]["event_subscriptions"]["bot_events"]
                .as_array_mut()
                .unwrap()
                .push(json!("app_mention"))
        },
        "/settings/event_subscriptions/bot_events",
    );
    assert_rejected(
        "no display_information",
        |m| {
            m.as_object_mut().unwrap().remove("display_information");
        },
        "",
    );
    assert_rejected(
        "a request URL without a scheme",
        |m| m["settings"]["event_subscriptions"]["request_url"] = json!("YOUR-HOST/slack/events"),
        "/settings/event_subscriptions/request_url",
    );
}

/// The parts of a manifest that must not differ between the HTTP and the Socket Mode app: the
/// manifest with every request URL removed and `socket_mode_enabled` dropped.
fn without_transport(m: &Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(o) => {
                o.remove("url");
                o.remove("request_url");
                o.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut m = m.clone();
    strip(&mut m);
    m["settings"]
        .as_object_mut()
        .expect("settings")
        .remove("socket_mode_enabled");
    m
}

#[test]
fn socket_manifest_is_valid_and_needs_no_public_url() {
    let m = socket_manifest();
    assert_eq!(
        m.pointer("/_metadata/major_version")
            .and_then(Value::as_i64),
        Some(2),
        "the Socket Mode manifest targets schema 2.0.0"
    );
    let errors = schema_errors(&m);
    assert!(
        errors.is_empty(),
        "manifest.socket.yml is invalid:\n{}",
        errors.join("\n")
    );
    assert_eq!(m["settings"]["socket_mode_enabled"], json!(true));
    assert_eq!(manifest()["settings"]["socket_mode_enabled"], json!(false));
    // Nothing to replace: no request URL, no placeholder host anywhere.
    let text = read(&repo_root().join("manifest.socket.yml"));
    let yaml_lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    for line in &yaml_lines {
        assert!(
            !line.contains("YOUR-HOST") && !line.contains("url:"),
            "manifest.socket.yml needs no URL: {line}"
        );
    }
    assert_eq!(m["settings"]["interactivity"]["is_enabled"], json!(true));
    // The schema refuses a broken Socket Mode manifest too (the check is live for this file).
    let mut broken = m.clone();
    broken["settings"]["interactivity"]
        .as_object_mut()
        .unwrap()
        .remove("is_enabled");
    assert!(!schema_errors(&broken).is_empty());
}

#[test]
fn socket_manifest_is_the_same_app_as_the_http_one() {
    let http = without_transport(&manifest());
    let socket = without_transport(&socket_manifest());
    assert_eq!(
        socket, http,
        "manifest.socket.yml must equal manifest.yml apart from request URLs and socket_mode_enabled"
    );
    // And the stripping above leaves something to compare.
    assert!(!bot_scopes(&socket).is_empty());
    assert_eq!(
        socket["features"]["slash_commands"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}

#[test]
fn the_messages_tab_shows_the_bots_direct_messages() {
    // The Home tab's buttons answer in a DM (`chat.postMessage` to the user id): without the
    // Messages tab the user never sees the answer. Read-only: the bot does not read DMs.
    for (name, m) in [
        ("manifest.yml", manifest()),
        ("manifest.socket.yml", socket_manifest()),
    ] {
        let home = &m["features"]["app_home"];
        assert_eq!(home["home_tab_enabled"], json!(true), "{name}");
        assert_eq!(home["messages_tab_enabled"], json!(true), "{name}");
        assert_eq!(
            home["messages_tab_read_only_enabled"],
            json!(true),
            "{name}"
        );
        assert!(
            !strings(&m["settings"]["event_subscriptions"]["bot_events"])
                .iter()
                .any(|e| e.starts_with("message.")),
            "{name}: no DM events are handled, so none are subscribed"
        );
    }
}
