use std::collections::HashSet;
use std::io::IsTerminal;
use std::sync::Mutex;

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{GlobalArgs, PruneArgs, PruneFormat, PruneVia};
use super::config::Selection;
use super::plan_output::{delete_names, write_table};
use super::prune_report::{requests_line, write_reports, Prose, TargetReport};
use super::session::default_audit_path;
use super::session::{plan_target, target, Planned};
use crate::engine::bucket::Bucket;
use crate::engine::deletion::{DeleteOptions, DeletionEvent, DeletionReport, OutcomeStatus};
use crate::engine::deployment::Deployment;
use crate::engine::listing::{normalise_root, ListingOptions};
use crate::engine::prune::{prune, PruneEvent, PruneReport, PruneRequest, PruneSettings};
use crate::engine::stop::StopSignal;
use crate::engine::uploads::AbortReport;
use crate::format::{bytes, count, printable};
use crate::operations::failure::{CommandResult, Failure};

/// Without a policy file's targets: the one prune the flags describe. With them: each
/// target in file order, its plan shown and confirmed on its own (`--yes` skips every
/// question); a failed or declined target does not stop the next; the exit code is the
/// worst of them.
pub async fn run(global: &GlobalArgs, args: &PruneArgs) -> CommandResult {
    check_prune_args(args)?;
    let selection = super::config::select(global)?;
    selection.checked()?;
    let started = Utc::now();
    let pruned = prune_targets(&selection, args, Prose::for_args(args)).await?;
    if args.format == PruneFormat::Json {
        write_reports(&pruned.reports, selection.from_file, started);
    }
    pruned.result
}

/// Every target's prune and its report, and the exit they amount to.
pub struct TargetsPruned {
    pub reports: Vec<TargetReport>,
    pub result: CommandResult,
}

/// The prune of every selected target (checked by the caller), as `prune` runs it and
/// the Lambda function too. A usage failure (found before any request) is the `Err` and
/// reports nothing.
pub async fn prune_targets(
    selection: &Selection,
    args: &PruneArgs,
    prose: Prose,
) -> Result<TargetsPruned, Failure> {
    if !selection.from_file {
        let global = &selection.targets[0].global;
        let mut report = start_report(global, None);
        let result = run_one(global, args, prose, &mut report).await;
        // Bad input changes nothing and reports nothing: exit 2 and one paragraph.
        if let Err(usage @ Failure::Usage(_)) = result {
            return Err(usage);
        }
        report.finish(result.as_ref().err().map(Failure::message));
        return Ok(TargetsPruned {
            reports: vec![report],
            result,
        });
    }
    let total = selection.targets.len();
    let mut outcomes = Vec::with_capacity(total);
    let mut reports = Vec::with_capacity(total);
    for (i, selected) in selection.targets.iter().enumerate() {
        let name = selected.name.as_deref().unwrap_or_default();
        prose.line(format_args!("== target {name} ({} of {total}) ==", i + 1));
        let mut report = start_report(&selected.global, selected.name.as_deref());
        let result = run_one(&selected.global, args, prose, &mut report).await;
        prose.line("");
        let failure = match result {
            Ok(()) => None,
            // Found before any request (no terminal and no --yes): the same for every target.
            Err(usage @ Failure::Usage(_)) => return Err(selected.locate(usage)),
            Err(failure) => {
                let failure = selected.locate(failure);
                eprintln!("s3prune: {}", failure.message());
                Some(failure)
            }
        };
        report.finish(failure.as_ref().map(Failure::message));
        reports.push(report);
        outcomes.push((name, failure));
    }
    let summary: Vec<String> = outcomes
        .iter()
        .map(|(name, failure)| match failure {
            None => format!("{name} done"),
            Some(_) => format!("{name} FAILED"),
        })
        .collect();
    prose.line(format_args!("Targets: {}.", summary.join(", ")));
    let result = crate::operations::failure::worst_of_targets(
        outcomes
            .into_iter()
            .filter_map(|(name, failure)| Some((name, failure?))),
        total,
    );
    Ok(TargetsPruned { reports, result })
}

