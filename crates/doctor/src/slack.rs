//! Slack: `auth.test` (bot user and team), the token's scopes (`x-oauth-scopes` header) against
//! the manifest's, `INCIDENTS_CHANNEL` (`conversations.info`: exists, bot is a member) and each
//! configured user group (`usergroups.users.list`).
//!
//! These methods read their arguments from the query string or a form body, never from JSON
//! (Slack's docs; the official SDKs send `conversations.info` and `usergroups.users.list` as
//! GET): every call here is a GET with query arguments and the token in `Authorization`.

use serde_json::Value;

use super::{timed, Check, Options};
use crate::Settings as Config;

const S: &str = "Slack";

/// The app manifest, compiled in: its bot scopes are what the token must hold.
const MANIFEST: &str = include_str!("../../../manifest.yml");

/// `oauth_config.scopes.bot` of `manifest.yml`, in file order.
pub fn manifest_bot_scopes() -> Vec<String> {
    bot_scopes_of(MANIFEST)
}

/// Reads `oauth_config: scopes: bot: [- scope …]` from a manifest in block-list form.
fn bot_scopes_of(yaml: &str) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut path: Vec<(usize, String)> = Vec::new();
    let mut out = Vec::new();
    let mut list_indent: Option<usize> = None;
    for raw in yaml.lines() {
        let line = raw.split(" #").next().unwrap_or("").trim_end();
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ind = indent(line);
        if let Some(li) = list_indent {
            if ind >= li && t.starts_with("- ") {
                out.push(
                    t[2..]
                        .trim()
                        .trim_matches('"')
                        .trim_matches('\'')
                        .to_string(),
                );
                continue;
            }
            if ind > li {
                continue;
            }
            list_indent = None;
        }
        if t.starts_with("- ") {
            continue;
        }
        if let Some(key) = t.strip_suffix(':') {
            while path.last().is_some_and(|(i, _)| *i >= ind) {
                path.pop();
            }
            path.push((ind, key.to_string()));
            let keys: Vec<&str> = path.iter().map(|(_, k)| k.as_str()).collect();
            if keys == ["oauth_config", "scopes", "bot"] {
                list_indent = Some(ind);
            }
        }
    }
    out
}

enum CallError {
    Api {
        code: String,
        needed: Option<String>,
    },
    Transport(String),
}

impl CallError {
    fn text(&self) -> String {
        match self {
            CallError::Api { code, needed } => match needed {
                Some(n) => format!("Slack answered `{code}` (needs `{n}`)"),
                None => format!("Slack answered `{code}`"),
            },
            CallError::Transport(t) => t.clone(),
        }
    }
}

struct Api<'a> {
    http: reqwest::Client,
    base: &'a str,
    token: &'a str,
    opts: &'a Options,
}

