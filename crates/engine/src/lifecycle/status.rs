//! Whether S3 has finished what s3prune's rules asked: a rule is done when nothing is
//! left under its prefix (no object, and with every version in scope no version or
//! delete marker either). One listing request per prefix tells.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};

use super::configuration::{self, LifecycleConfiguration};
use super::error::LifecycleError;
use super::rules::{own_rule, OwnRule};
use crate::bucket::{Bucket, Cursor, Scope};
use crate::retry::retried;

/// Prefixes checked at once.
const CHECKS_IN_FLIGHT: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleStatus {
    pub rule: OwnRule,
    /// What is left under the prefix, counted up to one listing page (1000).
    pub left: u64,
    /// More than `left` is left (the first page was full).
    pub more: bool,
}

impl RuleStatus {
    pub fn is_done(&self) -> bool {
        self.left == 0 && !self.more
    }
}

/// s3prune's rules for prefixes under `root` in the bucket's configuration (in its
/// order), each with what is left under its prefix; the configuration as read.
pub async fn rule_statuses(
    bucket: &Bucket,
    root: &str,
) -> Result<(LifecycleConfiguration, Vec<RuleStatus>), LifecycleError> {
    let configuration = configuration::read(bucket).await?;
    let own: Vec<OwnRule> = configuration
        .rules
        .iter()
        .filter_map(own_rule)
        .filter(|rule| rule.prefix.starts_with(root))
        .collect();
    // One check per prefix, in the widest scope any of its rules needs.
    let mut scopes: BTreeMap<&str, Scope> = BTreeMap::new();
    for rule in &own {
        let scope = if rule.all_versions {
            Scope::AllVersions
        } else {
            Scope::Current
        };
        let entry = scopes.entry(rule.prefix.as_str()).or_insert(scope);
        if scope == Scope::AllVersions {
            *entry = scope;
        }
    }
    let left: BTreeMap<String, (u64, bool)> = stream::iter(scopes)
        .map(|(prefix, scope)| async move {
            let (page, next) = retried(bucket.retry(), || {
                bucket.list(scope, prefix, None, Cursor::Start, None)
            })
            .await?;
            Ok::<_, crate::error::EngineError>((
                prefix.to_owned(),
                (page.entries.len() as u64, next.is_some()),
            ))
        })
        .buffer_unordered(CHECKS_IN_FLIGHT)
        .try_collect()
        .await
        .map_err(LifecycleError::S3)?;
    let statuses = own
        .into_iter()
        .map(|rule| {
            let (left, more) = left.get(&rule.prefix).copied().unwrap_or_default();
            RuleStatus { rule, left, more }
        })
        .collect();
    Ok((configuration, statuses))
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TidyReport {
    /// s3prune's rules removed: their prefixes were empty.
    pub removed: Vec<OwnRule>,
    /// s3prune's rules left in place: S3 has not finished with their prefixes.
    pub waiting: Vec<RuleStatus>,
    /// Rules left in the configuration, s3prune's and others'.
    pub remaining_rules: usize,
}

/// Removes s3prune's rules for prefixes under `root` that are empty, and nothing else:
/// the configuration is read again just before writing, and every other rule kept as it
/// is.
pub async fn tidy(bucket: &Bucket, root: &str) -> Result<TidyReport, LifecycleError> {
    let (_, statuses) = rule_statuses(bucket, root).await?;
    let (done, waiting): (Vec<RuleStatus>, Vec<RuleStatus>) =
        statuses.into_iter().partition(RuleStatus::is_done);
    let mut configuration = configuration::read(bucket).await?;
    let mut removed = Vec::new();
    configuration.rules.retain(|rule| {
        let finished = own_rule(rule).filter(|own| done.iter().any(|d| d.rule == *own));
        match finished {
            Some(own) => {
                removed.push(own);
                false
            }
            None => true,
        }
    });
    let report = TidyReport {
        removed,
        waiting,
        remaining_rules: configuration.rules.len(),
    };
    if report.removed.is_empty() {
        return Ok(report);
    }
    configuration::write(bucket, &configuration).await?;
    configuration::verify(bucket, &configuration).await?;
    Ok(report)
}
