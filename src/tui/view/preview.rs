//! The objects of one deployment as a tree, with sizes and exact times.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Borders, Cell, Paragraph, Row, Scrollbar, ScrollbarOrientation,
    ScrollbarState, Table, Wrap,
};
use ratatui::Frame;

use super::{spinner, timestamp, Theme};
use crate::format::{bytes, count, printable};
use crate::tui::app::App;
use crate::tui::layout;
use crate::tui::preview::{PreviewState, PreviewStatus};
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

    let summary = Line::from(vec![
        Span::raw(format!(
            " {} objects · {} · ",
            count(d.objects),
            bytes(d.bytes)
        )),
        Span::styled("newest ", theme.label()),
        Span::raw(format!("{} · ", timestamp(d.newest))),
        Span::styled("oldest ", theme.label()),
        Span::raw(timestamp(d.oldest)),
    ]);
    frame.render_widget(Paragraph::new(summary), areas.summary);
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
            let rows_area = areas.tree;
            let visible = areas.tree_rows() as usize;
            let end = (preview.scroll + visible).min(lines.len());
            let rows = lines[preview.scroll.min(end)..end].iter().map(|line| {
                let name = Line::from(vec![
                    Span::styled(format!(" {}", line.guide), theme.dim()),
                    Span::styled(
                        line.label.clone(),
                        if line.is_dir {
                            theme.bold()
                        } else {
                            ratatui::style::Style::new()
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
            });
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
            if lines.len() > visible {
                let mut state = ScrollbarState::new(lines.len().saturating_sub(visible) + 1)
                    .position(preview.scroll)
                    .viewport_content_length(visible);
                frame.render_stateful_widget(
                    Scrollbar::new(ScrollbarOrientation::VerticalRight)
                        .begin_symbol(None)
                        .end_symbol(None)
                        .track_symbol(Some("│"))
                        .thumb_symbol("┃"),
                    Rect {
                        y: rows_area.y + 1,
                        height: rows_area.height.saturating_sub(1),
                        ..rows_area
                    },
                    &mut state,
                );
            }
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
