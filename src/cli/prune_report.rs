//! `prune --format json`: one report of what a prune did, per deployment, for scripts.
//! With it stdout carries only the report; the plan table and the prose go to stderr.

use std::fmt::Display;
use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::args::{PruneArgs, PruneFormat};
use crate::engine::cost::PriceTable;
use crate::engine::deletion::OutcomeStatus;
use crate::engine::deployment::Deployment;
use crate::engine::plan::PlanSummary;
use crate::engine::prune::PruneReport;
use crate::engine::request_count::{RequestCounter, RequestCounts};
use crate::format::count;

/// Failed keys shown per deployment; the rest are counted in `errors_more`.
const ERRORS_SHOWN: usize = 10;

/// Where a prune's plan table and prose go: stdout, or stderr when stdout carries the
/// JSON report.
#[derive(Debug, Clone, Copy)]
pub struct Prose {
    to_stderr: bool,
}

impl Prose {
    pub fn for_args(args: &PruneArgs) -> Prose {
        Prose {
            to_stderr: args.format == PruneFormat::Json,
        }
    }

    pub fn line(self, text: impl Display) {
        if self.to_stderr {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    }

    pub fn writer(self) -> Box<dyn Write> {
        if self.to_stderr {
            Box::new(std::io::stderr().lock())
        } else {
            Box::new(std::io::stdout().lock())
        }
    }
}

/// One target's prune (one bucket and prefix).
#[derive(Debug, Serialize)]
pub struct TargetReport {
    /// The policy file's target name, or the reviewed plan's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub bucket: String,
    pub prefix: String,
    pub endpoint: Option<String>,
    pub started: String,
    pub finished: String,
    pub dry_run: bool,
    /// The plan's own summary; `null` when no plan was made (the listing failed).
    pub plan: Option<PlanSummary>,
    /// Every deployment the plan deletes, in the plan's order.
    pub deployments: Vec<DeploymentReport>,
    pub totals: Totals,
    /// Why this target did not end cleanly (the paragraph printed on stderr).
    pub error: Option<String>,
    /// The S3 requests this target sent (plan, re-check, deletion, retries included);
    /// `null` when the bucket was never reached.
    pub requests: Option<RequestCounts>,
    #[serde(skip)]
    counter: Option<RequestCounter>,
}

#[derive(Debug, Serialize)]
pub struct DeploymentReport {
    pub name: String,
    pub status: DeploymentStatus,
    /// Objects and bytes deleted.
    pub objects: u64,
    pub bytes: u64,
    /// What the plan counted.
    pub planned_objects: u64,
    pub planned_bytes: u64,
    /// Why it was skipped, or why it could not be listed for deletion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub errors: Vec<KeyFailure>,
    /// Failed keys beyond those in `errors` (all of them are in the audit log).
    pub errors_more: usize,
    /// What the deployment cost per month and what deleting it was charged early, as
    /// the plan priced it; `null` when the plan did not price it (a reviewed plan file).
    pub monthly_usd: Option<f64>,
    pub early_deletion_usd: Option<f64>,
    /// Incomplete multipart uploads aborted with it.
    pub aborted_uploads: u64,
}

/// What became of one deployment the plan deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeploymentStatus {
    Deleted,
    Skipped,
    Failed,
    Stopped,
    NotStarted,
}

