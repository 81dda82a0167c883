//! The two bottom lines: a status line (filter prompt, message, or the selected
//! deployment's exact times) and the key hints for the current screen.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{timestamp, Theme};
use crate::engine::cost::StorageClass;
use crate::format::{bytes, count, printable};
use crate::tui::app::{App, MessageKind, Mode};
use crate::tui::keys::{self, Hint};
use crate::tui::words::plural;

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
        let mut spans = vec![
            Span::styled(" ▸ ", theme.key()),
            Span::styled(printable(&d.prefix).into_owned(), theme.bold()),
            Span::styled("  newest ", theme.label()),
            Span::raw(timestamp(d.newest)),
            Span::styled("  oldest ", theme.label()),
            Span::raw(timestamp(d.oldest)),
        ];
        // Classes other than STANDARD and abandoned uploads: what the size column hides.
        let classes: Vec<String> = d
            .storage
            .by_class()
            .filter(|(c, _)| *c != StorageClass::Standard)
            .map(|(c, b)| format!("{} {}", c.as_str(), bytes(b)))
            .collect();
        if !classes.is_empty() {
            spans.push(Span::styled(
                format!("  {}", classes.join(" · ")),
                theme.dim(),
            ));
        }
        if d.incomplete_uploads > 0 {
            spans.push(Span::styled(
                format!("  {}", plural(d.incomplete_uploads, "incomplete upload")),
                theme.warn(),
            ));
        }
        Line::from(spans)
    } else {
        Line::from("")
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub fn render_keys(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut chosen = keys::hints(app.scope());
    // Too narrow for every hint: drop from the end, sparing the pinned ones.
    let width = area.width as usize;
    let cost = |h: &Hint| h.keys.chars().count() + h.text.chars().count() + 3;
    while chosen.iter().map(cost).sum::<usize>() + 1 > width && chosen.len() > 2 {
        let Some(drop_at) = chosen.iter().rposition(|h| !h.pinned) else {
            break;
        };
        chosen.remove(drop_at);
    }
    let mut spans = vec![Span::raw(" ")];
    for hint in chosen {
        spans.push(Span::styled(hint.keys, theme.key()));
        spans.push(Span::styled(format!(" {}  ", hint.text), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
