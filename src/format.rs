//! Presentation helpers shared by the plan table and the TUI.

use std::borrow::Cow;

use humansize::{format_size, BINARY};

use crate::age_text::exact_duration;
use crate::engine::deployment::AgeBy;
use crate::engine::rule::Rule;

/// `1.50 MiB`, `512 B`.
pub fn bytes(n: u64) -> String {
    format_size(n, BINARY)
}

/// A key or name made safe for a terminal: control characters (ESC, CR, BEL, …) are
/// shown escaped (`\u{1b}`), never interpreted. Other text passes through unchanged.
pub fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if c.is_control() {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// An amount of USD for reports: `$0`, `< $0.01`, `$12.34`.
pub fn usd(amount: f64) -> String {
    if amount <= 0.0 {
        "$0".into()
    } else if amount < 0.01 {
        "< $0.01".into()
    } else {
        format!("${amount:.2}")
    }
}

/// `12,345`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The rule in one line for headers: `keep 3 · older than 30d · protect current, release-*`.
pub fn describe_rule(rule: &Rule) -> String {
    let mut parts = vec![format!("keep {}", rule.keep())];
    if let Some(age) = rule.older_than() {
        parts.push(format!("older than {}", exact_duration(age)));
    }
    if !rule.protect().is_empty() {
        parts.push(format!("protect {}", rule.protect().join(", ")));
    }
    match rule.age_by() {
        AgeBy::Newest => {}
        AgeBy::Oldest => parts.push("age by oldest object".to_string()),
        AgeBy::Name(name_time) => parts.push(match name_time.format() {
            Some(format) => format!("age by name ({format})"),
            None => "age by name".to_string(),
        }),
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("deploy-1"), "deploy-1");
        assert_eq!(printable("évolution ✓"), "évolution ✓");
        assert_eq!(printable("evil\u{1b}[2Jname"), "evil\\u{1b}[2Jname");
        assert_eq!(printable("a\rb\nc"), "a\\rb\\nc");
    }

    #[test]
    fn counts_and_sizes() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.50 KiB");
    }

    #[test]
    fn describe_rule_names_every_part() {
        let rule = Rule::new(
            3,
            Some(std::time::Duration::from_secs(30 * 86400)),
            vec!["current".into()],
            AgeBy::Oldest,
        )
        .unwrap();
        assert_eq!(
            describe_rule(&rule),
            "keep 3 · older than 30d · protect current · age by oldest object"
        );
    }

    #[test]
    fn describe_rule_names_the_name_time_format() {
        let auto = Rule::new(3, None, vec![], "name".parse().unwrap()).unwrap();
        assert_eq!(describe_rule(&auto), "keep 3 · age by name");
        let format = crate::engine::name_time::NameTime::with_format("%Y%m%d").unwrap();
        let custom = Rule::new(3, None, vec![], AgeBy::Name(format)).unwrap();
        assert_eq!(describe_rule(&custom), "keep 3 · age by name (%Y%m%d)");
    }
}
