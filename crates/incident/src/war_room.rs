//! Finding a war room whose creation was cut short: Slack created the channel, the process died
//! before it recorded the answer. A rerun of the declaration looks for it (by the names the
//! declaration would have used, the bot a member, created since the incident started) before
//! asking for a new one, so a crash never leaves the incident with two channels.

use std::time::Duration;

use messages::incident as tpl;
use messages::invites::NotInvited;
use serde_json::Value;

use chatops_core::ids::{ChannelId, UserId};
use chatops_core::slack::SlackError;
use chatops_core::Ctx;

/// Pages of `conversations.list` read at most (1,000 channels a page).
const MAX_PAGES: usize = 20;

/// The channel a lost `conversations.create` made for incident `id`, if there is one.
pub async fn find_lost(
    ctx: &Ctx,
    id: i64,
    started_secs: i64,
    title: &str,
    drill: bool,
) -> Result<Option<(String, String)>, SlackError> {
    let names: Vec<String> = (0..20u32)
        .map(|attempt| {
            let suffix = (attempt > 0).then_some(attempt + 1);
            room_name(id, started_secs, title, suffix, drill)
        })
        .collect();
    let mut cursor = String::new();
    for _ in 0..MAX_PAGES {
        let (channels, next) = ctx.slack.conversations_list_page(&cursor).await?;
        if let Some(found) = pick(&channels, &names, started_secs) {
            return Ok(Some(found));
        }
        if next.is_empty() {
            break;
        }
        cursor = next;
    }
    Ok(None)
}

/// The war room's name; a drill's starts with `drill-` (`drill-inc-20261130-4-db`), within
/// Slack's 80 characters.
fn room_name(id: i64, started_secs: i64, title: &str, suffix: Option<u32>, drill: bool) -> String {
    let name = tpl::war_room_name(id, started_secs, title, suffix);
    if !drill {
        return name;
    }
    let mut d = format!("drill-{name}");
    if d.len() > 80 {
        // Room for the prefix: the slug's end goes, the suffix stays.
        let tail = suffix.map(|n| format!("-{n}")).unwrap_or_default();
        let body = d.trim_end_matches(&tail).to_string();
        d = format!("{}{tail}", body[..80 - tail.len()].trim_end_matches('-'));
    }
    d
}

/// The first of `names` (in the order the declaration tries them) that is a channel the bot is
/// in, created no earlier than the incident.
fn pick(channels: &[Value], names: &[String], started_secs: i64) -> Option<(String, String)> {
    names.iter().find_map(|n| {
        channels.iter().find_map(|c| {
            let ok = c.get("name").and_then(Value::as_str) == Some(n.as_str())
                && c.get("is_member").and_then(Value::as_bool) == Some(true)
                && c.get("created").and_then(Value::as_i64).unwrap_or(0) >= started_secs;
            let cid = c.get("id").and_then(Value::as_str)?;
            ok.then(|| (cid.to_string(), n.clone()))
        })
    })
}

/// `conversations.create` with a numbered suffix on `name_taken`. Returns (id, name) or Slack's
/// error code.
pub(crate) async fn create_war_room(
    ctx: &Ctx,
    id: i64,
    started_secs: i64,
    title: &str,
    private: bool,
    drill: bool,
) -> Result<(ChannelId, String), String> {
    let budget = Duration::from_secs(8);
    for attempt in 0..20u32 {
        let suffix = (attempt > 0).then_some(attempt + 1);
        let name = room_name(id, started_secs, title, suffix, drill);
        match ctx.slack.conversations_create(&name, private, budget).await {
            Ok(cid) => return Ok((cid, name)),
            Err(e) if e.is("name_taken") => continue,
            Err(e) => {
                tracing::warn!(incident = id, error = %e, "war room not created");
                return Err(e.code());
            }
        }
    }
    Err("name_taken".into())
}

/// Invites the declarer, the commander, the responders and the members of the responders'
/// group, in chunks of 100. A group that cannot be read does not stop the others. Returns who
/// could not be invited and why, to say in the war room.
pub(crate) async fn invite(
    ctx: &Ctx,
    channel: &ChannelId,
    declarer: &UserId,
    commander: &UserId,
) -> Vec<NotInvited> {
    let mut problems = Vec::new();
    let mut users: Vec<UserId> = vec![declarer.clone(), commander.clone()];
    users.extend(ctx.config.incident_responders.iter().map(UserId::new));
    if let Some(g) = &ctx.config.incident_responder_group {
        match ctx.slack.usergroup_members(g).await {
            Ok(m) => users.extend(m.into_iter().map(UserId::new)),
            Err(e) => {
                tracing::warn!(group = %g, error = %e, "responder group not read; inviting the others");
                problems.push(NotInvited::Group {
                    group: g.clone(),
                    code: e.code(),
                });
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    // The bot itself (an auto-declared alert) is in the channel already.
    users.retain(|u| u.as_str() != chatops_core::BOT_ACTOR && seen.insert(u.clone()));
    for chunk in users.chunks(messages::limits::INVITE_BATCH) {
        let budget = Duration::from_secs(5);
        match ctx
            .slack
            .conversations_invite(channel, chunk, true, budget)
            .await
        {
            Ok(()) => {}
            Err(e) if e.is("already_in_channel") || e.is("cant_invite_self") => {}
            Err(SlackError::Api { code, body, .. }) => {
                let per_user = per_user_problems(&body);
                if per_user.is_empty() {
                    problems.push(NotInvited::Call { code });
                } else {
                    problems.extend(per_user);
                }
            }
            Err(e) => problems.push(NotInvited::Call { code: e.code() }),
        }
    }
    problems
}

/// The users a forced invite could not add (its `errors` array), except those already in.
fn per_user_problems(body: &Value) -> Vec<NotInvited> {
    let field = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
    body.get("errors")
        .and_then(Value::as_array)
        .map(|errs| {
            errs.iter()
                .filter(|e| {
                    !matches!(
                        e.get("error").and_then(Value::as_str),
                        Some("already_in_channel") | Some("cant_invite_self")
                    )
                })
                .map(|e| NotInvited::User {
                    user: field(e, "user"),
                    code: field(e, "error"),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_channel_the_bot_created_for_this_incident_is_taken() {
        let names = vec![
            "inc-20261130-4-db".to_string(),
            "inc-20261130-4-db-2".to_string(),
        ];
        let started = 1_800_000_000;
        let channels = vec![
            // Someone else's channel with the first name: the bot is not in it.
            json!({"id": "C1", "name": "inc-20261130-4-db", "is_member": false, "created": started + 5}),
            // An old one the bot is in, from before the incident.
            json!({"id": "C0", "name": "inc-20261130-4-db-2", "is_member": true, "created": started - 3600}),
        ];
        assert_eq!(pick(&channels, &names, started), None);
        let mut with_ours = channels.clone();
        with_ours.push(json!({"id": "C2", "name": "inc-20261130-4-db-2", "is_member": true, "created": started + 1}));
        assert_eq!(
            pick(&with_ours, &names, started),
            Some(("C2".to_string(), "inc-20261130-4-db-2".to_string()))
        );
    }
}
