//! Publishing: `update --public`, the update form's public field and the resolution put a
//! person's words on the page. An incident's first public post is previewed first (a draft
//! with Publish / Edit, [`crate::drafts`]); after that, public updates go out as written.
//!
//! Every publication writes, in one transaction: the incident's public row (first post), the
//! update, the version the page caches on, the echo where the incident lives (with the link to
//! the page) and `Event::Published`.

use sqlx::{AnyConnection, Row};

use chatops_core::{Ctx, FlowResult};
use incident::hooks::{announce, Event};
use incident::shared::{key, post_to_incident, user_err};
use incident::store::Incident;
use incident::timeline::EventKind;
use incident::{IncidentStatus, Severity};
use messages::statuspage as words;

use crate::settings;

/// The longest public title, in characters.
pub const MAX_TITLE: usize = 200;

/// Why an incident may not appear on the page, if it may not (`private`, `drill`, `p3`).
pub fn hidden_because(ctx: &Ctx, i: &Incident) -> Option<&'static str> {
    if i.is_private {
        Some("private")
    } else if i.is_drill {
        Some("drill")
    } else if i.severity == Severity::P3 && settings::of(ctx).hide_p3 {
        Some("p3")
    } else {
        None
    }
}

/// Refuses, with why, an incident that may not appear on the page.
pub fn ensure_public(ctx: &Ctx, i: &Incident) -> FlowResult<()> {
    match hidden_because(ctx, i) {
        Some(why) => Err(user_err(words::refused(&key(i), why, ctx.locale()))),
        None => Ok(()),
    }
}

/// Refuses a text longer than `STATUSPAGE_MAX_UPDATE` (and an empty one).
pub fn check_body(ctx: &Ctx, body: &str) -> FlowResult<()> {
    if body.trim().is_empty() {
        return Err(user_err(words::empty(ctx.locale())));
    }
    check_text(ctx, body)
}

/// Refuses a text longer than `STATUSPAGE_MAX_UPDATE`, or holding what stays in the war room
/// ([`war_room_only`]).
pub fn check_text(ctx: &Ctx, body: &str) -> FlowResult<()> {
    let max = settings::of(ctx).max_update;
    let len = body.chars().count();
    if len > max {
        return Err(user_err(words::too_long(len, max, ctx.locale())));
    }
    if let Some(what) = war_room_only(body) {
        return Err(user_err(words::not_public(what, ctx.locale())));
    }
    Ok(())
}

/// What a public text holds that must never reach the page, if anything: a Slack mention or
/// channel link (`mention`), a phone number (`phone`: 10 or more digits, spaces, dashes,
/// dots and brackets between them allowed), or a secret-looking token (`secret`).
pub fn war_room_only(text: &str) -> Option<&'static str> {
    if ["<@", "<#", "<!"].iter().any(|m| text.contains(m)) {
        return Some("mention");
    }
    let lower = text.to_ascii_lowercase();
    let secret_starts = ["xoxb-", "xoxp-", "xapp-", "xoxe-", "ghp_", "sk-", "akia"];
    let secret_words = [
        "password=",
        "senha=",
        "token=",
        "secret=",
        "apikey=",
        "api_key=",
    ];
    if lower
        .split(|c: char| c.is_whitespace() || c == '`' || c == '"' || c == '\'')
        .any(|w| {
            secret_starts
                .iter()
                .any(|s| w.starts_with(s) && w.len() > s.len() + 8)
        })
        || secret_words.iter().any(|w| lower.contains(w))
    {
        return Some("secret");
    }
    looks_like_phone(text).then_some("phone")
}

/// 10 or more digits in one run (single spaces, dashes, dots or brackets between groups
/// allowed) whose last group has 4 or more: `+55 11 91234-5678`, `(11) 91234.5678`, not
/// `2026-12-06 10:30`.
fn looks_like_phone(text: &str) -> bool {
    let (mut total, mut group) = (0, 0);
    let mut last_sep = false;
    for c in text.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_digit() {
            total += 1;
            group += 1;
            last_sep = false;
        } else if " -.()+".contains(c) && !last_sep {
            if total >= 10 && group >= 4 {
                return true;
            }
            group = 0;
            last_sep = c != '(' && c != ')';
        } else {
            if total >= 10 && group >= 4 {
                return true;
            }
            (total, group, last_sep) = (0, 0, false);
        }
    }
    false
}

pub fn check_title(ctx: &Ctx, title: &str) -> FlowResult<()> {
    let len = title.chars().count();
    if title.trim().is_empty() || len > MAX_TITLE {
        return Err(user_err(words::title_too_long(
            len,
            MAX_TITLE,
            ctx.locale(),
        )));
    }
    if let Some(what) = war_room_only(title) {
        return Err(user_err(words::not_public(what, ctx.locale())));
    }
    Ok(())
}

