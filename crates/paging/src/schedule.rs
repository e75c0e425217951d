//! When handoffs happen: `ONCALL_HANDOFF` (`mon 09:00`, or `09:00` for every day) in
//! `ONCALL_TZ`, and the end of an override (`for 8h`, `until mon 09:00`).

use chrono::{Datelike, Duration as ChronoDuration, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;

/// A weekly (or daily) moment in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoff {
    /// `None`: every day.
    pub weekday: Option<Weekday>,
    pub time: NaiveTime,
}

fn weekday(w: &str) -> Option<Weekday> {
    Some(match w.to_ascii_lowercase().as_str() {
        "mon" | "monday" | "seg" => Weekday::Mon,
        "tue" | "tuesday" | "ter" => Weekday::Tue,
        "wed" | "wednesday" | "qua" => Weekday::Wed,
        "thu" | "thursday" | "qui" => Weekday::Thu,
        "fri" | "friday" | "sex" => Weekday::Fri,
        "sat" | "saturday" | "sab" | "sáb" => Weekday::Sat,
        "sun" | "sunday" | "dom" => Weekday::Sun,
        _ => return None,
    })
}

impl Handoff {
    /// `mon 09:00`, `friday 18:30`, `09:00` (daily); `mon-09:00` too (an env file without
    /// spaces).
    pub fn parse(raw: &str) -> Result<Handoff, String> {
        let words: Vec<&str> = raw
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter(|w| !w.is_empty())
            .collect();
        let (day, time) = match words.as_slice() {
            [t] => (None, *t),
            [d, t] => (
                Some(weekday(d).ok_or_else(|| {
                    format!("`{d}` is not a day; use mon, tue, wed, thu, fri, sat or sun")
                })?),
                *t,
            ),
            _ => return Err("use a day and a time, e.g. `mon 09:00`".into()),
        };
        let time = NaiveTime::parse_from_str(time, "%H:%M")
            .map_err(|_| format!("`{time}` is not a time; use HH:MM, e.g. 09:00"))?;
        Ok(Handoff { weekday: day, time })
    }

    /// The first such moment strictly after `after_ms`, in epoch milliseconds.
    pub fn next_after(&self, after_ms: i64, tz: Tz) -> i64 {
        let after = tz
            .timestamp_millis_opt(after_ms)
            .single()
            .unwrap_or_else(|| tz.timestamp_millis_opt(0).unwrap());
        let mut date = after.date_naive();
        for _ in 0..16 {
            let day_ok = self.weekday.is_none_or(|w| date.weekday() == w);
            if day_ok {
                let local = date.and_time(self.time);
                // A time that does not exist (a DST gap) is taken one hour later.
                let at = tz
                    .from_local_datetime(&local)
                    .earliest()
                    .or_else(|| {
                        tz.from_local_datetime(&(local + ChronoDuration::hours(1)))
                            .earliest()
                    })
                    .map(|d| d.timestamp_millis());
                if let Some(at) = at.filter(|at| *at > after_ms) {
                    return at;
                }
            }
            date = date.succ_opt().unwrap_or(date);
        }
        after_ms + 7 * 86_400_000
    }

    /// `mon 09:00` / `daily 09:00` for people.
    pub fn describe(&self) -> String {
        match self.weekday {
            Some(w) => format!("{} {}", w, self.time.format("%H:%M")).to_lowercase(),
            None => format!("daily {}", self.time.format("%H:%M")),
        }
    }
}

/// The end of an override: `for 8h` (from `now_ms`) or `until mon 09:00` / `until 18:00`.
/// Nothing given: until the next regular handoff (`None`).
pub fn override_end(raw: &str, now_ms: i64, tz: Tz) -> Result<Option<i64>, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let (word, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
    match word.to_ascii_lowercase().as_str() {
        "for" | "por" => {
            let d = humantime::parse_duration(rest.trim())
                .map_err(|_| format!("`{}` is not a duration", rest.trim()))?;
            if d.is_zero() || d > std::time::Duration::from_secs(30 * 86_400) {
                return Err("the duration must be between 1 minute and 30 days".into());
            }
            Ok(Some(now_ms + d.as_millis() as i64))
        }
        "until" | "até" | "ate" => Ok(Some(Handoff::parse(rest)?.next_after(now_ms, tz))),
        _ => Err(format!("`{word}` is not `for` or `until`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        tz.with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn next_weekly_handoff_in_the_zone() {
        let tz: Tz = "America/Sao_Paulo".parse().unwrap();
        let h = Handoff::parse("mon 09:00").unwrap();
        // Wednesday 2026-12-02 12:00 local -> Monday 2026-12-07 09:00 local (12:00 UTC).
        let wed = ms(tz, 2026, 12, 2, 12, 0);
        assert_eq!(h.next_after(wed, tz), ms(tz, 2026, 12, 7, 9, 0));
        // Exactly at the handoff: the next week's.
        let mon = ms(tz, 2026, 12, 7, 9, 0);
        assert_eq!(h.next_after(mon, tz), ms(tz, 2026, 12, 14, 9, 0));
        // A minute before: that one.
        assert_eq!(h.next_after(mon - 60_000, tz), mon);
        let daily = Handoff::parse("18:30").unwrap();
        assert_eq!(daily.next_after(wed, tz), ms(tz, 2026, 12, 2, 18, 30));
        assert_eq!(h.describe(), "mon 09:00");
        assert_eq!(Handoff::parse("mon-09:00").unwrap(), h);
    }

    #[test]
    fn bad_handoffs_say_why() {
        assert!(Handoff::parse("someday 09:00")
            .unwrap_err()
            .contains("not a day"));
        assert!(Handoff::parse("mon 9h").unwrap_err().contains("HH:MM"));
        assert!(Handoff::parse("").is_err());
    }

    #[test]
    fn override_ends() {
        let tz: Tz = "America/Sao_Paulo".parse().unwrap();
        let now = ms(tz, 2026, 12, 2, 12, 0);
        assert_eq!(
            override_end("for 8h", now, tz).unwrap(),
            Some(now + 8 * 3_600_000)
        );
        assert_eq!(
            override_end("until mon 09:00", now, tz).unwrap(),
            Some(ms(tz, 2026, 12, 7, 9, 0))
        );
        assert_eq!(override_end("", now, tz).unwrap(), None);
        assert!(override_end("for ever", now, tz).is_err());
        assert!(override_end("during lunch", now, tz).is_err());
    }
}
