//! s3prune's lifecycle rules: one per doomed deployment, `ID` `s3prune:<prefix>`, filtered
//! on the deployment's prefix, expiring its objects after a day and aborting its
//! incomplete uploads. With every version in scope, the rule also expires noncurrent
//! versions, and a second rule, `s3prune:<prefix>:delete-markers`, removes the delete
//! markers left behind (S3 does not allow `ExpiredObjectDeleteMarker` next to `Days`).
//!
//! A rule is s3prune's only if its ID is exactly what s3prune would name a rule for its
//! own filter prefix, so a rule someone else wrote is never taken for one.

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration,
};

use super::error::{LifecycleError, MAX_RULES};
use crate::bucket::Scope;

/// How long S3 allows a rule's ID to be.
pub const MAX_ID_LEN: usize = 255;
/// Every rule s3prune writes has an ID starting with this.
pub const ID_PREFIX: &str = "s3prune:";
const MARKERS_SUFFIX: &str = ":delete-markers";
/// The days s3prune's rules wait: the shortest S3 allows.
const DAYS: i32 = 1;

/// What one of s3prune's rules does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleKind {
    /// Expires the objects (and, with every version in scope, the noncurrent versions).
    Expire,
    /// Removes the delete markers nothing is left behind.
    DeleteMarkers,
}

/// One of s3prune's rules, found in a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnRule {
    pub id: String,
    pub prefix: String,
    pub kind: RuleKind,
    /// Whether the rule also removes old versions (written with `--all-versions`).
    pub all_versions: bool,
}

pub fn rule_id(prefix: &str) -> String {
    format!("{ID_PREFIX}{prefix}")
}

pub fn markers_rule_id(prefix: &str) -> String {
    format!("{ID_PREFIX}{prefix}{MARKERS_SUFFIX}")
}

/// The rules that hand one deployment's prefix to S3.
pub fn rules_for(prefix: &str, scope: Scope) -> Result<Vec<LifecycleRule>, LifecycleError> {
    let ids = match scope {
        Scope::Current => vec![rule_id(prefix)],
        Scope::AllVersions => vec![rule_id(prefix), markers_rule_id(prefix)],
    };
    if let Some(long) = ids.iter().find(|id| id.chars().count() > MAX_ID_LEN) {
        return Err(LifecycleError::IdTooLong {
            prefix: prefix.to_owned(),
            length: long.chars().count(),
        });
    }
    let filter = || LifecycleRuleFilter::builder().prefix(prefix).build();
    let mut expire = LifecycleRule::builder()
        .id(&ids[0])
        .filter(filter())
        .status(ExpirationStatus::Enabled)
        .expiration(LifecycleExpiration::builder().days(DAYS).build())
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(DAYS)
                .build(),
        );
    if scope == Scope::AllVersions {
        expire = expire.noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .noncurrent_days(DAYS)
                .build(),
        );
    }
    let mut rules = vec![expire.build().map_err(built)?];
    if scope == Scope::AllVersions {
        let markers = LifecycleRule::builder()
            .id(&ids[1])
            .filter(filter())
            .status(ExpirationStatus::Enabled)
            .expiration(
                LifecycleExpiration::builder()
                    .expired_object_delete_marker(true)
                    .build(),
            )
            .build()
            .map_err(built)?;
        rules.push(markers);
    }
    Ok(rules)
}

fn built(e: aws_sdk_s3::error::BuildError) -> LifecycleError {
    LifecycleError::Other(format!("cannot build a lifecycle rule: {e}"))
}

/// The prefix a rule applies to, when it filters on a prefix alone.
fn filter_prefix(rule: &LifecycleRule) -> Option<&str> {
    match rule.filter() {
        Some(filter) if filter.and().is_none() && filter.tag().is_none() => filter.prefix(),
        Some(_) => None,
        #[allow(deprecated)]
        None => rule.prefix(),
    }
}

