//! Colours and emphasis. With `NO_COLOR` set, only bold/italic/reverse/dim are used, so
//! every distinction the colours make is still visible.

use ratatui::style::{Color, Modifier, Style};

use super::marks::Mark;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    pub fn has_color(&self) -> bool {
        self.color
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn title_bar(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    pub fn label(&self) -> Style {
        self.fg(Color::DarkGray).add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn bold(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn delete(&self) -> Style {
        self.fg(Color::LightRed).add_modifier(Modifier::BOLD)
    }

    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::LightRed).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// The style of a table row by its verdict.
    pub fn row(&self, mark: Mark) -> Style {
        match mark {
            Mark::RuleDelete if self.color => Style::new().fg(Color::LightRed),
            Mark::RuleDelete => Style::new().add_modifier(Modifier::BOLD),
            Mark::ManualDelete(_) => self
                .fg(Color::LightMagenta)
                .add_modifier(Modifier::BOLD | Modifier::ITALIC),
            Mark::ManualKeep => self.fg(Color::Yellow).add_modifier(Modifier::ITALIC),
            Mark::Protected => self.fg(Color::Cyan),
            Mark::Live(_) => self.fg(Color::Green),
            Mark::RuleKeep(_) => Style::new(),
        }
    }

    /// Chart bars: what goes, what stays, what can never go.
    pub fn bar(&self, deletes: bool, protected: bool) -> Style {
        if deletes {
            self.fg(Color::LightRed)
        } else if protected {
            self.fg(Color::Cyan)
        } else if self.color {
            Style::new().fg(Color::Blue)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
}
