//! The prune pipeline's lifecycle step: the deployments that passed the re-check get
//! their rules, merged into the bucket's configuration in one write, each rule audited,
//! and the configuration read back to check it.

use super::configuration::{self, LifecycleConfiguration};
use super::error::LifecycleError;
use super::rules::{merge, own_rule, rules_for};
use crate::audit::{AuditLog, AuditResult};
use crate::bucket::{Bucket, Scope};
use crate::deployment::Deployment;

/// A rule a hand-off put in place, for one deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenRule {
    pub deployment: String,
    pub prefix: String,
    pub id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandoffReport {
    /// Rules added, or replaced because they differed (one line each in the audit log).
    pub written: Vec<WrittenRule>,
    /// s3prune's rules that were there already, exactly as wanted.
    pub unchanged: Vec<WrittenRule>,
    /// Every rule in the configuration after the write, s3prune's and others'.
    pub total_rules: usize,
}

impl HandoffReport {
    /// The deployments S3 now has rules for (written now or before).
    pub fn deployments(&self) -> usize {
        let mut names: Vec<&str> = self
            .written
            .iter()
            .chain(&self.unchanged)
            .map(|r| r.deployment.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    }
}

/// Adds s3prune's rules for `deployments` to the bucket's lifecycle configuration,
/// keeping every other rule as it is. Refuses, before writing anything, a configuration
/// over S3's rule limit and a bucket whose server has no lifecycle support.
pub async fn hand_off(
    bucket: &Bucket,
    scope: Scope,
    deployments: &[Deployment],
    audit: &AuditLog,
) -> Result<HandoffReport, LifecycleError> {
    if deployments.is_empty() {
        return Ok(HandoffReport::default());
    }
    let mut wanted = Vec::new();
    for deployment in deployments {
        wanted.extend(rules_for(&deployment.prefix, scope)?);
    }
    let existing = configuration::read(bucket).await?;
    let merged = merge(bucket.name(), &existing.rules, wanted)?;
    let name_of = |id: &str| {
        let prefix = merged
            .rules
            .iter()
            .find(|r| r.id() == Some(id))
            .and_then(own_rule)
            .map(|own| own.prefix)
            .unwrap_or_default();
        let deployment = deployments
            .iter()
            .find(|d| d.prefix == prefix)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        WrittenRule {
            deployment,
            prefix,
            id: id.to_owned(),
        }
    };
    let report = HandoffReport {
        written: merged.written.iter().map(|id| name_of(id)).collect(),
        unchanged: merged.unchanged.iter().map(|id| name_of(id)).collect(),
        total_rules: merged.rules.len(),
    };
    if report.written.is_empty() {
        return Ok(report);
    }
    let configuration = LifecycleConfiguration {
        rules: merged.rules,
        transition_default_minimum_object_size: existing.transition_default_minimum_object_size,
    };
    configuration::write(bucket, &configuration).await?;
    audit
        .record(
            bucket.name(),
            report.written.iter().map(|rule| {
                (
                    rule.prefix.as_str(),
                    None,
                    AuditResult::LifecycleRule { rule_id: &rule.id },
                )
            }),
        )
        .map_err(|e| {
            LifecycleError::Other(format!(
                "the lifecycle rules were written, but the audit log {} could not record them: {e}",
                audit.path().display()
            ))
        })?;
    configuration::verify(bucket, &configuration).await?;
    Ok(report)
}
