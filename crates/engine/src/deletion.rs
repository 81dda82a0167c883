use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use futures::stream::{self, FuturesUnordered, StreamExt};
use tokio::sync::mpsc;

use super::audit::{AuditLog, AuditResult};
use super::bucket::{is_xml_safe, Bucket, Entry, KeyError, ObjectRef, Scope, DELETE_BATCH_LIMIT};
use super::deployment::Deployment;
use super::error::{is_retryable_code, EngineError};
use super::key_spool::KeyList;
use super::listing_gate::ListingGate;
use super::pages::{entries, PageRequest};
use super::retry::{backoff, Retry};
use super::stop::StopSignal;

/// See [`DeleteOptions::batches_in_flight`].
pub const DEFAULT_BATCHES_IN_FLIGHT: usize = 16;

#[derive(Debug, Clone)]
pub struct DeleteOptions {
    /// DeleteObjects requests in flight at most while the deployments' pages are small;
    /// half as many, and half as many keys queued, while they are full (the tuning runs
    /// are in bench/README-performance.md).
    pub batches_in_flight: usize,
    /// Listing slots while deleting (see [`ListingGate`]): this many small pages, or
    /// half as many full ones, re-listed at once.
    pub listing_concurrency: usize,
    /// Attempts per key for retryable failures (on top of the SDK's own retries).
    pub max_rounds: u32,
    pub base_backoff: Duration,
}

impl Default for DeleteOptions {
    fn default() -> Self {
        DeleteOptions {
            batches_in_flight: DEFAULT_BATCHES_IN_FLIGHT,
            listing_concurrency: super::listing::DEFAULT_LISTING_CONCURRENCY,
            max_rounds: Retry::default().max_rounds,
            base_backoff: Retry::default().base_backoff,
        }
    }
}