fn start_report(global: &GlobalArgs, target: Option<&str>) -> TargetReport {
    let mut report = TargetReport::start(
        target,
        global.bucket.as_deref().unwrap_or_default(),
        &normalise_root(global.prefix.as_deref()),
    );
    report.endpoint = global.endpoint_url.clone();
    report
}

/// One target's prune: plan, guards, confirmation, deletion, report.
async fn run_one(
    global: &GlobalArgs,
    args: &PruneArgs,
    prose: Prose,
    record: &mut TargetReport,
) -> CommandResult {
    let mut target = target(global)?;
    if let Some(pause) = args.retry_backoff {
        target.connection.retry.base_backoff = pause;
        target.connection.sdk_initial_backoff = Some(pause);
    }
    let planned = plan_target(&target).await?;
    record.count_requests(planned.listed.bucket.request_counter());
    record.endpoint = Some(planned.listed.bucket.endpoint_label().to_string());
    write_table(&mut prose.writer(), &planned.view(&target))
        .map_err(|e| Failure::Runtime(format!("cannot write the plan: {e}")))?;
    let Planned { listed, plan, .. } = planned;

    let summary = plan.summary();
    let doomed: Vec<Deployment> = plan.to_delete().map(|e| e.deployment.clone()).collect();
    record.planned(summary, &doomed, &target.prices);
    if summary.delete == 0 {
        prose.line("Nothing to delete.");
        return Ok(());
    }
    // Before --dry-run, so a dry run also says whether the real run would be refused.
    check_limits(args, summary.delete, summary.deployments)?;
    if args.dry_run {
        record.dry_run = true;
        prose.line("Dry run: nothing was deleted.");
        return Ok(());
    }
    if !args.yes
        && !confirm(
            summary.delete,
            summary.delete_objects,
            summary.delete_bytes,
            &delete_names(&plan, 5),
        )?
    {
        prose.line("Not confirmed: nothing was deleted.");
        return Err(Failure::Runtime("deletion not confirmed".into()));
    }

    let settings = settings(global, args, target.listing_options());
    let request = PruneRequest {
        targets: doomed,
        by_hand: HashSet::new(),
        rule: Some(target.rule.clone()),
        planned: plan.entries.iter().map(|e| e.deployment.clone()).collect(),
        now: Utc::now(),
        fingerprints: None,
    };
    if args.via == PruneVia::Lifecycle {
        super::lifecycle_cmd::hand_off(&listed.bucket, &request, &settings, prose).await?;
        return Ok(());
    }
    let report =
        delete_with_progress(&listed.bucket, &request, &settings, summary.delete_objects).await?;
    record.pruned(&report);
    let outcome = if report.deletion.outcomes.is_empty() && !report.skipped.is_empty() {
        prose.line("Nothing left to delete: every planned deployment changed since the plan.");
        Ok(())
    } else {
        let deleted = report_outcome(&report.deletion, &settings.audit_path, prose);
        let aborted = report_uploads(&report.uploads, prose);
        deleted.and(aborted)
    };
    prose.line(requests_line(&listed.bucket.requests()));
    outcome
}

/// The incomplete multipart uploads aborted under the deleted deployments; uploads that
/// could not be aborted fail the run like keys that could not be deleted.
fn report_uploads(uploads: &AbortReport, prose: Prose) -> CommandResult {
    if uploads.aborted() > 0 {
        prose.line(format_args!(
            "Aborted {} incomplete multipart upload{} under the deleted deployments.",
            count(uploads.aborted()),
            if uploads.aborted() == 1 { "" } else { "s" }
        ));
    }
    if let Some(error) = &uploads.error {
        prose.line(format_args!("warning: {error}"));
    }
    if uploads.failed.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = uploads
        .failed
        .iter()
        .map(|(_, failed)| {
            format!(
                "  {} ({}: {})",
                printable(&failed.key),
                failed.code,
                failed.message
            )
        })
        .collect();
    prose.line(format_args!("Not aborted:\n{}", lines.join("\n")));
    Err(Failure::Runtime(format!(
        "{} incomplete multipart uploads under deleted deployments could not be aborted (listed above); run the same command again to retry",
        uploads.failed.len()
    )))
}

