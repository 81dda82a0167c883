//! Bucket lifecycle configurations: Get, Put and Delete store a bucket's rules exactly as
//! they were put, and [`expire`] applies their expiration on request (`serve
//! --lifecycle-day`, tests), on a clock where one lifecycle day lasts as long as the
//! caller says.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::buckets::require_bucket;
use super::errors::{journal_failed, store_error};
use crate::backend::Backend;
use crate::persist::Record;
use crate::store::Lifecycle;

/// S3's limit on the rules of one bucket's lifecycle configuration.
const MAX_RULES: usize = 1000;
/// S3's limit on a rule's ID.
const MAX_ID_LEN: usize = 255;

fn require_support(backend: &Backend) -> S3Result<()> {
    if backend.lifecycle_supported.load(Ordering::Relaxed) {
        Ok(())
    } else {
        Err(S3Error::with_message(
            S3ErrorCode::NotImplemented,
            "Lifecycle configurations are switched off on this server.",
        ))
    }
}

pub(super) fn get_bucket_lifecycle_configuration(
    backend: &Backend,
    req: S3Request<GetBucketLifecycleConfigurationInput>,
) -> S3Result<S3Response<GetBucketLifecycleConfigurationOutput>> {
    require_support(backend)?;
    let state = backend.read();
    let bucket = state.store.bucket(&req.input.bucket).map_err(store_error)?;
    let Some(lifecycle) = &bucket.lifecycle else {
        return Err(S3Error::with_message(
            S3ErrorCode::NoSuchLifecycleConfiguration,
            "The lifecycle configuration does not exist",
        ));
    };
    Ok(S3Response::new(GetBucketLifecycleConfigurationOutput {
        rules: Some(lifecycle.rules.clone()),
        transition_default_minimum_object_size: lifecycle
            .transition_default_minimum_object_size
            .clone()
            .map(TransitionDefaultMinimumObjectSize::from),
    }))
}

pub(super) fn put_bucket_lifecycle_configuration(
    backend: &Backend,
    req: S3Request<PutBucketLifecycleConfigurationInput>,
) -> S3Result<S3Response<PutBucketLifecycleConfigurationOutput>> {
    require_support(backend)?;
    let input = req.input;
    require_bucket(backend, &input.bucket)?;
    let rules = input
        .lifecycle_configuration
        .map(|c| c.rules)
        .unwrap_or_default();
    validate(&rules)?;
    let minimum_size = input
        .transition_default_minimum_object_size
        .map(|s| s.as_str().to_owned());
    let lifecycle = Lifecycle {
        rules,
        transition_default_minimum_object_size: minimum_size.clone(),
    };
    set(backend, &input.bucket, Some(lifecycle))?;
    Ok(S3Response::new(PutBucketLifecycleConfigurationOutput {
        transition_default_minimum_object_size: minimum_size
            .map(TransitionDefaultMinimumObjectSize::from),
    }))
}

pub(super) fn delete_bucket_lifecycle(
    backend: &Backend,
    req: S3Request<DeleteBucketLifecycleInput>,
) -> S3Result<S3Response<DeleteBucketLifecycleOutput>> {
    require_support(backend)?;
    require_bucket(backend, &req.input.bucket)?;
    set(backend, &req.input.bucket, None)?;
    Ok(S3Response::new(DeleteBucketLifecycleOutput::default()))
}

fn set(backend: &Backend, bucket: &str, lifecycle: Option<Lifecycle>) -> S3Result<()> {
    let mut state = backend.write();
    state
        .journal(&[Record::SetLifecycle {
            bucket: bucket.to_owned(),
            lifecycle: lifecycle.clone(),
        }])
        .map_err(journal_failed)?;
    state
        .store
        .set_lifecycle(bucket, lifecycle)
        .map_err(store_error)
}

