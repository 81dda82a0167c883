//! Keys: [`keys::action_for`] says what a key asks for in the current scope; this turns
//! the action into a change of state.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::{App, Effect, Mode};
use crate::tui::keys::{self, Action};

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match keys::action_for(self.scope(), &key) {
            Some(action) => self.perform(action, key.code),
            None => Vec::new(),
        }
    }

    fn perform(&mut self, action: Action, code: KeyCode) -> Vec<Effect> {
        match action {
            Action::Up => self.step(-1),
            Action::Down => self.step(1),
            Action::PageUp => self.step(-self.page()),
            Action::PageDown => self.step(self.page()),
            Action::First => self.step(isize::MIN / 2),
            Action::Last => self.step(isize::MAX / 2),
            Action::ToggleMark => self.toggle_current(),
            Action::ResetMarks => self.reset_marks(),
            Action::KeepMore => self.change_keep(1),
            Action::KeepFewer => self.change_keep(-1),
            Action::NextSort => self.next_sort(),
            Action::ReverseSort => self.reverse_sort(),
            Action::StartFilter => self.mode = Mode::Filter,
            Action::FilterType => {
                if let KeyCode::Char(c) = code {
                    let text = format!("{}{c}", self.filter);
                    self.set_filter(text);
                }
            }
            Action::FilterErase => {
                let mut text = self.filter.clone();
                text.pop();
                self.set_filter(text);
            }
            Action::FilterKeep => self.mode = Mode::Browse,
            Action::FilterClear => {
                self.mode = Mode::Browse;
                self.set_filter(String::new());
            }
            Action::Preview => return self.open_preview(),
            Action::AskToDelete => self.ask_to_delete(),
            Action::ConfirmDeletion => return self.confirm_deletion(),
            Action::CancelDeletion => self.cancel_deletion(),
            Action::StopDeletion => return self.stop_deletion(),
            Action::Reload => return vec![self.start_listing()],
            Action::ToggleAllVersions => return self.toggle_all_versions(),
            Action::WritePlan => return self.write_plan(),
            Action::NextTarget => return self.switch_target(1),
            Action::PreviousTarget => return self.switch_target(-1),
            Action::OpenHelp => self.mode = Mode::Help,
            Action::CloseHelp => self.mode = Mode::Browse,
            Action::Back => return self.back(),
            Action::Quit => {
                if matches!(self.mode, Mode::Help) {
                    self.mode = Mode::Browse;
                }
                return vec![Effect::Quit];
            }
        }
        Vec::new()
    }
}
