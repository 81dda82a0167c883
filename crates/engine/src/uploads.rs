//! Incomplete multipart uploads: started, never completed or aborted. Their parts are
//! billed like objects but no object listing shows them. The listing counts them per
//! deployment (one ListMultipartUploads listing of the root, attributed by prefix), and
//! the prune aborts those under the deployments it deleted, and only those.
//!
//! Only the uploads are counted, not the bytes of their parts: that would take one
//! ListParts request per upload.

use std::collections::{HashMap, HashSet};

use futures::stream::{self, StreamExt};

use super::audit::{AuditLog, AuditResult};
use super::bucket::{Bucket, KeyError, Upload};
use super::deployment::Deployment;
use super::error::EngineError;
use super::retry::retried;
use super::stop::StopSignal;

/// Incomplete uploads under the root, by the deployment whose prefix their key starts
/// with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadCounts {
    pub by_deployment: HashMap<String, u64>,
    /// Uploads of keys directly under the root: they belong to no deployment and are
    /// never aborted.
    pub outside: u64,
}

/// The deployment name an upload's key falls under, if any (`<root><name>/…`).
pub fn deployment_of<'k>(root: &str, key: &'k str) -> Option<&'k str> {
    let rest = key.strip_prefix(root)?;
    let (name, _) = rest.split_once('/')?;
    Some(name)
}

/// Counts the incomplete uploads under `root`, page by page (each page retried like a
/// listing page), keeping no keys.
pub async fn count_uploads(bucket: &Bucket, root: &str) -> Result<UploadCounts, EngineError> {
    let mut counts = UploadCounts::default();
    each_page(bucket, root, |page| {
        for upload in page {
            match deployment_of(root, &upload.key) {
                Some(name) => *counts.by_deployment.entry(name.to_string()).or_default() += 1,
                None => counts.outside += 1,
            }
        }
        async {}
    })
    .await?;
    Ok(counts)
}

/// [`count_uploads`], where a server or credentials without multipart uploads is a
/// warning (returned beside empty counts) rather than a failure of the plan.
pub async fn count_uploads_or_warn(
    bucket: &Bucket,
    root: &str,
) -> Result<(UploadCounts, Option<String>), EngineError> {
    match count_uploads(bucket, root).await {
        Ok(counts) => Ok((counts, None)),
        Err(e) if is_unavailable(&e) => Ok((
            UploadCounts::default(),
            Some(format!(
                "incomplete multipart uploads could not be listed ({e}); they are not counted, and a prune will not abort them"
            )),
        )),
        Err(e) => Err(e),
    }
}

impl UploadCounts {
    /// Gives each deployment its uploads; returns how many are no deployment's (under
    /// the root itself, or under a folder that holds no object).
    pub fn attribute(mut self, deployments: &mut [Deployment]) -> u64 {
        for d in deployments.iter_mut() {
            d.incomplete_uploads = self.by_deployment.remove(&d.name).unwrap_or(0);
        }
        self.outside + self.by_deployment.values().sum::<u64>()
    }
}

/// Whether a failure to list uploads only means the server or the credentials do not
/// offer it (the objects can still be planned; the uploads are then not counted).
pub fn is_unavailable(error: &EngineError) -> bool {
    match error {
        EngineError::AccessDenied { .. } => true,
        EngineError::Service { code, .. } => {
            matches!(code.as_str(), "NotImplemented" | "MethodNotAllowed")
        }
        _ => false,
    }
}

/// What aborting the uploads under the deleted deployments did, by deployment prefix.
#[derive(Debug, Clone, Default)]
pub struct AbortReport {
    pub aborted: HashMap<String, u64>,
    /// Uploads that could not be aborted (after retries), with their deployment prefix.
    pub failed: Vec<(String, KeyError)>,
    /// Why the uploads could not be listed, if they could not (then none was aborted).
    pub error: Option<String>,
}

impl AbortReport {
    pub fn aborted(&self) -> u64 {
        self.aborted.values().sum()
    }
}

/// Uploads aborted at once.
const ABORTS_IN_FLIGHT: usize = 8;

