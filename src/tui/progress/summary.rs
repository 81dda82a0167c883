//! The lines above the per-deployment list, as text and tone: the view colours and
//! draws them, and `App` counts the rows they wrap to (PgUp/PgDn in the list).

use std::path::Path;

use chrono::{DateTime, Utc};

use super::DeletionState;
use crate::age_text::compact_duration;
use crate::engine::deletion::OutcomeStatus;
use crate::format::{bytes, count, printable};
use crate::tui::layout::wrapped_rows;
use crate::tui::words::plural;

/// How a line reads; the view picks the style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Bold,
    Dim,
    Ok,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SummaryLine {
    /// Drawn after a one-column space and the busy spinner (which the view takes from
    /// the clock).
    pub spinner: bool,
    /// The text, in the pieces it is drawn in.
    pub parts: Vec<String>,
    pub tone: Tone,
}

impl SummaryLine {
    fn new(tone: Tone, text: impl Into<String>) -> SummaryLine {
        SummaryLine {
            spinner: false,
            parts: vec![text.into()],
            tone,
        }
    }

    /// The text as drawn, with a one-column stand-in for the spinner.
    pub fn text(&self) -> String {
        let text = self.parts.concat();
        if self.spinner {
            format!(" · {text}")
        } else {
            text
        }
    }
}

/// Rows `lines` take when wrapped at `width`.
pub fn summary_rows(lines: &[SummaryLine], width: u16) -> u16 {
    lines
        .iter()
        .map(|l| wrapped_rows(&l.text(), width as usize))
        .sum::<usize>() as u16
}

/// The summary of `state` at `now`; `audit_path` is named once the deletion is done.
pub fn summary(state: &DeletionState, now: DateTime<Utc>, audit_path: &Path) -> Vec<SummaryLine> {
    let mut lines = vec![numbers(state, now)];
    if state.failed_objects > 0 {
        lines.push(SummaryLine::new(
            Tone::Error,
            format!(
                " {} could not be deleted (see below and the audit log)",
                plural(state.failed_objects, "object")
            ),
        ));
    }
    let skipped = state.skipped_count();
    if skipped > 0 {
        lines.push(SummaryLine::new(
            Tone::Warn,
            format!(
                " {} skipped: {} changed since {} listed, so {} left in place (see below)",
                count(skipped as u64),
                if skipped == 1 { "it" } else { "they" },
                if skipped == 1 { "it was" } else { "they were" },
                if skipped == 1 { "it is" } else { "they are" },
            ),
        ));
    }
    match &state.result {
        None => running(state, &mut lines),
        Some(Ok(report)) => finished(state, report, audit_path, &mut lines),
        Some(Err(error)) => {
            lines.push(SummaryLine::new(
                Tone::Error,
                format!(" The deletion stopped with an error: {error}"),
            ));
            lines.push(SummaryLine::new(Tone::Dim, " Deployments not marked ✓ below were not (fully) deleted. enter or esc returns to the list."));
        }
    }
    lines
}

/// Bytes deleted, rates, time taken and left.
fn numbers(state: &DeletionState, now: DateTime<Utc>) -> SummaryLine {
    let mut parts = vec![format!(
        " {} of {} deleted",
        bytes(state.deleted_bytes),
        bytes(state.planned_bytes.max(state.deleted_bytes))
    )];
    if let Some((objects_per_sec, bytes_per_sec)) = state.rates(now) {
        parts.push(format!(
            " · {:.0} objects/s · {}/s",
            objects_per_sec,
            bytes(bytes_per_sec as u64)
        ));
    }
    parts.push(format!(" · {} elapsed", seconds(state.elapsed_secs(now))));
    if state.is_running() {
        if let Some(eta) = state.eta_secs(now) {
            parts.push(format!(" · about {} left", seconds(eta)));
        }
    }
    SummaryLine {
        spinner: false,
        parts,
        tone: Tone::Plain,
    }
}

fn running(state: &DeletionState, lines: &mut Vec<SummaryLine>) {
    if !state.checked {
        lines.push(SummaryLine {
            spinner: true,
            ..SummaryLine::new(
                Tone::Dim,
                "Checking the deployments again for changes since they were listed…",
            )
        });
    }
    if state.stop_requested {
        lines.push(SummaryLine::new(
            Tone::Warn,
            " Stopping after the requests in flight…",
        ));
    } else if let Some(retry) = &state.retrying {
        lines.push(SummaryLine::new(Tone::Warn, format!(" {retry}")));
    }
}

fn finished(
    state: &DeletionState,
    report: &crate::engine::deletion::DeletionReport,
    audit_path: &Path,
    lines: &mut Vec<SummaryLine>,
) {
    let deleted = report
        .outcomes
        .iter()
        .filter(|o| o.status == OutcomeStatus::Deleted)
        .count();
    lines.push(SummaryLine::new(
        Tone::Bold,
        format!(
            " Deleted {} of {}: {} objects, {}.",
            count(deleted as u64),
            plural(state.targets.len() as u64, "deployment"),
            count(report.deleted_objects()),
            bytes(report.deleted_bytes())
        ),
    ));
    let missing: Vec<String> = report
        .incomplete()
        .map(|o| printable(&o.name).into_owned())
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        let more = if missing.len() > 5 {
            format!(" and {} more", missing.len() - 5)
        } else {
            String::new()
        };
        lines.push(SummaryLine::new(
            Tone::Error,
            format!(
                " Not (fully) deleted: {}{more} (listed first below).",
                shown.join(", ")
            ),
        ));
    }
    if state.aborted_uploads > 0 {
        lines.push(SummaryLine::new(
            Tone::Ok,
            format!(
                " Aborted {} under them.",
                plural(state.aborted_uploads, "incomplete multipart upload")
            ),
        ));
    }
    if let Some(problem) = &state.uploads_problem {
        lines.push(SummaryLine::new(
            Tone::Warn,
            format!(" {}", printable(problem)),
        ));
    }
    lines.push(SummaryLine::new(
        Tone::Dim,
        format!(" Audit log: {}", audit_path.display()),
    ));
    lines.push(SummaryLine::new(
        Tone::Dim,
        " The list is reloading; enter or esc returns to it.",
    ));
}

fn seconds(secs: f64) -> String {
    if secs < 10.0 {
        format!("{secs:.1}s")
    } else {
        compact_duration(std::time::Duration::from_secs_f64(secs))
    }
}
