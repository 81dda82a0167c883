//! Rendering: pure functions of `&App`, one file per screen or widget.

pub mod chart;
pub mod confirm;
pub mod error;
pub mod footer;
pub mod header;
pub mod help;
pub mod preview;
pub mod progress;
pub mod scrollbar;
pub mod table;

use chrono::{DateTime, Utc};
use ratatui::Frame;

use super::app::{App, ListingState, Mode};
use super::layout::areas;
pub use super::theme::Theme;

/// Draws the whole screen for the current state.
pub fn render(app: &App, frame: &mut Frame) {
    let theme = Theme::new(app.info.color);
    let area = frame.area();
    let areas = areas(area, app.header_height(), app.wants_chart());
    header::render(app, &theme, frame, areas.header);
    if let Some(chart_area) = areas.chart {
        chart::render(app, &theme, frame, chart_area);
    }
    match (&app.mode, &app.listing) {
        (Mode::Preview(preview), _) => preview::render(app, preview, &theme, frame, areas.main),
        (Mode::Deleting(state), _) => progress::render(app, state, &theme, frame, areas.main),
        (_, ListingState::Failed(error)) => error::render(app, error, &theme, frame, areas.main),
        _ => table::render(app, &theme, frame, areas.main),
    }
    footer::render_status(app, &theme, frame, areas.status);
    footer::render_keys(app, &theme, frame, areas.footer);
    match &app.mode {
        Mode::Help => help::render(app, &theme, frame, area),
        Mode::Confirm(confirm) => confirm::render(app, confirm, &theme, frame, area),
        _ => {}
    }
}

/// A braille spinner driven by the injected clock (no hidden time source).
pub fn spinner(now: DateTime<Utc>) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    FRAMES[(now.timestamp_millis() / 100).rem_euclid(10) as usize]
}

/// An exact time for people: `2026-05-01 10:00:00 UTC`.
pub fn timestamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The text of a line, without styles.
pub fn line_text(line: &ratatui::text::Line<'_>) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}
