//! A component's state, in the words status pages use (Atlassian Statuspage's API names), and
//! the impact an incident declares on a component.

use std::fmt;

/// Ordered from best to worst: the state of a component is the worst its open incidents say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ComponentState {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

/// Every state, best first.
pub const ALL_STATES: &[ComponentState] = &[
    ComponentState::Operational,
    ComponentState::UnderMaintenance,
    ComponentState::DegradedPerformance,
    ComponentState::PartialOutage,
    ComponentState::MajorOutage,
];

impl ComponentState {
    /// The Statuspage API name (`operational`, `degraded_performance`, `partial_outage`,
    /// `major_outage`, `under_maintenance`), also what the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentState::Operational => "operational",
            ComponentState::UnderMaintenance => "under_maintenance",
            ComponentState::DegradedPerformance => "degraded_performance",
            ComponentState::PartialOutage => "partial_outage",
            ComponentState::MajorOutage => "major_outage",
        }
    }

    /// The short word a person types after `component:` (`degraded`, `partial`, `major`,
    /// `maintenance`, `operational`).
    pub fn short(self) -> &'static str {
        match self {
            ComponentState::Operational => "operational",
            ComponentState::UnderMaintenance => "maintenance",
            ComponentState::DegradedPerformance => "degraded",
            ComponentState::PartialOutage => "partial",
            ComponentState::MajorOutage => "major",
        }
    }

    /// Accepts the API names, the short words, `-` for `_`, and a few synonyms
    /// (`ok`/`up`/`recovered` = operational, `down`/`outage` = major, `slow` = degraded).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        Some(match s.as_str() {
            "operational" | "ok" | "up" | "recovered" | "normal" => ComponentState::Operational,
            "under_maintenance" | "maintenance" | "maint" => ComponentState::UnderMaintenance,
            "degraded_performance" | "degraded" | "slow" | "degradado" => {
                ComponentState::DegradedPerformance
            }
            "partial_outage" | "partial" | "parcial" => ComponentState::PartialOutage,
            "major_outage" | "major" | "down" | "outage" | "total" => ComponentState::MajorOutage,
            _ => return None,
        })
    }

    /// The worst of the states given (operational when there are none).
    pub fn worst(states: impl IntoIterator<Item = ComponentState>) -> ComponentState {
        states
            .into_iter()
            .max()
            .unwrap_or(ComponentState::Operational)
    }

    /// Whether this state is something other than operational.
    pub fn is_affected(self) -> bool {
        self != ComponentState::Operational
    }
}

impl fmt::Display for ComponentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_words_people_type_and_orders_by_badness() {
        assert_eq!(
            ComponentState::parse("partial"),
            Some(ComponentState::PartialOutage)
        );
        assert_eq!(
            ComponentState::parse("Major-Outage"),
            Some(ComponentState::MajorOutage)
        );
        assert_eq!(
            ComponentState::parse("degraded_performance"),
            Some(ComponentState::DegradedPerformance)
        );
        assert_eq!(ComponentState::parse("broken"), None);
        assert_eq!(
            ComponentState::worst([
                ComponentState::DegradedPerformance,
                ComponentState::MajorOutage,
                ComponentState::PartialOutage
            ]),
            ComponentState::MajorOutage
        );
        assert_eq!(ComponentState::worst([]), ComponentState::Operational);
        for s in ALL_STATES {
            assert_eq!(ComponentState::parse(s.as_str()), Some(*s));
            assert_eq!(ComponentState::parse(s.short()), Some(*s));
        }
    }
}
