use std::time::Duration;

use chrono::{DateTime, Utc};

/// Compact human form of a span, at most two units: `45s`, `5m`, `3h 20m`, `12d 4h`,
/// `4mo 2d`, `1y 3mo`. Precise enough to compare deployments at a glance.
pub fn compact_duration(span: Duration) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    const WEEK: u64 = 7 * DAY;
    const MONTH: u64 = 30 * DAY;
    const YEAR: u64 = 365 * DAY;
    let secs = span.as_secs();
    let units: [(u64, &str); 6] = [
        (YEAR, "y"),
        (MONTH, "mo"),
        (DAY, "d"),
        (HOUR, "h"),
        (MINUTE, "m"),
        (1, "s"),
    ];
    // Whole weeks read better than 14d in rule descriptions.
    if (WEEK..MONTH).contains(&secs) && secs.is_multiple_of(WEEK) {
        return format!("{}w", secs / WEEK);
    }
    for (i, (size, unit)) in units.iter().enumerate() {
        if secs >= *size {
            let major = secs / size;
            let rest = secs % size;
            if let Some((next_size, next_unit)) = units.get(i + 1) {
                let minor = rest / next_size;
                if minor > 0 && *size > 1 {
                    return format!("{major}{unit} {minor}{next_unit}");
                }
            }
            return format!("{major}{unit}");
        }
    }
    "0s".to_string()
}

/// A rule's duration in the largest unit that divides it exactly: `30d`, `2w`, `36h`.
pub fn exact_duration(span: Duration) -> String {
    let secs = span.as_secs();
    for (size, unit) in [(7 * 86400, "w"), (86400, "d"), (3600, "h"), (60, "m")] {
        if secs > 0 && secs.is_multiple_of(size) {
            return format!("{}{unit}", secs / size);
        }
    }
    format!("{secs}s")
}

/// Age of `time` at `now`, in the compact form; a time in the future reads `just now`.
pub fn format_age(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    match (now - time).to_std() {
        Ok(span) if span.as_secs() > 0 => compact_duration(span),
        _ => "just now".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_forms() {
        let s = Duration::from_secs;
        assert_eq!(compact_duration(s(0)), "0s");
        assert_eq!(compact_duration(s(45)), "45s");
        assert_eq!(compact_duration(s(300)), "5m");
        assert_eq!(compact_duration(s(3 * 3600 + 20 * 60 + 5)), "3h 20m");
        assert_eq!(compact_duration(s(12 * 86400 + 4 * 3600)), "12d 4h");
        assert_eq!(compact_duration(s(14 * 86400)), "2w");
        assert_eq!(compact_duration(s(30 * 86400)), "1mo");
        assert_eq!(compact_duration(s(400 * 86400)), "1y 1mo");
    }

    #[test]
    fn exact_forms() {
        let s = Duration::from_secs;
        assert_eq!(exact_duration(s(30 * 86400)), "30d");
        assert_eq!(exact_duration(s(14 * 86400)), "2w");
        assert_eq!(exact_duration(s(36 * 3600)), "36h");
        assert_eq!(exact_duration(s(90)), "90s");
    }

    #[test]
    fn future_times_are_just_now() {
        let now = Utc::now();
        assert_eq!(
            format_age(now + chrono::Duration::hours(1), now),
            "just now"
        );
        assert_eq!(format_age(now - chrono::Duration::hours(1), now), "1h");
    }
}
