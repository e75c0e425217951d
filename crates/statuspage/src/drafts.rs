//! The preview of an incident's first public post: a draft row, shown to its author with
//! Publish / Edit. Publish is single-use (the draft is marked used in the transaction that
//! publishes it); Edit opens a form whose submission publishes what it holds.

use sqlx::Row;

use chatops_core::ids::UserId;
use chatops_core::{Ctx, FlowResult};
use incident::shared::{key, load, user_err, wake};
use incident::store::Incident;
use incident::IncidentStatus;
use messages::statuspage as words;
use messages::Msg;

use crate::publish::{check_body, check_title, ensure_public, link, next_update_min, write, Post};

/// A first post waiting for its Publish.
#[derive(Debug, Clone)]
pub struct Draft {
    pub id: i64,
    pub incident_id: i64,
    pub title: String,
    pub status: IncidentStatus,
    pub body: String,
    pub author: String,
}

/// The first post's text: `statuspage_first` (built-in: "[INCIDENT] <title> / Status: … /
/// <text> / Next update: in N minutes").
pub fn first_body(ctx: &Ctx, title: &str, status: IncidentStatus, text: &str) -> String {
    let l = ctx.locale();
    let v = words::PublicView {
        title,
        status: status.as_str(),
        text,
        next_update_min: next_update_min(ctx),
    };
    ctx.config
        .templates
        .public_text("statuspage_first", &v, l)
        .unwrap_or_else(|| words::first_post(title, status.as_str(), text, v.next_update_min, l))
}

/// Writes the draft of an incident's first public post and answers with its preview. The
/// title is the one asked for, else the incident's own (public only once Publish confirms it).
pub async fn preview_first(
    ctx: &Ctx,
    actor: &UserId,
    i: &Incident,
    status: IncidentStatus,
    text: &str,
    title: Option<&str>,
) -> FlowResult<Msg> {
    let title = title.unwrap_or(&i.title).trim().to_string();
    check_title(ctx, &title)?;
    let body = first_body(ctx, &title, status, text);
    check_body(ctx, &body)?;
    let now = ctx.clock.now_ms();
    let id: i64 = sqlx::query(
        "INSERT INTO public_drafts (incident_id, public_title, status, body, author, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(i.id)
    .bind(&title)
    .bind(status.as_str())
    .bind(&body)
    .bind(actor.as_str())
    .bind(now)
    .fetch_one(&ctx.store.pool)
    .await?
    .get(0);
    Ok(preview_msg(ctx, i, id, &title, status, &body))
}

pub fn preview_msg(
    ctx: &Ctx,
    i: &Incident,
    draft: i64,
    title: &str,
    status: IncidentStatus,
    body: &str,
) -> Msg {
    let page = crate::settings::of(ctx).url.clone();
    let p = words::Preview {
        key: &key(i),
        draft,
        title,
        status: status.as_str(),
        body,
        page_url: page.as_deref(),
    };
    words::preview(&p, ctx.locale())
}

/// A draft not yet published.
pub async fn get(ctx: &Ctx, id: i64) -> FlowResult<Draft> {
    let row = sqlx::query(
        "SELECT id, incident_id, public_title, status, body, author FROM public_drafts
         WHERE id = $1 AND used_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&ctx.store.pool)
    .await?
    .ok_or_else(|| user_err(words::draft_gone(ctx.locale())))?;
    Ok(Draft {
        id: row.get(0),
        incident_id: row.get(1),
        title: row.get(2),
        status: IncidentStatus::parse(&row.get::<String, _>(3))
            .unwrap_or(IncidentStatus::Investigating),
        body: row.get(4),
        author: row.get(5),
    })
}

/// Publishes a draft (Publish, or the edit form with `edited` title and body): once, by its
/// author. Returns the incident's key and the update's number.
pub async fn publish(
    ctx: &Ctx,
    actor: &UserId,
    draft: i64,
    edited: Option<(String, String)>,
) -> FlowResult<Msg> {
    let l = ctx.locale();
    let mut d = get(ctx, draft).await?;
    if d.author != actor.as_str() {
        return Err(user_err(words::not_yours(&d.author, l)));
    }
    if let Some((title, body)) = edited {
        check_title(ctx, &title)?;
        check_body(ctx, &body)?;
        (d.title, d.body) = (title, body);
    }
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let i = load(&mut tx, ctx, chatops_core::ids::IncidentId(d.incident_id)).await?;
    ensure_public(ctx, &i)?;
    let used =
        sqlx::query("UPDATE public_drafts SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
            .bind(d.id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if used == 0 {
        return Err(user_err(words::draft_gone(l)));
    }
    let post = Post {
        title: &d.title,
        status: d.status,
        body: &d.body,
        actor: actor.as_str(),
    };
    let update = write(&mut tx, ctx, &i, &post, now).await?;
    tx.commit().await?;
    wake(ctx);
    Ok(words::published(
        &key(&i),
        update,
        link(ctx, i.id).as_deref(),
        l,
    ))
}
