//! Durations as the command line takes them.

use std::time::Duration;

/// Parses `30d`, `12h`, `2w`, `90m`, `1d12h` (humantime syntax, plus `w` for weeks).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("empty duration; use e.g. 30d, 12h or 2w".into());
    }
    humantime::parse_duration(trimmed)
        .map_err(|e| format!("{text:?} is not a duration ({e}); use e.g. 30d, 12h or 2w"))
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
