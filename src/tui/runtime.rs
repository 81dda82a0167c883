//! The explorer's runtime: owns the terminal, turns terminal input, S3 answers and the
//! clock into `AppEvent`s on one channel, feeds them to `App::update`, carries out the
//! `Effect`s in background tasks, and redraws. Nothing here blocks the render loop.

use std::io::{stdout, IsTerminal};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::{FutureExt, StreamExt};
use ratatui::crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyCode, KeyEvent, KeyModifiers,
};
use ratatui::crossterm::{cursor, execute};
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::OnceCell;
use tokio::task::JoinHandle;

use super::app::{App, AppEvent, DeletionRequest, Effect, PlanToWrite, SessionInfo, TargetSession};
use super::preview::{PreviewData, PREVIEW_CAP};
use super::view;
use crate::cli::plan_output::PlanView;
use crate::cli::reviewed_plan::{plan_document, write_plan_file, PlanFileMeta};
use crate::engine::bucket::{Bucket, Scope};
use crate::engine::connection::{connect, ConnectionOptions};
use crate::engine::cost::PriceTable;
use crate::engine::deletion::DeleteOptions;
use crate::engine::error::EngineError;
use crate::engine::inventory::list_deployments_from;
use crate::engine::listing::{Inventory, ListingEvent, ListingOptions};
use crate::engine::live::LiveOptions;
use crate::engine::pages::first_objects;
use crate::engine::prune::{prune, PruneEvent, PruneRequest, PruneSettings};
use crate::engine::rule::Rule;
use crate::engine::stop::StopSignal;

/// Everything the explorer needs to start.
pub struct TuiOptions {
    pub info: SessionInfo,
    pub rule: Rule,
    pub keep_is_default: bool,
    pub connection: ConnectionOptions,
    pub list_concurrency: usize,
    pub delete_options: DeleteOptions,
    /// Where the explorer starts: current objects, or every version (`V` toggles).
    pub scope: Scope,
    /// How live deployments are found.
    pub live: LiveOptions,
    /// `--inventory`: list from this S3 Inventory report instead of the bucket.
    pub inventory: Option<String>,
}

/// How often the clock ticks (ages, rates, the spinner).
const TICK: Duration = Duration::from_millis(250);
/// When set, the explorer panics right after its first frame (for tests only).
const TEST_PANIC_VAR: &str = "S3PRUNE_TEST_PANIC_AFTER_FIRST_FRAME";

/// Events handled between two frames at most, so a flood of listing events cannot
/// starve input or drawing.
const EVENTS_PER_FRAME: usize = 2_000;

/// Runs the explorer until the operator quits. The terminal is restored on every way
/// out: return, error, and panic.
pub async fn run(options: TuiOptions) -> Result<(), String> {
    run_targets(vec![(String::new(), options)]).await
}

/// The explorer over a policy file's targets (name, options), opened on the first;
/// `t`/`T` switch between them without restarting.
pub async fn run_targets(mut targets: Vec<(String, TuiOptions)>) -> Result<(), String> {
    if !stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err("the explorer needs a terminal; for scripts and CI use `s3prune plan` or `s3prune prune`".into());
    }
    let log_path = super::logging::init();
    for (_, options) in &mut targets {
        options.info.log_path = log_path.clone();
    }
    let Some((_, first)) = targets.first() else {
        return Err("no target to open".into());
    };
    tracing::info!(bucket = %first.info.bucket, targets = targets.len(), "explorer starting");

    let terminal = ratatui::try_init().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let guard = TerminalGuard::install();
    let (tx, rx) = unbounded_channel();
    let mut worker = Worker::new(&targets, tx.clone());
    let sessions: Vec<TargetSession> = targets
        .iter()
        .map(|(name, options)| TargetSession {
            name: name.clone(),
            info: options.info.clone(),
            rule: options.rule.clone(),
            keep_is_default: options.keep_is_default,
            all_versions: options.scope == Scope::AllVersions,
        })
        .collect();
    let first = sessions[0].clone();
    let mut app = App::new(first.info, first.rule, first.keep_is_default, Utc::now())
        .with_all_versions(first.all_versions);
    if sessions.len() > 1 {
        app = app.with_targets(sessions);
    }
    let result = event_loop(terminal, &mut app, &mut worker, rx).await;
    worker.shutdown();
    drop(guard);
    match (result, app.fatal.take()) {
        (Err(e), _) => Err(e),
        (Ok(()), Some(fatal)) => Err(format!("internal error, please report it: {fatal}")),
        (Ok(()), None) => Ok(()),
    }
}