/// What every prune checks before it lists anything.
pub(super) fn check_prune_args(args: &PruneArgs) -> Result<(), Failure> {
    super::lifecycle_cmd::check_prune_args(args)?;
    if args.batches_in_flight == 0 {
        return Err(Failure::Usage(
            "--batches-in-flight must be at least 1".into(),
        ));
    }
    let interactive = std::io::stdin().is_terminal();
    if !args.yes && !args.dry_run && !interactive {
        return Err(Failure::Usage(
            "refusing to delete without confirmation: stdin is not a terminal, so pass --yes \
             (or --dry-run to only print the plan)"
                .into(),
        ));
    }
    Ok(())
}

/// How a prune lists and deletes, from the flags.
pub(super) fn settings(
    global: &GlobalArgs,
    args: &PruneArgs,
    listing: ListingOptions,
) -> PruneSettings {
    PruneSettings {
        delete: DeleteOptions {
            batches_in_flight: args.batches_in_flight,
            base_backoff: args
                .retry_backoff
                .unwrap_or(DeleteOptions::default().base_backoff),
            listing_concurrency: listing.concurrency,
            ..DeleteOptions::default()
        },
        listing,
        audit_path: global.audit_log.clone().unwrap_or_else(default_audit_path),
    }
}

/// Runs the prune pipeline with a progress bar on a terminal (a line per deployment
/// otherwise), Ctrl-C stopping after the requests in flight.
pub(super) async fn delete_with_progress(
    bucket: &Bucket,
    request: &PruneRequest,
    settings: &PruneSettings,
    planned_objects: u64,
) -> Result<PruneReport, Failure> {
    let stop = StopSignal::new();
    let ctrl_c = tokio::spawn(stop_on_ctrl_c(stop.clone()));
    let progress = DeletionProgress::new(planned_objects);
    let on_event = |event: PruneEvent| progress.apply(event);
    let result = prune(bucket, request, settings, &stop, &on_event).await;
    ctrl_c.abort();
    progress.finish();
    result.map_err(|e| Failure::Runtime(e.to_string()))
}

/// The guards against a rule that deletes far more than intended.
pub(super) fn check_limits(args: &PruneArgs, delete: u64, deployments: u64) -> Result<(), Failure> {
    if let Some(limit) = args.max_delete {
        if delete as usize > limit {
            return Err(Failure::Runtime(format!(
                "the plan deletes {delete} deployments, more than --max-delete {limit}; nothing was deleted"
            )));
        }
    }
    let fraction = delete as f64 / deployments.max(1) as f64;
    if fraction > args.max_delete_fraction && !args.force {
        return Err(Failure::Runtime(format!(
            "the plan deletes {delete} of {deployments} deployments ({:.0} %), more than \
             --max-delete-fraction {} allows; check the rule, or pass --force; nothing was deleted",
            fraction * 100.0,
            args.max_delete_fraction
        )));
    }
    Ok(())
}

/// Asks on the terminal; true only for `yes`.
pub(super) fn confirm(
    deployments: u64,
    objects: u64,
    size: u64,
    names: &str,
) -> Result<bool, Failure> {
    super::confirmation::confirmed(&format!(
        "Delete {deployments} deployments ({} objects, {}): {names}?\nType yes to delete: ",
        count(objects),
        bytes(size),
    ))
}

async fn stop_on_ctrl_c(stop: StopSignal) {
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!("\nStopping after the requests in flight… (Ctrl-C again to quit at once)");
        stop.stop();
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    }
}

/// A progress bar on a terminal; a line per finished deployment otherwise (CI logs).
struct DeletionProgress {
    bar: Option<ProgressBar>,
    bytes_done: Mutex<u64>,
    /// What the re-check confirmed: deletion events index into it.
    confirmed: Mutex<Vec<Deployment>>,
}

