//! `manifest.yml` grants a bot scope for every Slack Web API method the code calls (found as
//! string literals in `crates/` and `bot/src`), for the methods the features rest on, and for
//! every event it subscribes to; the methods Slack reads only as a form are never sent as JSON
//! (see `manifest.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use testkit::manifest_kit::*;

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
