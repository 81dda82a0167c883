//! Keys: what each key does in each mode.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::tui::progress::DeletionState;

impl App {
    // ----- keys ------------------------------------------------------------------------

    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let ctrl_c = ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C'));
        // Ctrl/Alt combinations other than Ctrl-C do nothing: no stray chord may mark,
        // delete or confirm anything.
        if !ctrl_c
            && key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SUPER)
        {
            return Vec::new();
        }
        match &self.mode {
            Mode::Browse => self.browse_key(key.code, ctrl_c),
            Mode::Filter => self.filter_key(key.code, ctrl_c),
            Mode::Help => {
                self.mode = Mode::Browse;
                if ctrl_c {
                    vec![Effect::Quit]
                } else {
                    Vec::new()
                }
            }
            Mode::Preview(_) => self.preview_key(key.code, ctrl_c),
            Mode::Confirm(_) => self.confirm_key(key.code, ctrl_c),
            Mode::Deleting(_) => self.deleting_key(key.code, ctrl_c),
        }
    }

    fn browse_key(&mut self, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        if ctrl_c {
            return vec![Effect::Quit];
        }
        let page = self.table_rows() as isize;
        match code {
            KeyCode::Char('q') => return vec![Effect::Quit],
            KeyCode::Esc if !self.filter.is_empty() => self.set_filter(String::new()),
            KeyCode::Esc => return vec![Effect::Quit],
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_cursor(1),
            KeyCode::PageUp => self.move_cursor(-page),
            KeyCode::PageDown => self.move_cursor(page),
            KeyCode::Home | KeyCode::Char('g') => self.move_cursor(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => self.move_cursor(isize::MAX / 2),
            KeyCode::Char(' ') => self.toggle_current(),
            KeyCode::Char('a') => self.reset_marks(),
            KeyCode::Char('V') => {
                self.all_versions = !self.all_versions;
                self.info(if self.all_versions {
                    "counting every version and delete marker (V again: current objects only)"
                        .into()
                } else {
                    "counting current objects only (V again: every version)".into()
                });
                return vec![self.start_listing()];
            }
            KeyCode::Char('+') | KeyCode::Char('=') => self.change_keep(1),
            KeyCode::Char('-') => self.change_keep(-1),
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.reverse = false;
                self.rebuild_view(false);
                self.info(format!(
                    "sorted by {}, {}",
                    self.sort.as_str(),
                    self.sort.natural_order()
                ));
            }
            KeyCode::Char('r') => {
                self.reverse = !self.reverse;
                self.rebuild_view(false);
                let order = if self.reverse {
                    self.sort.reversed_order()
                } else {
                    self.sort.natural_order()
                };
                self.info(format!("sorted by {}, {order}", self.sort.as_str()));
            }
            KeyCode::Char('/') => self.mode = Mode::Filter,
            KeyCode::Enter => return self.open_preview(),
            KeyCode::Char('d') => self.ask_to_delete(),
            KeyCode::Char('R') => return vec![self.start_listing()],
            KeyCode::Char('?') => self.mode = Mode::Help,
            _ => {}
        }
        Vec::new()
    }

    fn filter_key(&mut self, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        if ctrl_c {
            return vec![Effect::Quit];
        }
        match code {
            KeyCode::Enter => self.mode = Mode::Browse,
            KeyCode::Esc => {
                self.mode = Mode::Browse;
                self.set_filter(String::new());
            }
            KeyCode::Backspace => {
                let mut text = self.filter.clone();
                text.pop();
                self.set_filter(text);
            }
            KeyCode::Up => self.move_cursor(-1),
            KeyCode::Down => self.move_cursor(1),
            KeyCode::Char(c) if !c.is_control() => {
                let text = format!("{}{c}", self.filter);
                self.set_filter(text);
            }
            _ => {}
        }
        Vec::new()
    }

    fn preview_key(&mut self, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        if ctrl_c {
            return vec![Effect::Quit];
        }
        let page = self.preview_rows() as isize;
        match code {
            KeyCode::Char('q')
            | KeyCode::Esc
            | KeyCode::Enter
            | KeyCode::Left
            | KeyCode::Char('h') => {
                self.mode = Mode::Browse;
                return vec![Effect::CancelPreview];
            }
            KeyCode::Up | KeyCode::Char('k') => self.scroll_preview(-1),
            KeyCode::Down | KeyCode::Char('j') => self.scroll_preview(1),
            KeyCode::PageUp => self.scroll_preview(-page),
            KeyCode::PageDown => self.scroll_preview(page),
            KeyCode::Home | KeyCode::Char('g') => self.scroll_preview(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => self.scroll_preview(isize::MAX / 2),
            _ => {}
        }
        Vec::new()
    }

    fn confirm_key(&mut self, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        match code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter if !ctrl_c => {
                let Mode::Confirm(confirm) = std::mem::replace(&mut self.mode, Mode::Browse) else {
                    return Vec::new();
                };
                let request = DeletionRequest {
                    targets: confirm.targets,
                    by_hand: confirm.manual,
                    rule: self.rule.clone(),
                    listed: self.deployments.clone(),
                    now: self.now,
                    all_versions: self.all_versions,
                };
                self.mode = Mode::Deleting(DeletionState::new(
                    self.info.bucket.clone(),
                    request.targets.clone(),
                    self.now,
                ));
                vec![Effect::StartDeletion(request)]
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                self.mode = Mode::Browse;
                self.info("deletion cancelled: nothing was deleted".into());
                Vec::new()
            }
            _ if ctrl_c => {
                self.mode = Mode::Browse;
                self.info("deletion cancelled: nothing was deleted".into());
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn deleting_key(&mut self, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        let rows_visible = self.areas().main.height.saturating_sub(8).max(1) as isize;
        let Mode::Deleting(state) = &mut self.mode else {
            return Vec::new();
        };
        let scroll = |state: &mut DeletionState, delta: isize| {
            let max = state.rows.len().saturating_sub(rows_visible as usize);
            state.scroll = (state.scroll as isize + delta).clamp(0, max as isize) as usize;
        };
        match code {
            KeyCode::Up | KeyCode::Char('k') => scroll(state, -1),
            KeyCode::Down | KeyCode::Char('j') => scroll(state, 1),
            KeyCode::PageUp => scroll(state, -rows_visible),
            KeyCode::PageDown => scroll(state, rows_visible),
            _ if state.is_running() => {
                let stop_key = ctrl_c || matches!(code, KeyCode::Esc | KeyCode::Char('q'));
                if stop_key && !state.stop_requested {
                    state.stop_requested = true;
                    self.message = Some(Message {
                        kind: MessageKind::Warn,
                        text: "stopping after the requests in flight…".into(),
                    });
                    return vec![Effect::StopDeletion];
                }
                if ctrl_c {
                    // A second Ctrl-C while stopping: the operator insists.
                    return vec![Effect::Quit];
                }
            }
            KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q') if !ctrl_c => {
                self.mode = Mode::Browse;
            }
            _ if ctrl_c => return vec![Effect::Quit],
            _ => {}
        }
        Vec::new()
    }
}
