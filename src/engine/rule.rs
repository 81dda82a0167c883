use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::age::exact_duration;
use super::deployment::AgeBy;

/// The retention rule: keep the newest `keep` deployments, spare anything younger than
/// `older_than`, never touch names matching `protect`.
#[derive(Debug, Clone)]
pub struct Rule {
    keep: usize,
    older_than: Option<Duration>,
    protect: Vec<String>,
    protect_set: GlobSet,
    age_by: AgeBy,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error(
        "--keep 0 would delete every deployment; give --older-than too (e.g. --keep 0 --older-than 30d) \
         so that recent deployments are spared"
    )]
    KeepZeroWithoutAge,
    #[error("--protect {pattern:?} is not a valid glob: {reason}")]
    BadGlob { pattern: String, reason: String },
}

impl Rule {
    pub fn new(
        keep: usize,
        older_than: Option<Duration>,
        protect: Vec<String>,
        age_by: AgeBy,
    ) -> Result<Self, RuleError> {
        if keep == 0 && older_than.is_none() {
            return Err(RuleError::KeepZeroWithoutAge);
        }
        let protect_set = compile_globs(&protect)?;
        Ok(Rule {
            keep,
            older_than,
            protect,
            protect_set,
            age_by,
        })
    }

    pub fn keep(&self) -> usize {
        self.keep
    }

    pub fn older_than(&self) -> Option<Duration> {
        self.older_than
    }

    pub fn protect(&self) -> &[String] {
        &self.protect
    }

    pub fn age_by(&self) -> AgeBy {
        self.age_by
    }

    pub fn is_protected(&self, name: &str) -> bool {
        self.protect_set.is_match(name)
    }

    /// The same rule with another N, as the TUI's `+`/`-` need. Refuses 0 without an age
    /// limit, like the command line.
    pub fn with_keep(&self, keep: usize) -> Result<Self, RuleError> {
        if keep == 0 && self.older_than.is_none() {
            return Err(RuleError::KeepZeroWithoutAge);
        }
        Ok(Rule {
            keep,
            ..self.clone()
        })
    }

    /// One line for headers: `keep 3 · older than 30d · protect current, release-*`.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("keep {}", self.keep)];
        if let Some(age) = self.older_than {
            parts.push(format!("older than {}", exact_duration(age)));
        }
        if !self.protect.is_empty() {
            parts.push(format!("protect {}", self.protect.join(", ")));
        }
        if self.age_by == AgeBy::Oldest {
            parts.push("age by oldest object".to_string());
        }
        parts.join(" · ")
    }
}

fn compile_globs(patterns: &[String]) -> Result<GlobSet, RuleError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|e| RuleError::BadGlob {
            pattern: pattern.clone(),
            reason: e.kind().to_string(),
        })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| RuleError::BadGlob {
        pattern: patterns.join(" "),
        reason: e.to_string(),
    })
}

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
    fn keep_zero_needs_an_age_limit() {
        assert_eq!(
            Rule::new(0, None, vec![], AgeBy::Newest).unwrap_err(),
            RuleError::KeepZeroWithoutAge
        );
        assert!(Rule::new(0, Some(Duration::from_secs(60)), vec![], AgeBy::Newest).is_ok());
        let rule = Rule::new(1, None, vec![], AgeBy::Newest).unwrap();
        assert_eq!(
            rule.with_keep(0).unwrap_err(),
            RuleError::KeepZeroWithoutAge
        );
    }

    #[test]
    fn bad_glob_is_refused() {
        let err = Rule::new(3, None, vec!["release-[".into()], AgeBy::Newest).unwrap_err();
        assert!(matches!(err, RuleError::BadGlob { ref pattern, .. } if pattern == "release-["));
    }

    #[test]
    fn protect_globs_match_whole_names() {
        let rule = Rule::new(
            3,
            None,
            vec!["current".into(), "release-*".into()],
            AgeBy::Newest,
        )
        .unwrap();
        assert!(rule.is_protected("current"));
        assert!(rule.is_protected("release-2026"));
        assert!(!rule.is_protected("current-old"));
        assert!(!rule.is_protected("my-release-1"));
    }

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

    #[test]
    fn describe_names_every_part() {
        let rule = Rule::new(
            3,
            Some(Duration::from_secs(30 * 86400)),
            vec!["current".into()],
            AgeBy::Oldest,
        )
        .unwrap();
        assert_eq!(
            rule.describe(),
            "keep 3 · older than 30d · protect current · age by oldest object"
        );
    }
}