/// The checks S3 makes that a client can trip over: the number of rules, unique IDs of
/// at most 255 characters, at least one action per rule, positive days, and an
/// `Expiration` that is either days, a date or `ExpiredObjectDeleteMarker`.
fn validate(rules: &[LifecycleRule]) -> S3Result<()> {
    if rules.is_empty() {
        return Err(S3Error::with_message(
            S3ErrorCode::MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema",
        ));
    }
    if rules.len() > MAX_RULES {
        return Err(invalid_request(format!(
            "A lifecycle configuration holds at most {MAX_RULES} rules; this one has {}",
            rules.len()
        )));
    }
    let mut ids = HashSet::new();
    for rule in rules {
        if let Some(id) = &rule.id {
            if id.chars().count() > MAX_ID_LEN {
                return Err(invalid_argument(
                    "ID length should not exceed allowed limit of 255",
                ));
            }
            if !ids.insert(id.as_str()) {
                return Err(invalid_argument(
                    "Rule ID must be unique. Found same ID for more than one rule",
                ));
            }
        }
        let has_action = rule.expiration.is_some()
            || rule.noncurrent_version_expiration.is_some()
            || rule.abort_incomplete_multipart_upload.is_some()
            || rule.transitions.as_ref().is_some_and(|t| !t.is_empty())
            || rule
                .noncurrent_version_transitions
                .as_ref()
                .is_some_and(|t| !t.is_empty());
        if !has_action {
            return Err(invalid_request(
                "At least one action needs to be specified in a rule",
            ));
        }
        if let Some(expiration) = &rule.expiration {
            let kinds = [
                expiration.days.is_some(),
                expiration.date.is_some(),
                expiration.expired_object_delete_marker.is_some(),
            ];
            if kinds.iter().filter(|k| **k).count() != 1 {
                return Err(S3Error::with_message(
                    S3ErrorCode::MalformedXML,
                    "Expiration takes exactly one of Days, Date and ExpiredObjectDeleteMarker",
                ));
            }
        }
        let days = [
            rule.expiration.as_ref().and_then(|e| e.days),
            rule.noncurrent_version_expiration
                .as_ref()
                .and_then(|e| e.noncurrent_days),
            rule.abort_incomplete_multipart_upload
                .as_ref()
                .and_then(|a| a.days_after_initiation),
        ];
        if days.into_iter().flatten().any(|d| d <= 0) {
            return Err(invalid_argument(
                "'Days' for an action must be a positive integer",
            ));
        }
    }
    Ok(())
}

fn invalid_argument(message: &str) -> S3Error {
    S3Error::with_message(S3ErrorCode::InvalidArgument, message.to_owned())
}

fn invalid_request(message: impl Into<String>) -> S3Error {
    S3Error::with_message(S3ErrorCode::InvalidRequest, message.into())
}

/// Applies every enabled rule's `Expiration.Days` once, as S3's daily lifecycle run
/// does, counting `day` as one day: an object under the rule's prefix (and within its
/// size bounds) whose age is at least `Days × day` is deleted. Rules that filter by tag
/// match nothing (this server keeps no tags). This server keeps no versions, so the
/// noncurrent-version and delete-marker actions have nothing to do. Returns how many
/// objects were deleted.
pub(crate) fn expire(backend: &Backend, day: Duration) -> std::io::Result<usize> {
    let now = Utc::now();
    let mut state = backend.write();
    let mut doomed = Vec::new();
    for (name, bucket) in state.store.buckets() {
        let Some(lifecycle) = &bucket.lifecycle else {
            continue;
        };
        for rule in &lifecycle.rules {
            if rule.status.as_str() != ExpirationStatus::ENABLED {
                continue;
            }
            let Some(days) = rule.expiration.as_ref().and_then(|e| e.days) else {
                continue;
            };
            let Some(selector) = Selector::of(rule) else {
                continue;
            };
            let min_age = day.saturating_mul(u32::try_from(days).unwrap_or(0));
            let min_age = chrono::Duration::from_std(min_age).unwrap_or(chrono::Duration::MAX);
            for (key, object) in bucket.objects.range(selector.prefix.clone()..) {
                if !key.starts_with(&selector.prefix) {
                    break;
                }
                if selector.matches_size(object.meta.size)
                    && now.signed_duration_since(object.meta.last_modified) >= min_age
                {
                    doomed.push((name.clone(), key.clone()));
                }
            }
        }
    }
    doomed.sort();
    doomed.dedup();
    let records: Vec<Record> = doomed
        .iter()
        .map(|(bucket, key)| Record::Delete {
            bucket: bucket.clone(),
            key: key.clone(),
        })
        .collect();
    state.journal(&records)?;
    for (bucket, key) in &doomed {
        let _ = state.store.delete_object(bucket, key);
    }
    Ok(doomed.len())
}

