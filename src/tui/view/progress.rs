//! The deletion in progress, then its report: gauge, counts, rate, ETA, and how each
//! deployment fared.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::{line_text, spinner, wrapped_rows, Theme};
use crate::age_text::compact_duration;
use crate::engine::deletion::OutcomeStatus;
use crate::format::{bytes, count, printable};
use crate::tui::app::App;
use crate::tui::layout::{self, ProgressAreas};
use crate::tui::progress::DeletionState;

pub fn render(app: &App, state: &DeletionState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let n = state.targets.len();
    let title = match &state.result {
        None if state.stop_requested => format!(
            " Stopping: deleting {} from s3://{} ",
            plural(n),
            state.bucket
        ),
        None => format!(" Deleting {} from s3://{} ", plural(n), state.bucket),
        Some(Ok(report)) if report.stopped => format!(
            " Stopped: deletion of {} from s3://{} ",
            plural(n),
            state.bucket
        ),
        Some(Ok(report)) if report.all_deleted() => {
            format!(" Deleted {} from s3://{} ", plural(n), state.bucket)
        }
        Some(_) => format!(
            " Deletion from s3://{} finished with problems ",
            state.bucket
        ),
    };
    let border = match &state.result {
        Some(Ok(report)) if report.all_deleted() => theme.ok(),
        Some(_) => theme.error(),
        None => theme.border(),
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(Span::styled(title, theme.bold()));
    frame.render_widget(block, area);

    let summary = summary_lines(app, state, theme);
    let width = layout::inside_border(area).width;
    let ProgressAreas {
        gauge: gauge_area,
        summary: summary_area,
        list: list_area,
        ..
    } = layout::progress(area, wrapped_height(&summary, width));

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
        gauge_area,
    );
    frame.render_widget(
        Paragraph::new(summary).wrap(Wrap { trim: false }),
        summary_area,
    );

    let visible = list_area.height as usize;
    let start = state.scroll.min(n.saturating_sub(1));
    let longest = state
        .targets
        .iter()
        .map(|d| printable(&d.name).chars().count())
        .max()
        .unwrap_or(8);
    let name_width = longest.clamp(8, (list_area.width as usize).saturating_sub(50).max(8));
    // Once finished, what did not go as asked comes first.
    let mut order: Vec<usize> = (0..n).collect();
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
    let lines: Vec<Line> = order
        .iter()
        .map(|&i| (&state.targets[i], &state.rows[i]))
        .skip(start)
        .take(visible)
        .map(|(target, row)| {
            let (icon, status, style) = match (&row.outcome, &row.skipped) {
                (_, Some(reason)) => (
                    "↷",
                    format!("skipped, left in place: {reason}"),
                    theme.warn(),
                ),
                (outcome, None) => match outcome {
                    Some(o) => match o.status {
                        OutcomeStatus::Deleted => ("✓", "deleted".to_string(), theme.ok()),
                        OutcomeStatus::Stopped => {
                            ("■", "stopped: not deleted".to_string(), theme.warn())
                        }
                        OutcomeStatus::Partial => {
                            ("◐", problem("partly deleted", o), theme.error())
                        }
                        OutcomeStatus::Failed => ("✗", problem("NOT deleted", o), theme.error()),
                    },
                    None if row.deleted_objects + row.failed_objects > 0 => {
                        (spinner(app.now), "deleting".to_string(), theme.bold())
                    }
                    None if state.is_running() && !state.checked => {
                        ("·", "checking for changes".to_string(), theme.dim())
                    }
                    None if state.is_running() => ("·", "waiting".to_string(), theme.dim()),
                    None => ("·", "not started".to_string(), theme.warn()),
                },
            };
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
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list_area);
}

fn plural(n: usize) -> String {
    format!(
        "{} deployment{}",
        count(n as u64),
        if n == 1 { "" } else { "s" }
    )
}

fn problem(what: &str, outcome: &crate::engine::deletion::DeploymentOutcome) -> String {
    let mut text = what.to_string();
    if !outcome.failed_keys.is_empty() {
        let first = &outcome.failed_keys[0];
        let n = outcome.failed_keys.len() as u64;
        text.push_str(&format!(
            ": {} key{} failed ({})",
            count(n),
            if n == 1 { "" } else { "s" },
            first.code
        ));
    }
    if let Some(error) = &outcome.error {
        text.push_str(&format!(": {error}"));
    }
    text
}

/// Lines the summary takes at `width`: the renderer lays out with it, and `App` sizes
/// its PgUp/PgDn in the progress list by it.
pub fn summary_rows(app: &App, state: &DeletionState, width: u16) -> u16 {
    wrapped_height(
        &summary_lines(app, state, &Theme::new(app.info.color)),
        width,
    )
}

fn wrapped_height(lines: &[Line<'_>], width: u16) -> u16 {
    lines
        .iter()
        .map(|l| wrapped_rows(&line_text(l), width as usize))
        .sum::<usize>() as u16
}

fn summary_lines(app: &App, state: &DeletionState, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut numbers = vec![Span::raw(format!(
        " {} of {} deleted",
        bytes(state.deleted_bytes),
        bytes(state.planned_bytes.max(state.deleted_bytes))
    ))];
    if let Some((objects_per_sec, bytes_per_sec)) = state.rates(app.now) {
        numbers.push(Span::raw(format!(
            " · {:.0} objects/s · {}/s",
            objects_per_sec,
            bytes(bytes_per_sec as u64)
        )));
    }
    numbers.push(Span::raw(format!(
        " · {} elapsed",
        seconds(state.elapsed_secs(app.now))
    )));
    if state.is_running() {
        if let Some(eta) = state.eta_secs(app.now) {
            numbers.push(Span::raw(format!(" · about {} left", seconds(eta))));
        }
    }
    lines.push(Line::from(numbers));
    if state.failed_objects > 0 {
        let n = state.failed_objects;
        lines.push(Line::styled(
            format!(
                " {} object{} could not be deleted (see below and the audit log)",
                count(n),
                if n == 1 { "" } else { "s" }
            ),
            theme.error(),
        ));
    }
    let skipped = state.skipped_count();
    if skipped > 0 {
        lines.push(Line::styled(
            format!(
                " {} skipped: {} changed since {} listed, so {} left in place (see below)",
                count(skipped as u64),
                if skipped == 1 { "it" } else { "they" },
                if skipped == 1 { "it was" } else { "they were" },
                if skipped == 1 { "it is" } else { "they are" },
            ),
            theme.warn(),
        ));
    }
    match &state.result {
        None => {
            if !state.checked {
                lines.push(Line::styled(
                    format!(
                        " {} Checking the deployments again for changes since they were listed…",
                        spinner(app.now)
                    ),
                    theme.dim(),
                ));
            }
            if state.stop_requested {
                lines.push(Line::styled(
                    " Stopping after the requests in flight…",
                    theme.warn(),
                ));
            } else if let Some(retry) = &state.retrying {
                lines.push(Line::styled(format!(" {retry}"), theme.warn()));
            }
        }
        Some(Ok(report)) => {
            let deleted = report
                .outcomes
                .iter()
                .filter(|o| o.status == OutcomeStatus::Deleted)
                .count();
            lines.push(Line::styled(
                format!(
                    " Deleted {} of {}: {} objects, {}.",
                    count(deleted as u64),
                    plural(state.targets.len()),
                    count(report.deleted_objects()),
                    bytes(report.deleted_bytes())
                ),
                theme.bold(),
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
                lines.push(Line::styled(
                    format!(
                        " Not (fully) deleted: {}{more} (listed first below).",
                        shown.join(", ")
                    ),
                    theme.error(),
                ));
            }
            if state.aborted_uploads > 0 {
                lines.push(Line::styled(
                    format!(
                        " Aborted {} incomplete multipart upload{} under them.",
                        count(state.aborted_uploads),
                        if state.aborted_uploads == 1 { "" } else { "s" }
                    ),
                    theme.ok(),
                ));
            }
            if let Some(problem) = &state.uploads_problem {
                lines.push(Line::styled(
                    format!(" {}", printable(problem)),
                    theme.warn(),
                ));
            }
            lines.push(Line::styled(
                format!(" Audit log: {}", app.info.audit_path.display()),
                theme.dim(),
            ));
            lines.push(Line::styled(
                " The list is reloading; enter or esc returns to it.",
                theme.dim(),
            ));
        }
        Some(Err(error)) => {
            lines.push(Line::styled(
                format!(" The deletion stopped with an error: {error}"),
                theme.error(),
            ));
            lines.push(Line::styled(" Deployments not marked ✓ below were not (fully) deleted. enter or esc returns to the list.", theme.dim()));
        }
    }
    lines
}

fn seconds(secs: f64) -> String {
    if secs < 10.0 {
        format!("{secs:.1}s")
    } else {
        compact_duration(std::time::Duration::from_secs_f64(secs))
    }
}
