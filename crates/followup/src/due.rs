//! Due dates as typed: a duration from now (`7d`, `48h`, `2w`) or a date (`2026-12-20`, due at
//! the end of that day, UTC). A due date must still be to come.

use chrono::{NaiveDate, NaiveTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueError {
    /// Neither a duration nor a date.
    Shape,
    /// Already past.
    Past,
}

/// The due time (epoch ms) `spec` means at `now` (epoch ms).
pub fn resolve(spec: &str, now: i64) -> Result<i64, DueError> {
    let spec = spec.trim();
    if let Ok(d) = NaiveDate::parse_from_str(spec, "%Y-%m-%d") {
        let end = NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time");
        let at = d.and_time(end).and_utc().timestamp_millis();
        return if at > now {
            Ok(at)
        } else {
            Err(DueError::Past)
        };
    }
    if let Some(rest) = spec.strip_prefix('-') {
        // `-2d`: a duration into the past.
        return match humantime::parse_duration(rest) {
            Ok(_) => Err(DueError::Past),
            Err(_) => Err(DueError::Shape),
        };
    }
    let d = humantime::parse_duration(spec).map_err(|_| DueError::Shape)?;
    if d.is_zero() {
        return Err(DueError::Past);
    }
    Ok(now.saturating_add(d.as_millis().min(i64::MAX as u128) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_000_000_000; // 2026-12-01

    #[test]
    fn durations_and_dates() {
        assert_eq!(resolve("7d", NOW), Ok(NOW + 7 * 86_400_000));
        assert_eq!(resolve("48h", NOW), Ok(NOW + 48 * 3_600_000));
        assert!(resolve("2027-01-10", NOW).unwrap() > NOW);
        assert_eq!(resolve("2020-01-10", NOW), Err(DueError::Past));
        assert_eq!(resolve("-2d", NOW), Err(DueError::Past));
        assert_eq!(resolve("0d", NOW), Err(DueError::Past));
        assert_eq!(resolve("soon", NOW), Err(DueError::Shape));
        assert_eq!(resolve("2026-13-40", NOW), Err(DueError::Shape));
    }
}