/// The rule as one of s3prune's, or `None` if someone else wrote it.
pub fn own_rule(rule: &LifecycleRule) -> Option<OwnRule> {
    let id = rule.id()?;
    let prefix = filter_prefix(rule)?;
    let kind = if id == rule_id(prefix) {
        RuleKind::Expire
    } else if id == markers_rule_id(prefix) {
        RuleKind::DeleteMarkers
    } else {
        return None;
    };
    let all_versions =
        kind == RuleKind::DeleteMarkers || rule.noncurrent_version_expiration().is_some();
    Some(OwnRule {
        id: id.to_owned(),
        prefix: prefix.to_owned(),
        kind,
        all_versions,
    })
}

/// A configuration with s3prune's rules merged in.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// Every rule that was there, in its place (s3prune's own replaced where they
    /// differ), then the new ones.
    pub rules: Vec<LifecycleRule>,
    /// The IDs of the rules added or replaced.
    pub written: Vec<String>,
    /// The IDs of s3prune's rules that were already there exactly as wanted.
    pub unchanged: Vec<String>,
}

/// Merges `wanted` into `existing`: every rule someone else wrote stays exactly as it
/// is; one of s3prune's with the same ID is replaced if it differs. Refuses a rule ID
/// that someone else's rule already has, and a result over [`MAX_RULES`].
pub fn merge(
    bucket: &str,
    existing: &[LifecycleRule],
    wanted: Vec<LifecycleRule>,
) -> Result<Merged, LifecycleError> {
    let mut rules = existing.to_vec();
    let mut written = Vec::new();
    let mut unchanged = Vec::new();
    for rule in wanted {
        let id = rule.id().unwrap_or_default().to_owned();
        match rules.iter().position(|r| r.id() == Some(id.as_str())) {
            Some(i) if own_rule(&rules[i]).is_none() => {
                return Err(LifecycleError::IdTaken {
                    bucket: bucket.to_owned(),
                    id,
                });
            }
            Some(i) if rules[i] == rule => unchanged.push(id),
            Some(i) => {
                rules[i] = rule;
                written.push(id);
            }
            None => {
                rules.push(rule);
                written.push(id);
            }
        }
    }
    if rules.len() > MAX_RULES {
        let own = existing.iter().filter(|r| own_rule(r).is_some()).count();
        return Err(LifecycleError::TooManyRules {
            bucket: bucket.to_owned(),
            existing: existing.len(),
            existing_own: own,
            adding: rules.len() - existing.len(),
        });
    }
    Ok(Merged {
        rules,
        written,
        unchanged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::types::{Tag, Transition, TransitionStorageClass};

    fn foreign(id: &str, prefix: &str) -> LifecycleRule {
        LifecycleRule::builder()
            .id(id)
            .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
            .status(ExpirationStatus::Enabled)
            .transitions(
                Transition::builder()
                    .days(30)
                    .storage_class(TransitionStorageClass::StandardIa)
                    .build(),
            )
            .build()
            .unwrap()
    }

    #[test]
    fn a_deployment_gets_exactly_the_specified_rule() {
        let rules = rules_for("d1/", Scope::Current).unwrap();
        assert_eq!(rules.len(), 1);
        let rule = &rules[0];
        assert_eq!(rule.id(), Some("s3prune:d1/"));
        assert_eq!(rule.filter().and_then(|f| f.prefix()), Some("d1/"));
        assert_eq!(rule.status(), &ExpirationStatus::Enabled);
        assert_eq!(rule.expiration().and_then(|e| e.days()), Some(1));
        assert_eq!(
            rule.abort_incomplete_multipart_upload()
                .and_then(|a| a.days_after_initiation()),
            Some(1)
        );
        assert!(rule.noncurrent_version_expiration().is_none());
        assert_eq!(
            own_rule(rule),
            Some(OwnRule {
                id: "s3prune:d1/".into(),
                prefix: "d1/".into(),
                kind: RuleKind::Expire,
                all_versions: false,
            })
        );
    }

    #[test]
    fn every_version_adds_noncurrent_expiry_and_a_delete_marker_rule() {
        let rules = rules_for("site/d1/", Scope::AllVersions).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(
            rules[0]
                .noncurrent_version_expiration()
                .and_then(|n| n.noncurrent_days()),
            Some(1)
        );
        assert_eq!(rules[1].id(), Some("s3prune:site/d1/:delete-markers"));
        let expiration = rules[1].expiration().unwrap();
        assert_eq!(expiration.expired_object_delete_marker(), Some(true));
        assert_eq!(expiration.days(), None);
        assert_eq!(own_rule(&rules[1]).unwrap().kind, RuleKind::DeleteMarkers);
        assert!(own_rule(&rules[0]).unwrap().all_versions);
    }

    #[test]
    fn rules_someone_else_wrote_are_never_taken_for_ours() {
        assert_eq!(own_rule(&foreign("keep-logs", "logs/")), None);
        // The right ID on another prefix, or a tag filter: not ours.
        assert_eq!(own_rule(&foreign("s3prune:d1/", "d2/")), None);
        let tagged = LifecycleRule::builder()
            .id("s3prune:d1/")
            .filter(
                LifecycleRuleFilter::builder()
                    .tag(Tag::builder().key("k").value("v").build().unwrap())
                    .build(),
            )
            .status(ExpirationStatus::Enabled)
            .expiration(LifecycleExpiration::builder().days(1).build())
            .build()
            .unwrap();
        assert_eq!(own_rule(&tagged), None);
    }

    #[test]
    fn merging_keeps_other_rules_and_replaces_only_ours() {
        let logs = foreign("keep-logs", "logs/");
        let old_ours = rules_for("d1/", Scope::Current).unwrap();
        let existing = vec![logs.clone(), old_ours[0].clone()];
        let mut wanted = rules_for("d1/", Scope::AllVersions).unwrap();
        wanted.extend(rules_for("d2/", Scope::Current).unwrap());
        let merged = merge("b", &existing, wanted.clone()).unwrap();
        assert_eq!(merged.rules[0], logs);
        assert_eq!(merged.rules[1], wanted[0]);
        assert_eq!(merged.rules.len(), 4);
        assert_eq!(
            merged.written,
            ["s3prune:d1/", "s3prune:d1/:delete-markers", "s3prune:d2/"]
        );
        // The same again changes nothing.
        let again = merge("b", &merged.rules, wanted).unwrap();
        assert_eq!(again.rules, merged.rules);
        assert!(again.written.is_empty());
        assert_eq!(again.unchanged.len(), 3);
    }

    #[test]
    fn a_foreign_rule_with_our_id_or_too_many_rules_is_refused() {
        let squatter = foreign("s3prune:d1/", "elsewhere/");
        let err = merge("b", &[squatter], rules_for("d1/", Scope::Current).unwrap()).unwrap_err();
        assert!(matches!(err, LifecycleError::IdTaken { .. }), "{err}");

        let existing: Vec<_> = (0..999).map(|i| foreign(&format!("r{i}"), "x/")).collect();
        assert!(merge("b", &existing, rules_for("d1/", Scope::Current).unwrap()).is_ok());
        let err = merge(
            "b",
            &existing,
            rules_for("d1/", Scope::AllVersions).unwrap(),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                LifecycleError::TooManyRules {
                    existing: 999,
                    adding: 2,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn an_id_over_255_characters_is_refused() {
        let prefix = format!("{}/", "a".repeat(246));
        assert!(rules_for(&prefix, Scope::Current).is_ok());
        let err = rules_for(&prefix, Scope::AllVersions).unwrap_err();
        assert!(matches!(err, LifecycleError::IdTooLong { .. }), "{err}");
    }
}
