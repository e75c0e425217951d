//! `manifest.yml` (repo root): valid against the vendored Slack manifest schema, pointing at the
//! routes the bot serves, declaring the configured commands, and granting a bot scope for every
//! Slack Web API method the code calls and every event it subscribes to. `manifest.socket.yml`:
//! the same app over Socket Mode (valid too, no request URLs, otherwise equal).
//!
//! Paths: the repo root is `CARGO_MANIFEST_DIR/..`; the vendored specs are in `tests/specs/`
//! (`testkit::specs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A manifest file of the repo root as JSON.
fn manifest_file(name: &str) -> Value {
    let yaml = read(&repo_root().join(name));
    let v: serde_yaml::Value =
        serde_yaml::from_str(&yaml).unwrap_or_else(|e| panic!("{name} is not YAML: {e}"));
    serde_json::to_value(v).unwrap_or_else(|e| panic!("{name} does not convert to JSON: {e}"))
}

/// `manifest.yml` (request URLs) as JSON.
fn manifest() -> Value {
    manifest_file("manifest.yml")
}

/// `manifest.socket.yml` (Socket Mode) as JSON.
fn socket_manifest() -> Value {
    manifest_file("manifest.socket.yml")
}

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

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn bot_scopes(m: &Value) -> BTreeSet<String> {
    strings(&m["oauth_config"]["scopes"]["bot"])
        .into_iter()
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

/// Bot scopes that each Slack Web API method accepts (any one suffices; an empty list means the
/// method needs none; scopes as each method's page on <https://api.slack.com/methods> lists
/// them). Covers `CORE_METHODS` plus what the handlers call or are likely to call.
/// A method the code calls that is missing here fails `every_called_method_is_covered_by_a_scope`.
const METHOD_SCOPES: &[(&str, &[&str])] = &[
    // CORE_METHODS
    ("chat.postMessage", &["chat:write"]),
    ("conversations.create", &["channels:manage", "groups:write"]),
    (
        "conversations.invite",
        &[
            "channels:manage",
            "channels:write.invites",
            "groups:write",
            "groups:write.invites",
        ],
    ),
    ("pins.add", &["pins:write"]),
    ("views.open", &[]),
    ("views.publish", &[]),
    ("files.getUploadURLExternal", &["files:write"]),
    ("files.completeUploadExternal", &["files:write"]),
    // beyond CORE_METHODS
    (
        "conversations.setTopic",
        &[
            "channels:manage",
            "groups:write",
            "channels:write.topic",
            "groups:write.topic",
        ],
    ),
    (
        "conversations.setPurpose",
        &[
            "channels:manage",
            "groups:write",
            "channels:write.topic",
            "groups:write.topic",
        ],
    ),
    (
        "conversations.archive",
        &["channels:manage", "groups:write"],
    ),
    (
        "conversations.unarchive",
        &["channels:manage", "groups:write"],
    ),
    ("conversations.rename", &["channels:manage", "groups:write"]),
    ("conversations.kick", &["channels:manage", "groups:write"]),
    ("conversations.info", &["channels:read", "groups:read"]),
    ("conversations.list", &["channels:read", "groups:read"]),
    ("conversations.members", &["channels:read", "groups:read"]),
    ("conversations.join", &["channels:join"]),
    (
        "conversations.history",
        &["channels:history", "groups:history"],
    ),
    (
        "conversations.replies",
        &["channels:history", "groups:history"],
    ),
    ("conversations.open", &["im:write", "mpim:write"]),
    ("chat.update", &["chat:write"]),
    ("chat.delete", &["chat:write"]),
    ("chat.postEphemeral", &["chat:write"]),
    ("chat.getPermalink", &[]),
    ("pins.remove", &["pins:write"]),
    ("pins.list", &["pins:read"]),
    ("views.update", &[]),
    ("views.push", &[]),
    ("usergroups.users.list", &["usergroups:read"]),
    ("usergroups.list", &["usergroups:read"]),
    ("users.info", &["users:read"]),
    ("users.list", &["users:read"]),
    ("users.lookupByEmail", &["users:read.email"]),
    ("reactions.add", &["reactions:write"]),
    ("reactions.get", &["reactions:read"]),
    ("bookmarks.add", &["bookmarks:write"]),
    ("auth.test", &[]),
    // Socket Mode: called with the app-level token (`xapp-…`), whose `connections:write` scope
    // is an app-level scope granted under Basic Information, not a bot scope; the manifest's
    // `oauth_config.scopes.bot` cannot (and need not) list it.
    ("apps.connections.open", &[]),
];

/// Scopes each subscribed bot event needs.
const EVENT_SCOPES: &[(&str, &[&str])] = &[
    ("reaction_added", &["reactions:read"]),
    ("app_mention", &["app_mentions:read"]),
    ("app_home_opened", &[]),
];

/// Families of Slack Web API methods: a `"family.something"` literal in the code is a method
/// call even when the vendored (2021) OpenAPI description does not list it.
const FAMILIES: &[&str] = &[
    "admin",
    "apps",
    "assistant",
    "auth",
    "bookmarks",
    "bots",
    "calls",
    "canvases",
    "chat",
    "conversations",
    "dialog",
    "dnd",
    "emoji",
    "files",
    "functions",
    "migration",
    "oauth",
    "openid",
    "pins",
    "reactions",
    "reminders",
    "rtm",
    "search",
    "stars",
    "team",
    "usergroups",
    "users",
    "views",
    "workflows",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn looks_like_method(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    (2..=4).contains(&parts.len())
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Every Slack method name that appears as a string literal in handlers/src and bot/src, with
/// the files it appears in.
fn called_methods() -> BTreeMap<String, BTreeSet<String>> {
    let spec = testkit::specs::json(testkit::specs::SLACK_WEB_OPENAPI);
    let known: BTreeSet<String> = spec["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(|p| p.trim_start_matches('/').to_string())
        .collect();
    let mut files = Vec::new();
    for dir in ["crates", "bot/src"] {
        rust_files(&repo_root().join(dir), &mut files);
    }
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let text = read(&file);
        // Every piece between two quotes, not only string literals: a piece that is exactly
        // `word.word` is a literal whichever way the quotes pair up.
        for piece in text.split('"') {
            if !looks_like_method(piece) {
                continue;
            }
            let family = piece.split('.').next().unwrap();
            let is_slack = known.contains(piece)
                || METHOD_SCOPES.iter().any(|(m, _)| *m == piece)
                || FAMILIES.contains(&family);
            if is_slack {
                let rel = file
                    .strip_prefix(repo_root())
                    .unwrap_or(&file)
                    .display()
                    .to_string();
                found.entry(piece.to_string()).or_default().insert(rel);
            }
        }
    }
    found
}

#[test]
fn every_called_method_is_covered_by_a_scope() {
    let m = manifest();
    let scopes = bot_scopes(&m);
    let table: BTreeMap<&str, &[&str]> = METHOD_SCOPES.iter().copied().collect();
    let called = called_methods();
    // The scanner works: these are called since the foundation.
    for sure in [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ] {
        assert!(
            called.contains_key(sure),
            "scanner did not find {sure}; found {called:?}"
        );
    }
    let mut problems = Vec::new();
    for (method, files) in &called {
        match table.get(method.as_str()) {
            None => problems.push(format!(
                "{method} (in {files:?}) is not in METHOD_SCOPES: add it with the bot scopes Slack documents"
            )),
            Some(needed) if !needed.is_empty() && !needed.iter().any(|s| scopes.contains(*s)) => problems.push(
                format!("{method} (in {files:?}) needs one of {needed:?} in oauth_config.scopes.bot"),
            ),
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "manifest scopes do not cover the code:\n{}",
        problems.join("\n")
    );
}

/// The Web API methods the bot's features rest on (posting, war rooms, pins, modals, App Home,
/// the post-mortem upload): the manifest must grant what they need even before the code that
/// calls one is written, so a feature never ships needing a re-install.
const CORE_METHODS: &[&str] = &[
    "chat.postMessage",
    "conversations.create",
    "conversations.invite",
    "pins.add",
    "views.open",
    "views.publish",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
];

#[test]
fn scopes_cover_the_core_and_the_planned_methods() {
    let mut methods: BTreeSet<String> = CORE_METHODS.iter().map(|m| m.to_string()).collect();
    for planned in [
        "usergroups.users.list",
        "conversations.setTopic",
        "conversations.archive",
        "users.info",
    ] {
        methods.insert(planned.to_string());
    }
    let table: BTreeMap<&str, &[&str]> = METHOD_SCOPES.iter().copied().collect();
    let scopes = bot_scopes(&manifest());
    for method in &methods {
        let needed = table
            .get(method.as_str())
            .unwrap_or_else(|| panic!("{method} (a core method) is missing from METHOD_SCOPES"));
        assert!(
            needed.is_empty() || needed.iter().any(|s| scopes.contains(*s)),
            "{method} needs one of {needed:?}"
        );
    }
    // Public and private war rooms both work.
    for pair in [
        ["channels:manage", "groups:write"],
        ["channels:read", "groups:read"],
    ] {
        for s in pair {
            assert!(scopes.contains(s), "missing {s}");
        }
    }
    assert!(
        scopes.contains("chat:write.public"),
        "posting to public channels without joining"
    );
}

#[test]
fn every_subscribed_event_is_covered_by_a_scope() {
    let m = manifest();
    let scopes = bot_scopes(&m);
    let table: BTreeMap<&str, &[&str]> = EVENT_SCOPES.iter().copied().collect();
    let events = strings(&m["settings"]["event_subscriptions"]["bot_events"]);
    assert_eq!(
        events.iter().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from(["reaction_added", "app_home_opened", "app_mention"].map(String::from))
    );
    for e in &events {
        let needed = table
            .get(e.as_str())
            .unwrap_or_else(|| panic!("{e}: add it to EVENT_SCOPES"));
        assert!(
            needed.iter().all(|s| scopes.contains(*s)),
            "{e} needs {needed:?}"
        );
    }
    // No scope is listed twice.
    let listed = strings(&m["oauth_config"]["scopes"]["bot"]);
    assert_eq!(
        listed.len(),
        scopes.len(),
        "duplicate bot scopes: {listed:?}"
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

/// Slack's OpenAPI spec lists the content types each method reads (`consumes`). A method that
/// reads only form arguments ignores a JSON body: the client must not send it JSON
/// (`chatops_core::slack::METHODS`), and the fake Slack's list of form-only methods
/// must agree with the spec.
#[test]
fn form_only_methods_are_never_sent_as_json() {
    use chatops_core::slack::{transport, Transport, METHODS};
    let spec = testkit::specs::json(testkit::specs::SLACK_WEB_OPENAPI);
    let form_only = |method: &str| -> Option<bool> {
        let ops = spec["paths"].get(format!("/{method}"))?.as_object()?;
        Some(ops.values().all(|op| {
            !op["consumes"]
                .as_array()
                .is_some_and(|c| c.iter().any(|t| t == "application/json"))
        }))
    };
    let mut checked = 0;
    for (method, t) in METHODS {
        if let Some(only_form) = form_only(method) {
            checked += 1;
            assert!(
                !(only_form && *t == Transport::Json),
                "{method} reads only form arguments but METHODS sends it as JSON"
            );
        }
    }
    assert!(
        checked >= 10,
        "the spec covers the table ({checked} checked)"
    );
    for method in called_methods().keys() {
        if form_only(method) == Some(true) {
            assert_ne!(transport(method), Transport::Json, "{method}");
        }
    }
    for method in testkit::fake_slack::FORM_ONLY {
        assert_ne!(
            form_only(method),
            Some(false),
            "the fake refuses JSON for {method}, which Slack accepts"
        );
    }
}
