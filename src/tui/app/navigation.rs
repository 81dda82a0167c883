//! The cursor, the selection and scrolling.

use super::{App, Mode};
use crate::tui::layout;
use crate::tui::preview::PreviewStatus;
use crate::tui::progress::summary::{summary, summary_rows};

impl App {
    /// Shows `view` as the table's rows, keeping the selected deployment under the
    /// cursor and on the same screen row while the rows around it re-sort (or, when it
    /// is not shown, the cursor near where it was; at the top if `to_top`).
    pub(super) fn replace_view(&mut self, view: Vec<usize>, to_top: bool) {
        let screen_row = self.cursor.saturating_sub(self.offset);
        self.view = view;
        let found = self.selected.as_deref().and_then(|name| {
            self.view
                .iter()
                .position(|&i| self.deployments[i].name == name)
        });
        self.cursor = match found {
            Some(position) => position,
            None if to_top => 0,
            None => self.cursor.min(self.view.len().saturating_sub(1)),
        };
        self.offset = self.cursor.saturating_sub(screen_row);
        self.scroll_into_view();
    }

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

    /// Tree lines on screen in the preview.
    pub fn preview_rows(&self) -> usize {
        let truncated = matches!(&self.mode, Mode::Preview(p) if matches!(p.status, PreviewStatus::Loaded { truncated: true, .. }));
        (layout::preview(self.areas().main, truncated).tree_rows() as usize).max(1)
    }

    pub(super) fn scroll_preview(&mut self, delta: isize) {
        let visible = self.preview_rows();
        if let Mode::Preview(preview) = &mut self.mode {
            let max = preview.line_count().saturating_sub(visible.max(1));
            preview.scroll = (preview.scroll as isize + delta).clamp(0, max as isize) as usize;
        }
    }

    /// Rows of the deletion's progress list on screen.
    pub(super) fn progress_rows(&self) -> usize {
        let Mode::Deleting(state) = &self.mode else {
            return 1;
        };
        let main = self.areas().main;
        let width = layout::inside_border(main).width;
        let summary = summary_rows(&summary(state, self.now, &self.info.audit_path), width);
        (layout::progress(main, summary).list.height as usize).max(1)
    }

    fn scroll_progress(&mut self, delta: isize) {
        let visible = self.progress_rows();
        if let Mode::Deleting(state) = &mut self.mode {
            let max = state.rows.len().saturating_sub(visible);
            state.scroll = (state.scroll as isize + delta).clamp(0, max as isize) as usize;
        }
    }

    /// Moves by `delta` rows in what is on screen: the table's cursor, the preview, the
    /// progress list.
    pub(super) fn step(&mut self, delta: isize) {
        match self.mode {
            Mode::Browse | Mode::Filter => self.move_cursor(delta),
            Mode::Preview(_) => self.scroll_preview(delta),
            Mode::Deleting(_) => self.scroll_progress(delta),
            Mode::Help | Mode::Confirm(_) => {}
        }
    }

    /// What PgUp/PgDn move by: the rows on screen.
    pub(super) fn page(&self) -> isize {
        (match self.mode {
            Mode::Preview(_) => self.preview_rows(),
            Mode::Deleting(_) => self.progress_rows(),
            _ => self.table_rows(),
        }) as isize
    }
}
