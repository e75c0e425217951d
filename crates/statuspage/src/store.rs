//! What the status page shows, read from the store (the web side renders it), and the version
//! that moves in every transaction that changes anything public (the web side caches its
//! render until it moves).
//!
//! Public means: the incident has had a first public post (`public_incidents`), it is neither
//! private nor a drill, and it is not P3 when P3 incidents are hidden (`STATUSPAGE_HIDE_P3`).
//! Only what a person published is read here: the public title and the public updates, never
//! the war room's title, texts, names or channels.

use std::collections::HashMap;

use sqlx::{AnyConnection, AnyPool, Row};

use crate::history::{self, visible};
pub use crate::history::{Day, IncidentRef, DAY_MS, HISTORY_DAYS};
use chatops_core::components::{ComponentState, Components, Names};
use chatops_core::severity::IncidentStatus;
use chatops_core::Ctx;

/// How many resolved incidents the history lists (newest first).
pub const PAST_LIMIT: i64 = 200;

/// Everything the page, its JSON, the feed and the badge show, as of `generated_at`.
#[derive(Debug, Clone)]
pub struct PublicSnapshot {
    /// [`version`] when it was read (read before the rest: a change during the read moves it
    /// again, so a render is never cached under a newer version than its data).
    pub version: i64,
    pub generated_at: i64,
    /// The worst current state of any component (operational: "All systems operational").
    pub overall: ComponentState,
    /// The configured systems, in file order, each with its components.
    pub systems: Vec<SystemView>,
    /// Open public incidents, newest first.
    pub active: Vec<PublicIncident>,
    /// Resolved public incidents, most recently resolved first (at most [`PAST_LIMIT`]).
    pub resolved: Vec<PublicIncident>,
}

impl PublicSnapshot {
    /// The resolved incidents grouped by the month (UTC, `YYYY-MM`) they were resolved in,
    /// newest month first.
    pub fn resolved_by_month(&self) -> Vec<(String, Vec<&PublicIncident>)> {
        let mut out: Vec<(String, Vec<&PublicIncident>)> = Vec::new();
        for i in &self.resolved {
            let m = month_of(i.resolved_at.unwrap_or(i.created_at));
            match out.last_mut() {
                Some((last, v)) if *last == m => v.push(i),
                _ => out.push((m, vec![i])),
            }
        }
        out
    }

    /// Every component, system by system.
    pub fn components(&self) -> impl Iterator<Item = &ComponentView> {
        self.systems.iter().flat_map(|s| s.components.iter())
    }
}

/// `YYYY-MM` (UTC) of a time in ms.
pub fn month_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m").to_string())
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
pub struct SystemView {
    pub id: String,
    pub name: Names,
    pub components: Vec<ComponentView>,
}

#[derive(Debug, Clone)]
pub struct ComponentView {
    pub id: String,
    pub system: String,
    pub name: Names,
    /// The worst that the open public incidents say (and the automatic state, when opted in).
    pub state: ComponentState,
    /// [`HISTORY_DAYS`] days, oldest first, the last one being today (UTC days).
    pub days: Vec<Day>,
}

/// A public incident, as the page shows it.
#[derive(Debug, Clone)]
pub struct PublicIncident {
    pub id: i64,
    /// `INC-n`.
    pub key: String,
    pub title: String,
    /// The status of its newest public update (investigating when every one was unpublished).
    pub status: IncidentStatus,
    /// The first public post.
    pub created_at: i64,
    /// The newest public update (or `created_at`).
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    /// The next-update promise, while the incident is open.
    pub next_update_at: Option<i64>,
    /// The worst state it ever set on a component (its impact).
    pub impact: ComponentState,
    pub components: Vec<AffectedView>,
    /// Its public updates, newest first, without the unpublished ones.
    pub updates: Vec<PublicUpdate>,
}

