//! Durations and times as the command line takes them.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Parses `30d`, `12h`, `2w`, `90m`, `1d12h` (humantime syntax, plus `w` for weeks).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("empty duration; use e.g. 30d, 12h or 2w".into());
    }
    humantime::parse_duration(trimmed)
        .map_err(|e| format!("{text:?} is not a duration ({e}); use e.g. 30d, 12h or 2w"))
}

/// `--since`: an RFC 3339 time, or a duration meaning "that long ago".
pub fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(time.with_timezone(&Utc));
    }
    let ago = parse_duration(text).map_err(|_| {
        format!("{text:?} is neither a time nor a duration; use e.g. 2026-05-01T10:00:00Z or 2h")
    })?;
    chrono::Duration::from_std(ago)
        .ok()
        .and_then(|ago| Utc::now().checked_sub_signed(ago))
        .ok_or_else(|| format!("{text:?} reaches too far back"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("30d").unwrap(),
            Duration::from_secs(30 * 86400)
        );
        assert_eq!(
            parse_duration("12h").unwrap(),
            Duration::from_secs(12 * 3600)
        );
        assert_eq!(
            parse_duration("2w").unwrap(),
            Duration::from_secs(14 * 86400)
        );
        assert_eq!(
            parse_duration("1d12h").unwrap(),
            Duration::from_secs(36 * 3600)
        );
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("30").is_err());
    }
}
