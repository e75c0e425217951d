//! The vendored machine-readable specifications in `tests/specs/` (provenance, licence and
//! checksums in `tests/specs/README.md`). Tests read them only through here, so every path stays
//! inside the repository.

use std::path::{Path, PathBuf};

/// Railway's GraphQL introspection result.
pub const RAILWAY_SCHEMA: &str = "railway-schema.json";
/// Slack's Web API description (OpenAPI 2.0, 2021).
pub const SLACK_WEB_OPENAPI: &str = "slack-web-openapi-v2.json";
/// Slack's app manifest JSON Schema for `_metadata.major_version` 1 (or absent).
pub const SLACK_MANIFEST_SCHEMA_1: &str = "slack-manifest.schema.1.0.0.json";
/// Slack's app manifest JSON Schema for `_metadata.major_version` 2.
pub const SLACK_MANIFEST_SCHEMA_2: &str = "slack-manifest.schema.2.0.0.json";

/// Every vendored file.
pub const ALL: &[&str] = &[
    RAILWAY_SCHEMA,
    SLACK_WEB_OPENAPI,
    SLACK_MANIFEST_SCHEMA_1,
    SLACK_MANIFEST_SCHEMA_2,
];

/// `tests/specs/` of this checkout.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")
}

/// The path of one vendored file.
pub fn path(name: &str) -> PathBuf {
    dir().join(name)
}

/// One vendored file parsed as JSON; panics naming the file when it cannot be read or parsed.
pub fn json(name: &str) -> serde_json::Value {
    json_at(&path(name))
}

/// A JSON file at `path`; panics naming the file when it cannot be read or parsed.
pub fn json_at(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}
