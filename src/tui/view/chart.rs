//! Deployment sizes over time: one bar per deployment, oldest on the left, the ones the
//! marks would delete in the highlight colour. With more deployments than columns, each
//! column stands for a run of consecutive deployments (their total, the part to delete
//! stacked at the bottom).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};
use ratatui::Frame;

use super::Theme;
use crate::engine::plan::Reason;
use crate::format::bytes;
use crate::tui::app::App;
use crate::tui::marks::Mark;

const EIGHTHS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

#[derive(Debug, Clone, Copy, Default)]
struct Column {
    total: u64,
    deleted: u64,
    all_protected: bool,
    selected: bool,
}

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let legend = Line::from(vec![
        Span::styled(
            if theme.has_color() { "█" } else { "▓" },
            theme.bar(true, false),
        ),
        Span::raw(" to delete  "),
        Span::styled("█", theme.bar(false, false)),
        Span::raw(" kept  "),
        Span::styled("█", theme.bar(false, true)),
        Span::raw(" protected "),
    ])
    .right_aligned();
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border())
        .title(Span::styled(
            " Size over time (oldest → newest, all deployments) ",
            theme.bold(),
        ))
        .title_top(legend);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 2 || inner.width < 4 || app.by_time.is_empty() {
        return;
    }
    let bars_height = inner.height - 1;
    let width = inner.width as usize;
    let (columns, bar_width) = columns(app, width);
    // Spread the columns over the whole width.
    let x_of = |i: usize| inner.x + (i * width / columns.len()) as u16;
    let tallest = columns.iter().map(|c| c.total).max().unwrap_or(0).max(1);
    let buf = frame.buffer_mut();
    let levels = bars_height as u64 * 8;
    for (i, column) in columns.iter().enumerate() {
        let height = if column.total == 0 {
            0
        } else {
            (column.total * levels).div_ceil(tallest).max(1)
        };
        let deleted = if column.deleted == 0 {
            0
        } else {
            (column.deleted * levels)
                .div_ceil(tallest)
                .max(1)
                .min(height)
        };
        let x0 = x_of(i);
        for row in 0..bars_height {
            let below = row as u64 * 8;
            let fill = height.saturating_sub(below).min(8) as usize;
            if fill == 0 {
                break;
            }
            let deletes = below < deleted;
            let style = theme.bar(deletes, column.all_protected);
            // Without colours, the part to delete is shaded so it still stands out.
            let symbol = if deletes && fill == 8 && !theme.has_color() {
                "▓"
            } else {
                EIGHTHS[fill]
            };
            let y = inner.y + bars_height - 1 - row;
            for dx in 0..bar_width {
                set(buf, x0 + dx as u16, y, symbol, style);
            }
        }
    }

    // The axis: first and last times, the tallest bar, and a marker under the selection
    // (labels the marker would cut through are left out).
    let axis_y = inner.y + bars_height;
    let age_by = app.rule.age_by();
    let oldest = age_by.time_of(&app.deployments[app.by_time[0]]);
    let newest = age_by.time_of(&app.deployments[*app.by_time.last().expect("not empty")]);
    let marker = columns
        .iter()
        .position(|c| c.selected)
        .map(|i| x_of(i) + (bar_width / 2) as u16);
    let left = format!("{} ", oldest.format("%Y-%m-%d"));
    let right = format!(" {}", newest.format("%Y-%m-%d"));
    let middle = format!(" tallest {} ", bytes(tallest));
    let mut labels = vec![(inner.x, left.clone())];
    if width > left.len() + right.len() {
        labels.push((inner.x + (width - right.len()) as u16, right.clone()));
    }
    if width > left.len() + right.len() + middle.chars().count() + 2 {
        labels.push((
            inner.x + ((width - middle.chars().count()) / 2) as u16,
            middle,
        ));
    }
    for (x, text) in labels {
        let end = x + text.chars().count() as u16;
        if marker.is_none_or(|m| m < x || m >= end) {
            buf.set_string(x, axis_y, &text, theme.dim());
        }
    }
    if let Some(x) = marker {
        set(buf, x, axis_y, "▲", theme.bold());
    }
}

fn set(buf: &mut Buffer, x: u16, y: u16, symbol: &str, style: Style) {
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_symbol(symbol).set_style(style);
    }
}

/// The columns to draw and the width of each bar (a gap of at least one cell between
/// bars when there is room).
fn columns(app: &App, width: usize) -> (Vec<Column>, usize) {
    let n = app.by_time.len();
    let per_column = n.div_ceil(width).max(1);
    let count = n.div_ceil(per_column);
    let slot = width / count;
    let bar_width = slot.saturating_sub(1).clamp(1, 5);
    let selected = app.current().map(|d| d.name.as_str());
    let columns = app
        .by_time
        .chunks(per_column)
        .map(|chunk| {
            let mut column = Column {
                all_protected: true,
                ..Column::default()
            };
            for &i in chunk {
                let d = &app.deployments[i];
                let mark = app.mark_of(d);
                column.total += d.bytes;
                if mark.deletes() {
                    column.deleted += d.bytes;
                }
                column.all_protected &=
                    matches!(mark, Mark::Protected | Mark::Live(Reason::Protected));
                column.selected |= selected == Some(d.name.as_str());
            }
            column
        })
        .collect();
    (columns, bar_width)
}
