//! The prune pipeline, written once for every front end (`prune`, the explorer, the
//! tests): open the audit log, re-check the confirmed deployments against the bucket as
//! it is now, delete what still holds (or hand it to S3 lifecycle rules, [`Via`]), stop
//! when asked, and report.

use std::path::{Path, PathBuf};

use super::audit::AuditLog;
use super::bucket::Bucket;
use super::deletion::{
    delete_listed, DeleteOptions, DeletionEvent, DeletionReport, DeploymentOutcome, OutcomeStatus,
};
use super::deployment::Deployment;
use super::drift::{recheck_request, Recheck, Skipped};
use super::error::EngineError;
use super::lifecycle::{hand_off, HandoffReport, LifecycleError};
use super::listing::ListingOptions;
pub use super::prune_request::PruneRequest;
use super::stop::StopSignal;
use super::uploads::{abort_under, AbortReport};

/// How to list and delete.
#[derive(Debug, Clone)]
pub struct PruneSettings {
    /// The root, the listing concurrency and the scope (current objects or every
    /// version).
    pub listing: ListingOptions,
    pub delete: DeleteOptions,
    /// The JSON-lines audit log every deletion is appended to.
    pub audit_path: PathBuf,
}

#[derive(Debug, Clone)]
pub enum PruneEvent {
    /// The re-check is done: `confirmed` will be deleted (deletion events index into
    /// it), `skipped` will not.
    Rechecked {
        confirmed: Vec<Deployment>,
        skipped: Vec<Skipped>,
    },
    Deletion(DeletionEvent),
}

/// What the pipeline does with the deployments that pass the re-check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Via {
    /// Delete them now (DeleteObjects).
    #[default]
    Delete,
    /// Add a lifecycle rule per deployment; S3 deletes them later ([`crate::lifecycle`]).
    Lifecycle,
}

#[derive(Debug, Clone)]
pub struct PruneReport {
    /// Confirmed deployments the re-check did not delete, and why.
    pub skipped: Vec<Skipped>,
    /// What happened to the others (no outcomes when they were handed to S3).
    pub deletion: DeletionReport,
    /// With [`Via::Lifecycle`]: the rules in place for the others.
    pub handoff: Option<HandoffReport>,
    /// The incomplete multipart uploads aborted under the deployments deleted in full.
    pub uploads: AbortReport,
}

#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    #[error("cannot open the audit log {}: {error}; nothing was deleted (choose another file with --audit-log PATH)", path.display())]
    AuditLog {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("could not check the deployments again before deleting: {0}; nothing was deleted")]
    Recheck(EngineError),
    #[error("{0}")]
    Deletion(EngineError),
    #[error("{0}")]
    Lifecycle(LifecycleError),
}

/// Runs the pipeline, deleting. A stop during the re-check sends no delete at all:
/// every target is reported stopped.
pub async fn prune(
    bucket: &Bucket,
    request: &PruneRequest,
    settings: &PruneSettings,
    stop: &StopSignal,
    on_event: &(dyn Fn(PruneEvent) + Send + Sync),
) -> Result<PruneReport, PruneError> {
    prune_via(Via::Delete, bucket, request, settings, stop, on_event).await
}

/// Runs the pipeline, deleting or handing the deployments to S3 as `via` says.
pub async fn prune_via(
    via: Via,
    bucket: &Bucket,
    request: &PruneRequest,
    settings: &PruneSettings,
    stop: &StopSignal,
    on_event: &(dyn Fn(PruneEvent) + Send + Sync),
) -> Result<PruneReport, PruneError> {
    let audit = open_audit_log(&settings.audit_path)?;
    let checked = tokio::select! {
        checked = recheck_request(bucket, &settings.listing, request, true) => Some(checked.map_err(PruneError::Recheck)?),
        _ = stop.stopped() => None,
    };
    let Some(checked) = checked else {
        on_event(PruneEvent::Rechecked {
            confirmed: request.targets.clone(),
            skipped: Vec::new(),
        });
        return Ok(PruneReport {
            skipped: Vec::new(),
            deletion: stopped_before_sending(&request.targets),
            handoff: None,
            uploads: AbortReport::default(),
        });
    };
    on_event(PruneEvent::Rechecked {
        confirmed: checked.confirmed.clone(),
        skipped: checked.skipped.clone(),
    });
    if via == Via::Lifecycle {
        let handoff = hand_off(bucket, settings.listing.scope, &checked.confirmed, &audit)
            .await
            .map_err(PruneError::Lifecycle)?;
        return Ok(PruneReport {
            skipped: checked.skipped,
            deletion: DeletionReport {
                outcomes: Vec::new(),
                stopped: false,
            },
            handoff: Some(handoff),
            uploads: AbortReport::default(),
        });
    }
    let deletion = if checked.confirmed.is_empty() {
        DeletionReport {
            outcomes: Vec::new(),
            stopped: stop.is_stopped(),
        }
    } else {
        let forward = |event| on_event(PruneEvent::Deletion(event));
        delete_listed(
            bucket,
            settings.listing.scope,
            &checked.confirmed,
            &checked.prelisted,
            &settings.delete,
            &audit,
            stop,
            &forward,
        )
        .await
        .map_err(PruneError::Deletion)?
    };
    let uploads = abort_uploads(bucket, settings, &deletion, &audit, stop).await;
    Ok(PruneReport {
        skipped: checked.skipped,
        deletion,
        handoff: None,
        uploads,
    })
}

/// Aborts the incomplete uploads under the deployments whose objects all went: only
/// those the re-check confirmed, so never under a deployment that is kept (now). A
/// failure to list the uploads is reported, not raised: the deletion already happened.
async fn abort_uploads(
    bucket: &Bucket,
    settings: &PruneSettings,
    deletion: &DeletionReport,
    audit: &AuditLog,
    stop: &StopSignal,
) -> AbortReport {
    let deleted: Vec<String> = deletion
        .outcomes
        .iter()
        .filter(|o| o.status == OutcomeStatus::Deleted)
        .map(|o| o.prefix.clone())
        .collect();
    if stop.is_stopped() {
        return AbortReport::default();
    }
    abort_under(bucket, &settings.listing.root, &deleted, audit, stop)
        .await
        .unwrap_or_else(|e| AbortReport {
            error: Some(format!(
                "the incomplete multipart uploads under the deleted deployments could not be listed, so none was aborted: {e}"
            )),
            ..AbortReport::default()
        })
}

/// The pipeline's re-check alone, deleting nothing: what a prune would delete now, and
/// what it would skip and why (`prune --plan --dry-run`).
pub async fn check(
    bucket: &Bucket,
    request: &PruneRequest,
    settings: &PruneSettings,
) -> Result<Recheck, EngineError> {
    recheck_request(bucket, &settings.listing, request, false).await
}

fn open_audit_log(path: &Path) -> Result<AuditLog, PruneError> {
    AuditLog::open(path).map_err(|error| PruneError::AuditLog {
        path: path.to_path_buf(),
        error,
    })
}

fn stopped_before_sending(targets: &[Deployment]) -> DeletionReport {
    let outcomes = targets
        .iter()
        .map(|d| DeploymentOutcome {
            name: d.name.clone(),
            prefix: d.prefix.clone(),
            status: OutcomeStatus::Stopped,
            deleted_objects: 0,
            deleted_bytes: 0,
            failed_keys: Vec::new(),
            error: None,
        })
        .collect();
    DeletionReport {
        outcomes,
        stopped: true,
    }
}
