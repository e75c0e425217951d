//! Reading what a Web API call sent: form, query or JSON arguments, and message bodies.

use serde_json::Value;

/// Form or query pairs as a JSON object of strings.
pub(super) fn pairs_to_json(raw: &str) -> Value {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).unwrap_or_default();
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

/// A number sent as JSON or as form text.
pub(super) fn number(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// `image` blocks (top level or in a section accessory) referring to an uploaded file.
pub(super) fn slack_file_ids(msg: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for b in msg["blocks"].as_array().into_iter().flatten() {
        for img in [b, &b["accessory"]] {
            if img["type"] == "image" {
                if let Some(id) = img.pointer("/slack_file/id").and_then(Value::as_str) {
                    out.push(id.to_string());
                }
            }
        }
    }
    out
}

/// A message body with `blocks` as JSON (a form-encoded call sends it as a string).
pub(super) fn with_parsed_blocks(mut v: Value) -> Value {
    if let Some(Value::String(s)) = v.get("blocks") {
        if let Ok(b) = serde_json::from_str::<Value>(s) {
            v["blocks"] = b;
        }
    }
    v
}

pub(super) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