impl Api<'_> {
    /// One Web API call as GET with query arguments: the JSON body and the `x-oauth-scopes`
    /// header.
    async fn get(
        &self,
        method: &str,
        args: &[(&str, &str)],
    ) -> Result<(Value, Option<String>), CallError> {
        let req = self
            .http
            .get(format!("{}/{method}", self.base))
            .query(args)
            .header("Authorization", format!("Bearer {}", self.token));
        self.send(req).await
    }

    /// A POST without arguments (form-encoded, empty): for methods Slack documents as POST.
    async fn post(&self, method: &str) -> Result<(Value, Option<String>), CallError> {
        let req = self
            .http
            .post(format!("{}/{method}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Authorization", format!("Bearer {}", self.token))
            .body("");
        self.send(req).await
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(Value, Option<String>), CallError> {
        let r = timed(self.opts, async {
            let resp = req.send().await.map_err(|e| {
                CallError::Transport(if e.is_timeout() {
                    "Slack did not answer in time".into()
                } else {
                    "Slack could not be reached".into()
                })
            })?;
            let status = resp.status().as_u16();
            let scopes = resp
                .headers()
                .get("x-oauth-scopes")
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            if status == 429 {
                return Err(CallError::Transport(
                    "Slack is rate limiting the bot (HTTP 429); try again in a minute".into(),
                ));
            }
            let v: Value = resp.json().await.map_err(|_| {
                CallError::Transport(format!("Slack answered HTTP {status}, not JSON"))
            })?;
            if v.get("ok").and_then(Value::as_bool) != Some(true) {
                let (code, needed) = chatops_core::slack::error_fields(&v);
                return Err(CallError::Api { code, needed });
            }
            Ok((v, scopes))
        })
        .await;
        match r {
            Ok(r) => r,
            Err(t) => Err(CallError::Transport(format!("Slack: {t}"))),
        }
    }
}

fn s(v: &Value, p: &str) -> String {
    v.pointer(p)
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string()
}

const TOKEN_FIX: &str = "copy the Bot User OAuth Token (xoxb-…) from the app's \"Install App\" page into SLACK_BOT_TOKEN (reinstall the app if the token was revoked)";

pub(super) async fn check(c: &Config<'_>, opts: &Options) -> Vec<Check> {
    let (bot, socket) = tokio::join!(bot_checks(c, opts), socket_mode(c, opts));
    let mut out = bot;
    out.push(socket);
    out
}

/// The signing secret, then everything the bot token does.
async fn bot_checks(c: &Config<'_>, opts: &Options) -> Vec<Check> {
    let names = [
        "auth.test",
        "token scopes",
        "INCIDENTS_CHANNEL",
        "user groups",
    ];
    let signing = signing_secret(c);
    if c.slack_bot_token.is_empty() {
        return vec![
            signing,
            Check::unconfigured(S, "auth.test", "SLACK_BOT_TOKEN"),
        ];
    }
    let http = reqwest::Client::builder()
        .timeout(opts.timeout)
        .connect_timeout(opts.timeout)
        .build()
        .expect("http client");
    let api = Api {
        http,
        base: &c.slack_api_url,
        token: c.slack_bot_token.expose(),
        opts,
    };
    let mut out = vec![signing];

    // auth.test: who the token is.
    let (auth, scopes) = match api.get("auth.test", &[]).await {
        Ok(r) => r,
        Err(e) => {
            let fix = auth_fix(&e, c);
            out.push(Check::fail(S, "auth.test", e.text(), fix));
            for n in &names[1..] {
                out.push(Check::not_checked(S, n, "auth.test failed"));
            }
            return out;
        }
    };
    let bot = format!(
        "bot @{} ({}) in team {} ({})",
        s(&auth, "/user"),
        s(&auth, "/user_id"),
        s(&auth, "/team"),
        s(&auth, "/team_id")
    );
    if auth.get("bot_id").and_then(Value::as_str).is_none() {
        out.push(Check::fail(
            S,
            "auth.test",
            format!("{bot}: this is not a bot token (auth.test has no bot_id)"),
            TOKEN_FIX,
        ));
    } else {
        out.push(Check::pass(S, "auth.test", bot));
    }

    out.push(token_scopes(scopes.as_deref()));

    // The incidents channel.
    out.push(match &c.incidents_channel {
        None => Check::unconfigured(S, "INCIDENTS_CHANNEL", "INCIDENTS_CHANNEL"),
        Some(ch) => channel(&api, ch, &s(&auth, "/user")).await,
    });

    out.extend(user_groups(c, &api).await);
    if !c.paging.rotation.is_empty() {
        out.push(rotation(&api, &c.paging.rotation).await);
    }
    if !c.stakeholder_ids.is_empty() {
        out.push(matrix(&api, c.stakeholder_ids).await);
    }
    out
}

/// What to do when `auth.test` fails: a new token, or the API URL.
fn auth_fix(e: &CallError, c: &Config<'_>) -> String {
    match e {
        CallError::Api { code, .. }
            if matches!(
                code.as_str(),
                "invalid_auth"
                    | "not_authed"
                    | "token_revoked"
                    | "account_inactive"
                    | "token_expired"
            ) =>
        {
            TOKEN_FIX.to_string()
        }
        _ => format!(
            "check that {} is Slack's Web API (SLACK_API_URL) and reachable from here",
            super::show_url(&c.slack_api_url)
        ),
    }
}

/// The signing secret cannot be checked against Slack; it can only be missing.
fn signing_secret(c: &Config<'_>) -> Check {
    if c.slack_signing_secret.is_empty() {
        Check::fail(
            S,
            "signing secret",
            "SLACK_SIGNING_SECRET is not set: the server refuses to start and would refuse every Slack request",
            "copy the Signing Secret (app → Basic Information → App Credentials) into SLACK_SIGNING_SECRET",
        )
    } else {
        Check::pass(
            S,
            "signing secret",
            "set (Slack does not let it be checked remotely)",
        )
    }
}

/// The token's scopes (the `x-oauth-scopes` header) against the manifest's bot scopes.
fn token_scopes(scopes: Option<&str>) -> Check {
    let wanted = manifest_bot_scopes();
    match scopes {
        None => Check::fail(
            S,
            "token scopes",
            "Slack did not send the token's scopes (no x-oauth-scopes header)",
            "check that SLACK_API_URL points at Slack's Web API",
        ),
        Some(h) => {
            let held: Vec<&str> = h
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let missing: Vec<&str> = wanted
                .iter()
                .map(String::as_str)
                .filter(|w| !held.contains(w))
                .collect();
            if missing.is_empty() {
                Check::pass(
                    S,
                    "token scopes",
                    format!("all {} scopes of manifest.yml granted", wanted.len()),
                )
            } else {
                Check::fail(
                    S,
                    "token scopes",
                    format!("missing {}", missing.join(", ")),
                    "add them to the app (paste manifest.yml again under \"App Manifest\", or OAuth & Permissions → Bot Token Scopes), reinstall the app to the workspace and put the new token in SLACK_BOT_TOKEN",
                )
            }
        }
    }
}

/// Each configured user group can be read.
async fn user_groups(c: &Config<'_>, api: &Api<'_>) -> Vec<Check> {
    let mut out = Vec::new();
    // User groups.
    let groups: Vec<(&str, &str)> = [
        ("CHATOPS_ADMIN_GROUP", c.admin_group.as_deref()),
        ("ESCALATION_USERGROUP", c.escalation_usergroup.as_deref()),
        ("COMMANDER_USERGROUP", c.commander_usergroup.as_deref()),
        ("INCIDENT_RESPONDERS", c.incident_responder_group.as_deref()),
    ]
    .into_iter()
    .filter_map(|(var, g)| g.map(|g| (var, g)))
    .collect();
    if groups.is_empty() {
        out.push(Check::unconfigured(
            S,
            "user groups",
            "CHATOPS_ADMIN_GROUP, ESCALATION_USERGROUP, COMMANDER_USERGROUP or an S… id in INCIDENT_RESPONDERS, if you use groups",
        ));
    }
    for (var, g) in groups {
        out.push(usergroup(api, var, g).await);
    }
    out
}

/// `ONCALL_ROTATION`: each id is a user of this workspace, not deactivated (`users.info`).
async fn rotation(api: &Api<'_>, ids: &[String]) -> Check {
    let name = "ONCALL_ROTATION";
    let mut bad = Vec::new();
    for id in ids {
        match api.get("users.info", &[("user", id)]).await {
            Ok((v, _)) if v.pointer("/user/deleted").and_then(Value::as_bool) == Some(true) => {
                bad.push(format!("{id} is deactivated"))
            }
            Ok(_) => {}
            Err(CallError::Api { code, .. }) if code == "user_not_found" => {
                bad.push(format!("{id} is not a user of this workspace"))
            }
            Err(e) => bad.push(format!("{id}: {}", e.text())),
        }
    }
    if bad.is_empty() {
        Check::pass(S, name, format!("{} people, all active users", ids.len()))
    } else {
        Check::fail(
            S,
            name,
            bad.join("; "),
            "put member ids (U…, from each profile's \"Copy member ID\") in ONCALL_ROTATION; the bot needs `users:read`",
        )
    }
}

/// The escalation matrix (`STAKEHOLDERS_NOTIFY_P*`, `STAKEHOLDERS_LATE_NOTIFY`) and management's
/// channels (`STAKEHOLDERS_CHANNEL_P*`): each user is an active user (`users.info`), each group
/// exists (`usergroups.users.list`), the bot is a member of each channel (`conversations.info`).
async fn matrix(api: &Api<'_>, ids: &[String]) -> Check {
    let name = "escalation matrix";
    let mut bad = Vec::new();
    for id in ids {
        let r = match id.chars().next() {
            Some('S') => api.get("usergroups.users.list", &[("usergroup", id)]).await,
            Some('C' | 'G') => api.get("conversations.info", &[("channel", id)]).await,
            _ => api.get("users.info", &[("user", id)]).await,
        };
        let member = |v: &Value| v.pointer("/channel/is_member").and_then(Value::as_bool);
        match r {
            Ok((v, _)) if v.pointer("/user/deleted").and_then(Value::as_bool) == Some(true) => {
                bad.push(format!("{id} is deactivated"))
            }
            Ok((v, _)) if member(&v) == Some(false) => bad.push(format!(
                "{id}: the bot is not a member (`/invite` it there)"
            )),
            Err(CallError::Api { code, .. }) if code == "channel_not_found" => bad.push(format!(
                "{id}: channel not found (or private without the bot)"
            )),
            Ok(_) => {}
            Err(CallError::Api { code, .. })
                if matches!(
                    code.as_str(),
                    "user_not_found" | "no_such_subteam" | "subteam_not_found"
                ) =>
            {
                bad.push(format!(
                    "{id} is not a user or user group of this workspace"
                ))
            }
            Err(e) => bad.push(format!("{id}: {}", e.text())),
        }
    }
    if bad.is_empty() {
        Check::pass(
            S,
            name,
            format!("{} people and groups, all found", ids.len()),
        )
    } else {
        Check::fail(
            S,
            name,
            bad.join("; "),
            "fix STAKEHOLDERS_NOTIFY_P0..P3 / STAKEHOLDERS_LATE_NOTIFY / STAKEHOLDERS_CHANNEL_P0..P3: member ids (U…, \"Copy member ID\"), group ids (S…), channel ids (C…, with the bot invited); the bot needs `users:read` and `usergroups:read`",
        )
    }
}

/// `SLACK_APP_TOKEN`: `apps.connections.open` issues a WebSocket URL for a valid app-level
/// token (the URL is not dialed, so the running bot's connections are untouched).
async fn socket_mode(c: &Config<'_>, opts: &Options) -> Check {
    let name = "Socket Mode";
    if c.slack_app_token.is_empty() {
        return Check::unconfigured(
            S,
            name,
            "SLACK_APP_TOKEN to use Socket Mode; Slack reaches the HTTP endpoints otherwise",
        );
    }
    let api = Api {
        http: reqwest::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout)
            .build()
            .expect("http client"),
        base: &c.slack_api_url,
        token: c.slack_app_token.expose(),
        opts,
    };
    let fix = "create an app-level token with the `connections:write` scope (app → Basic Information → App-Level Tokens) and put it (xapp-…) in SLACK_APP_TOKEN";
    match api.post("apps.connections.open").await {
        Ok(_) => Check::pass(
            S,
            name,
            "apps.connections.open accepts SLACK_APP_TOKEN (a WebSocket URL was issued, not dialed)",
        ),
        Err(CallError::Api { code, .. }) if code == "not_allowed_token_type" => Check::fail(
            S,
            name,
            "SLACK_APP_TOKEN is not an app-level token (Slack answered `not_allowed_token_type`)",
            fix,
        ),
        Err(e) => Check::fail(S, name, e.text(), fix),
    }
}

