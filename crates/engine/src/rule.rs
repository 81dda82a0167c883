use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::deployment::AgeBy;

/// The retention rule: keep the newest `keep` deployments, spare anything younger than
/// `older_than`, never touch names matching `protect`. Live deployments and, under
/// `--age-by name`, undated ones are kept too; see [`super::plan::Plan::build_with_live`].
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

    pub fn age_by(&self) -> &AgeBy {
        &self.age_by
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
}

/// Two rules are equal when they decide alike; the compiled glob set follows from
/// `protect`.
impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.keep == other.keep
            && self.older_than == other.older_than
            && self.protect == other.protect
            && self.age_by == other.age_by
    }
}

impl Eq for Rule {}

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
}
