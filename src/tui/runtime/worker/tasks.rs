//! The background tasks: listing, preview and deletion.

use super::Worker;
use crate::engine::bucket::Bucket;
use crate::engine::error::EngineError;
use crate::engine::inventory::list_deployments_from;
use crate::engine::listing::{Inventory, ListingEvent, ListingOptions};
use crate::engine::pages::first_objects;
use crate::engine::prune::{prune, PruneEvent, PruneRequest, PruneSettings};
use crate::engine::stop::StopSignal;
use crate::tui::app::{AppEvent, DeletionRequest};
use crate::tui::preview::{PreviewData, PREVIEW_CAP};

impl Worker {
    pub(super) fn listing_task(
        &self,
        generation: u64,
        all_versions: bool,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let bucket = self.connected_bucket();
        let tx = self.tx.clone();
        let options = self.listing_options(all_versions);
        let report = self.target().inventory.clone();
        async move {
            let bucket = bucket.await;
            if let Err(error) = bucket.check_access().await {
                let _ = tx.send(AppEvent::ListingDone {
                    generation,
                    result: Err(error),
                });
                return;
            }
            let versioning = async {
                let _ = tx.send(AppEvent::Versioning(bucket.versioning().await));
            };
            let on_event = |event| {
                let _ = tx.send(AppEvent::Listing { generation, event });
            };
            let listing = list_for_explorer(&bucket, &options, report.as_deref(), &on_event);
            let ((), result) = tokio::join!(versioning, listing);
            let _ = tx.send(AppEvent::ListingDone { generation, result });
        }
    }

    pub(super) fn preview_task(
        &self,
        request: u64,
        prefix: String,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let bucket = self.connected_bucket();
        let tx = self.tx.clone();
        async move {
            let bucket = bucket.await;
            let result = load_preview(&bucket, &prefix).await;
            let _ = tx.send(AppEvent::PreviewLoaded { request, result });
        }
    }

    pub(super) fn deletion_task(
        &self,
        request: DeletionRequest,
        stop: StopSignal,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let bucket = self.connected_bucket();
        let tx = self.tx.clone();
        let settings = PruneSettings {
            listing: self.listing_options(request.all_versions),
            delete: self.target().delete_options.clone(),
            audit_path: self.target().audit_path.clone(),
        };
        let request = PruneRequest {
            by_hand: request.by_hand.iter().cloned().collect(),
            targets: request.targets,
            rule: Some(request.rule),
            planned: request.listed,
            now: request.now,
            fingerprints: None,
        };
        async move {
            let bucket = bucket.await;
            tracing::info!(
                deployments = request.targets.len(),
                "deletion confirmed in the explorer"
            );
            let on_event = |event| {
                let event = match event {
                    PruneEvent::Rechecked { confirmed, skipped } => {
                        for s in &skipped {
                            tracing::warn!(name = %s.name, reason = %s.reason, "not deleting: changed since it was listed");
                        }
                        AppEvent::Rechecked { confirmed, skipped }
                    }
                    PruneEvent::Deletion(event) => AppEvent::Deletion(event),
                };
                let _ = tx.send(event);
            };
            let result = prune(&bucket, &request, &settings, &stop, &on_event)
                .await
                .map(|report| {
                    let uploads = &report.uploads;
                    let failed = (!uploads.failed.is_empty()).then(|| {
                        format!(
                            "{} incomplete multipart uploads could not be aborted (see the audit log)",
                            uploads.failed.len()
                        )
                    });
                    let _ = tx.send(AppEvent::UploadsAborted {
                        aborted: uploads.aborted(),
                        problem: uploads.error.clone().or(failed),
                    });
                    report.deletion
                })
                .map_err(|e| e.to_string());
            if let Err(e) = &result {
                tracing::warn!(error = %e, "deletion failed");
            }
            let _ = tx.send(AppEvent::DeletionDone(result));
        }
    }
}

/// The listing the explorer shows (see [`list_deployments_from`]); where it came from
/// is not shown.
async fn list_for_explorer(
    bucket: &Bucket,
    options: &ListingOptions,
    report: Option<&str>,
    on_event: &(dyn Fn(ListingEvent) + Send + Sync),
) -> Result<Inventory, EngineError> {
    let (inventory, _) = list_deployments_from(bucket, options, report, on_event).await?;
    Ok(inventory)
}

/// The first `PREVIEW_CAP` objects under `prefix`.
async fn load_preview(bucket: &Bucket, prefix: &str) -> Result<PreviewData, EngineError> {
    let (entries, truncated) = first_objects(bucket, prefix, PREVIEW_CAP).await?;
    Ok(PreviewData {
        objects: entries.into_iter().map(Into::into).collect(),
        truncated,
    })
}