#[derive(Debug, Clone)]
pub enum DeletionEvent {
    /// A batch came back: these counts were deleted/failed in deployment `index`.
    Progress {
        index: usize,
        deleted_objects: u64,
        deleted_bytes: u64,
        failed_objects: u64,
    },
    /// A retryable failure; the keys go again after a pause.
    Retrying { code: String, keys: usize },
    /// Deployment `index` is finished (fully or not): see its outcome.
    Finished {
        index: usize,
        outcome: DeploymentOutcome,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeStatus {
    /// Every object listed under the prefix was deleted.
    Deleted,
    /// Some objects were deleted, some were not.
    Partial,
    /// Nothing was deleted.
    Failed,
    /// Stopped by the operator before it was finished.
    Stopped,
}

#[derive(Debug, Clone)]
pub struct DeploymentOutcome {
    pub name: String,
    pub prefix: String,
    pub status: OutcomeStatus,
    pub deleted_objects: u64,
    pub deleted_bytes: u64,
    /// Keys a DeleteObjects reply refused (after retries).
    pub failed_keys: Vec<KeyError>,
    /// Why the deployment could not be (fully) listed for deletion, if it could not.
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DeletionReport {
    pub outcomes: Vec<DeploymentOutcome>,
    pub stopped: bool,
}

impl DeletionReport {
    pub fn all_deleted(&self) -> bool {
        self.outcomes
            .iter()
            .all(|o| o.status == OutcomeStatus::Deleted)
    }

    pub fn deleted_objects(&self) -> u64 {
        self.outcomes.iter().map(|o| o.deleted_objects).sum()
    }

    pub fn deleted_bytes(&self) -> u64 {
        self.outcomes.iter().map(|o| o.deleted_bytes).sum()
    }

    pub fn incomplete(&self) -> impl Iterator<Item = &DeploymentOutcome> {
        self.outcomes
            .iter()
            .filter(|o| o.status != OutcomeStatus::Deleted)
    }
}

/// An object (or version) queued for deletion, with the deployment it belongs to.
#[derive(Debug, Clone)]
struct PendingKey {
    index: usize,
    object: ObjectRef,
    size: u64,
}

#[derive(Debug, Default)]
struct Progress {
    deleted_objects: u64,
    deleted_bytes: u64,
    failed_keys: Vec<KeyError>,
    /// `None` while the deployment is still being listed.
    listing: Option<ListingEnd>,
    /// Keys handed to the batcher and not yet answered.
    outstanding: u64,
}

/// How listing a deployment for deletion ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ListingEnd {
    Complete,
    /// The operator stopped before it was fully listed.
    Stopped,
    Failed(String),
}

/// The keys the drift re-check listed moments before deleting, by deployment prefix, so
/// the deletion does not list them a second time (see [`crate::key_spool`]).
pub type Prelisted = HashMap<String, KeyList>;

/// Deletes the confirmed deployments: takes each one's keys from `prelisted` (the
/// re-check's listing, made moments ago) or, missing there, lists it now, and deletes its
/// entries with DeleteObjects in batches of at most 1000, several in flight, retrying
/// throttling and server errors with backoff. Keys from small deployments share batches,
/// so many small deployments cost few requests. In [`Scope::AllVersions`] every version
/// and delete marker is deleted by version id.
///
/// Never sends a key that does not start with its confirmed deployment's prefix. Only
/// [`crate::prune`] calls this, after the drift re-check.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn delete_listed(
    bucket: &Bucket,
    scope: Scope,
    targets: &[Deployment],
    prelisted: &Prelisted,
    options: &DeleteOptions,
    audit: &AuditLog,
    stop: &StopSignal,
    on_event: &(dyn Fn(DeletionEvent) + Send + Sync),
) -> Result<DeletionReport, EngineError> {
    for target in targets {
        check_target(target)?;
    }
    let mut progress: Vec<Progress> = targets.iter().map(|_| Progress::default()).collect();
    let full_pages_batch_limit = (options.batches_in_flight / 2).max(1);
    let (page_tx, mut page_rx) = mpsc::channel::<ListerMessage>(full_pages_batch_limit * 2);

    let gate = &ListingGate::for_deployments(options.listing_concurrency, targets);
    let listers = async move {
        stream::iter(targets.iter().enumerate())
            .for_each_concurrent(options.listing_concurrency.max(1), |(index, target)| {
                let page_tx = page_tx.clone();
                let listed = prelisted.get(&target.prefix);
                async move {
                    if let Some(listed) = listed {
                        send_listed(index, target, listed, stop, page_tx).await;
                    } else {
                        list_for_deletion(gate, bucket, scope, index, target, stop, page_tx).await
                    }
                }
            })
            .await;
    };

    let deleter = async {
        let mut queue: VecDeque<PendingKey> = VecDeque::new();
        let mut in_flight = FuturesUnordered::new();
        let mut listers_open = true;
        loop {
            // Send full batches while there is room; a partial one only once listing is over.
            let batch_limit = if gate.replies_are_small() {
                options.batches_in_flight.max(1)
            } else {
                full_pages_batch_limit
            };
            while in_flight.len() < batch_limit
                && !stop.is_stopped()
                && (queue.len() >= DELETE_BATCH_LIMIT || (!listers_open && !queue.is_empty()))
            {
                let take = queue.len().min(DELETE_BATCH_LIMIT);
                let batch: Vec<PendingKey> = queue.drain(..take).collect();
                in_flight.push(delete_with_retries(bucket, batch, options, stop, on_event));
            }
            // Done when listing is over and nothing is in flight; queued keys that were
            // never sent because of a stop count as not deleted.
            if !listers_open && in_flight.is_empty() && (queue.is_empty() || stop.is_stopped()) {
                break;
            }
            tokio::select! {
                // Bounded: memory stays at a few batches however large the bucket. While
                // stopping, keep draining so listers blocked on send can finish.
                message = page_rx.recv(), if listers_open
                    && (queue.len() < full_pages_batch_limit * DELETE_BATCH_LIMIT
                        || stop.is_stopped()) => match message {
                    Some(ListerMessage::Keys(keys)) => {
                        for key in &keys {
                            progress[key.index].outstanding += 1;
                        }
                        queue.extend(keys);
                    }
                    Some(ListerMessage::Done { index, end }) => {
                        progress[index].listing = Some(end);
                        finish_if_done(&progress, index, targets, stop, on_event);
                    }
                    None => listers_open = false,
                },
                Some(result) = in_flight.next(), if !in_flight.is_empty() => {
                    let touched = apply_batch(bucket.name(), result, &mut progress, audit, on_event)?;
                    for index in touched {
                        finish_if_done(&progress, index, targets, stop, on_event);
                    }
                },
                _ = stop.stopped(), if !stop.is_stopped() => {}
                else => break,
            }
        }
        Ok::<(), EngineError>(())
    };

    let ((), deleted) = tokio::join!(listers, deleter);
    deleted?;

    let stopped = stop.is_stopped();
    let outcomes = targets
        .iter()
        .zip(progress)
        .map(|(target, p)| outcome_of(target, p, stopped))
        .collect();
    Ok(DeletionReport { outcomes, stopped })
}

fn check_target(target: &Deployment) -> Result<(), EngineError> {
    let suffix_ok = target.prefix.ends_with('/') && target.prefix.len() > 1;
    let name_ok =
        !target.name.contains('/') && target.prefix.ends_with(&format!("{}/", target.name));
    if suffix_ok && name_ok {
        Ok(())
    } else {
        Err(EngineError::Other(format!(
            "refusing to delete {:?}: its prefix {:?} is not a deployment folder",
            target.name, target.prefix
        )))
    }
}

enum ListerMessage {
    Keys(Vec<PendingKey>),
    Done { index: usize, end: ListingEnd },
}

fn pending_keys(
    index: usize,
    target: &Deployment,
    scope: Scope,
    entries: &[Entry],
) -> Vec<PendingKey> {
    entries
        .iter()
        .filter(|e| e.key.starts_with(&target.prefix))
        .map(|e| PendingKey {
            index,
            object: e.object_ref(scope),
            size: e.size,
        })
        .collect()
}

/// Hands over a listing made moments ago, a batch at a time, never a key outside the
/// target's prefix.
async fn send_listed(
    index: usize,
    target: &Deployment,
    listed: &KeyList,
    stop: &StopSignal,
    pages: mpsc::Sender<ListerMessage>,
) {
    let mut chunks = listed.chunks(DELETE_BATCH_LIMIT);
    let end = loop {
        if stop.is_stopped() {
            break ListingEnd::Stopped;
        }
        match chunks.next() {
            None => break ListingEnd::Complete,
            Some(Err(e)) => {
                break ListingEnd::Failed(format!(
                    "cannot read back the keys the re-check listed (kept in a temporary file): {e}"
                ))
            }
            Some(Ok(chunk)) => {
                let keys: Vec<PendingKey> = chunk
                    .into_iter()
                    .filter(|k| k.object.key.starts_with(&target.prefix))
                    .map(|k| PendingKey {
                        index,
                        object: k.object,
                        size: k.size,
                    })
                    .collect();
                if !keys.is_empty() && pages.send(ListerMessage::Keys(keys)).await.is_err() {
                    return;
                }
            }
        }
    };
    let _ = pages.send(ListerMessage::Done { index, end }).await;
}

async fn list_for_deletion(
    gate: &ListingGate,
    bucket: &Bucket,
    scope: Scope,
    index: usize,
    target: &Deployment,
    stop: &StopSignal,
    pages: mpsc::Sender<ListerMessage>,
) {
    let listing = entries(bucket, PageRequest::flat(scope, &target.prefix), Some(gate));
    futures::pin_mut!(listing);
    let end = loop {
        if stop.is_stopped() {
            break ListingEnd::Stopped;
        }
        let next = tokio::select! {
            next = listing.next() => next,
            // Waiting for a listing slot (or a reply) must not outlast a stop.
            _ = stop.stopped() => break ListingEnd::Stopped,
        };
        match next {
            None => break ListingEnd::Complete,
            Some(Err(e)) => break ListingEnd::Failed(e.to_string()),
            Some(Ok(page)) => {
                let keys = pending_keys(index, target, scope, &page);
                if !keys.is_empty() && pages.send(ListerMessage::Keys(keys)).await.is_err() {
                    return;
                }
            }
        }
    };
    let _ = pages.send(ListerMessage::Done { index, end }).await;
}

/// The keys of one batch, each with its final answer.
struct BatchResult {
    deleted: Vec<PendingKey>,
    /// The delete marker each plain delete created in a versioned bucket, for the audit log.
    markers: std::collections::HashMap<ObjectRef, String>,
    failed: Vec<(PendingKey, KeyError)>,
    /// Not sent (again) because the operator stopped.
    abandoned: Vec<PendingKey>,
}

async fn delete_with_retries(
    bucket: &Bucket,
    batch: Vec<PendingKey>,
    options: &DeleteOptions,
    stop: &StopSignal,
    on_event: &(dyn Fn(DeletionEvent) + Send + Sync),
) -> BatchResult {
    let mut result = BatchResult {
        deleted: Vec::new(),
        markers: Default::default(),
        failed: Vec::new(),
        abandoned: Vec::new(),
    };
    let mut pending = batch;
    let mut round = 0u32;
    while !pending.is_empty() {
        round += 1;
        let mut retry: Vec<(PendingKey, KeyError)> = Vec::new();
        let (batchable, single): (Vec<PendingKey>, Vec<PendingKey>) =
            pending.drain(..).partition(|k| is_xml_safe(&k.object.key));
        for pending_key in single {
            match bucket.delete_one(&pending_key.object).await {
                Ok(marker) => {
                    if let Some(marker) = marker {
                        result.markers.insert(pending_key.object.clone(), marker);
                    }
                    result.deleted.push(pending_key)
                }
                Err(error) => {
                    let key_error = KeyError {
                        key: pending_key.object.key.clone(),
                        code: error_code(&error),
                        message: error.to_string(),
                    };
                    if error.is_retryable() {
                        retry.push((pending_key, key_error));
                    } else {
                        result.failed.push((pending_key, key_error));
                    }
                }
            }
        }
        pending = batchable;
        let objects: Vec<ObjectRef> = pending.iter().map(|k| k.object.clone()).collect();
        let reply = if objects.is_empty() {
            Ok(Default::default())
        } else {
            bucket.delete_objects(&objects).await
        };
        match reply {
            Ok(reply) => {
                result.markers.extend(reply.markers);
                let mut by_object: std::collections::HashMap<ObjectRef, PendingKey> =
                    pending.drain(..).map(|k| (k.object.clone(), k)).collect();
                for object in reply.deleted {
                    if let Some(pending_key) = by_object.remove(&object) {
                        result.deleted.push(pending_key);
                    }
                }
                for (object, error) in reply.errors {
                    if let Some(pending_key) = by_object.remove(&object) {
                        if is_retryable_code(&error.code) {
                            retry.push((pending_key, error));
                        } else {
                            result.failed.push((pending_key, error));
                        }
                    }
                }
            }
            Err(error) => {
                let code = error_code(&error);
                let retryable = error.is_retryable();
                for pending_key in pending.drain(..) {
                    let key_error = KeyError {
                        key: pending_key.object.key.clone(),
                        code: code.clone(),
                        message: error.to_string(),
                    };
                    if retryable {
                        retry.push((pending_key, key_error));
                    } else {
                        result.failed.push((pending_key, key_error));
                    }
                }
            }
        }
        if retry.is_empty() {
            break;
        }
        if round >= options.max_rounds {
            result.failed.extend(retry);
            break;
        }
        on_event(DeletionEvent::Retrying {
            code: retry[0].1.code.clone(),
            keys: retry.len(),
        });
        let pause = backoff(options.base_backoff, round);
        tokio::select! {
            _ = tokio::time::sleep(pause) => {
                pending = retry.into_iter().map(|(k, _)| k).collect();
            }
            _ = stop.stopped() => {
                result.abandoned.extend(retry.into_iter().map(|(k, _)| k));
                break;
            }
        }
    }
    result
}

fn error_code(error: &EngineError) -> String {
    match error {
        EngineError::Service { code, .. } | EngineError::Throttled { code } => code.clone(),
        EngineError::AccessDenied { .. } => "AccessDenied".into(),
        EngineError::NoSuchBucket { .. } => "NoSuchBucket".into(),
        EngineError::Timeout { .. } => "Timeout".into(),
        EngineError::Unreachable { .. } => "Unreachable".into(),
        _ => "Error".into(),
    }
}

/// Records a batch's answers in the audit log and the per-deployment progress; returns
/// the deployments it touched.
fn apply_batch(
    bucket_name: &str,
    result: BatchResult,
    progress: &mut [Progress],
    audit: &AuditLog,
    on_event: &(dyn Fn(DeletionEvent) + Send + Sync),
) -> Result<Vec<usize>, EngineError> {
    let deleted = result.deleted.iter().map(|k| {
        let outcome = match result.markers.get(&k.object) {
            Some(marker_version) => AuditResult::DeletedWithMarker { marker_version },
            None => AuditResult::Deleted,
        };
        (
            k.object.key.as_str(),
            k.object.version_id.as_deref(),
            outcome,
        )
    });
    let failed = result.failed.iter().map(|(k, e)| {
        (
            k.object.key.as_str(),
            k.object.version_id.as_deref(),
            AuditResult::Failed {
                code: &e.code,
                message: &e.message,
            },
        )
    });
    audit
        .record(bucket_name, deleted.chain(failed))
        .map_err(|e| {
            EngineError::Other(format!(
                "cannot write the audit log {}: {e}",
                audit.path().display()
            ))
        })?;

    let mut touched: Vec<usize> = Vec::new();
    let mut deltas: std::collections::BTreeMap<usize, (u64, u64, u64)> = Default::default();
    for key in &result.deleted {
        let p = &mut progress[key.index];
        p.deleted_objects += 1;
        p.deleted_bytes += key.size;
        p.outstanding -= 1;
        let d = deltas.entry(key.index).or_default();
        d.0 += 1;
        d.1 += key.size;
    }
    for (key, error) in result.failed {
        let p = &mut progress[key.index];
        p.outstanding -= 1;
        p.failed_keys.push(error);
        deltas.entry(key.index).or_default().2 += 1;
    }
    for key in &result.abandoned {
        progress[key.index].outstanding -= 1;
        deltas.entry(key.index).or_default();
    }
    for (index, (deleted_objects, deleted_bytes, failed_objects)) in deltas {
        on_event(DeletionEvent::Progress {
            index,
            deleted_objects,
            deleted_bytes,
            failed_objects,
        });
        touched.push(index);
    }
    Ok(touched)
}

fn finish_if_done(
    progress: &[Progress],
    index: usize,
    targets: &[Deployment],
    stop: &StopSignal,
    on_event: &(dyn Fn(DeletionEvent) + Send + Sync),
) {
    let p = &progress[index];
    if p.listing.is_some() && p.outstanding == 0 {
        let outcome = outcome_of(
            &targets[index],
            Progress {
                deleted_objects: p.deleted_objects,
                deleted_bytes: p.deleted_bytes,
                failed_keys: p.failed_keys.clone(),
                listing: p.listing.clone(),
                outstanding: 0,
            },
            stop.is_stopped(),
        );
        on_event(DeletionEvent::Finished { index, outcome });
    }
}

fn outcome_of(target: &Deployment, p: Progress, stopped: bool) -> DeploymentOutcome {
    let complete =
        p.listing == Some(ListingEnd::Complete) && p.outstanding == 0 && p.failed_keys.is_empty();
    let status = if complete {
        OutcomeStatus::Deleted
    } else if stopped
        && p.failed_keys.is_empty()
        && !matches!(p.listing, Some(ListingEnd::Failed(_)))
    {
        OutcomeStatus::Stopped
    } else if p.deleted_objects > 0 {
        OutcomeStatus::Partial
    } else {
        OutcomeStatus::Failed
    };
    let error = match p.listing {
        Some(ListingEnd::Failed(error)) => Some(error),
        Some(ListingEnd::Stopped) => Some("stopped before it was fully listed".to_string()),
        Some(ListingEnd::Complete) | None => None,
    };
    DeploymentOutcome {
        name: target.name.clone(),
        prefix: target.prefix.clone(),
        status,
        deleted_objects: p.deleted_objects,
        deleted_bytes: p.deleted_bytes,
        failed_keys: p.failed_keys,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn target(name: &str, prefix: &str) -> Deployment {
        Deployment {
            name: name.into(),
            prefix: prefix.into(),
            objects: 1,
            bytes: 1,
            newest: Utc::now(),
            oldest: Utc::now(),
            storage: Default::default(),
            incomplete_uploads: 0,
        }
    }

    #[test]
    fn only_deployment_folders_are_accepted_as_targets() {
        assert!(check_target(&target("d", "d/")).is_ok());
        assert!(check_target(&target("d", "sites/d/")).is_ok());
        assert!(check_target(&target("", "")).is_err());
        assert!(check_target(&target("d", "d")).is_err());
        assert!(check_target(&target("d", "/")).is_err());
        assert!(check_target(&target("a/b", "a/b/")).is_err());
        assert!(check_target(&target("d", "other/")).is_err());
    }
}
