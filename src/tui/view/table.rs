//! The deployments table. Only the rows on screen are built, so 10 000 deployments
//! scroll as smoothly as 10.

use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{scrollbar, spinner, Theme};
use crate::age_text::{exact_duration, format_age};
use crate::engine::plan::Reason;
use crate::format::{bytes, count, printable};
use crate::tui::app::{App, ListingState};
use crate::tui::layout::table_body;
use crate::tui::marks::Mark;
use crate::tui::words::plural;

/// The mark column: a checkbox whose glyph says who decided.
pub fn mark_glyph(mark: Mark) -> &'static str {
    match mark {
        Mark::RuleDelete => "[x]",
        Mark::ManualDelete(_) => "[+]",
        Mark::ManualKeep => "[-]",
        Mark::Protected => "[P]",
        Mark::Live(_) => "[L]",
        Mark::RuleKeep(_) => "[ ]",
    }
}

/// The plan column: the verdict and why. `name` is the row's deployment, for what points
/// at a live one.
pub fn verdict(app: &App, name: &str, mark: Mark) -> String {
    let keep = app.rule.keep();
    match mark {
        Mark::RuleDelete => match app.rule.older_than() {
            Some(age) => format!("delete · not newest {keep}, >{}", exact_duration(age)),
            None => format!("delete · not newest {keep}"),
        },
        Mark::ManualDelete(_) => "delete · marked by you".into(),
        Mark::ManualKeep => "keep · unmarked by you".into(),
        Mark::Protected => "keep · protected".into(),
        Mark::Live(Reason::Live) => {
            let sources = app.live.sources(name);
            match sources {
                [] => "keep · live".into(),
                [one] => format!("keep · live ← {}", printable(one)),
                [first, rest @ ..] => {
                    format!("keep · live ← {} +{}", printable(first), rest.len())
                }
            }
        }
        Mark::Live(Reason::NewestN) => format!("keep · newest {keep} · live"),
        Mark::Live(Reason::Protected) => "keep · protected · live".into(),
        Mark::Live(_) => "keep · live".into(),
        Mark::RuleKeep(Reason::Undated) => "keep · undated".into(),
        Mark::RuleKeep(Reason::YoungerThan) => match app.rule.older_than() {
            Some(age) => format!("keep · younger than {}", exact_duration(age)),
            None => "keep · too young".into(),
        },
        Mark::RuleKeep(_) => format!("keep · newest {keep}"),
    }
}

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let order = if app.reverse {
        app.sort.reversed_order()
    } else {
        app.sort.natural_order()
    };
    let mut title = vec![
        Span::styled(" Deployments ", theme.bold()),
        Span::styled(
            format!("sorted by {} ({order}) ", app.sort.as_str()),
            theme.dim(),
        ),
    ];
    if !app.filter.is_empty() {
        title.push(Span::styled(
            format!("· filter \"{}\" ", printable(&app.filter)),
            theme.warn(),
        ));
    }
    let position = if app.view.is_empty() {
        String::new()
    } else {
        format!(
            " {} of {} ",
            count(app.cursor as u64 + 1),
            count(app.view.len() as u64)
        )
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Line::from(title))
        .title_top(Line::from(position).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if app.view.is_empty() {
        render_empty(app, theme, frame, inner);
        return;
    }

    let wide = area.width >= 90;
    let medium = area.width >= 70;
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Min(12),
        Constraint::Length(8),
        Constraint::Length(10),
    ];
    let mut header = vec![
        Cell::from(""),
        Cell::from("name"),
        Cell::from("age"),
        Cell::from(Line::from("size").right_aligned()),
    ];
    if medium {
        widths.push(Constraint::Length(8));
        header.push(Cell::from(Line::from("objects").right_aligned()));
    }
    if wide {
        widths.push(Constraint::Length(28));
        header.push(Cell::from("plan"));
    }
    let arrow = if app.reverse { " ▲" } else { " ▼" };
    let sorted_column = match app.sort {
        crate::tui::app::SortKey::Name => 1,
        crate::tui::app::SortKey::Age => 2,
        crate::tui::app::SortKey::Size => 3,
        crate::tui::app::SortKey::Objects => 4,
    };
    if sorted_column < header.len() {
        let label = ["", "name", "age", "size", "objects"][sorted_column];
        let line = Line::from(format!("{label}{arrow}"));
        header[sorted_column] = Cell::from(if sorted_column >= 3 {
            line.right_aligned()
        } else {
            line
        });
    }

    let body = table_body(area);
    let body_rows = body.height as usize;
    let end = (app.offset + body_rows).min(app.view.len());
    let rows = app.view[app.offset..end]
        .iter()
        .enumerate()
        .map(|(i, &index)| {
            let d = &app.deployments[index];
            let mark = app.mark_of(d);
            let mut cells = vec![
                Cell::from(mark_glyph(mark)),
                Cell::from(printable(&d.name).into_owned()),
                Cell::from(format_age(app.time_of(d), app.now)),
                Cell::from(Line::from(bytes(d.bytes)).right_aligned()),
            ];
            if medium {
                cells.push(Cell::from(Line::from(count(d.objects)).right_aligned()));
            }
            if wide {
                cells.push(Cell::from(verdict(app, &d.name, mark)));
            }
            let mut style = theme.row(mark);
            if app.offset + i == app.cursor {
                style = style.patch(theme.selected());
            }
            Row::new(cells).style(style)
        });
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.label()))
        .column_spacing(1);
    let table_area = Rect {
        width: inner.width.saturating_sub(1),
        ..inner
    };
    frame.render_widget(table, table_area);

    scrollbar::render(frame, body, app.view.len(), body_rows, app.offset);
}

fn render_empty(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let location = format!("s3://{}/{}", app.info.bucket, printable(&app.info.root));
    let lines: Vec<Line> = match &app.listing {
        ListingState::Listing { discovered } => vec![
            Line::from(""),
            Line::from(format!("{} Listing {location}…", spinner(app.now))),
            Line::styled(
                match discovered {
                    Some(n) => format!(
                        "{} deployments found; counting their objects",
                        count(*n as u64)
                    ),
                    None => "finding the deployments".to_string(),
                },
                theme.dim(),
            ),
        ],
        _ if app.deployments.is_empty() => {
            let mut lines = vec![
                Line::from(""),
                Line::styled(
                    format!("No deployments under {location}: nothing to prune."),
                    theme.bold(),
                ),
                Line::styled(
                    "A deployment is a top-level folder (name/…) under the root.",
                    theme.dim(),
                ),
            ];
            if app.root_objects.objects > 0 {
                lines.push(Line::styled(
                    format!(
                        "{} directly under the root belong to no deployment and are never deleted.",
                        plural(app.root_objects.objects, "object")
                    ),
                    theme.dim(),
                ));
            }
            lines.push(Line::styled("R lists again · q quits", theme.dim()));
            lines
        }
        _ => vec![
            Line::from(""),
            Line::from(format!(
                "No deployment name contains \"{}\".",
                printable(&app.filter)
            )),
            Line::styled("esc clears the filter", theme.dim()),
        ],
    };
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        area,
    );
}
