//! Times and durations: Slack date tokens (each reader sees their own timezone), UTC
//! fallbacks, "1h 05m".

use crate::Locale;

/// A Slack date token: each reader sees the time in their own timezone.
/// `fmt` is one of Slack's tokens, e.g. `{date_short_pretty} {time}`.
pub fn date_token(epoch_secs: i64, fmt: &str, fallback: &str) -> String {
    format!("<!date^{epoch_secs}^{fmt}|{fallback}>")
}

/// `<!date^…>` with the time only ("14:35" in the reader's timezone).
pub fn time_token(epoch_secs: i64) -> String {
    let fallback = utc_hm(epoch_secs);
    date_token(epoch_secs, "{time}", &fallback)
}

/// `<!date^…>` with date and time.
pub fn datetime_token(epoch_secs: i64) -> String {
    date_token(
        epoch_secs,
        "{date_short_pretty} {time}",
        &format!("{} UTC", utc_ymd_hm(epoch_secs)),
    )
}

pub fn utc_hm(epoch_secs: i64) -> String {
    let s = epoch_secs.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", s / 3600, (s % 3600) / 60)
}

pub fn utc_ymd_hm(epoch_secs: i64) -> String {
    let days = epoch_secs.div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let s = epoch_secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        s / 3600,
        (s % 3600) / 60
    )
}

/// Days since 1970-01-01 -> (year, month, day) (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// "1h 05m", "12m", "40s".
pub fn human_duration(secs: i64, locale: Locale) -> String {
    let secs = secs.max(0);
    let (d, h, m) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    let day = locale.t("d", "d");
    if d > 0 {
        format!("{d}{day} {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m")
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc_ymd_hm(1_531_420_618), "2018-07-12 18:36");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert!(time_token(0).starts_with("<!date^0^{time}|00:00"));
    }
}
