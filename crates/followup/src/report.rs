//! Overdue action items where people look: a person's Home tab, the weekly digest and
//! `/incident stats` (drills' items left out of the last two).

use sqlx::AnyPool;

use crate::items::{self, Item};

/// The text of `owner`'s overdue items for the Home tab (None when there are none).
pub async fn home_section(
    pool: &AnyPool,
    owner: &str,
    now_ms: i64,
    l: messages::Locale,
) -> Result<Option<String>, sqlx::Error> {
    let list = items::overdue(pool, now_ms, Some(owner), true).await?;
    let views: Vec<_> = list.iter().map(Item::view).collect();
    Ok(messages::followup::home_overdue(&views, now_ms / 1000, l))
}

/// The lines about every overdue item of real incidents (empty when there are none).
pub async fn overdue_lines(
    pool: &AnyPool,
    now_ms: i64,
    l: messages::Locale,
) -> Result<String, sqlx::Error> {
    let list = items::overdue(pool, now_ms, None, false).await?;
    let views: Vec<_> = list.iter().map(Item::view).collect();
    Ok(messages::followup::overdue_report(&views, now_ms / 1000, l))
}
