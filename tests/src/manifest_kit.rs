//! The repository's Slack app manifests (`manifest.yml`, `manifest.socket.yml` at the repo root,
//! `CARGO_MANIFEST_DIR/..`) as JSON, for the manifest tests (`tests/tests/e2e/manifest.rs`,
//! `manifest_scopes.rs`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file's text; panics naming the file.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A manifest file of the repo root as JSON.
pub fn manifest_file(name: &str) -> Value {
    let yaml = read(&repo_root().join(name));
    let v: serde_yaml::Value =
        serde_yaml::from_str(&yaml).unwrap_or_else(|e| panic!("{name} is not YAML: {e}"));
    serde_json::to_value(v).unwrap_or_else(|e| panic!("{name} does not convert to JSON: {e}"))
}

/// `manifest.yml` (request URLs) as JSON.
pub fn manifest() -> Value {
    manifest_file("manifest.yml")
}

/// `manifest.socket.yml` (Socket Mode) as JSON.
pub fn socket_manifest() -> Value {
    manifest_file("manifest.socket.yml")
}

/// A JSON array of strings.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

/// The bot scopes a manifest grants.
pub fn bot_scopes(m: &Value) -> BTreeSet<String> {
    strings(&m["oauth_config"]["scopes"]["bot"])
        .into_iter()
        .collect()
}
