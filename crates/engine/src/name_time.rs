//! A deployment's time read from its name (`--age-by name`).
//!
//! Recognised without a format:
//! - ISO 8601 / RFC 3339 dates `YYYY-MM-DD`, `YYYY_MM_DD` or `YYYYMMDD`, optionally
//!   followed by a time joined with `T`, `_`, `-` or a space (nothing at all when date
//!   and time are both written without separators, `YYYYMMDDhhmm[ss]`). The time is
//!   `hh?mm[?ss[.fff]]` where `?` is one of `:`, `-`, `_` or nothing, the same throughout.
//!   A zone may follow: `Z`, or `+hh:mm` / `+hhmm`; `-hh:mm` / `-hhmm` only after seconds,
//!   so that `release-20261120-1000-1200` is 10:00 and not an offset of -12:00.
//! - A leading Unix epoch: exactly 10 digits (seconds) or 13 digits (milliseconds), as the
//!   Serverless framework writes (`1700000000000-abc`).
//!
//! Times without a zone are UTC.
//!
//! Ambiguity is resolved towards "no time", because an undated deployment is kept while
//! a misread one may be deleted:
//! - A date-time must stand as its own token: the character before it, and after it,
//!   is the edge of the name or not a letter or digit. So `deploy-2026a1b2`,
//!   `abc20261120` and the digits inside a hex hash are never dates, and neither is an
//!   8-digit run that is part of a longer one.
//! - The leftmost token that is a valid date wins (`from-2026-11-20-to-2026-12-01` is
//!   2026-11-20); at one position the longest valid reading wins (date, time and zone
//!   over date and time over date alone).
//! - Calendar ranges are checked (month, day of that month, hours < 24, minutes and
//!   seconds < 60) and years must lie in 1970..=2199, with a user format too (so a
//!   `-` before `%Y` is not read as a negative year).
//! - A 10- or 13-digit run that does not start the name is not an epoch.

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// How `--age-by name` reads a time from a deployment's name: the formats above, or a
/// chrono strftime format (`--name-time-format`) found anywhere in the name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameTime {
    format: Option<UserFormat>,
}

#[derive(Debug, Clone)]
struct UserFormat {
    text: String,
    items: Vec<Item<'static>>,
}

impl PartialEq for UserFormat {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for UserFormat {}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameTimeFormatError {
    #[error("--name-time-format {0:?} is not a valid strftime format")]
    Invalid(String),
    #[error(
        "--name-time-format {0:?} cannot read back a time it writes; it needs at least a \
         date (e.g. %Y%m%d) or an epoch (%s)"
    )]
    NoDate(String),
}

impl NameTime {
    /// The formats recognised without `--name-time-format`.
    pub fn auto() -> Self {
        NameTime::default()
    }

    /// A chrono strftime format, e.g. `%Y%m%d-%H%M`. Refused unless it can read back a
    /// time it wrote itself (a format with no date could never date anything).
    pub fn with_format(format: &str) -> Result<Self, NameTimeFormatError> {
        let items = StrftimeItems::new(format)
            .parse_to_owned()
            .map_err(|_| NameTimeFormatError::Invalid(format.to_string()))?;
        let user = UserFormat {
            text: format.to_string(),
            items,
        };
        let sample = Utc.with_ymd_and_hms(2026, 11, 20, 10, 30, 45).unwrap();
        let written = sample.format_with_items(user.items.iter()).to_string();
        if user.find(&written).is_none() {
            return Err(NameTimeFormatError::NoDate(format.to_string()));
        }
        Ok(NameTime { format: Some(user) })
    }

    /// The strftime format, if one was given.
    pub fn format(&self) -> Option<&str> {
        self.format.as_ref().map(|f| f.text.as_str())
    }

    /// The instant `name` carries, or `None` if it carries none.
    pub fn parse(&self, name: &str) -> Option<DateTime<Utc>> {
        match &self.format {
            Some(user) => user.find(name),
            None => parse_auto(name),
        }
    }
}

