//! The mouse: the wheel scrolls, a click selects a row of the table.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::*;

impl App {
    // ----- mouse -----------------------------------------------------------------------

    pub(super) fn on_mouse(&mut self, mouse: MouseEvent) {
        let delta = match mouse.kind {
            MouseEventKind::ScrollDown => 3,
            MouseEventKind::ScrollUp => -3,
            MouseEventKind::Down(MouseButton::Left) => {
                self.click(mouse.column, mouse.row);
                return;
            }
            _ => return,
        };
        self.step(delta);
    }

    pub(super) fn click(&mut self, column: u16, row: u16) {
        if !matches!(self.mode, Mode::Browse | Mode::Filter) {
            return;
        }
        let main = self.areas().main;
        let body_top = main.y + TABLE_CHROME;
        if column < main.x || column >= main.right() || row < body_top || row >= main.bottom() {
            return;
        }
        let index = self.offset + (row - body_top) as usize;
        if index < self.view.len() {
            self.cursor = index;
            self.commit_cursor();
        }
    }
}