/// Which objects a rule applies to, for the filters this server can evaluate.
struct Selector {
    prefix: String,
    greater_than: Option<i64>,
    less_than: Option<i64>,
}

impl Selector {
    /// `None` for a rule that filters by tag.
    fn of(rule: &LifecycleRule) -> Option<Selector> {
        let Some(filter) = &rule.filter else {
            return Some(Selector {
                prefix: rule.prefix.clone().unwrap_or_default(),
                greater_than: None,
                less_than: None,
            });
        };
        if filter.tag.is_some() {
            return None;
        }
        if let Some(and) = &filter.and {
            if and.tags.as_ref().is_some_and(|t| !t.is_empty()) {
                return None;
            }
            return Some(Selector {
                prefix: and.prefix.clone().unwrap_or_default(),
                greater_than: and.object_size_greater_than,
                less_than: and.object_size_less_than,
            });
        }
        Some(Selector {
            prefix: filter.prefix.clone().unwrap_or_default(),
            greater_than: filter.object_size_greater_than,
            less_than: filter.object_size_less_than,
        })
    }

    fn matches_size(&self, size: u64) -> bool {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        self.greater_than.is_none_or(|g| size > g) && self.less_than.is_none_or(|l| size < l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(filter: Option<LifecycleRuleFilter>, days: i32) -> LifecycleRule {
        LifecycleRule {
            abort_incomplete_multipart_upload: None,
            expiration: Some(LifecycleExpiration {
                days: Some(days),
                ..LifecycleExpiration::default()
            }),
            filter,
            id: Some("r".into()),
            noncurrent_version_expiration: None,
            noncurrent_version_transitions: None,
            prefix: None,
            status: ExpirationStatus::from_static(ExpirationStatus::ENABLED),
            transitions: None,
        }
    }

    #[test]
    fn a_rule_selects_by_prefix_and_size_and_never_by_tag() {
        let sized = rule(
            Some(LifecycleRuleFilter {
                and: Some(LifecycleRuleAndOperator {
                    prefix: Some("d/".into()),
                    object_size_greater_than: Some(10),
                    object_size_less_than: Some(100),
                    ..LifecycleRuleAndOperator::default()
                }),
                ..LifecycleRuleFilter::default()
            }),
            1,
        );
        let selector = Selector::of(&sized).unwrap();
        assert_eq!(selector.prefix, "d/");
        assert!(!selector.matches_size(10));
        assert!(selector.matches_size(11));
        assert!(!selector.matches_size(100));

        let tagged = rule(
            Some(LifecycleRuleFilter {
                tag: Some(Tag {
                    key: Some("k".into()),
                    value: Some("v".into()),
                }),
                ..LifecycleRuleFilter::default()
            }),
            1,
        );
        assert!(Selector::of(&tagged).is_none());
        // No filter: the legacy prefix, here none, so the whole bucket.
        assert_eq!(Selector::of(&rule(None, 1)).unwrap().prefix, "");
    }

    #[test]
    fn what_s3_refuses_is_refused() {
        assert!(validate(&[]).is_err());
        assert!(validate(&[rule(None, 1)]).is_ok());
        assert!(validate(&[rule(None, 0)]).is_err());
        assert!(
            validate(&[rule(None, 1), rule(None, 2)]).is_err(),
            "same ID"
        );
        let mut both = rule(None, 1);
        both.expiration
            .as_mut()
            .unwrap()
            .expired_object_delete_marker = Some(true);
        assert!(validate(&[both]).is_err());
        let mut no_action = rule(None, 1);
        no_action.expiration = None;
        assert!(validate(&[no_action]).is_err());
    }
}
