//! The fake Slack's HTTP handlers: every Web API method it answers like Slack, the
//! `response_url`s and the file uploads.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::args::{now_secs, number, pairs_to_json, slack_file_ids, with_parsed_blocks};
use super::history::metadata_of;
use super::state::{Behavior, Call, Inner, Workspace, FORM_ONLY};

pub(super) type St = (Arc<Mutex<Inner>>, std::net::SocketAddr);

/// The workspace's own checks, before any scripted behaviour: the token (`not_authed`,
/// `invalid_auth`) and, for the read methods below, their scope (`missing_scope`).
fn workspace_refusal(
    w: &Workspace,
    method: &str,
    auth: Option<&str>,
    args: &Value,
) -> Option<Value> {
    let token = auth.and_then(|a| a.strip_prefix("Bearer ")).unwrap_or("");
    if token.is_empty() {
        return Some(json!({"ok": false, "error": "not_authed"}));
    }
    // App-level tokens (xapp-) open Socket Mode connections and do nothing else.
    if (method == "apps.connections.open") != token.starts_with("xapp-") {
        return Some(json!({"ok": false, "error": "not_allowed_token_type"}));
    }
    if method == "apps.connections.open" {
        return None;
    }
    if w.valid_token.as_deref().is_some_and(|v| v != token) {
        return Some(json!({"ok": false, "error": "invalid_auth"}));
    }
    let needed = match method {
        "usergroups.users.list" => Some("usergroups:read"),
        "conversations.info" | "conversations.history" | "conversations.replies" => {
            let private = args["channel"]
                .as_str()
                .and_then(|c| w.channels.get(c))
                .is_some_and(|c| c.1);
            let read = method == "conversations.info";
            Some(match (private, read) {
                (true, true) => "groups:read",
                (false, true) => "channels:read",
                (true, false) => "groups:history",
                (false, false) => "channels:history",
            })
        }
        _ => None,
    };
    match needed {
        Some(n) if !w.scopes.iter().any(|s| s == n) => Some(
            json!({"ok": false, "error": "missing_scope", "needed": n, "provided": w.scopes.join(",")}),
        ),
        _ => None,
    }
}

pub(super) async fn api(
    State((inner, addr)): State<St>,
    Path(method): Path<String>,
    http_method: axum::http::Method,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: HeaderMap,
    body: String,
) -> Response {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (transport, body): (&'static str, Value) = if http_method == axum::http::Method::GET {
        ("query", pairs_to_json(query.as_deref().unwrap_or("")))
    } else if content_type.starts_with("application/json") {
        ("json", serde_json::from_str(&body).unwrap_or(Value::Null))
    } else {
        ("form", pairs_to_json(&body))
    };
    // Slack sends the token's scopes on every Web API answer.
    let (scopes, delay) = {
        let i = inner.lock().unwrap();
        (i.workspace.scopes.join(","), i.delay)
    };
    let mut r = answer_inner(State((inner, addr)), Path(method), headers, transport, body).await;
    // A slow Slack: the call took effect on arrival, the answer comes late (a bot that dies
    // meanwhile never learns that its post went out).
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Ok(v) = scopes.parse() {
        r.headers_mut().insert("x-oauth-scopes", v);
    }
    r
}

