//! The 90-day history bars: from the component changes of public incidents, the worst state
//! of each component on each day (UTC), with the incidents that caused it.

use sqlx::{AnyPool, Row};

use chatops_core::components::ComponentState;

/// How far back the history bars go, in days.
pub const HISTORY_DAYS: usize = 90;
/// One day in ms.
pub const DAY_MS: i64 = 86_400_000;

/// One cell of a history bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// The day's start (00:00 UTC, ms).
    pub start: i64,
    /// The worst state of the component at any time that day.
    pub state: ComponentState,
    /// The public incidents that affected it that day (id, public title).
    pub incidents: Vec<IncidentRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRef {
    pub id: i64,
    pub title: String,
}

/// The SQL condition for an incident `i` that may appear on the page.
pub fn visible(hide_p3: bool) -> &'static str {
    if hide_p3 {
        "i.is_private = 0 AND i.is_drill = 0 AND i.severity <> 'P3'"
    } else {
        "i.is_private = 0 AND i.is_drill = 0"
    }
}

/// A time a public incident held a component in a state other than operational.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub component: String,
    pub incident_id: i64,
    pub title: String,
    pub state: ComponentState,
    pub from: i64,
    /// Exclusive; `now` while it lasts.
    pub to: i64,
}

/// The spans of public incidents that reach into `[since, now]`.
pub async fn spans(
    pool: &AnyPool,
    hide_p3: bool,
    since: i64,
    now: i64,
) -> Result<Vec<Span>, sqlx::Error> {
    let vis = visible(hide_p3);
    let rows = sqlx::query(&format!(
        "SELECT c.incident_id, c.component, c.state, c.at, i.resolved_at, i.status, p.public_title
         FROM component_changes c JOIN public_incidents p ON p.incident_id = c.incident_id
         JOIN incidents i ON i.id = c.incident_id
         WHERE {vis} AND (i.resolved_at IS NULL OR i.resolved_at >= $1)
         ORDER BY c.incident_id, c.component, c.at, c.id"
    ))
    .bind(since)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        let incident: i64 = r.get(0);
        let component: String = r.get(1);
        let Some(state) = ComponentState::parse(&r.get::<String, _>(2)) else {
            continue;
        };
        let at: i64 = r.get(3);
        let end = if r.get::<String, _>(5) == "resolved" {
            r.get::<Option<i64>, _>(4).unwrap_or(now)
        } else {
            now
        };
        let next = rows
            .get(n + 1)
            .filter(|x| x.get::<i64, _>(0) == incident && x.get::<String, _>(1) == component);
        let to = next.map(|x| x.get::<i64, _>(3)).unwrap_or(end).min(end);
        if state.is_affected() && to >= since {
            out.push(Span {
                component,
                incident_id: incident,
                title: r.get(6),
                state,
                from: at,
                to,
            });
        }
    }
    Ok(out)
}

/// The start (00:00 UTC) of the day of `ms`.
pub fn day_start(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// The [`HISTORY_DAYS`] cells of `component`, oldest first, today last. `auto` is an automatic
/// state in effect since a time (it counts from then to now).
pub fn days(
    spans: &[Span],
    component: &str,
    auto: Option<(ComponentState, i64)>,
    now: i64,
) -> Vec<Day> {
    let today = day_start(now);
    let first = today - (HISTORY_DAYS as i64 - 1) * DAY_MS;
    let mut out: Vec<Day> = (0..HISTORY_DAYS as i64)
        .map(|d| Day {
            start: first + d * DAY_MS,
            state: ComponentState::Operational,
            incidents: Vec::new(),
        })
        .collect();
    let mut mark = |from: i64, to: i64, state: ComponentState, who: Option<IncidentRef>| {
        // A span touches every day from the one it starts in to the one it ends in (a span
        // of no length still marks its day).
        let last = if to > from { to - 1 } else { from };
        let (a, b) = (day_start(from).max(first), day_start(last).min(today));
        let mut d = a;
        while d <= b {
            let cell = &mut out[((d - first) / DAY_MS) as usize];
            cell.state = cell.state.max(state);
            if let Some(who) = &who {
                if !cell.incidents.contains(who) {
                    cell.incidents.push(who.clone());
                }
            }
            d += DAY_MS;
        }
    };
    for s in spans.iter().filter(|s| s.component == component) {
        let who = IncidentRef {
            id: s.incident_id,
            title: s.title.clone(),
        };
        mark(s.from, s.to, s.state, Some(who));
    }
    if let Some((state, since)) = auto.filter(|a| a.0.is_affected()) {
        mark(since, now, state, None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(from: i64, to: i64, state: ComponentState) -> Span {
        Span {
            component: "api".into(),
            incident_id: 7,
            title: "API slow".into(),
            state,
            from,
            to,
        }
    }

    #[test]
    fn a_day_takes_the_worst_state_of_the_incidents_that_touched_it() {
        let now = 100 * DAY_MS + 3_600_000;
        let spans = vec![
            span(
                98 * DAY_MS + 1000,
                99 * DAY_MS + 5000,
                ComponentState::PartialOutage,
            ),
            span(
                99 * DAY_MS + 5000,
                99 * DAY_MS + 9000,
                ComponentState::MajorOutage,
            ),
        ];
        let d = days(&spans, "api", None, now);
        assert_eq!(d.len(), HISTORY_DAYS);
        assert_eq!(d.last().unwrap().start, 100 * DAY_MS);
        assert_eq!(d[HISTORY_DAYS - 1].state, ComponentState::Operational);
        assert_eq!(d[HISTORY_DAYS - 2].state, ComponentState::MajorOutage);
        assert_eq!(d[HISTORY_DAYS - 3].state, ComponentState::PartialOutage);
        assert_eq!(d[HISTORY_DAYS - 2].incidents.len(), 1);
        assert_eq!(d[HISTORY_DAYS - 2].incidents[0].title, "API slow");
        assert_eq!(d[HISTORY_DAYS - 4].state, ComponentState::Operational);
        assert!(days(&spans, "other", None, now)
            .iter()
            .all(|d| d.state == ComponentState::Operational));
    }

    #[test]
    fn an_automatic_state_counts_from_its_start_to_now() {
        let now = 100 * DAY_MS + 3_600_000;
        let d = days(
            &[],
            "api",
            Some((ComponentState::DegradedPerformance, 100 * DAY_MS + 10)),
            now,
        );
        assert_eq!(
            d[HISTORY_DAYS - 1].state,
            ComponentState::DegradedPerformance
        );
        assert!(d[HISTORY_DAYS - 1].incidents.is_empty());
        assert_eq!(d[HISTORY_DAYS - 2].state, ComponentState::Operational);
    }
}
