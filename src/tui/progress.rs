//! The state of a running (or finished) deletion, fed by the engine's `DeletionEvent`s.

pub mod summary;

use chrono::{DateTime, Utc};

use crate::engine::deletion::{DeletionEvent, DeletionReport, DeploymentOutcome};
use crate::engine::deployment::Deployment;
use crate::engine::drift::Skipped;

#[derive(Debug, Clone, Default)]
pub struct TargetProgress {
    pub deleted_objects: u64,
    pub deleted_bytes: u64,
    pub failed_objects: u64,
    /// Set once the engine reports the deployment finished (fully or not).
    pub outcome: Option<DeploymentOutcome>,
    /// Left alone because it changed since it was listed (why).
    pub skipped: Option<String>,
    /// Its current size, from the check just before deleting.
    pub current: Option<Deployment>,
}

#[derive(Debug, Clone)]
pub struct DeletionState {
    pub bucket: String,
    /// Exactly what the operator confirmed, in the order shown in the dialog.
    pub targets: Vec<Deployment>,
    pub rows: Vec<TargetProgress>,
    /// Objects and bytes the listing counted for the targets (the bucket may hold more
    /// by now; the gauge grows with it).
    pub planned_objects: u64,
    pub planned_bytes: u64,
    pub deleted_objects: u64,
    pub deleted_bytes: u64,
    pub failed_objects: u64,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub stop_requested: bool,
    /// The latest retry notice (throttling, 5xx).
    pub retrying: Option<String>,
    /// `Some` once the engine is done: the report, or why the run failed as a whole.
    pub result: Option<Result<DeletionReport, String>>,
    /// First visible row of the per-deployment list.
    pub scroll: usize,
    /// The targets were checked again just before deleting.
    pub checked: bool,
    /// Incomplete multipart uploads aborted with the deleted deployments.
    pub aborted_uploads: u64,
    /// Why uploads could not be listed or aborted, if so.
    pub uploads_problem: Option<String>,
    /// Row of each deployment the engine deletes (the engine's index → our row).
    engine_rows: Vec<usize>,
}

impl DeletionState {
    pub fn new(bucket: String, targets: Vec<Deployment>, started: DateTime<Utc>) -> Self {
        let planned_objects = targets.iter().map(|d| d.objects).sum();
        let planned_bytes = targets.iter().map(|d| d.bytes).sum();
        DeletionState {
            bucket,
            rows: vec![TargetProgress::default(); targets.len()],
            targets,
            planned_objects,
            planned_bytes,
            deleted_objects: 0,
            deleted_bytes: 0,
            failed_objects: 0,
            started,
            finished: None,
            stop_requested: false,
            retrying: None,
            result: None,
            scroll: 0,
            checked: false,
            engine_rows: Vec::new(),
            aborted_uploads: 0,
            uploads_problem: None,
        }
    }

    /// The check just before deleting: what still goes (current sizes) and what was
    /// skipped because it changed.
    pub fn rechecked(&mut self, confirmed: Vec<Deployment>, skipped: Vec<Skipped>) {
        self.checked = true;
        for s in skipped {
            if let Some(i) = self.targets.iter().position(|t| t.name == s.name) {
                self.rows[i].skipped = Some(s.reason);
            }
        }
        self.engine_rows.clear();
        for d in confirmed {
            if let Some(i) = self.targets.iter().position(|t| t.name == d.name) {
                self.engine_rows.push(i);
                self.rows[i].current = Some(d);
            }
        }
        self.planned_objects = self
            .rows
            .iter()
            .filter_map(|r| r.current.as_ref())
            .map(|d| d.objects)
            .sum();
        self.planned_bytes = self
            .rows
            .iter()
            .filter_map(|r| r.current.as_ref())
            .map(|d| d.bytes)
            .sum();
    }

    pub fn skipped_count(&self) -> usize {
        self.rows.iter().filter(|r| r.skipped.is_some()).count()
    }

    fn row_of(&self, engine_index: usize) -> Option<usize> {
        self.engine_rows.get(engine_index).copied()
    }

    pub fn is_running(&self) -> bool {
        self.result.is_none()
    }

    pub fn apply(&mut self, event: DeletionEvent) {
        match event {
            DeletionEvent::Progress {
                index,
                deleted_objects,
                deleted_bytes,
                failed_objects,
            } => {
                if let Some(row) = self.row_of(index).and_then(|i| self.rows.get_mut(i)) {
                    row.deleted_objects += deleted_objects;
                    row.deleted_bytes += deleted_bytes;
                    row.failed_objects += failed_objects;
                }
                self.deleted_objects += deleted_objects;
                self.deleted_bytes += deleted_bytes;
                self.failed_objects += failed_objects;
            }
            DeletionEvent::Retrying { code, keys } => {
                self.retrying = Some(format!("retrying {keys} keys after {code}"));
            }
            DeletionEvent::Finished { index, outcome } => {
                if let Some(row) = self.row_of(index).and_then(|i| self.rows.get_mut(i)) {
                    row.outcome = Some(outcome);
                }
            }
        }
    }

    pub fn finish(&mut self, result: Result<DeletionReport, String>, now: DateTime<Utc>) {
        if let Ok(report) = &result {
            // The report is the final word on each deployment, also for ones the
            // engine never sent a `Finished` event for (stopped before listing ended).
            for outcome in &report.outcomes {
                if let Some(row) = self.targets.iter().position(|t| t.name == outcome.name) {
                    self.rows[row].outcome = Some(outcome.clone());
                }
            }
        }
        self.result = Some(result);
        self.finished = Some(now);
    }

    /// Objects answered so far (deleted or failed) out of the planned count.
    pub fn ratio(&self) -> f64 {
        let done = self.deleted_objects + self.failed_objects;
        let total = self.planned_objects.max(done);
        if total == 0 {
            if self.result.is_some() {
                1.0
            } else {
                0.0
            }
        } else {
            done as f64 / total as f64
        }
    }

    pub fn elapsed_secs(&self, now: DateTime<Utc>) -> f64 {
        let end = self.finished.unwrap_or(now);
        ((end - self.started).num_milliseconds().max(0) as f64) / 1000.0
    }

    /// Objects per second and bytes per second since the start.
    pub fn rates(&self, now: DateTime<Utc>) -> Option<(f64, f64)> {
        let secs = self.elapsed_secs(now);
        ((secs >= 0.5 || (self.finished.is_some() && secs > 0.0)) && self.deleted_objects > 0).then(
            || {
                (
                    self.deleted_objects as f64 / secs,
                    self.deleted_bytes as f64 / secs,
                )
            },
        )
    }

    /// Seconds left at the current object rate.
    pub fn eta_secs(&self, now: DateTime<Utc>) -> Option<f64> {
        let (objects_per_sec, _) = self.rates(now)?;
        let remaining = self
            .planned_objects
            .saturating_sub(self.deleted_objects + self.failed_objects);
        Some(remaining as f64 / objects_per_sec)
    }

    pub fn finished_count(&self) -> usize {
        self.rows.iter().filter(|r| r.outcome.is_some()).count()
    }
}
