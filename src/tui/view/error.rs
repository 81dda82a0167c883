//! A failed listing, shown where the table would be: what went wrong and what to do.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::Theme;
use crate::engine::error::EngineError;
use crate::tui::app::App;
use crate::tui::layout::centered;

pub fn title(error: &EngineError) -> &'static str {
    match error {
        EngineError::NoSuchBucket { .. } => "Bucket not found",
        EngineError::AccessDenied { .. } => "Access denied",
        EngineError::NoCredentials { .. } => "No AWS credentials",
        EngineError::Unreachable { .. } => "Cannot reach S3",
        EngineError::Timeout { .. } => "S3 did not answer in time",
        EngineError::NotS3 { .. } => "Not an S3 endpoint",
        EngineError::Throttled { .. } => "S3 is throttling requests",
        EngineError::Service { .. } | EngineError::Other(_) => "Listing failed",
    }
}

pub fn render(app: &App, error: &EngineError, theme: &Theme, frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::from(""),
        Line::from(error.to_string()),
        Line::from(""),
        Line::styled(
            format!(
                "Nothing was deleted. Checked: s3://{}/{} at {}.",
                app.info.bucket, app.info.root, app.info.endpoint
            ),
            theme.dim(),
        ),
        Line::from(""),
        Line::styled("R lists again · q quits", theme.key()).centered(),
    ];
    let width = area.width.saturating_sub(4).min(90);
    let inner_width = width.saturating_sub(4).max(1) as usize;
    let wrapped: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_width).max(1))
        .sum();
    let dialog = centered(area, width, wrapped as u16 + 2);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(theme.error())
        .title(Line::styled(format!(" {} ", title(error)), theme.error()));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(block.padding(ratatui::widgets::Padding::horizontal(1))),
        dialog,
    );
}