impl DeletionProgress {
    fn new(planned_objects: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(planned_objects).with_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} objects · {msg} · {per_sec} · ETA {eta}",
                )
                .expect("valid template"),
            );
            bar.set_message("checking the deployments again…");
            bar
        });
        DeletionProgress {
            bar,
            bytes_done: Mutex::new(0),
            confirmed: Mutex::new(Vec::new()),
        }
    }

    fn apply(&self, event: PruneEvent) {
        match event {
            PruneEvent::Rechecked { confirmed, skipped } => {
                let lines = skipped
                    .iter()
                    .map(|s| format!("warning: not deleting {}: {}", printable(&s.name), s.reason));
                for line in lines {
                    match &self.bar {
                        Some(bar) => bar.println(line),
                        None => eprintln!("{line}"),
                    }
                }
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("0 B of {} deployments", confirmed.len()));
                }
                *self.confirmed.lock().unwrap_or_else(|e| e.into_inner()) = confirmed;
            }
            PruneEvent::Deletion(event) => self.apply_deletion(event),
        }
    }

    fn apply_deletion(&self, event: DeletionEvent) {
        match event {
            DeletionEvent::Progress {
                deleted_objects,
                deleted_bytes,
                ..
            } => {
                let mut done = self.bytes_done.lock().unwrap_or_else(|e| e.into_inner());
                *done += deleted_bytes;
                if let Some(bar) = &self.bar {
                    // The bucket may hold more objects now than at plan time.
                    if bar.position() + deleted_objects > bar.length().unwrap_or(0) {
                        bar.set_length(bar.position() + deleted_objects);
                    }
                    bar.inc(deleted_objects);
                    bar.set_message(format!("{} deleted", bytes(*done)));
                }
            }
            DeletionEvent::Retrying { code, keys } => {
                let line = format!("retrying {keys} keys after {code}");
                match &self.bar {
                    Some(bar) => bar.set_message(line),
                    None => eprintln!("{line}"),
                }
            }
            DeletionEvent::Finished { index, outcome } => {
                let name = self
                    .confirmed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(index)
                    .map_or_else(|| outcome.name.clone(), |d| d.name.clone());
                let line = format!(
                    "{} {} ({} objects, {})",
                    status_word(outcome.status),
                    printable(&name),
                    count(outcome.deleted_objects),
                    bytes(outcome.deleted_bytes)
                );
                match &self.bar {
                    Some(bar) => bar.println(line),
                    None => eprintln!("{line}"),
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn status_word(status: OutcomeStatus) -> &'static str {
    match status {
        OutcomeStatus::Deleted => "deleted",
        OutcomeStatus::Partial => "PARTLY deleted",
        OutcomeStatus::Failed => "NOT deleted",
        OutcomeStatus::Stopped => "stopped",
    }
}

pub(super) fn report_outcome(
    report: &DeletionReport,
    audit_path: &std::path::Path,
    prose: Prose,
) -> CommandResult {
    let done = report
        .outcomes
        .iter()
        .filter(|o| o.status == OutcomeStatus::Deleted)
        .count();
    prose.line(format_args!(
        "Deleted {} of {} deployments: {} objects, {}. Audit log: {}",
        done,
        report.outcomes.len(),
        count(report.deleted_objects()),
        bytes(report.deleted_bytes()),
        audit_path.display()
    ));
    if report.all_deleted() {
        return Ok(());
    }
    let mut lines = Vec::new();
    for outcome in report.incomplete() {
        let mut line = format!(
            "  {} {}: {} objects deleted",
            status_word(outcome.status),
            printable(&outcome.name),
            count(outcome.deleted_objects)
        );
        if !outcome.failed_keys.is_empty() {
            line.push_str(&format!(", {} failed", outcome.failed_keys.len()));
            for failed in outcome.failed_keys.iter().take(3) {
                line.push_str(&format!(
                    "\n      {} ({}: {})",
                    printable(&failed.key),
                    failed.code,
                    failed.message
                ));
            }
            if outcome.failed_keys.len() > 3 {
                line.push_str(&format!(
                    "\n      … and {} more (see the audit log)",
                    outcome.failed_keys.len() - 3
                ));
            }
        }
        if let Some(error) = &outcome.error {
            line.push_str(&format!("\n      {error}"));
        }
        lines.push(line);
    }
    prose.line(format_args!("Not deleted:\n{}", lines.join("\n")));
    let why = if report.stopped {
        "stopped before the end"
    } else {
        "some deletions failed"
    };
    Err(Failure::Runtime(format!(
        "{why}: {} deployments were not fully deleted (listed above); run the same command again to retry",
        report.incomplete().count()
    )))
}
