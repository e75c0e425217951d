//! Every incident event may change what is public: the render cache checks the version on
//! the next requests (registered in the composition root).

use chatops_core::Ctx;
use futures::future::BoxFuture;
use incident::hooks::{Event, Subscriber};
use sqlx::AnyConnection;

use super::cache::PageCache;

pub struct Invalidate;

impl Subscriber for Invalidate {
    fn on<'a>(
        &'a self,
        _conn: &'a mut AnyConnection,
        ctx: &'a Ctx,
        _event: Event<'a>,
        _now: i64,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        if let Some(cache) = ctx.ext.get::<PageCache>() {
            cache.invalidate();
        }
        Box::pin(async { Ok(()) })
    }
}
