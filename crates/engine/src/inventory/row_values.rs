//! The values of one report row, as text (CSV) turns into an [`Entry`]'s fields.

use chrono::{DateTime, NaiveDate, Utc};

use crate::bucket::url_decode;

/// A CSV report's key: URL-encoded (`%XX`, `+` for a space).
pub fn decode_key(text: &str) -> Option<String> {
    if text.bytes().any(|b| b == b'%' || b == b'+') {
        url_decode(text)
    } else {
        Some(text.to_string())
    }
}

/// `LastModifiedDate` as AWS writes it, `2026-11-01T10:00:00.000Z`; other ISO 8601 forms
/// with an offset are read too.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    fast_time(text.as_bytes()).or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// The fixed `YYYY-MM-DDTHH:MM:SS.mmmZ` form without a general parser: a report has a
/// row per object.
fn fast_time(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() != 24 || b[4] != b'-' || b[10] != b'T' || b[19] != b'.' || b[23] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let time = date.and_hms_milli_opt(num(11..13)?, num(14..16)?, num(17..19)?, num(20..23)?)?;
    Some(time.and_utc())
}

/// `IsLatest` / `IsDeleteMarker`: `true` or `false`.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "TRUE" | "True" => Some(true),
        "false" | "FALSE" | "False" | "" => Some(false),
        _ => None,
    }
}

/// `Size`: empty for a delete marker.
pub fn parse_size(text: &str) -> Option<u64> {
    if text.is_empty() {
        Some(0)
    } else {
        text.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_times_parse_with_milliseconds() {
        let t = parse_time("2026-11-01T10:00:00.123Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-01T10:00:00.123+00:00");
        assert_eq!(
            parse_time("2026-11-01T10:00:00Z"),
            DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z")
                .ok()
                .map(|t| t.with_timezone(&Utc))
        );
        assert_eq!(parse_time("2026-13-01T10:00:00.000Z"), None);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn keys_are_url_decoded() {
        assert_eq!(
            decode_key("d1/a+b%2Bc.txt").as_deref(),
            Some("d1/a b+c.txt")
        );
        assert_eq!(decode_key("d1/plain.txt").as_deref(), Some("d1/plain.txt"));
        assert_eq!(decode_key("d1/%E6%97%A5").as_deref(), Some("d1/日"));
        assert_eq!(decode_key("bad%zz"), None);
    }

    #[test]
    fn sizes_and_flags() {
        assert_eq!(parse_size(""), Some(0));
        assert_eq!(parse_size("42"), Some(42));
        assert_eq!(parse_size("-1"), None);
        assert_eq!(parse_bool("true"), Some(true));
        assert_eq!(parse_bool("maybe"), None);
    }
}