impl UserFormat {
    /// The leftmost place in `name` where the format matches and gives an instant.
    /// Digit runs are not split: a match starting or ending with a digit must not
    /// continue a run of digits outside it.
    fn find(&self, name: &str) -> Option<DateTime<Utc>> {
        let bytes = name.as_bytes();
        name.char_indices().find_map(|(start, _)| {
            if start > 0 && bytes[start].is_ascii_digit() && bytes[start - 1].is_ascii_digit() {
                return None;
            }
            let mut parsed = Parsed::new();
            let rest =
                chrono::format::parse_and_remainder(&mut parsed, &name[start..], self.items.iter())
                    .ok()?;
            let end = name.len() - rest.len();
            if end == start
                || (bytes[end - 1].is_ascii_digit()
                    && bytes.get(end).is_some_and(u8::is_ascii_digit))
            {
                return None;
            }
            resolve(&parsed).filter(|t| YEARS.contains(&t.year()))
        })
    }
}

fn resolve(parsed: &Parsed) -> Option<DateTime<Utc>> {
    if parsed.offset().is_some() {
        return parsed.to_datetime().ok().map(|t| t.with_timezone(&Utc));
    }
    if let Ok(naive) = parsed.to_naive_datetime_with_offset(0) {
        return Some(naive.and_utc());
    }
    parsed
        .to_naive_date()
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

const YEARS: std::ops::RangeInclusive<i32> = 1970..=2199;

fn parse_auto(name: &str) -> Option<DateTime<Utc>> {
    let b = name.as_bytes();
    if let Some(epoch) = leading_epoch(b) {
        return Some(epoch);
    }
    (0..b.len())
        .filter(|&i| i == 0 || !b[i - 1].is_ascii_alphanumeric())
        .find_map(|i| date_time_at(b, i))
}

fn ends_token(b: &[u8], end: usize) -> bool {
    b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric())
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let run = b.get(at..at + n)?;
    run.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn leading_epoch(b: &[u8]) -> Option<DateTime<Utc>> {
    let run = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !ends_token(b, run) {
        return None;
    }
    let value: i64 = std::str::from_utf8(&b[..run]).ok()?.parse().ok()?;
    match run {
        10 => DateTime::from_timestamp(value, 0),
        13 => DateTime::from_timestamp_millis(value),
        _ => None,
    }
}

/// The longest valid date[-time[-zone]] token starting at `i`.
fn date_time_at(b: &[u8], i: usize) -> Option<DateTime<Utc>> {
    let year = digits(b, i, 4)? as i32;
    let sep = *b.get(i + 4)?;
    let (compact, month_at) = match sep {
        b'-' | b'_' => (false, i + 5),
        c if c.is_ascii_digit() => (true, i + 4),
        _ => return None,
    };
    let month = digits(b, month_at, 2)?;
    let day_at = if compact {
        month_at + 2
    } else {
        (b.get(month_at + 2) == Some(&sep)).then_some(month_at + 3)?
    };
    let day = digits(b, day_at, 2)?;
    if !YEARS.contains(&year) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let date_end = day_at + 2;

    // Candidates, shortest first; the longest that ends a token wins.
    let mut readings = vec![(date_end, date.and_time(NaiveTime::MIN).and_utc())];
    let joined = match b.get(date_end) {
        Some(b'T' | b't' | b'_' | b'-' | b' ') => Some((date_end + 1, false)),
        Some(c) if compact && c.is_ascii_digit() => Some((date_end, true)),
        _ => None,
    };
    if let Some((time_at, compact_only)) = joined {
        time_readings(b, time_at, compact_only, date, &mut readings);
    }
    readings
        .into_iter()
        .rev()
        .find(|&(end, _)| ends_token(b, end))
        .map(|(_, t)| t)
}

fn time_readings(
    b: &[u8],
    at: usize,
    compact_only: bool,
    date: NaiveDate,
    readings: &mut Vec<(usize, DateTime<Utc>)>,
) {
    let Some(hour) = digits(b, at, 2) else { return };
    let sep = match b.get(at + 2) {
        Some(&c @ (b':' | b'-' | b'_')) if !compact_only => Some(c),
        Some(c) if c.is_ascii_digit() => None,
        _ => return,
    };
    let step = usize::from(sep.is_some());
    let minute_at = at + 2 + step;
    let Some(minute) = digits(b, minute_at, 2) else {
        return;
    };
    let Some(time) = NaiveTime::from_hms_opt(hour, minute, 0) else {
        return;
    };
    let mut end = minute_at + 2;
    let mut local = date.and_time(time);
    readings.push((end, local.and_utc()));

    let has_sep = |pos: usize| match sep {
        Some(s) => b.get(pos) == Some(&s),
        None => true,
    };
    let second = if has_sep(end) {
        digits(b, end + step, 2).filter(|&s| s < 60)
    } else {
        None
    };
    if let Some(second) = second {
        end += step + 2;
        local = date.and_time(NaiveTime::from_hms_opt(hour, minute, second).expect("checked"));
        if let Some(&(b'.' | b',')) = b.get(end) {
            let run = b[end + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if run > 0 {
                let nanos = b[end + 1..end + 1 + run.min(9)]
                    .iter()
                    .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'))
                    * 10u32.pow(9 - run.min(9) as u32);
                local += chrono::Duration::nanoseconds(i64::from(nanos));
                end += 1 + run;
            }
        }
        readings.push((end, local.and_utc()));
    }
    if let Some((zone_end, offset)) = zone(b, end, second.is_some()) {
        if let Some(t) = offset.from_local_datetime(&local).single() {
            readings.push((zone_end, t.with_timezone(&Utc)));
        }
    }
}

fn zone(b: &[u8], at: usize, after_seconds: bool) -> Option<(usize, FixedOffset)> {
    let sign = match *b.get(at)? {
        b'Z' | b'z' => return Some((at + 1, FixedOffset::east_opt(0)?)),
        b'+' => 1,
        b'-' if after_seconds => -1,
        _ => return None,
    };
    let hours = digits(b, at + 1, 2)?;
    let (minutes, end) = match b.get(at + 3) {
        Some(b':') => (digits(b, at + 4, 2)?, at + 6),
        _ => (digits(b, at + 3, 2)?, at + 5),
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    Some((
        end,
        FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60) as i32)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDateTime, Timelike};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn auto(name: &str) -> Option<DateTime<Utc>> {
        NameTime::auto().parse(name)
    }

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn examples_from_the_contract() {
        let ten = at(2026, 11, 20, 10, 0, 0);
        assert_eq!(auto("2026-11-20T10-00-00Z"), Some(ten));
        assert_eq!(auto("20261120T100000Z"), Some(ten));
        assert_eq!(auto("2026-11-20"), Some(at(2026, 11, 20, 0, 0, 0)));
        assert_eq!(auto("release-20261120-1000"), Some(ten));
        assert_eq!(
            auto("1700000000000-abc"),
            DateTime::from_timestamp_millis(1_700_000_000_000)
        );
        assert_eq!(
            auto("1700000000"),
            DateTime::from_timestamp(1_700_000_000, 0)
        );
    }

    #[test]
    fn zones_and_fractions() {
        assert_eq!(
            auto("2026-11-20T10:00:00+02:00"),
            Some(at(2026, 11, 20, 8, 0, 0))
        );
        assert_eq!(
            auto("20261120T100000-0130"),
            Some(at(2026, 11, 20, 11, 30, 0))
        );
        assert_eq!(
            auto("2026-11-20T10:00:00.250Z-x"),
            Some(at(2026, 11, 20, 10, 0, 0) + chrono::Duration::milliseconds(250))
        );
        // Without seconds, "-1200" is not an offset: the time ends at 10:00.
        assert_eq!(
            auto("release-20261120-1000-1200"),
            Some(at(2026, 11, 20, 10, 0, 0))
        );
    }

    #[test]
    fn the_leftmost_date_wins() {
        assert_eq!(
            auto("from-2026-11-20-to-2026-12-01"),
            Some(at(2026, 11, 20, 0, 0, 0))
        );
        // The serverless layout: epoch first, then the same instant as a date-time.
        assert_eq!(
            auto("1700000000000-2023-11-14T22:13:20.000Z"),
            DateTime::from_timestamp_millis(1_700_000_000_000)
        );
    }

    #[test]
    fn ambiguous_digits_are_not_dates() {
        for name in [
            "deploy-2026a1b2",
            "abc20261120",
            "20261120abc",
            "build-1700000000",
            "build-1700000000000",
            "123456789-x",
            "12345678901-x",
            "2026-13-01",
            "2026-02-30",
            "1969-12-31",
            "2200-01-01",
            "2026-11_20",
            "202611201",
            "v1.2.3",
            "current",
            "",
            "20261120T100000Zulu",
        ] {
            assert_eq!(auto(name), None, "{name:?}");
        }
        // A bad time falls back to the date alone when the date stands as a token.
        assert_eq!(auto("2026-11-20_25-00"), Some(at(2026, 11, 20, 0, 0, 0)));
        assert_eq!(auto("2026-11-20T25-00"), None);
        // Leap day only in leap years.
        assert_eq!(auto("2028-02-29"), Some(at(2028, 2, 29, 0, 0, 0)));
        assert_eq!(auto("2027-02-29"), None);
    }

    #[test]
    fn non_ascii_names_are_scanned_safely() {
        assert_eq!(
            auto("évolution-2026-11-20"),
            Some(at(2026, 11, 20, 0, 0, 0))
        );
        assert_eq!(auto("✓✓✓"), None);
        let user = NameTime::with_format("%Y%m%d").unwrap();
        assert_eq!(user.parse("été-20261120"), Some(at(2026, 11, 20, 0, 0, 0)));
    }

    #[test]
    fn a_user_format_is_found_anywhere() {
        let f = NameTime::with_format("%Y%m%d-%H%M").unwrap();
        assert_eq!(f.format(), Some("%Y%m%d-%H%M"));
        assert_eq!(
            f.parse("release-20261120-1000-x"),
            Some(at(2026, 11, 20, 10, 0, 0))
        );
        assert_eq!(f.parse("release-2026-11-20"), None);
        // Does not start inside a longer digit run.
        assert_eq!(f.parse("r920261120-1000"), None);

        let dotted = NameTime::with_format("%d.%m.%Y").unwrap();
        assert_eq!(
            dotted.parse("site-20.11.2026"),
            Some(at(2026, 11, 20, 0, 0, 0))
        );

        let zoned = NameTime::with_format("%Y-%m-%dT%H:%M:%S%z").unwrap();
        assert_eq!(
            zoned.parse("x-2026-11-20T10:00:00+0100-y"),
            Some(at(2026, 11, 20, 9, 0, 0))
        );

        let epoch = NameTime::with_format("%s").unwrap();
        assert_eq!(
            epoch.parse("build-1700000000"),
            DateTime::from_timestamp(1_700_000_000, 0)
        );
    }

    #[test]
    fn unusable_formats_are_refused() {
        assert!(matches!(
            NameTime::with_format("%Q"),
            Err(NameTimeFormatError::Invalid(_))
        ));
        assert!(matches!(
            NameTime::with_format("%H%M"),
            Err(NameTimeFormatError::NoDate(_))
        ));
        assert!(matches!(
            NameTime::with_format("release"),
            Err(NameTimeFormatError::NoDate(_))
        ));
    }

    /// One generated name and the instant it must parse to.
    struct Case {
        name: String,
        expected: Option<DateTime<Utc>>,
    }

    fn pick<'a>(rng: &mut StdRng, options: &[&'a str]) -> &'a str {
        options[rng.random_range(0..options.len())]
    }

    const PREFIXES: &[&str] = &[
        "", "release-", "app_", "deploy.", "v-", "build 7 ", "2019x-", "é-",
    ];
    const SUFFIXES: &[&str] = &["", "-abc123", "_v2", ".tar", "-deadbeef", "~1", "-é"];

    fn random_local(rng: &mut StdRng) -> NaiveDateTime {
        let secs = rng.random_range(
            at(1971, 1, 1, 0, 0, 0).timestamp()..at(2198, 12, 31, 0, 0, 0).timestamp(),
        );
        DateTime::from_timestamp(secs, 0).unwrap().naive_utc()
    }

    /// An ISO-style date or date-time in a random separator style, with its instant.
    fn iso_name_part(rng: &mut StdRng) -> (String, DateTime<Utc>) {
        let mut local = random_local(rng);
        let date_sep = pick(rng, &["-", "_", ""]);
        let mut text = local
            .format(&format!("%Y{date_sep}%m{date_sep}%d"))
            .to_string();
        if rng.random_bool(0.25) {
            return (text, local.date().and_time(NaiveTime::MIN).and_utc());
        }
        let time_sep = pick(rng, &[":", "-", "_", ""]);
        let joiner = if date_sep.is_empty() && time_sep.is_empty() {
            pick(rng, &["T", "t", "_", "-", " ", ""])
        } else {
            pick(rng, &["T", "t", "_", "-", " "])
        };
        let seconds = rng.random_bool(0.6);
        if seconds {
            text += &local
                .format(&format!("{joiner}%H{time_sep}%M{time_sep}%S"))
                .to_string();
            if rng.random_bool(0.3) {
                let millis = rng.random_range(0..1000);
                text += &format!(".{millis:03}");
                local += chrono::Duration::milliseconds(millis);
            }
        } else {
            text += &local.format(&format!("{joiner}%H{time_sep}%M")).to_string();
            local = local.with_second(0).unwrap();
        }
        let zones: &[&str] = if seconds {
            &["", "Z", "+hh:mm", "+hhmm", "-hh:mm", "-hhmm"]
        } else {
            &["", "Z", "+hh:mm", "+hhmm"]
        };
        let zone = pick(rng, zones);
        let offset_minutes = if zone.len() > 1 {
            let minutes = rng.random_range(0..=14 * 60) as i64;
            let (h, m) = (minutes / 60, minutes % 60);
            let colon = if zone.contains(':') { ":" } else { "" };
            text += &format!("{}{h:02}{colon}{m:02}", &zone[..1]);
            if zone.starts_with('-') {
                -minutes
            } else {
                minutes
            }
        } else {
            text += zone;
            0
        };
        (
            text,
            local.and_utc() - chrono::Duration::minutes(offset_minutes),
        )
    }

    fn hex(rng: &mut StdRng, len: usize) -> String {
        (0..len)
            .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap())
            .collect()
    }

    fn generate(rng: &mut StdRng) -> Case {
        match rng.random_range(0..7) {
            0..=2 => {
                let (part, instant) = iso_name_part(rng);
                let name = format!("{}{part}{}", pick(rng, PREFIXES), pick(rng, SUFFIXES));
                Case {
                    name,
                    expected: Some(instant),
                }
            }
            3 => {
                let (first, instant) = iso_name_part(rng);
                let (second, _) = iso_name_part(rng);
                Case {
                    name: format!("{}{first}-from-{second}", pick(rng, PREFIXES)),
                    expected: Some(instant),
                }
            }
            4 => {
                let secs = rng.random_range(1_000_000_000i64..10_000_000_000);
                let suffix = pick(rng, &["", "-abc", "_x", "-2"]);
                if rng.random_bool(0.5) {
                    Case {
                        name: format!("{secs}{suffix}"),
                        expected: DateTime::from_timestamp(secs, 0),
                    }
                } else {
                    let millis = secs * 1000 + rng.random_range(0..1000);
                    Case {
                        name: format!("{millis}{suffix}"),
                        expected: DateTime::from_timestamp_millis(millis),
                    }
                }
            }
            5 => {
                // Hex hashes: letters around every digit run, or too short for a date.
                let len = *[7usize, 9, 40].get(rng.random_range(0..3)).unwrap();
                Case {
                    name: format!("{}{}", pick(rng, &["", "deploy-", "sha-"]), hex(rng, len)),
                    expected: None,
                }
            }
            _ => {
                // Words and short numbers: never four digits followed by a month and a day.
                let words = [
                    "feature", "login", "v1.2.3", "build", "42", "x", "main", "pr-317",
                ];
                let n = rng.random_range(1..4);
                let name = (0..n)
                    .map(|_| words[rng.random_range(0..words.len())])
                    .collect::<Vec<_>>()
                    .join(pick(rng, &["-", "_", "."]));
                Case {
                    name,
                    expected: None,
                }
            }
        }
    }

    #[test]
    fn generated_names_parse_to_the_generated_instant() {
        let mut rng = StdRng::seed_from_u64(0x5eed_1112);
        for _ in 0..20_000 {
            let case = generate(&mut rng);
            assert_eq!(auto(&case.name), case.expected, "name {:?}", case.name);
        }
    }

    #[test]
    fn generated_names_parse_with_their_own_format() {
        let mut rng = StdRng::seed_from_u64(7);
        let formats = [
            "%Y%m%d",
            "%Y-%m-%d_%H-%M",
            "%Y%m%dT%H%M%SZ",
            "%d.%m.%Y",
            "%Y-%m-%dT%H:%M:%S%:z",
        ];
        for _ in 0..2_000 {
            let format = formats[rng.random_range(0..formats.len())];
            let parser = NameTime::with_format(format).unwrap();
            let instant =
                DateTime::from_timestamp(rng.random_range(0..4_000_000_000i64) / 60 * 60, 0)
                    .unwrap();
            let written = instant.format(format).to_string();
            let expected = if format.contains("%H") {
                instant
            } else {
                instant.date_naive().and_time(NaiveTime::MIN).and_utc()
            };
            let name = format!(
                "{}{written}{}",
                pick(&mut rng, PREFIXES),
                pick(&mut rng, SUFFIXES)
            );
            assert_eq!(
                parser.parse(&name),
                Some(expected),
                "{name:?} with {format:?}"
            );
        }
    }
}
