//! The confirmation dialog: exactly what `y` deletes, before anything is deleted.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Padding, Paragraph, Wrap};
use ratatui::Frame;

use super::{line_text, Theme};
use crate::age_text::format_age;
use crate::engine::bucket::Versioning;
use crate::engine::plan::Reason;
use crate::format::{bytes, count, printable};
use crate::tui::app::{App, ConfirmState, VersioningState};
use crate::tui::layout::{centered, wrapped_rows};
use crate::tui::marks::Mark;
use crate::tui::words::plural;

pub fn render(app: &App, confirm: &ConfirmState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(4).min(84);
    // Inside the borders and the one-column padding on each side.
    let content_width = width.saturating_sub(4).max(1) as usize;
    let n = confirm.targets.len();
    let location = format!("s3://{}/{}", app.info.bucket, printable(&app.info.root));

    let notes = notes(app, confirm, theme);
    let note_rows: usize = notes
        .iter()
        .map(|line| wrapped_rows(&line_text(line), content_width))
        .sum();
    // Borders, the totals line, three blank lines and the key line are always there;
    // the names get what is left (at least one line).
    let fixed = 2 + 1 + 3 + 1 + note_rows;
    let room = (area.height as usize).saturating_sub(fixed).clamp(1, 15);
    let shown = if n <= room {
        n
    } else {
        room.saturating_sub(1).max(1)
    };

    let mut lines = vec![
        Line::from(vec![
            Span::styled(plural(n as u64, "deployment"), theme.delete()),
            Span::raw(format!(
                " · {} {} · {}",
                count(confirm.objects),
                if app.all_versions {
                    "object versions"
                } else {
                    "objects"
                },
                bytes(confirm.bytes)
            )),
        ]),
        Line::from(""),
    ];
    // name, age (8), size (10), objects (9), "by hand" (9), with single spaces.
    let name_width = content_width.saturating_sub(2 + 30 + 9).max(8);
    for d in confirm.targets.iter().take(shown) {
        let manual = confirm.manual.iter().any(|m| m == &d.name);
        let name = truncate(&printable(&d.name), name_width);
        lines.push(Line::from(vec![
            Span::raw(format!("  {name:<name_width$}")),
            Span::raw(format!(
                " {:>8} {:>10} {:>9}",
                format_age(app.time_of(d), app.now),
                bytes(d.bytes),
                format!("{} obj", count(d.objects))
            )),
            Span::styled(
                if manual { "  by hand" } else { "" },
                theme.row(Mark::ManualDelete(Reason::Manual)),
            ),
        ]));
    }
    if shown < n {
        lines.push(Line::styled(
            format!("  … and {} more", count((n - shown) as u64)),
            theme.dim(),
        ));
    }
    lines.push(Line::from(""));
    lines.extend(notes);

    let rows: usize = lines
        .iter()
        .map(|l| wrapped_rows(&line_text(l), content_width))
        .sum();
    let height = (rows as u16 + 4).min(area.height);
    let dialog = centered(area, width, height);
    frame.render_widget(Clear, dialog);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.delete())
        .padding(Padding::horizontal(1))
        .title(Span::styled(
            format!(
                " Delete {} from {location}? ",
                plural(n as u64, "deployment")
            ),
            theme.delete(),
        ));
    let inner = block.inner(dialog);
    frame.render_widget(block, dialog);
    // The key line is pinned to the bottom so it shows however long the notes get.
    let keys_area = Rect {
        y: inner.bottom().saturating_sub(1),
        height: 1.min(inner.height),
        ..inner
    };
    let body_area = Rect {
        height: inner.height.saturating_sub(2),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body_area);
    let keys = Line::from(vec![
        Span::styled("y", theme.key()),
        Span::raw(" or "),
        Span::styled("enter", theme.key()),
        Span::raw(" deletes    "),
        Span::styled("n", theme.key()),
        Span::raw(" or "),
        Span::styled("esc", theme.key()),
        Span::raw(" cancels"),
    ])
    .centered();
    frame.render_widget(Paragraph::new(keys), keys_area);
}

fn notes(app: &App, confirm: &ConfirmState, theme: &Theme) -> Vec<Line<'static>> {
    let mut notes = Vec::new();
    let unprotected = app
        .deployments
        .iter()
        .filter(|d| !app.rule.is_protected(&d.name))
        .count();
    if unprotected > 0 && confirm.targets.len() * 10 > unprotected * 9 {
        notes.push(Line::styled(
            if confirm.targets.len() >= unprotected {
                "⚠ This deletes every deployment that is not protected.".to_string()
            } else {
                format!(
                    "⚠ This deletes {} of the {} unprotected deployments.",
                    count(confirm.targets.len() as u64),
                    count(unprotected as u64)
                )
            },
            theme.error(),
        ));
    }
    if confirm.hidden_by_filter > 0 {
        notes.push(Line::styled(
            format!(
                "⚠ {} of them {} hidden by the filter \"{}\": marks apply to every row.",
                count(confirm.hidden_by_filter as u64),
                if confirm.hidden_by_filter == 1 {
                    "is"
                } else {
                    "are"
                },
                printable(&app.filter)
            ),
            theme.warn(),
        ));
    }
    if !confirm.manual.is_empty() {
        notes.push(Line::from(format!(
            "{} of them marked by hand (the rule alone would keep {}).",
            count(confirm.manual.len() as u64),
            if confirm.manual.len() == 1 {
                "it"
            } else {
                "them"
            }
        )));
    }
    match &app.versioning {
        _ if app.all_versions => notes.push(Line::styled(
            "⚠ --all-versions: every version and delete marker under these prefixes is deleted; this cannot be undone.",
            theme.warn(),
        )),
        VersioningState::Known(Versioning::Disabled) => {
            notes.push(Line::from(
                "Versioning is off: deleted objects cannot be recovered.",
            ));
        }
        VersioningState::Known(v) => {
            notes.push(Line::styled(
                format!(
                    "⚠ Versioning is {}: this only adds delete markers and reclaims no storage.",
                    v.as_str()
                ),
                theme.warn(),
            ));
            // Suspended buckets replace the null version with the marker: not undoable.
            if *v == Versioning::Enabled {
                notes.push(Line::from(
                    "This can be undone by removing those delete markers again:",
                ));
                notes.push(Line::from(format!(
                    "  s3prune undo --bucket {} --audit-log {}",
                    app.info.bucket,
                    printable(&app.info.audit_path.display().to_string())
                )));
            }
        }
        _ => notes.push(Line::styled(
            "⚠ Versioning status unknown: if it is on, this only adds delete markers.",
            theme.warn(),
        )),
    }
    notes.push(Line::styled(
        "Each is checked again first (changed ones are skipped), then every key under its prefix is deleted.",
        theme.dim(),
    ));
    notes.push(Line::styled(
        format!("Audit log: {}", app.info.audit_path.display()),
        theme.dim(),
    ));
    notes
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
