//! What incidents announce, for capabilities that react to them without being imported here
//! (paging starts its acknowledgment ladder on `Declared`, stops it on `OnIt`…). The
//! composition root registers the subscribers ([`Hooks`], an extension of the context);
//! each one runs in the transaction of the change, so its rows commit or roll back with it.

use std::sync::Arc;

use futures::future::BoxFuture;
use sqlx::AnyConnection;

use crate::store::Incident;
use crate::Severity;
use chatops_core::Ctx;

/// A change to an incident, announced in the transaction that makes it.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The incident row was written (the war room comes later, in the declaration job).
    Declared { id: i64, severity: Severity },
    /// The declaration job posted the declared message (war room and announcement).
    Announced { incident: &'a Incident },
    /// The severity changed.
    SeverityChanged { id: i64, severity: Severity },
    /// Someone said "I'm on it" in Slack.
    OnIt {
        incident: &'a Incident,
        actor: &'a str,
    },
}

/// Reacts to incident events.
pub trait Subscriber: Send + Sync + 'static {
    fn on<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        ctx: &'a Ctx,
        event: Event<'a>,
        now: i64,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>>;
}

/// The subscribers, in the order they were registered.
#[derive(Default, Clone)]
pub struct Hooks(Vec<Arc<dyn Subscriber>>);

impl Hooks {
    pub fn subscribe(mut self, s: impl Subscriber) -> Self {
        self.0.push(Arc::new(s));
        self
    }
}

/// Announces `event` to every subscriber, in the caller's transaction.
pub async fn announce(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    event: Event<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(hooks) = ctx.ext.get::<Hooks>() else {
        return Ok(());
    };
    for s in &hooks.0 {
        s.on(conn, ctx, event, now).await?;
    }
    Ok(())
}
