//! The `?` overlay: every key (from [`crate::tui::keys`]), what the marks mean, and where things are written.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::Theme;
use crate::engine::plan::Reason;
use crate::tui::app::App;
use crate::tui::keys;
use crate::tui::layout::centered;
use crate::tui::marks::Mark;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines = vec![Line::styled("Keys", theme.bold())];
    for help in keys::help_rows() {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<16}", help.keys), theme.key()),
            Span::raw(help.text),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("Marks", theme.bold()));
    let legend = [
        (
            Mark::RuleDelete,
            "[x]",
            "the rule deletes it (not among the newest N)",
        ),
        (
            Mark::ManualDelete(Reason::NewestN),
            "[+]",
            "marked by you; the rule would keep it",
        ),
        (
            Mark::ManualKeep,
            "[-]",
            "un-marked by you; the rule would delete it",
        ),
        (
            Mark::RuleKeep(Reason::NewestN),
            "[ ]",
            "kept by the rule (newest N, or younger than --older-than)",
        ),
        (
            Mark::Protected,
            "[P]",
            "protected by --protect: never deleted, cannot be marked",
        ),
    ];
    for (mark, glyph, what) in legend {
        lines.push(Line::from(vec![
            Span::styled(format!("  {glyph}  "), theme.row(mark)),
            Span::raw(what),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("Good to know", theme.bold()));
    for note in [
        "Nothing is deleted until you press d and confirm the list in the dialog.".to_string(),
        "Marks include rows hidden by the filter; the dialog says how many.".to_string(),
        "While the bucket is listed, marks are provisional and d waits.".to_string(),
        "Manual marks survive +/-, sorting, filtering and R; a resets them.".to_string(),
        format!("Audit log: {}", app.info.audit_path.display()),
        match &app.info.log_path {
            Some(path) => format!("Log file: {}", path.display()),
            None => "Log file: none".to_string(),
        },
    ] {
        lines.push(Line::from(format!("  {note}")));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("any key closes this help", theme.dim()).centered());

    let height = (lines.len() as u16 + 2).min(area.height);
    let dialog = centered(area, 78, height);
    frame.render_widget(Clear, dialog);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.key())
        .title(Span::styled(" s3prune help ", theme.bold()));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block.padding(ratatui::widgets::Padding::horizontal(1))),
        dialog,
    );
}
