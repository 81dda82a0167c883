//! The mouse: the wheel scrolls, a click selects a row of the table.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::{App, Mode};
use crate::tui::layout::table_body;

impl App {
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
        let body = table_body(self.areas().main);
        if !body.contains(Position::new(column, row)) {
            return;
        }
        let index = self.offset + (row - body.y) as usize;
        if index < self.view.len() {
            self.cursor = index;
            self.commit_cursor();
        }
    }
}
