//! Where each part of the screen goes. Shared by the renderer and by `App::update`
//! (page size for PgUp/PgDn, mouse hit-testing), so both always agree.

use ratatui::layout::{Constraint, Layout, Rect};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// The size-over-time chart; `None` when the terminal is too small for it.
    pub chart: Option<Rect>,
    /// The table, or the screen that replaces it (preview, progress, error).
    pub main: Rect,
    /// One line: the filter prompt, a message, or the selected row's details.
    pub status: Rect,
    /// One line of key hints.
    pub footer: Rect,
}

/// Lines above the table body inside `main`: the title rule and the column header.
pub const TABLE_CHROME: u16 = 2;

/// The chart appears from this terminal height on, and collapses below it.
pub const CHART_MIN_HEIGHT: u16 = 28;

pub fn areas(area: Rect, header_lines: u16, want_chart: bool) -> Areas {
    let chart_height = if !want_chart || area.height < CHART_MIN_HEIGHT || area.width < 40 {
        0
    } else if area.height >= 40 {
        10
    } else {
        8
    };
    let [header, chart, main, status, footer] = Layout::vertical([
        Constraint::Length(header_lines),
        Constraint::Length(chart_height),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas {
        header,
        chart: (chart_height > 0).then_some(chart),
        main,
        status,
        footer,
    }
}

/// A centred box of at most `width`×`height` inside `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