async fn channel(api: &Api<'_>, ch: &str, bot: &str) -> Check {
    let name = "INCIDENTS_CHANNEL";
    match api.get("conversations.info", &[("channel", ch)]).await {
        Ok((v, _)) => {
            let label = format!("#{} ({ch})", s(&v, "/channel/name"));
            let flag = |k: &str| v["channel"][k].as_bool().unwrap_or(false);
            if flag("is_archived") {
                Check::fail(
                    S,
                    name,
                    format!("{label} is archived"),
                    "unarchive it, or create a new incidents channel and put its id in INCIDENTS_CHANNEL",
                )
            } else if !flag("is_member") {
                Check::fail(
                    S,
                    name,
                    format!("{label}: the bot is not a member"),
                    format!(
                        "in Slack, run `/invite @{bot}` in #{} (the bot posts, pins and sets topics there)",
                        s(&v, "/channel/name")
                    ),
                )
            } else {
                Check::pass(S, name, format!("{label}: exists, the bot is a member"))
            }
        }
        Err(CallError::Api { code, .. }) if code == "channel_not_found" => Check::fail(
            S,
            name,
            format!("{ch}: channel not found (a wrong id, or a private channel the bot is not in)"),
            "put the channel's id (channel details → About, at the bottom: C…) in INCIDENTS_CHANNEL; for a private channel invite the bot first",
        ),
        Err(e) => {
            let fix = match &e {
                CallError::Api { code, .. } if code == "missing_scope" => {
                    "add the scope to the app (see manifest.yml), reinstall it and update SLACK_BOT_TOKEN"
                }
                _ => "run `chatops doctor` again; if it persists check Slack's status page",
            };
            Check::fail(S, name, format!("{ch}: {}", e.text()), fix)
        }
    }
}