/// A component an incident affects (or affected).
#[derive(Debug, Clone)]
pub struct AffectedView {
    pub id: String,
    /// The configured public name (the id when the component is no longer configured).
    pub name: Names,
    /// Its state now by this incident (operational once recovered or resolved).
    pub state: ComponentState,
    /// The worst state this incident set on it.
    pub worst: ComponentState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUpdate {
    pub id: i64,
    pub incident_id: i64,
    pub status: IncidentStatus,
    pub body: String,
    pub created_at: i64,
}

/// The current version of what is public.
pub async fn version(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT version FROM statuspage_version WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.get::<i64, _>(0)).unwrap_or(0))
}

/// Moves the version, in the caller's transaction (every change to anything public).
pub async fn bump(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE statuspage_version SET version = version + 1 WHERE id = 1")
        .execute(conn)
        .await?;
    Ok(())
}

/// The snapshot with this process's settings and clock.
pub async fn snapshot(ctx: &Ctx) -> Result<PublicSnapshot, sqlx::Error> {
    let hide_p3 = crate::settings::of(ctx).hide_p3;
    public_view(
        &ctx.store.pool,
        &ctx.config.components,
        ctx.clock.now_ms(),
        hide_p3,
    )
    .await
}

/// Everything public as of `now`.
pub async fn public_view(
    pool: &AnyPool,
    components: &Components,
    now: i64,
    hide_p3: bool,
) -> Result<PublicSnapshot, sqlx::Error> {
    let version = version(pool).await?;
    let open = incidents(pool, components, hide_p3, Which::Open).await?;
    let resolved = incidents(pool, components, hide_p3, Which::Resolved).await?;
    let spans = history::spans(pool, hide_p3, now - HISTORY_DAYS as i64 * DAY_MS, now).await?;
    let autos = auto_states(pool).await?;
    let mut current: HashMap<&str, ComponentState> = HashMap::new();
    for i in &open {
        for c in &i.components {
            let e = current.entry(c.id.as_str()).or_insert(c.state);
            *e = (*e).max(c.state);
        }
    }
    let systems: Vec<SystemView> = components
        .systems
        .iter()
        .map(|s| SystemView {
            id: s.id.clone(),
            name: s.name.clone(),
            components: s
                .components
                .iter()
                .map(|c| {
                    let auto = autos
                        .get(&c.id)
                        .filter(|_| c.auto_degrade)
                        .map(|a| a.0)
                        .unwrap_or(ComponentState::Operational);
                    let state = current
                        .get(c.id.as_str())
                        .copied()
                        .unwrap_or(ComponentState::Operational)
                        .max(auto);
                    let auto_since = autos.get(&c.id).filter(|_| c.auto_degrade);
                    ComponentView {
                        id: c.id.clone(),
                        system: s.id.clone(),
                        name: c.name.clone(),
                        state,
                        days: history::days(&spans, &c.id, auto_since.copied(), now),
                    }
                })
                .collect(),
        })
        .collect();
    let overall = ComponentState::worst(
        systems
            .iter()
            .flat_map(|s| s.components.iter().map(|c| c.state)),
    );
    Ok(PublicSnapshot {
        version,
        generated_at: now,
        overall,
        systems,
        active: open,
        resolved,
    })
}

/// One public incident (its own page), or None when it is not public.
pub async fn incident(
    pool: &AnyPool,
    components: &Components,
    id: i64,
    hide_p3: bool,
) -> Result<Option<PublicIncident>, sqlx::Error> {
    Ok(incidents(pool, components, hide_p3, Which::One(id))
        .await?
        .into_iter()
        .next())
}

/// The automatic states (component -> (state, since)).
pub async fn auto_states(
    pool: &AnyPool,
) -> Result<HashMap<String, (ComponentState, i64)>, sqlx::Error> {
    let rows = sqlx::query("SELECT component, state, since FROM component_auto_states")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let state = ComponentState::parse(&r.get::<String, _>(1))?;
            Some((r.get::<String, _>(0), (state, r.get::<i64, _>(2))))
        })
        .collect())
}

