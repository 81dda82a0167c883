//! The deletion in progress, then its report: gauge, counts, rate, ETA, and how each
//! deployment fared.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::{spinner, Theme};
use crate::engine::deletion::{DeploymentOutcome, OutcomeStatus};
use crate::engine::deployment::Deployment;
use crate::format::{bytes, count, printable};
use crate::tui::app::App;
use crate::tui::layout::{self, ProgressAreas};
use crate::tui::progress::summary::{summary, summary_rows, SummaryLine, Tone};
use crate::tui::progress::{DeletionState, TargetProgress};
use crate::tui::words::plural;

pub fn render(app: &App, state: &DeletionState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let border = match &state.result {
        Some(Ok(report)) if report.all_deleted() => theme.ok(),
        Some(_) => theme.error(),
        None => theme.border(),
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(Span::styled(title(state), theme.bold()));
    frame.render_widget(block, area);

    let summary = summary(state, app.now, &app.info.audit_path);
    let width = layout::inside_border(area).width;
    let ProgressAreas {
        gauge: gauge_area,
        summary: summary_area,
        list: list_area,
        ..
    } = layout::progress(area, summary_rows(&summary, width));

    render_gauge(state, theme, frame, gauge_area);
    let summary: Vec<Line> = summary
        .iter()
        .map(|line| summary_line(app, line, theme))
        .collect();
    frame.render_widget(
        Paragraph::new(summary).wrap(Wrap { trim: false }),
        summary_area,
    );
    render_list(app, state, theme, frame, list_area);
}

fn title(state: &DeletionState) -> String {
    let deployments = plural(state.targets.len() as u64, "deployment");
    match &state.result {
        None if state.stop_requested => format!(
            " Stopping: deleting {deployments} from s3://{} ",
            state.bucket
        ),
        None => format!(" Deleting {deployments} from s3://{} ", state.bucket),
        Some(Ok(report)) if report.stopped => format!(
            " Stopped: deletion of {deployments} from s3://{} ",
            state.bucket
        ),
        Some(Ok(report)) if report.all_deleted() => {
            format!(" Deleted {deployments} from s3://{} ", state.bucket)
        }
        Some(_) => format!(
            " Deletion from s3://{} finished with problems ",
            state.bucket
        ),
    }
}

fn render_gauge(state: &DeletionState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let done = state.deleted_objects + state.failed_objects;
    let label = format!(
        "{:.0}% · {} of {} objects",
        state.ratio() * 100.0,
        count(done),
        count(state.planned_objects.max(done))
    );
    let gauge_style = if state.failed_objects > 0 {
        theme.error()
    } else {
        theme.ok()
    };
    frame.render_widget(
        Gauge::default()
            .ratio(state.ratio().clamp(0.0, 1.0))
            .label(label)
            .gauge_style(gauge_style),
        area,
    );
}

fn summary_line(app: &App, line: &SummaryLine, theme: &Theme) -> Line<'static> {
    let style = match line.tone {
        Tone::Plain => {
            return Line::from(
                line.parts
                    .iter()
                    .cloned()
                    .map(Span::raw)
                    .collect::<Vec<_>>(),
            )
        }
        Tone::Bold => theme.bold(),
        Tone::Dim => theme.dim(),
        Tone::Ok => theme.ok(),
        Tone::Warn => theme.warn(),
        Tone::Error => theme.error(),
    };
    let text = if line.spinner {
        format!(" {} {}", spinner(app.now), line.parts.concat())
    } else {
        line.parts.concat()
    };
    Line::styled(text, style)
}

fn render_list(app: &App, state: &DeletionState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let n = state.targets.len();
    let visible = area.height as usize;
    let start = state.scroll.min(n.saturating_sub(1));
    let longest = state
        .targets
        .iter()
        .map(|d| printable(&d.name).chars().count())
        .max()
        .unwrap_or(8);
    let name_width = longest.clamp(8, (area.width as usize).saturating_sub(50).max(8));
    let lines: Vec<Line> = list_order(state)
        .iter()
        .map(|&i| (&state.targets[i], &state.rows[i]))
        .skip(start)
        .take(visible)
        .map(|(target, row)| row_line(app, state, theme, target, row, name_width))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// Rows in the order shown: once finished, what did not go as asked comes first.
fn list_order(state: &DeletionState) -> Vec<usize> {
    let mut order: Vec<usize> = (0..state.targets.len()).collect();
    if state.result.is_some() {
        order.sort_by_key(|&i| {
            let row = &state.rows[i];
            match (&row.outcome, &row.skipped) {
                (_, Some(_)) => 2,
                (Some(o), None) => match o.status {
                    OutcomeStatus::Failed | OutcomeStatus::Partial => 0,
                    OutcomeStatus::Stopped => 3,
                    OutcomeStatus::Deleted => 4,
                },
                (None, None) => 1,
            }
        });
    }
    order
}

fn row_line(
    app: &App,
    state: &DeletionState,
    theme: &Theme,
    target: &Deployment,
    row: &TargetProgress,
    name_width: usize,
) -> Line<'static> {
    let (icon, status, style) = row_status(app, state, theme, row);
    let planned = row.current.as_ref().unwrap_or(target).objects;
    let name = printable(&target.name);
    let name: String = if name.chars().count() > name_width {
        name.chars().take(name_width - 1).chain(['…']).collect()
    } else {
        name.into_owned()
    };
    Line::from(vec![
        Span::styled(format!(" {icon} "), style),
        Span::raw(format!("{name:<name_width$} ")),
        Span::raw(format!(
            "{:>15} {:>10}  ",
            format!(
                "{}/{}",
                count(row.deleted_objects),
                count(planned.max(row.deleted_objects))
            ),
            bytes(row.deleted_bytes)
        )),
        Span::styled(status, style),
    ])
}

/// The icon, the words and the style of one deployment's row.
fn row_status(
    app: &App,
    state: &DeletionState,
    theme: &Theme,
    row: &TargetProgress,
) -> (&'static str, String, Style) {
    match (&row.outcome, &row.skipped) {
        (_, Some(reason)) => (
            "↷",
            format!("skipped, left in place: {reason}"),
            theme.warn(),
        ),
        (Some(o), None) => match o.status {
            OutcomeStatus::Deleted => ("✓", "deleted".to_string(), theme.ok()),
            OutcomeStatus::Stopped => ("■", "stopped: not deleted".to_string(), theme.warn()),
            OutcomeStatus::Partial => ("◐", problem("partly deleted", o), theme.error()),
            OutcomeStatus::Failed => ("✗", problem("NOT deleted", o), theme.error()),
        },
        (None, None) if row.deleted_objects + row.failed_objects > 0 => {
            (spinner(app.now), "deleting".to_string(), theme.bold())
        }
        (None, None) if state.is_running() && !state.checked => {
            ("·", "checking for changes".to_string(), theme.dim())
        }
        (None, None) if state.is_running() => ("·", "waiting".to_string(), theme.dim()),
        (None, None) => ("·", "not started".to_string(), theme.warn()),
    }
}

fn problem(what: &str, outcome: &DeploymentOutcome) -> String {
    let mut text = what.to_string();
    if !outcome.failed_keys.is_empty() {
        let first = &outcome.failed_keys[0];
        let n = outcome.failed_keys.len() as u64;
        text.push_str(&format!(": {} failed ({})", plural(n, "key"), first.code));
    }
    if let Some(error) = &outcome.error {
        text.push_str(&format!(": {error}"));
    }
    text
}
