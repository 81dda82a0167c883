//! The two bottom lines: a status line (filter prompt, message, or the selected
//! deployment's exact times) and the key hints for the current screen.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{timestamp, Theme};
use crate::format::{count, printable};
use crate::tui::app::{App, ListingState, MessageKind, Mode};

pub fn render_status(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let line = if matches!(app.mode, Mode::Filter) {
        Line::from(vec![
            Span::styled(" filter /", theme.key()),
            Span::raw(printable(&app.filter).into_owned()),
            Span::styled("▏", theme.key()),
            Span::styled(
                format!(
                    "  {} of {} match · enter keeps · esc clears",
                    count(app.view.len() as u64),
                    count(app.deployments.len() as u64)
                ),
                theme.dim(),
            ),
        ])
    } else if let Some(message) = &app.message {
        let style = match message.kind {
            MessageKind::Info => theme.ok(),
            MessageKind::Warn => theme.warn(),
            MessageKind::Error => theme.error(),
        };
        Line::styled(format!(" {}", message.text), style)
    } else if let (Mode::Browse | Mode::Help | Mode::Confirm(_), Some(d)) =
        (&app.mode, app.current())
    {
        Line::from(vec![
            Span::styled(" ▸ ", theme.key()),
            Span::styled(printable(&d.prefix).into_owned(), theme.bold()),
            Span::styled("  newest ", theme.label()),
            Span::raw(timestamp(d.newest)),
            Span::styled("  oldest ", theme.label()),
            Span::raw(timestamp(d.oldest)),
        ])
    } else {
        Line::from("")
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub fn render_keys(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let failed = matches!(app.listing, ListingState::Failed(_));
    let hints: &[(&str, &str)] = match &app.mode {
        Mode::Browse if failed => &[("R", "list again"), ("?", "help"), ("q", "quit")],
        Mode::Browse => &[
            ("↑↓", "move"),
            ("space", "mark"),
            ("d", "delete"),
            ("enter", "preview"),
            ("/", "filter"),
            ("s", "sort"),
            ("r", "reverse"),
            ("+/-", "keep N"),
            ("a", "reset"),
            ("R", "reload"),
            ("?", "help"),
            ("q", "quit"),
        ],
        Mode::Filter => &[
            ("type", "filter"),
            ("enter", "keep"),
            ("esc", "clear"),
            ("↑↓", "move"),
        ],
        Mode::Help => &[("any key", "closes the help")],
        Mode::Preview(_) => &[
            ("↑↓", "scroll"),
            ("PgUp/PgDn", "page"),
            ("g/G", "top/bottom"),
            ("esc", "back"),
        ],
        Mode::Confirm(_) => &[("y/enter", "delete"), ("n/esc", "cancel")],
        Mode::Deleting(state) if state.is_running() && !state.stop_requested => &[
            ("esc", "stop after the requests in flight"),
            ("↑↓", "scroll"),
        ],
        Mode::Deleting(state) if state.is_running() => {
            &[("ctrl-c", "quit without waiting"), ("↑↓", "scroll")]
        }
        Mode::Deleting(_) => &[("enter/esc", "back to the list"), ("↑↓", "scroll")],
    };
    // Keep "? help" and "q quit" (the last two in browse) when the line is too narrow.
    let width = area.width as usize;
    let cost = |(k, v): &(&str, &str)| k.chars().count() + v.chars().count() + 3;
    let mut chosen: Vec<(&str, &str)> = hints.to_vec();
    while chosen.iter().map(cost).sum::<usize>() + 1 > width && chosen.len() > 2 {
        let drop_at = if matches!(app.mode, Mode::Browse) {
            chosen.len() - 3
        } else {
            chosen.len() - 1
        };
        chosen.remove(drop_at);
    }
    let mut spans = vec![Span::raw(" ")];
    for (key, what) in chosen {
        spans.push(Span::styled(key.to_string(), theme.key()));
        spans.push(Span::styled(format!(" {what}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
