//! The cursor, the selection and scrolling.

use super::*;

impl App {
    /// The row under the cursor becomes the selection.
    pub(super) fn commit_cursor(&mut self) {
        if let Some(name) = self.current().map(|d| d.name.clone()) {
            self.selected = Some(name);
        }
    }

    pub(super) fn scroll_into_view(&mut self) {
        let rows = self.table_rows();
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + rows {
            self.offset = self.cursor + 1 - rows;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(rows));
    }

    pub(super) fn move_cursor(&mut self, delta: isize) {
        if self.view.is_empty() {
            return;
        }
        let last = self.view.len() - 1;
        self.cursor = (self.cursor as isize + delta).clamp(0, last as isize) as usize;
        self.commit_cursor();
        self.scroll_into_view();
    }

    /// Tree lines on screen in the preview: the main area less its border, the summary
    /// line, the column header and the truncation note.
    pub fn preview_rows(&self) -> usize {
        let truncated = matches!(&self.mode, Mode::Preview(p) if matches!(p.status, PreviewStatus::Loaded { truncated: true, .. }));
        (self
            .areas()
            .main
            .height
            .saturating_sub(4 + u16::from(truncated)) as usize)
            .max(1)
    }

    pub(super) fn scroll_preview(&mut self, delta: isize) {
        let visible = self.preview_rows();
        if let Mode::Preview(preview) = &mut self.mode {
            let max = preview.line_count().saturating_sub(visible.max(1));
            preview.scroll = (preview.scroll as isize + delta).clamp(0, max as isize) as usize;
        }
    }
}
