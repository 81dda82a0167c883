//! The objects of one deployment as a tree, with sizes and exact times.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{scrollbar, spinner, timestamp, Theme};
use crate::engine::deployment::Deployment;
use crate::format::{bytes, count, printable};
use crate::tui::app::App;
use crate::tui::layout::{self, PreviewAreas};
use crate::tui::preview::{PreviewState, PreviewStatus, TreeLine};
use crate::tui::view::table::{mark_glyph, verdict};
use crate::tui::words::plural;

pub fn render(app: &App, preview: &PreviewState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let d = &preview.deployment;
    let mark = app.mark_of(d);
    let title = Line::from(vec![
        Span::styled(
            format!(" {} {}/ ", mark_glyph(mark), printable(&d.name)),
            theme.bold(),
        ),
        Span::styled(format!("{} ", verdict(app, &d.name, mark)), theme.row(mark)),
    ]);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border())
        .title(title);
    let truncated = matches!(
        preview.status,
        PreviewStatus::Loaded {
            truncated: true,
            ..
        }
    );
    let areas = layout::preview(area, truncated);
    frame.render_widget(block, area);
    if areas.inner.height == 0 {
        return;
    }

    frame.render_widget(Paragraph::new(summary(d, theme)), areas.summary);
    let body = areas.body;
    match &preview.status {
        PreviewStatus::Loading => {
            let text = format!(
                " {} loading the objects of {}…",
                spinner(app.now),
                printable(&d.prefix)
            );
            frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), body);
        }
        PreviewStatus::Failed(error) => {
            let lines = vec![
                Line::styled(" Could not list this deployment:", theme.error()),
                Line::from(format!(" {error}")),
                Line::styled(" esc goes back", theme.dim()),
            ];
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
        }
        PreviewStatus::Loaded {
            lines,
            shown,
            truncated,
        } => {
            render_tree(preview, lines, theme, frame, &areas);
            if *truncated {
                let note = format!(
                    " showing the first {} of {} objects (the preview loads at most this many; the totals above count all)",
                    count(*shown as u64),
                    count(d.objects)
                );
                frame.render_widget(Paragraph::new(Line::styled(note, theme.warn())), areas.note);
            }
        }
    }
}

/// Objects, bytes, and the newest and oldest times of the deployment.
fn summary(d: &Deployment, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::raw(format!(
            " {} objects · {} · ",
            count(d.objects),
            bytes(d.bytes)
        )),
        Span::styled("newest ", theme.label()),
        Span::raw(format!("{} · ", timestamp(d.newest))),
        Span::styled("oldest ", theme.label()),
        Span::raw(timestamp(d.oldest)),
    ])
}

/// The tree's rows on screen, with a scrollbar when they do not all fit.
fn render_tree(
    preview: &PreviewState,
    lines: &[TreeLine],
    theme: &Theme,
    frame: &mut Frame,
    areas: &PreviewAreas,
) {
    let rows_area = areas.tree;
    let visible = areas.tree_rows() as usize;
    let end = (preview.scroll + visible).min(lines.len());
    let rows = lines[preview.scroll.min(end)..end]
        .iter()
        .map(|line| tree_row(line, theme));
    let header = Row::new(vec![
        Cell::from(" path"),
        Cell::from(Line::from("size").right_aligned()),
        Cell::from("last modified"),
    ])
    .style(theme.label());
    let table = Table::new(
        rows,
        [
            Constraint::Min(20),
            Constraint::Length(10),
            Constraint::Length(23),
        ],
    )
    .header(header)
    .column_spacing(2);
    frame.render_widget(
        table,
        Rect {
            width: rows_area.width.saturating_sub(1),
            ..rows_area
        },
    );
    scrollbar::render(
        frame,
        Rect {
            y: rows_area.y + 1,
            height: rows_area.height.saturating_sub(1),
            ..rows_area
        },
        lines.len(),
        visible,
        preview.scroll,
    );
}

fn tree_row(line: &TreeLine, theme: &Theme) -> Row<'static> {
    let name = Line::from(vec![
        Span::styled(format!(" {}", line.guide), theme.dim()),
        Span::styled(
            line.label.clone(),
            if line.is_dir {
                theme.bold()
            } else {
                Style::new()
            },
        ),
    ]);
    let detail = if line.is_dir {
        plural(line.objects, "object")
    } else {
        line.time.map(timestamp).unwrap_or_default()
    };
    Row::new(vec![
        Cell::from(name),
        Cell::from(Line::from(bytes(line.bytes)).right_aligned()),
        Cell::from(Line::styled(detail, theme.dim())),
    ])
}
