//! People by their Slack names (the post-mortem draft): `users.info`, cached in Redis when it
//! is configured (`chatops_core::cache`) and in this process either way, for an hour. A person
//! Slack does not answer for keeps their id.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use messages::incident::timeline_words::Names;
use serde_json::{json, Value};

use chatops_core::Ctx;

/// How long a name is kept.
const TTL: Duration = Duration::from_secs(3600);
/// Upper bound for one `users.info`.
const CALL_LIMIT: Duration = Duration::from_secs(2);

/// id -> (name, until ms): this process's copy (an extension registered by the composition
/// root; without it only Redis keeps names).
#[derive(Default)]
pub struct NameCache(Mutex<HashMap<String, (String, i64)>>);

/// The name Slack shows for a `users.info` user: display name, else real name, else handle.
fn name_of(user: &Value) -> Option<String> {
    [
        "/profile/display_name",
        "/profile/real_name",
        "/real_name",
        "/name",
    ]
    .iter()
    .filter_map(|p| user.pointer(p).and_then(Value::as_str))
    .map(str::trim)
    .find(|s| !s.is_empty())
    .map(str::to_string)
}

/// Whether `s` looks like a Slack user id (`U…`, `W…`).
fn is_user_id(s: &str) -> bool {
    s.len() >= 3
        && (s.starts_with('U') || s.starts_with('W'))
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// The names of `ids` (user ids only; the bot's own actor and unknown people are left out).
pub async fn names(ctx: &Ctx, ids: impl IntoIterator<Item = String>) -> Names {
    let now = ctx.clock.now_ms();
    let mut out = HashMap::new();
    for id in ids {
        if !is_user_id(&id) || out.contains_key(&id) {
            continue;
        }
        if let Some(n) = name(ctx, &id, now).await {
            out.insert(id, n);
        }
    }
    Names(out)
}

async fn name(ctx: &Ctx, id: &str, now: i64) -> Option<String> {
    let local = ctx.ext.get::<NameCache>();
    let hit = local.and_then(|l| l.0.lock().ok()?.get(id).cloned());
    if let Some((n, until)) = hit {
        if until > now {
            return Some(n);
        }
    }
    let key = format!("slack:user_name:{id}");
    let cached = ctx.cache.get(&key).await;
    let n = match cached {
        Some(n) => n,
        None => {
            let args = json!({"user": id});
            let call = ctx.slack.call("users.info", &args);
            let user = match tokio::time::timeout(CALL_LIMIT, call).await {
                Ok(Ok(body)) => body.get("user").cloned(),
                Ok(Err(e)) => {
                    tracing::info!(user = id, error = %e, "users.info: the id stays in the draft");
                    None
                }
                Err(_) => None,
            }?;
            let n = name_of(&user)?;
            ctx.cache.set(&key, &n, TTL).await;
            n
        }
    };
    if let Some(mut m) = local.and_then(|l| l.0.lock().ok()) {
        if m.len() > 5_000 {
            m.clear();
        }
        m.insert(id.to_string(), (n.clone(), now + TTL.as_millis() as i64));
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shown_name_is_preferred() {
        let u = json!({"name": "ana.s", "real_name": "Ana Souza", "profile": {"display_name": "", "real_name": "Ana Souza"}});
        assert_eq!(name_of(&u).as_deref(), Some("Ana Souza"));
        let u = json!({"name": "ana.s", "profile": {"display_name": "ana"}});
        assert_eq!(name_of(&u).as_deref(), Some("ana"));
        assert!(is_user_id("UPLAIN01") && !is_user_id("chatops"));
    }
}