#[allow(clippy::too_many_lines)] // over 80 lines: test-like table: the fake's one arm per Web API method
async fn answer_inner(
    State((inner, addr)): State<St>,
    Path(method): Path<String>,
    headers: HeaderMap,
    transport: &'static str,
    body: Value,
) -> Response {
    let verb = if transport == "query" { "GET" } else { "POST" };
    let behavior = {
        let mut i = inner.lock().unwrap();
        i.calls.push(Call {
            verb: verb.to_string(),
            method: method.clone(),
            body: body.clone(),
            transport,
            auth: headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(String::from),
            at: std::time::Instant::now(),
        });
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
        if let Some(refusal) = workspace_refusal(&i.workspace, &method, auth, &body) {
            return Json(refusal).into_response();
        }
        let scripted = i.scripted.get_mut(&method).and_then(|q| q.pop_front());
        scripted.or_else(|| i.failing.get(&method).cloned())
    };
    if let Some(b) = behavior {
        match b {
            Behavior::OkFalse(code) => {
                return Json(json!({"ok": false, "error": code})).into_response()
            }
            Behavior::Body(v) => return Json(v).into_response(),
            Behavior::Status(code, retry) => {
                let mut r = (
                    StatusCode::from_u16(code).unwrap(),
                    Json(json!({"ok": false, "error": "ratelimited"})),
                )
                    .into_response();
                if let Some(s) = retry {
                    r.headers_mut()
                        .insert("retry-after", s.to_string().parse().unwrap());
                }
                return r;
            }
            Behavior::Hang(d) => {
                tokio::time::sleep(d).await;
                return Json(json!({"ok": false, "error": "fatal_error"})).into_response();
            }
        }
    }
    // Slack reads no JSON body on these: the arguments are missing.
    if transport == "json" && FORM_ONLY.contains(&method.as_str()) {
        return Json(json!({"ok": false, "error": "invalid_arguments",
            "response_metadata": {"messages": ["[ERROR] missing required field"]}}))
        .into_response();
    }
    // Refuse what Slack refuses for size (blocks, text, topic, invitees): see `slack_limits`.
    if let Some(code) = crate::slack_limits::refusal(&method, &body) {
        return Json(json!({"ok": false, "error": code})).into_response();
    }
    let mut i = inner.lock().unwrap();
    i.next += 1;
    let n = i.next;
    let ok = match method.as_str() {
        "chat.postMessage" => {
            let ch = body["channel"].as_str().unwrap_or("");
            let unshared = slack_file_ids(&body)
                .into_iter()
                .any(|f| !i.files.get(&f).is_some_and(|c| c.iter().any(|c| c == ch)));
            if unshared {
                return Json(json!({"ok": false, "error": "invalid_blocks"})).into_response();
            }
            if let Err(code) = metadata_of(&body) {
                return Json(json!({"ok": false, "error": code})).into_response();
            }
            // A message's ts is the Unix time it was posted, unique in its channel.
            let ts = format!("{}.{n:06}", now_secs());
            i.history.posted(&body, &ts);
            i.posted.insert(
                (ch.to_string(), ts.clone()),
                with_parsed_blocks(body.clone()),
            );
            json!({"ok": true, "channel": body["channel"], "ts": ts, "message": {"text": body["text"]}})
        }
        // chat.update (docs.slack.dev/reference/methods/chat.update): `channel` and `ts` of a
        // message the bot posted, else `message_not_found` / `channel_not_found`; `cant_update_message`
        // for someone else's message is not modelled (the bot only updates its own).
        "chat.update" => {
            let ch = body["channel"].as_str().unwrap_or("").to_string();
            let ts = body["ts"].as_str().unwrap_or("").to_string();
            if ch.is_empty() {
                return Json(json!({"ok": false, "error": "channel_not_found"})).into_response();
            }
            if body["text"].as_str().unwrap_or("").is_empty() && body.get("blocks").is_none() {
                return Json(json!({"ok": false, "error": "no_text"})).into_response();
            }
            match i.posted.get_mut(&(ch.clone(), ts.clone())) {
                Some(m) => *m = with_parsed_blocks(body.clone()),
                None => {
                    return Json(json!({"ok": false, "error": "message_not_found"})).into_response()
                }
            }
            json!({"ok": true, "channel": ch, "ts": ts, "text": body["text"]})
        }
        "conversations.history" => i.history.history(&body),
        "conversations.replies" => i.history.replies(&body),
        "conversations.create" => {
            let name = body["name"].as_str().unwrap_or("").to_string();
            if i.taken_names.contains(&name) {
                return Json(json!({"ok": false, "error": "name_taken"})).into_response();
            }
            i.taken_names.insert(name.clone());
            let private = body["is_private"].as_bool().unwrap_or(false);
            i.workspace
                .channels
                .insert(format!("CWAR{n:04}"), (name.clone(), private, true, false));
            let channel = json!({"id": format!("CWAR{n:04}"), "name": name, "is_member": true, "is_private": body["is_private"],
                                 "is_archived": false, "created": now_secs()});
            i.created.push(channel.clone());
            json!({"ok": true, "channel": channel})
        }
        // Form only (see FORM_ONLY: GET /conversations.list in the Web API spec).
        "conversations.list" => {
            // The channels the bot created, `limit` per page, the cursor an offset.
            let limit: usize = body["limit"]
                .as_str()
                .and_then(|l| l.parse().ok())
                .unwrap_or(100)
                .clamp(1, 1000);
            let from: usize = body["cursor"]
                .as_str()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let page: Vec<Value> = i.created.iter().skip(from).take(limit).cloned().collect();
            let next = if from + limit < i.created.len() {
                (from + limit).to_string()
            } else {
                String::new()
            };
            json!({"ok": true, "channels": page, "response_metadata": {"next_cursor": next}})
        }
        "files.getUploadURLExternal" => {
            if body["filename"].as_str().unwrap_or("").is_empty()
                || number(&body["length"]).unwrap_or(0) == 0
            {
                return Json(json!({"ok": false, "error": "invalid_arguments"})).into_response();
            }
            i.files.insert(format!("F{n}"), vec![]);
            json!({"ok": true, "upload_url": format!("http://{addr}/upload/F{n}"), "file_id": format!("F{n}")})
        }
        "files.completeUploadExternal" => {
            let files = match &body["files"] {
                Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
                v => v.clone(),
            };
            let ids: Vec<String> = files
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["id"].as_str().map(String::from))
                .collect();
            // Completing a file whose bytes never reached its upload_url fails, as on Slack.
            let uploaded = |f: &String| i.uploads.iter().any(|(u, _)| u == f);
            if ids.is_empty() || ids.iter().any(|f| !i.files.contains_key(f) || !uploaded(f)) {
                return Json(json!({"ok": false, "error": "file_not_found"})).into_response();
            }
            // Sharing a file needs the bot in the channel (`not_in_channel`, Slack's
            // files.completeUploadExternal reference; the upload is dropped).
            if body["channel_id"]
                .as_str()
                .is_some_and(|c| i.outside.contains(c))
            {
                return Json(json!({"ok": false, "error": "not_in_channel"})).into_response();
            }
            if let Some(ch) = body["channel_id"].as_str() {
                for f in &ids {
                    i.files.get_mut(f).expect("checked").push(ch.to_string());
                }
            }
            json!({"ok": true, "files": ids.iter().map(|f| json!({"id": f})).collect::<Vec<_>>()})
        }
        "conversations.open" => {
            let users = body["users"].as_str().unwrap_or("");
            if users.is_empty() || users.contains(',') {
                return Json(json!({"ok": false, "error": "invalid_arguments"})).into_response();
            }
            json!({"ok": true, "channel": {"id": format!("D{users}")}})
        }
        "usergroups.users.list" => {
            let g = body["usergroup"].as_str().unwrap_or("");
            match i.usergroups.get(g) {
                Some(u) => json!({"ok": true, "users": u}),
                None => json!({"ok": false, "error": "no_such_subteam"}),
            }
        }
        "auth.test" => {
            json!({"ok": true, "url": "https://julia-ops.slack.com/", "team": "Julia Ops", "user": "julia-chatops",
                   "team_id": "T0JULIA", "user_id": "U0CHATOPS", "bot_id": "B0CHATOPS", "is_enterprise_install": false})
        }
        "conversations.info" => {
            let id = body["channel"].as_str().unwrap_or("");
            match i.workspace.channels.get(id) {
                // A private channel the bot is not in is invisible to it.
                Some((name, private, member, archived)) if !*private || *member => {
                    json!({"ok": true, "channel": {"id": id, "name": name, "is_channel": true, "is_private": private,
                                                   "is_member": member, "is_archived": archived}})
                }
                _ => json!({"ok": false, "error": "channel_not_found"}),
            }
        }
        "users.info" => {
            let id = body["user"].as_str().unwrap_or("");
            match i.workspace.users.get(id) {
                Some(deleted) => {
                    let handle = id.to_lowercase();
                    let shown = i.workspace.user_names.get(id).cloned().unwrap_or_default();
                    json!({"ok": true, "user": {"id": id, "name": handle, "deleted": deleted, "is_bot": false,
                           "real_name": shown, "profile": {"display_name": shown, "real_name": shown}}})
                }
                None => json!({"ok": false, "error": "user_not_found"}),
            }
        }
        "views.open" | "views.publish" => json!({"ok": true, "view": {"id": format!("V{n}")}}),
        "apps.connections.open" => match &i.socket_url {
            Some(url) => json!({"ok": true, "url": url}),
            None => json!({"ok": false, "error": "invalid_auth"}),
        },
        _ => json!({"ok": true}),
    };
    Json(ok).into_response()
}

/// A `response_url`. An image block may only show a file shared to a conversation (this fake
/// does not know which channel a response_url belongs to, so any share will do): a private
/// upload is refused with `invalid_blocks`, as Slack does.
pub(super) async fn response(
    State((inner, _)): State<St>,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    // A reply Slack would refuse for its size is not shown to anyone: refused, not recorded.
    if let Some(code) = crate::slack_limits::message_refusal(&v) {
        return (StatusCode::BAD_REQUEST, code).into_response();
    }
    let mut i = inner.lock().unwrap();
    let unshared = slack_file_ids(&v)
        .into_iter()
        .any(|f| i.files.get(&f).is_none_or(|c| c.is_empty()));
    if unshared {
        // Refused: nothing is shown, so nothing is recorded as a response.
        return (StatusCode::BAD_REQUEST, "invalid_blocks").into_response();
    }
    i.responses.push((id, v));
    StatusCode::OK.into_response()
}

pub(super) async fn upload(
    State((inner, _)): State<St>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> StatusCode {
    inner.lock().unwrap().uploads.push((id, body.to_vec()));
    StatusCode::OK
}
