//! The vertical scrollbar of the table and the preview.

use ratatui::layout::Rect;
use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState};
use ratatui::Frame;

/// Draws a scrollbar down the right edge of `area` when `total` rows do not fit in the
/// `visible` ones; `position` is the first row shown.
pub fn render(frame: &mut Frame, area: Rect, total: usize, visible: usize, position: usize) {
    if total <= visible {
        return;
    }
    let mut state = ScrollbarState::new(total.saturating_sub(visible) + 1)
        .position(position)
        .viewport_content_length(visible);
    frame.render_stateful_widget(
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .track_symbol(Some("│"))
            .thumb_symbol("┃"),
        area,
        &mut state,
    );
}
