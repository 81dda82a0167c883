//! A bucket's lifecycle configuration as S3 holds it: read, written whole, and removed.
//! S3 has no conditional write for lifecycle configurations, so callers read just before
//! writing and read again afterwards to check (see [`super::handoff`]).

use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, LifecycleRule, LifecycleRuleAndOperator, Tag,
    TransitionDefaultMinimumObjectSize,
};

use super::error::LifecycleError;
use crate::bucket::Bucket;
use crate::error::{classify, EngineError};
use crate::retry::retried;

/// Every rule of a bucket's lifecycle configuration, and its one other setting, exactly
/// as S3 returned them. No configuration at all reads as no rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LifecycleConfiguration {
    pub rules: Vec<LifecycleRule>,
    pub transition_default_minimum_object_size: Option<TransitionDefaultMinimumObjectSize>,
}

/// Error codes (and HTTP statuses) with which S3-compatible servers say they have no
/// lifecycle configurations.
fn means_unsupported(error: &EngineError) -> Option<String> {
    match error {
        EngineError::Service { code, status, .. }
            if matches!(
                code.as_str(),
                "NotImplemented" | "XNotImplemented" | "MethodNotAllowed" | "UnsupportedOperation"
            ) || *status == 501
                || *status == 405 =>
        {
            Some(code.clone())
        }
        EngineError::NotS3 { status, .. } if *status == 501 || *status == 405 => {
            Some(format!("HTTP {status}"))
        }
        _ => None,
    }
}

fn lifecycle_error(bucket: &Bucket, error: EngineError) -> LifecycleError {
    match means_unsupported(&error) {
        Some(code) => LifecycleError::Unsupported {
            endpoint: bucket.endpoint_label().to_owned(),
            code,
        },
        None => LifecycleError::S3(error),
    }
}

/// The bucket's configuration; no rules when it has none.
pub async fn read(bucket: &Bucket) -> Result<LifecycleConfiguration, LifecycleError> {
    let reply = retried(bucket.retry(), || async {
        match bucket
            .client()
            .get_bucket_lifecycle_configuration()
            .bucket(bucket.name())
            .send()
            .await
        {
            Ok(reply) => Ok(Some(reply)),
            Err(e)
                if e.as_service_error()
                    .and_then(aws_sdk_s3::error::ProvideErrorMetadata::code)
                    == Some("NoSuchLifecycleConfiguration") =>
            {
                Ok(None)
            }
            Err(e) => Err(classify(e, &bucket.context())),
        }
    })
    .await
    .map_err(|e| lifecycle_error(bucket, e))?;
    Ok(match reply {
        Some(reply) => LifecycleConfiguration {
            rules: reply.rules().to_vec(),
            transition_default_minimum_object_size: reply
                .transition_default_minimum_object_size()
                .cloned(),
        },
        None => LifecycleConfiguration::default(),
    })
}

/// Replaces the bucket's configuration with this one; no rules removes it (S3 refuses
/// an empty configuration).
pub async fn write(
    bucket: &Bucket,
    configuration: &LifecycleConfiguration,
) -> Result<(), LifecycleError> {
    let result = if configuration.rules.is_empty() {
        retried(bucket.retry(), || async {
            bucket
                .client()
                .delete_bucket_lifecycle()
                .bucket(bucket.name())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify(e, &bucket.context()))
        })
        .await
    } else {
        let body = BucketLifecycleConfiguration::builder()
            .set_rules(Some(configuration.rules.clone()))
            .build()
            .map_err(|e| LifecycleError::Other(format!("cannot build the configuration: {e}")))?;
        retried(bucket.retry(), || async {
            bucket
                .client()
                .put_bucket_lifecycle_configuration()
                .bucket(bucket.name())
                .lifecycle_configuration(body.clone())
                .set_transition_default_minimum_object_size(
                    configuration.transition_default_minimum_object_size.clone(),
                )
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify(e, &bucket.context()))
        })
        .await
    };
    result.map_err(|e| lifecycle_error(bucket, e))
}

/// Reads the configuration back and checks that it holds every one of `expected`'s
/// rules (by ID, in any order, each as written). A rule someone else added meanwhile
/// is no problem; one of these missing or changed is.
pub async fn verify(
    bucket: &Bucket,
    expected: &LifecycleConfiguration,
) -> Result<(), LifecycleError> {
    let found = read(bucket).await?;
    let mut problems = Vec::new();
    for rule in &expected.rules {
        let id = rule.id().unwrap_or_default();
        match found.rules.iter().find(|r| r.id() == rule.id()) {
            None => problems.push(format!("rule {id:?} is missing")),
            Some(r) if !same_effect(r, rule) => problems.push(format!("rule {id:?} differs")),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let more = problems.len().saturating_sub(3);
    problems.truncate(3);
    let mut detail = problems.join(", ");
    if more > 0 {
        detail.push_str(&format!(" and {more} more"));
    }
    Err(LifecycleError::NotAsWritten {
        bucket: bucket.name().to_owned(),
        detail,
    })
}

/// The same rule as far as what it deletes goes. Servers may spell a rule they echo
/// back differently (an empty list left out, a legacy prefix moved into the filter), so
/// only the filter, status and expiry actions are compared.
fn same_effect(a: &LifecycleRule, b: &LifecycleRule) -> bool {
    filter_of(a) == filter_of(b)
        && a.status() == b.status()
        && a.expiration() == b.expiration()
        && a.noncurrent_version_expiration() == b.noncurrent_version_expiration()
        && a.abort_incomplete_multipart_upload() == b.abort_incomplete_multipart_upload()
}

fn filter_of(
    rule: &LifecycleRule,
) -> (
    Option<String>,
    Option<Tag>,
    Option<LifecycleRuleAndOperator>,
) {
    #[allow(deprecated)]
    let legacy = rule.prefix().map(str::to_owned);
    match rule.filter() {
        Some(f) => (
            f.prefix().map(str::to_owned),
            f.tag().cloned(),
            f.and().cloned(),
        ),
        None => (legacy, None, None),
    }
}