#[derive(Clone, Copy)]
enum Which {
    Open,
    Resolved,
    One(i64),
}

async fn incidents(
    pool: &AnyPool,
    components: &Components,
    hide_p3: bool,
    which: Which,
) -> Result<Vec<PublicIncident>, sqlx::Error> {
    let vis = visible(hide_p3);
    let (cond, order) = match which {
        Which::Open => (
            "i.status <> 'resolved'",
            "p.first_published_at DESC, i.id DESC",
        ),
        Which::Resolved => ("i.status = 'resolved'", "i.resolved_at DESC, i.id DESC"),
        Which::One(_) => ("i.id = $1", "i.id"),
    };
    let sql = format!(
        "SELECT i.id, p.public_title, p.first_published_at, p.next_update_at, i.status, i.resolved_at
         FROM public_incidents p JOIN incidents i ON i.id = p.incident_id
         WHERE {vis} AND {cond} ORDER BY {order} LIMIT {PAST_LIMIT}"
    );
    let mut q = sqlx::query(&sql);
    if let Which::One(id) = which {
        q = q.bind(id);
    }
    let rows = q.fetch_all(pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.get(0);
        let open = r.get::<String, _>(4) != "resolved";
        let updates = updates_of(pool, id).await?;
        let comps = affected_of(pool, components, id, open).await?;
        let created_at: i64 = r.get(2);
        out.push(PublicIncident {
            id,
            key: format!("INC-{id}"),
            title: r.get(1),
            status: updates
                .first()
                .map(|u| u.status)
                .unwrap_or(IncidentStatus::Investigating),
            created_at,
            updated_at: updates.first().map(|u| u.created_at).unwrap_or(created_at),
            resolved_at: if open { None } else { r.get(5) },
            next_update_at: if open { r.get(3) } else { None },
            impact: ComponentState::worst(comps.iter().map(|c| c.worst)),
            components: comps,
            updates,
        });
    }
    Ok(out)
}

/// The public updates of an incident still on the page, newest first.
pub async fn updates_of(pool: &AnyPool, incident: i64) -> Result<Vec<PublicUpdate>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, incident_id, status, body, created_at FROM public_updates
         WHERE incident_id = $1 AND unpublished_at IS NULL ORDER BY created_at DESC, id DESC",
    )
    .bind(incident)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| PublicUpdate {
            id: r.get(0),
            incident_id: r.get(1),
            status: IncidentStatus::parse(&r.get::<String, _>(2))
                .unwrap_or(IncidentStatus::Investigating),
            body: r.get(3),
            created_at: r.get(4),
        })
        .collect())
}

async fn affected_of(
    pool: &AnyPool,
    components: &Components,
    incident: i64,
    open: bool,
) -> Result<Vec<AffectedView>, sqlx::Error> {
    let now = sqlx::query(
        "SELECT component, state FROM incident_components WHERE incident_id = $1 ORDER BY since, component",
    )
    .bind(incident)
    .fetch_all(pool)
    .await?;
    let changes =
        sqlx::query("SELECT component, state FROM component_changes WHERE incident_id = $1")
            .bind(incident)
            .fetch_all(pool)
            .await?;
    let mut worst: HashMap<String, ComponentState> = HashMap::new();
    for r in &changes {
        if let Some(s) = ComponentState::parse(&r.get::<String, _>(1)) {
            let e = worst.entry(r.get(0)).or_insert(s);
            *e = (*e).max(s);
        }
    }
    Ok(now
        .iter()
        .map(|r| {
            let id: String = r.get(0);
            let state = ComponentState::parse(&r.get::<String, _>(1))
                .filter(|_| open)
                .unwrap_or(ComponentState::Operational);
            let name = components
                .get(&id)
                .map(|c| c.name.clone())
                .unwrap_or(Names {
                    en: id.clone(),
                    pt_br: id.clone(),
                });
            AffectedView {
                worst: worst.get(&id).copied().unwrap_or(state).max(state),
                id,
                name,
                state,
            }
        })
        .collect())
}