/// The public title of an incident that has had its first public post.
pub async fn public_title(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    Ok(
        sqlx::query("SELECT public_title FROM public_incidents WHERE incident_id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?
            .map(|r| r.get(0)),
    )
}

/// The link to an incident's page (`STATUSPAGE_URL/incidents/<n>`), when the URL is set.
pub fn link(ctx: &Ctx, id: i64) -> Option<String> {
    settings::of(ctx)
        .url
        .as_ref()
        .map(|u| format!("{}/incidents/{id}", u.trim_end_matches('/')))
}

/// The next-update promise in minutes (none when off).
pub fn next_update_min(ctx: &Ctx) -> Option<u64> {
    settings::of(ctx)
        .next_update
        .map(|d| d.as_secs().div_ceil(60))
}

/// The public status of a post: the one given, else the incident's own.
pub fn status_of(i: &Incident, given: Option<IncidentStatus>) -> IncidentStatus {
    given.unwrap_or(i.status)
}

/// What one public update says, and who says it.
pub struct Post<'a> {
    /// The public title (used by the first post only: later ones keep the incident's).
    pub title: &'a str,
    pub status: IncidentStatus,
    pub body: &'a str,
    pub actor: &'a str,
}

/// One public update, written in the caller's transaction: the public row on the first post
/// (`title`), the update, the next-update promise, the version, the echo and the hook.
/// Returns the update's number.
pub async fn write(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    post: &Post<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let Post {
        title,
        status,
        body,
        actor,
    } = *post;
    let next = match (status, settings::of(ctx).next_update) {
        (IncidentStatus::Resolved, _) | (_, None) => None,
        (_, Some(d)) => Some(now + d.as_millis() as i64),
    };
    let title = match public_title(conn, i.id).await? {
        Some(t) => t,
        None => {
            sqlx::query(
                "INSERT INTO public_incidents (incident_id, public_title, first_published_at, next_update_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(i.id)
            .bind(title)
            .bind(now)
            .bind(next)
            .execute(&mut *conn)
            .await?;
            title.to_string()
        }
    };
    sqlx::query("UPDATE public_incidents SET next_update_at = $2 WHERE incident_id = $1")
        .bind(i.id)
        .bind(next)
        .execute(&mut *conn)
        .await?;
    let id: i64 = sqlx::query(
        "INSERT INTO public_updates (incident_id, status, body, created_at, author) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(i.id)
    .bind(status.as_str())
    .bind(body)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *conn)
    .await?
    .get(0);
    crate::store::bump(conn).await?;
    let line = format!("#{id} {}: {body}", status.as_str());
    incident::store::add_event(conn, i.id, now, actor, EventKind::Public, &line).await?;
    let page = link(ctx, i.id);
    let echo = words::Echo {
        update: id,
        title: &title,
        status: status.as_str(),
        body,
        actor,
        link: page.as_deref(),
        command: &ctx.config.incident_command,
    };
    post_to_incident(conn, ctx, i, &words::echo(&echo, ctx.locale()), false, now).await?;
    let published = Event::Published {
        incident: i,
        text: body,
        status: status.as_str(),
        actor,
    };
    announce(conn, ctx, published, now).await?;
    Ok(id)
}

/// The resolution's public text, when the incident was published and its last public word is
/// not already "resolved": the `statuspage_resolved` template (built-in: "[RESOLVED] …").
pub async fn on_resolved(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    i: &Incident,
    actor: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(title) = public_title(conn, i.id).await? else {
        return Ok(());
    };
    if hidden_because(ctx, i).is_some() {
        return crate::store::bump(conn).await;
    }
    let last = sqlx::query(
        "SELECT status FROM public_updates WHERE incident_id = $1 AND unpublished_at IS NULL
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(i.id)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| r.get::<String, _>(0));
    if last.as_deref() == Some("resolved") {
        sqlx::query("UPDATE public_incidents SET next_update_at = NULL WHERE incident_id = $1")
            .bind(i.id)
            .execute(&mut *conn)
            .await?;
        return crate::store::bump(conn).await;
    }
    let l = ctx.locale();
    let v = messages::statuspage::PublicView {
        title: &title,
        status: "resolved",
        text: "",
        next_update_min: None,
    };
    let body = ctx
        .config
        .templates
        .public_text("statuspage_resolved", &v, l)
        .unwrap_or_else(|| words::resolved_post(&title, "", l));
    let post = Post {
        title: &title,
        status: IncidentStatus::Resolved,
        body: &body,
        actor,
    };
    write(conn, ctx, i, &post, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::war_room_only;

    #[test]
    fn mentions_phone_numbers_and_tokens_never_reach_the_page() {
        assert_eq!(
            war_room_only("ask <@U012AB3CD> in <#C0ROOM>"),
            Some("mention")
        );
        assert_eq!(war_room_only("call +55 11 91234-5678"), Some("phone"));
        assert_eq!(war_room_only("call (11) 91234.5678"), Some("phone"));
        assert_eq!(
            war_room_only("rotated xoxb-1234567890-abcdef"),
            Some("secret")
        );
        assert_eq!(war_room_only("set password=hunter2"), Some("secret"));
        assert_eq!(
            war_room_only("Since 2026-12-06 10:30 UTC, 3 of 12 regions; next update in 30 minutes"),
            None
        );
        assert_eq!(war_room_only("Task-runner is back; INC-12 is fixed"), None);
    }
}
