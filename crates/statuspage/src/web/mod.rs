//! The page, its JSON, feed and badge, and their HTTP serving.
//!
//! - [`serve`]: the routes (`/`, `/incidents/INC-n`, `/history`, `/history.atom`, `/badge.svg`,
//!   `/api/v2/{summary,status,incidents}.json`), `ETag`/304, `max-age`
//! - [`cache`]: one render per version of what is public
//! - [`view`], [`html`] (minijinja, autoescape), [`api`] (Statuspage's v2 shape), [`feed`]
//!   (Atom), [`badge`] (SVG), [`lang`] (`Accept-Language`)
//! - [`settings`]: `STATUSPAGE_PATH`, `STATUSPAGE_NAME`, `STATUSPAGE_LANGUAGE`, …
//! - [`hooks`]: incident events invalidate the cache at once

pub mod api;
pub mod badge;
pub mod cache;
#[cfg(test)]
mod cache_tests;
pub mod feed;
pub mod hooks;
pub mod html;
pub mod lang;
pub mod own_port;
pub mod serve;
pub mod settings;
pub mod view;

pub use cache::PageCache;
pub use serve::{mount, router};
pub use settings::WebConfig;
