//! What another capability adds to the post-mortem draft without being imported here: the
//! follow-up's action items (a table in the draft, and a message with an "Add action item"
//! button posted with it). Registered by the composition root as the [`DraftParts`] extension;
//! without it the draft has no items and no button.

use std::sync::Arc;

use futures::future::BoxFuture;
use messages::Msg;

use crate::store::Incident;
use chatops_core::Ctx;

/// The action items of an incident, as the draft shows them.
pub trait ActionItems: Send + Sync + 'static {
    /// One row per item: action, owner (a Slack user id: the draft shows the name), due,
    /// status.
    fn rows<'a>(
        &'a self,
        ctx: &'a Ctx,
        i: &'a Incident,
    ) -> BoxFuture<'a, Result<Vec<[String; 4]>, sqlx::Error>>;
    /// The message posted right after the draft (the items so far and the button).
    fn message<'a>(
        &'a self,
        ctx: &'a Ctx,
        i: &'a Incident,
    ) -> BoxFuture<'a, Result<Option<Msg>, sqlx::Error>>;
}

/// The registered parts of the draft.
#[derive(Clone)]
pub struct DraftParts(pub Arc<dyn ActionItems>);

impl DraftParts {
    pub fn new(a: impl ActionItems) -> Self {
        DraftParts(Arc::new(a))
    }
}
