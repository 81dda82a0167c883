//! Leaving the terminal as it was found, on every way out.

use std::io::stdout;

use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::{cursor, execute};

/// Mouse capture on; off again (with the rest of the terminal state) on drop and on panic.
pub(super) struct TerminalGuard;

impl TerminalGuard {
    pub(super) fn install() -> TerminalGuard {
        let _ = execute!(stdout(), EnableMouseCapture);
        // ratatui's hook (installed by `try_init`) restores raw mode and the screen and
        // then calls color-eyre's; this one runs first and undoes the mouse capture.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(stdout(), DisableMouseCapture, cursor::Show);
            previous(info);
        }));
        TerminalGuard
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = execute!(stdout(), DisableMouseCapture);
        ratatui::restore();
        let _ = execute!(stdout(), cursor::Show);
    }
}