async fn event_loop(
    mut terminal: DefaultTerminal,
    app: &mut App,
    worker: &mut Worker,
    mut rx: UnboundedReceiver<AppEvent>,
) -> Result<(), String> {
    let size = terminal
        .size()
        .map_err(|e| format!("cannot read the terminal size: {e}"))?;
    app.update(AppEvent::Resize {
        width: size.width,
        height: size.height,
    });
    let mut quit = false;
    for effect in app.start() {
        quit |= worker.perform(effect);
    }
    let mut input = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut terminate = Terminate::new();

    let mut last_tick = std::time::Instant::now();
    while !quit {
        // New listing data is folded into the table on ticks; tick before drawing so a
        // frame never shows rows that are not counted yet (at most ten times a second).
        if last_tick.elapsed() >= Duration::from_millis(100) {
            app.update(AppEvent::Tick { now: Utc::now() });
            last_tick = std::time::Instant::now();
        }
        terminal
            .draw(|frame| view::render(app, frame))
            .map_err(|e| format!("cannot draw: {e}"))?;
        // Lets the tests prove that a panic restores the terminal (tests/tui_tmux.rs).
        if std::env::var_os(TEST_PANIC_VAR).is_some() {
            panic!("test-only panic requested by {TEST_PANIC_VAR}");
        }
        let first = tokio::select! {
            terminal_event = input.next() => match terminal_event {
                Some(Ok(event)) => match translate(event) {
                    Some(event) => event,
                    None => continue,
                },
                Some(Err(e)) => return Err(format!("cannot read the terminal: {e}")),
                None => return Ok(()),
            },
            Some(event) = rx.recv() => event,
            _ = ticker.tick() => AppEvent::Tick { now: Utc::now() },
            // SIGTERM is handled like Ctrl-C (raw mode turns Ctrl-C into a key): a running
            // deletion stops after the requests in flight; otherwise the explorer quits
            // and restores the terminal.
            _ = terminate.recv() => AppEvent::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        };
        for effect in app.update(first) {
            quit |= worker.perform(effect);
        }
        // Drain what else is waiting before drawing again.
        for _ in 0..EVENTS_PER_FRAME {
            let Ok(event) = rx.try_recv() else { break };
            for effect in app.update(event) {
                quit |= worker.perform(effect);
            }
        }
    }
    Ok(())
}

/// Terminal events the app cares about.
fn translate(event: Event) -> Option<AppEvent> {
    match event {
        Event::Key(key) => Some(AppEvent::Key(key)),
        Event::Mouse(mouse) => Some(AppEvent::Mouse(mouse)),
        Event::Resize(width, height) => Some(AppEvent::Resize { width, height }),
        _ => None,
    }
}

/// SIGTERM as a stream (never fires where signals are not available).
struct Terminate {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Terminate {
    fn new() -> Terminate {
        Terminate {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok(),
        }
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = &mut self.signal {
            signal.recv().await;
            return;
        }
        std::future::pending::<()>().await
    }
}

/// Mouse capture on; off again (with the rest of the terminal state) on drop and on panic.
struct TerminalGuard;

impl TerminalGuard {
    fn install() -> TerminalGuard {
        let _ = execute!(stdout(), EnableMouseCapture);
        // ratatui's hook (installed by `try_init`) restores raw mode and the screen and
        // then calls color-eyre's; this one runs first and undoes the mouse capture.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(stdout(), DisableMouseCapture, cursor::Show);
            previous(info);
        }));
        TerminalGuard
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = execute!(stdout(), DisableMouseCapture);
        ratatui::restore();
        let _ = execute!(stdout(), cursor::Show);
    }
}

/// Carries out effects as background tasks that report back on the channel, for the
/// target on screen.
struct Worker {
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

impl Worker {
    fn new(targets: &[(String, TuiOptions)], tx: UnboundedSender<AppEvent>) -> Worker {
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
    fn perform(&mut self, effect: Effect) -> bool {
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

    fn shutdown(&mut self) {
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

    fn listing_task(
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

    fn preview_task(
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

    /// Writes the marks as a reviewed plan file in the current folder.
    fn write_plan_task(
        &self,
        plan: PlanToWrite,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let bucket = self.connected_bucket();
        let tx = self.tx.clone();
        let root = self.target().root.clone();
        let live = self.target().live.clone();
        let prices = self.target().prices;
        async move {
            let bucket = bucket.await;
            let view = PlanView {
                bucket: bucket.name(),
                root: &root,
                endpoint: bucket.endpoint_label(),
                versioning: plan.versioning,
                rule: &plan.rule,
                plan: &plan.plan,
                root_objects: &plan.root_objects,
                now: plan.now,
                current: None,
                prices,
                uploads_outside: 0,
                report: None,
            };
            let scope = if plan.all_versions {
                Scope::AllVersions
            } else {
                Scope::Current
            };
            let meta = PlanFileMeta {
                created: plan.now,
                endpoint: bucket.endpoint_label(),
                region: bucket.region(),
                scope,
                live_sources: &live,
                target: None,
            };
            let document = plan_document(&view, &meta, &plan.digests);
            let file = format!(
                "s3prune-plan-{}-{}.json",
                bucket.name(),
                plan.now.format("%Y%m%dT%H%M%SZ")
            );
            let result = write_plan_file(std::path::Path::new(&file), vec![document])
                .map(|()| file)
                .map_err(|failure| failure.message().to_string());
            let _ = tx.send(AppEvent::PlanWritten(result));
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

    fn deletion_task(
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

/// The first `PREVIEW_CAP` objects under `prefix`.
async fn load_preview(
    bucket: &Bucket,
    prefix: &str,
) -> Result<PreviewData, crate::engine::error::EngineError> {
    let (entries, truncated) = first_objects(bucket, prefix, PREVIEW_CAP).await?;
    Ok(PreviewData {
        objects: entries.into_iter().map(Into::into).collect(),
        truncated,
    })
}
