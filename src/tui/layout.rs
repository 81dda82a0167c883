//! Where each part of the screen goes. Shared by the renderer and by `App::update`
//! (page size for PgUp/PgDn, mouse hit-testing), so both always agree.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

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
const TABLE_CHROME: u16 = 2;

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

/// Inside a box drawn with borders all round.
pub fn inside_border(area: Rect) -> Rect {
    Block::bordered().inner(area)
}

/// The table's rows (under its title rule and column header) inside `main`; the
/// scrollbar runs beside them.
pub fn table_body(main: Rect) -> Rect {
    let chrome = TABLE_CHROME.min(main.height);
    Rect {
        y: main.y + chrome,
        height: main.height - chrome,
        ..main
    }
}

/// The preview of one deployment inside `main` (a bordered box).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviewAreas {
    pub inner: Rect,
    /// One line: counts, sizes, times.
    pub summary: Rect,
    /// Everything under the summary: the tree, or the loading or error text.
    pub body: Rect,
    /// The tree: its column header, then its rows.
    pub tree: Rect,
    /// The line saying the preview was cut short (only when it was).
    pub note: Rect,
}

impl PreviewAreas {
    /// Tree rows on screen (below the column header).
    pub fn tree_rows(&self) -> u16 {
        self.tree.height.saturating_sub(1)
    }
}

pub fn preview(main: Rect, truncated: bool) -> PreviewAreas {
    let inner = inside_border(main);
    let body = Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    };
    let note_height = u16::from(truncated);
    PreviewAreas {
        inner,
        summary: Rect { height: 1, ..inner },
        body,
        tree: Rect {
            height: body.height.saturating_sub(note_height),
            ..body
        },
        note: Rect {
            y: body.bottom().saturating_sub(1),
            height: note_height,
            ..body
        },
    }
}

/// The deletion's progress inside `main` (a bordered box).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressAreas {
    pub inner: Rect,
    pub gauge: Rect,
    pub summary: Rect,
    /// One line per deployment.
    pub list: Rect,
}

/// `summary_rows`: the lines of the summary once wrapped to `inside_border(main).width`.
pub fn progress(main: Rect, summary_rows: u16) -> ProgressAreas {
    let inner = inside_border(main);
    let [gauge, summary, list] = Layout::vertical([
        Constraint::Length(1),
        // A blank line between the summary and the list.
        Constraint::Length(summary_rows + 1),
        Constraint::Min(1),
    ])
    .areas(inner);
    ProgressAreas {
        inner,
        gauge,
        summary,
        list,
    }
}

/// Rows `text` takes when word-wrapped at `width` (as `Wrap` does, near enough).
pub fn wrapped_rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let mut rows = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let len = word.chars().count();
        let need = if used == 0 { len } else { used + 1 + len };
        if need <= width {
            used = need;
        } else {
            rows += 1 + len.saturating_sub(1) / width;
            used = len % width;
        }
    }
    rows
}
