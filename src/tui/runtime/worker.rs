//! The effects of `App::update` carried out as background tasks, which report back on
//! the event channel as `AppEvent`s.

mod plan_file;
mod tasks;

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures::FutureExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::OnceCell;
use tokio::task::JoinHandle;

use super::TuiOptions;
use crate::engine::bucket::{Bucket, Scope};
use crate::engine::connection::{connect, ConnectionOptions};
use crate::engine::cost::PriceTable;
use crate::engine::deletion::DeleteOptions;
use crate::engine::listing::ListingOptions;
use crate::engine::live::LiveOptions;
use crate::engine::stop::StopSignal;
use crate::tui::app::{AppEvent, Effect};

/// Carries out effects as background tasks that report back on the channel, for the
/// target on screen.
pub(super) struct Worker {
    tx: UnboundedSender<AppEvent>,
    targets: Vec<WorkerTarget>,
    /// Index into `targets`, shared with connecting tasks so that a connection finished
    /// after a switch does not relabel the new target.
    current: Arc<AtomicUsize>,
    listing: Option<JoinHandle<()>>,
    preview: Option<JoinHandle<()>>,
    deletion: Option<(JoinHandle<()>, StopSignal)>,
}

/// Where one target is and how to work on it.
struct WorkerTarget {
    bucket_name: String,
    root: String,
    connection: ConnectionOptions,
    list_concurrency: usize,
    live: LiveOptions,
    inventory: Option<String>,
    delete_options: DeleteOptions,
    audit_path: PathBuf,
    /// Storage prices per class, STANDARD at `--price-per-gb` (for plan files).
    prices: PriceTable,
    /// Connected once per target, on first use, inside a task (loading AWS config can
    /// take a while); kept when switching away and back.
    bucket: Arc<OnceCell<Bucket>>,
}

impl Worker {
    pub(super) fn new(targets: &[(String, TuiOptions)], tx: UnboundedSender<AppEvent>) -> Worker {
        Worker {
            tx,
            targets: targets
                .iter()
                .map(|(_, options)| WorkerTarget {
                    prices: PriceTable::us_east_1().with_standard(options.info.price_per_gb),
                    bucket_name: options.info.bucket.clone(),
                    root: options.info.root.clone(),
                    connection: options.connection.clone(),
                    list_concurrency: options.list_concurrency,
                    live: options.live.clone(),
                    inventory: options.inventory.clone(),
                    delete_options: options.delete_options.clone(),
                    audit_path: options.info.audit_path.clone(),
                    bucket: Arc::new(OnceCell::new()),
                })
                .collect(),
            current: Arc::new(AtomicUsize::new(0)),
            listing: None,
            preview: None,
            deletion: None,
        }
    }

    fn target(&self) -> &WorkerTarget {
        &self.targets[self.current.load(Ordering::Relaxed)]
    }

    /// Returns true when the explorer should quit.
    pub(super) fn perform(&mut self, effect: Effect) -> bool {
        match effect {
            Effect::StartListing {
                generation,
                all_versions,
            } => {
                if let Some(old) = self.listing.take() {
                    old.abort();
                }
                self.listing = Some(self.spawn(self.listing_task(generation, all_versions)));
            }
            Effect::LoadPreview { request, prefix } => {
                if let Some(old) = self.preview.take() {
                    old.abort();
                }
                self.preview = Some(self.spawn(self.preview_task(request, prefix)));
            }
            Effect::CancelPreview => {
                if let Some(old) = self.preview.take() {
                    old.abort();
                }
            }
            Effect::SwitchTarget(index) if index < self.targets.len() => {
                for old in [self.listing.take(), self.preview.take()]
                    .into_iter()
                    .flatten()
                {
                    old.abort();
                }
                self.current.store(index, Ordering::Relaxed);
                if let Some(bucket) = self.targets[index].bucket.get() {
                    let _ = self.tx.send(AppEvent::Connected {
                        endpoint: bucket.endpoint_label().to_string(),
                        region: bucket.region().to_string(),
                    });
                }
            }
            Effect::SwitchTarget(_) => {}
            Effect::StartDeletion(request) => {
                let stop = StopSignal::new();
                let task = self.spawn(self.deletion_task(request, stop.clone()));
                self.deletion = Some((task, stop));
            }
            Effect::StopDeletion => {
                if let Some((_, stop)) = &self.deletion {
                    stop.stop();
                }
            }
            Effect::WritePlan(plan) => {
                self.spawn(self.write_plan_task(*plan));
            }
            Effect::Quit => return true,
        }
        false
    }

    pub(super) fn shutdown(&mut self) {
        if let Some((task, stop)) = self.deletion.take() {
            stop.stop();
            task.abort();
        }
        for task in [self.listing.take(), self.preview.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }

    /// Spawns `work`; a panic inside it becomes an `AppEvent::TaskFailed` instead of a
    /// silently dead task.
    fn spawn(
        &self,
        work: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> JoinHandle<()> {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            if let Err(panic) = AssertUnwindSafe(work).catch_unwind().await {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a background task panicked".into());
                let _ = tx.send(AppEvent::TaskFailed(message));
            }
        })
    }

    fn connected_bucket(&self) -> impl std::future::Future<Output = Bucket> + Send + 'static {
        let index = self.current.load(Ordering::Relaxed);
        let current = Arc::clone(&self.current);
        let target = self.target();
        let cell = Arc::clone(&target.bucket);
        let options = target.connection.clone();
        let name = target.bucket_name.clone();
        let tx = self.tx.clone();
        async move {
            cell.get_or_init(|| async {
                let connection = connect(&options).await;
                let bucket = Bucket::new(&connection, name);
                if current.load(Ordering::Relaxed) == index {
                    let _ = tx.send(AppEvent::Connected {
                        endpoint: bucket.endpoint_label().to_string(),
                        region: bucket.region().to_string(),
                    });
                }
                bucket
            })
            .await
            .clone()
        }
    }

    fn listing_options(&self, all_versions: bool) -> ListingOptions {
        let scope = if all_versions {
            Scope::AllVersions
        } else {
            Scope::Current
        };
        let target = self.target();
        ListingOptions {
            root: target.root.clone(),
            concurrency: target.list_concurrency,
            scope,
            live: target.live.clone(),
            // The marks can be written as a reviewed plan (`w`), which needs them.
            digests: true,
        }
    }
}