async fn usergroup(api: &Api<'_>, var: &str, g: &str) -> Check {
    let name = format!("user group {var}");
    match api.get("usergroups.users.list", &[("usergroup", g)]).await {
        Ok((v, _)) => {
            let n = v["users"].as_array().map(Vec::len).unwrap_or(0);
            if n == 0 {
                Check::warn(
                    S,
                    &name,
                    format!("{g} resolves but has no members: nobody would be reached through it"),
                )
            } else {
                Check::pass(S, &name, format!("{g}: {n} members"))
            }
        }
        Err(CallError::Api { code, .. }) if code == "no_such_subteam" || code == "subteam_not_found" => {
            Check::fail(
                S,
                &name,
                format!("{g}: no such user group in this workspace"),
                format!("put the group's id (S…, from the group's page or `usergroups.list`) in {var}"),
            )
        }
        Err(e) => Check::fail(
            S,
            &name,
            format!("{g}: {}", e.text()),
            "the bot needs the `usergroups:read` scope (manifest.yml); reinstall the app if it was added",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bot_scopes_of_a_manifest() {
        let y = "oauth_config:\n  redirect_urls:\n    - https://x\n  scopes:\n    user:\n      - search:read\n    bot:\n      - commands\n      - \"chat:write\" # comment\n\n      - pins:write\nsettings:\n  bot:\n    - nope\n";
        assert_eq!(bot_scopes_of(y), ["commands", "chat:write", "pins:write"]);
        let m = manifest_bot_scopes();
        assert!(m.contains(&"commands".to_string()) && m.contains(&"chat:write".to_string()));
    }
}