/// Aborts every incomplete upload whose key starts with one of `prefixes` (deployment
/// folders `<root><name>/` that were deleted), listing the root's uploads once and
/// aborting page by page. Each abort is written to the audit log (`aborted`, or
/// `abort-failed` with the error). Uploads under any other prefix are never touched; a
/// stop sends no further abort.
pub async fn abort_under(
    bucket: &Bucket,
    root: &str,
    prefixes: &[String],
    audit: &AuditLog,
    stop: &StopSignal,
) -> Result<AbortReport, EngineError> {
    if prefixes.is_empty() {
        return Ok(AbortReport::default());
    }
    let wanted: HashSet<&str> = prefixes.iter().map(String::as_str).collect();
    let report_cell = std::sync::Mutex::new(AbortReport::default());
    each_page(bucket, root, |page| {
        let doomed: Vec<(String, Upload)> = page
            .into_iter()
            .filter_map(|upload| {
                let name = deployment_of(root, &upload.key)?;
                let prefix = format!("{root}{name}/");
                (wanted.contains(prefix.as_str()) && upload.key.starts_with(&prefix))
                    .then_some((prefix, upload))
            })
            .collect();
        let report_cell = &report_cell;
        async move {
            let outcomes: Vec<(String, Upload, Result<(), EngineError>)> = stream::iter(doomed)
                .take_while(|_| std::future::ready(!stop.is_stopped()))
                .map(|(prefix, upload)| async move {
                    let result = retried(bucket.retry(), || {
                        bucket.abort_upload(&upload.key, &upload.upload_id)
                    })
                    .await;
                    (prefix, upload, result)
                })
                .buffer_unordered(ABORTS_IN_FLIGHT)
                .collect()
                .await;
            record(bucket, audit, &outcomes);
            let mut report = report_cell.lock().expect("abort report lock");
            for (prefix, upload, result) in outcomes {
                match result {
                    Ok(()) => *report.aborted.entry(prefix).or_default() += 1,
                    Err(error) => report.failed.push((
                        prefix,
                        KeyError {
                            key: upload.key,
                            code: error_code(&error),
                            message: error.to_string(),
                        },
                    )),
                }
            }
        }
    })
    .await?;
    Ok(report_cell.into_inner().expect("abort report lock"))
}

fn record(
    bucket: &Bucket,
    audit: &AuditLog,
    outcomes: &[(String, Upload, Result<(), EngineError>)],
) {
    let codes: Vec<(String, String)> = outcomes
        .iter()
        .map(|(_, _, r)| match r {
            Ok(()) => (String::new(), String::new()),
            Err(e) => (error_code(e), e.to_string()),
        })
        .collect();
    let lines = outcomes
        .iter()
        .zip(&codes)
        .map(|((_, upload, result), (code, message))| {
            let result = match result {
                Ok(()) => AuditResult::Aborted {
                    upload_id: &upload.upload_id,
                },
                Err(_) => AuditResult::AbortFailed {
                    upload_id: &upload.upload_id,
                    code,
                    message,
                },
            };
            (upload.key.as_str(), None, result)
        });
    if let Err(e) = audit.record(bucket.name(), lines) {
        tracing::warn!(error = %e, "could not write aborted uploads to the audit log");
    }
}

fn error_code(error: &EngineError) -> String {
    match error {
        EngineError::Service { code, .. } | EngineError::Throttled { code } => code.clone(),
        EngineError::AccessDenied { .. } => "AccessDenied".into(),
        _ => "Error".into(),
    }
}

/// Runs `on_page` on every page of the uploads under `root`, in order.
async fn each_page<F, Fut>(bucket: &Bucket, root: &str, mut on_page: F) -> Result<(), EngineError>
where
    F: FnMut(Vec<Upload>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut marker = None;
    loop {
        let (page, next) =
            retried(bucket.retry(), || bucket.list_uploads(root, marker.clone())).await?;
        on_page(page).await;
        match next {
            Some(next) => marker = Some(next),
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::deployment_of;

    #[test]
    fn uploads_belong_to_the_folder_under_the_root() {
        assert_eq!(deployment_of("", "d1/media/big.mp4"), Some("d1"));
        assert_eq!(deployment_of("sites/", "sites/d1/x"), Some("d1"));
        assert_eq!(deployment_of("", "root.bin"), None);
        assert_eq!(deployment_of("sites/", "other/d1/x"), None);
    }
}
