//! The incident vocabulary every part of the bot shares: severity, status (with its transition
//! table) and roles. Below every capability, so the configuration, the grammar, alerts and
//! incidents name the same types.

/// P0 (worst) to P3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    P0,
    P1,
    P2,
    P3,
}

impl Severity {
    /// Accepts `P1`, `p1`, `sev1`, `SEV-1`, `sev_1`, `1`.
    pub fn parse(s: &str) -> Option<Self> {
        let l = s.trim().to_ascii_lowercase();
        let digits = l
            .strip_prefix("sev-")
            .or_else(|| l.strip_prefix("sev_"))
            .or_else(|| l.strip_prefix("sev"))
            .or_else(|| l.strip_prefix('p'))
            .unwrap_or(&l);
        match digits {
            "0" => Some(Severity::P0),
            "1" => Some(Severity::P1),
            "2" => Some(Severity::P2),
            "3" => Some(Severity::P3),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::P0 => "P0",
            Severity::P1 => "P1",
            Severity::P2 => "P2",
            Severity::P3 => "P3",
        }
    }
    pub fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncidentStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl IncidentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Investigating => "investigating",
            IncidentStatus::Identified => "identified",
            IncidentStatus::Monitoring => "monitoring",
            IncidentStatus::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "investigating" => Some(IncidentStatus::Investigating),
            "identified" => Some(IncidentStatus::Identified),
            "monitoring" => Some(IncidentStatus::Monitoring),
            "resolved" => Some(IncidentStatus::Resolved),
            _ => None,
        }
    }
    /// The statuses an `update` may set (not `resolved`: that is `resolve`).
    pub fn parse_open(s: &str) -> Option<Self> {
        Self::parse(s).filter(|s| *s != IncidentStatus::Resolved)
    }
    pub fn is_open(self) -> bool {
        self != IncidentStatus::Resolved
    }
    /// The transition table: investigating -> identified -> monitoring -> resolved; any open
    /// status may be resolved; staying in the same status is allowed (an update without a move).
    pub fn allowed_next(self) -> &'static [IncidentStatus] {
        use IncidentStatus::*;
        match self {
            Investigating => &[Investigating, Identified, Monitoring, Resolved],
            Identified => &[Identified, Monitoring, Resolved],
            Monitoring => &[Monitoring, Resolved],
            Resolved => &[],
        }
    }
    pub fn can_move_to(self, next: IncidentStatus) -> bool {
        self.allowed_next().contains(&next)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Commander,
    Comms,
    Scribe,
    Responder,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "commander" | "ic" | "incident-commander" => Some(Role::Commander),
            "comms" | "communications" => Some(Role::Comms),
            "scribe" => Some(Role::Scribe),
            "responder" => Some(Role::Responder),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Commander => "commander",
            Role::Comms => "comms",
            Role::Scribe => "scribe",
            Role::Responder => "responder",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_table() {
        use IncidentStatus::*;
        assert!(Investigating.can_move_to(Identified));
        assert!(Identified.can_move_to(Resolved));
        assert!(!Monitoring.can_move_to(Investigating));
        assert!(!Identified.can_move_to(Investigating));
        assert!(Resolved.allowed_next().is_empty());
    }

    #[test]
    fn severities() {
        assert_eq!(Severity::parse("SEV-0"), Some(Severity::P0));
        assert_eq!(Severity::parse("p3"), Some(Severity::P3));
        assert_eq!(Severity::parse("P4"), None);
        assert_eq!(Severity::parse("sevx"), None);
    }
}