#[derive(Debug, Serialize)]
pub struct KeyFailure {
    pub key: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Totals {
    pub deployments: usize,
    pub deleted: usize,
    pub skipped: usize,
    pub failed: usize,
    pub stopped: usize,
    pub not_started: usize,
    pub objects: u64,
    pub bytes: u64,
    /// Over the deployments deleted in full: the monthly saving and the early-deletion
    /// charge.
    pub monthly_usd: f64,
    pub early_deletion_usd: f64,
    pub aborted_uploads: u64,
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl TargetReport {
    pub fn start(target: Option<&str>, bucket: &str, prefix: &str) -> TargetReport {
        let now = timestamp(Utc::now());
        TargetReport {
            target: target.map(str::to_string),
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
            endpoint: None,
            started: now.clone(),
            finished: now,
            dry_run: false,
            plan: None,
            deployments: Vec::new(),
            totals: Totals::default(),
            error: None,
            requests: None,
            counter: None,
        }
    }

    /// Counts the requests sent through `counter` until [`TargetReport::finish`].
    pub fn count_requests(&mut self, counter: &RequestCounter) {
        self.counter = Some(counter.clone());
    }

    /// The deployments the plan deletes, none of them started yet.
    pub fn planned(&mut self, summary: PlanSummary, doomed: &[Deployment], prices: &PriceTable) {
        self.plan = Some(summary);
        self.deployments = doomed
            .iter()
            .map(|d| {
                let priced = d.bytes == 0 || d.storage.total_bytes() > 0;
                let cost = prices.deployment(d);
                (d, priced.then_some(cost))
            })
            .map(|(d, cost)| DeploymentReport {
                name: d.name.clone(),
                status: DeploymentStatus::NotStarted,
                objects: 0,
                bytes: 0,
                planned_objects: d.objects,
                planned_bytes: d.bytes,
                reason: None,
                errors: Vec::new(),
                errors_more: 0,
                monthly_usd: cost.map(|c| c.monthly_usd),
                early_deletion_usd: cost.map(|c| c.early_deletion_usd),
                aborted_uploads: 0,
            })
            .collect();
    }

    /// What the pipeline did to each planned deployment.
    pub fn pruned(&mut self, report: &PruneReport) {
        for row in &mut self.deployments {
            if let Some(skipped) = report.skipped.iter().find(|s| s.name == row.name) {
                row.status = DeploymentStatus::Skipped;
                row.reason = Some(skipped.reason.clone());
                continue;
            }
            let outcomes = &report.deletion.outcomes;
            let Some(outcome) = outcomes.iter().find(|o| o.name == row.name) else {
                continue;
            };
            row.status = match outcome.status {
                OutcomeStatus::Deleted => DeploymentStatus::Deleted,
                OutcomeStatus::Partial | OutcomeStatus::Failed => DeploymentStatus::Failed,
                // Stopped with nothing deleted and no listing begun: never reached.
                OutcomeStatus::Stopped
                    if outcome.deleted_objects == 0 && outcome.error.is_none() =>
                {
                    DeploymentStatus::NotStarted
                }
                OutcomeStatus::Stopped => DeploymentStatus::Stopped,
            };
            row.objects = outcome.deleted_objects;
            row.bytes = outcome.deleted_bytes;
            row.aborted_uploads = report
                .uploads
                .aborted
                .get(&outcome.prefix)
                .copied()
                .unwrap_or(0);
            row.reason = outcome.error.clone();
            row.errors = outcome
                .failed_keys
                .iter()
                .take(ERRORS_SHOWN)
                .map(|k| KeyFailure {
                    key: k.key.clone(),
                    code: k.code.clone(),
                    message: k.message.clone(),
                })
                .collect();
            row.errors_more = outcome.failed_keys.len().saturating_sub(ERRORS_SHOWN);
        }
    }

    /// Closes the report: the end time, the totals, and the failure if there was one.
    pub fn finish(&mut self, error: Option<&str>) {
        self.finished = timestamp(Utc::now());
        self.error = error.map(str::to_string);
        self.requests = self.counter.as_ref().map(RequestCounter::counts);
        let mut totals = Totals {
            deployments: self.deployments.len(),
            ..Totals::default()
        };
        for row in &self.deployments {
            match row.status {
                DeploymentStatus::Deleted => totals.deleted += 1,
                DeploymentStatus::Skipped => totals.skipped += 1,
                DeploymentStatus::Failed => totals.failed += 1,
                DeploymentStatus::Stopped => totals.stopped += 1,
                DeploymentStatus::NotStarted => totals.not_started += 1,
            }
            totals.objects += row.objects;
            totals.bytes += row.bytes;
            totals.aborted_uploads += row.aborted_uploads;
            if row.status == DeploymentStatus::Deleted {
                totals.monthly_usd += row.monthly_usd.unwrap_or(0.0);
                totals.early_deletion_usd += row.early_deletion_usd.unwrap_or(0.0);
            }
        }
        self.totals = totals;
    }
}

/// `S3 requests: 31 (25 ListObjectsV2, 5 DeleteObjects, 1 HeadBucket).`, most sent first.
pub fn requests_line(requests: &RequestCounts) -> String {
    let mut by_operation: Vec<(&String, &u64)> = requests.by_operation.iter().collect();
    by_operation.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = by_operation
        .iter()
        .map(|(name, n)| format!("{} {name}", count(**n)))
        .collect();
    format!(
        "S3 requests: {} ({}).",
        count(requests.total),
        parts.join(", ")
    )
}

/// Prints one target's report, or `{"started", "finished", "targets": [...]}` for many.
pub fn write_reports(reports: &[TargetReport], many: bool, started: DateTime<Utc>) {
    let mut stdout = std::io::stdout().lock();
    let written = if many {
        serde_json::to_writer_pretty(
            &mut stdout,
            &serde_json::json!({
                "started": timestamp(started),
                "finished": timestamp(Utc::now()),
                "targets": reports,
            }),
        )
    } else {
        match reports.first() {
            Some(report) => serde_json::to_writer_pretty(&mut stdout, report),
            None => Ok(()),
        }
    };
    if written.is_ok() {
        let _ = writeln!(stdout);
    }
}
