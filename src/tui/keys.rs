//! Every key of the explorer, in one table: which keys do what in which scope, the
//! footer's hints and the `?` help. [`App::update`](super::app::App::update) dispatches
//! through [`action_for`], the footer draws [`hints`], the help overlay draws
//! [`help_rows`], and a test holds the key table of docs/explorer.md to [`readme_rows`]. Adding a
//! key is adding a row to [`BINDINGS`] (and, for a new [`Action`], what it does).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the explorer is, as far as keys are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The table.
    Browse,
    /// The table after the listing failed: the same keys, fewer hints.
    ListingFailed,
    /// Typing the filter.
    Filter,
    Help,
    Preview,
    /// The confirmation dialog.
    Confirm,
    /// Deleting, not asked to stop yet.
    Deleting,
    /// Deleting, asked to stop after the requests in flight.
    Stopping,
    /// The deletion's report.
    Deleted,
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes(u16);

impl Scopes {
    pub const fn of(scope: Scope) -> Scopes {
        Scopes(1 << scope as u16)
    }

    pub const fn and(self, other: Scopes) -> Scopes {
        Scopes(self.0 | other.0)
    }

    pub const fn contains(self, scope: Scope) -> bool {
        self.0 & Scopes::of(scope).0 != 0
    }
}

const BROWSE: Scopes = Scopes::of(Scope::Browse);
const FAILED: Scopes = Scopes::of(Scope::ListingFailed);
const FILTER: Scopes = Scopes::of(Scope::Filter);
const HELP: Scopes = Scopes::of(Scope::Help);
const PREVIEW: Scopes = Scopes::of(Scope::Preview);
const CONFIRM: Scopes = Scopes::of(Scope::Confirm);
const DELETING: Scopes = Scopes::of(Scope::Deleting);
const STOPPING: Scopes = Scopes::of(Scope::Stopping);
const DELETED: Scopes = Scopes::of(Scope::Deleted);
/// The table, whether or not the listing worked.
const TABLE: Scopes = BROWSE.and(FAILED);
/// The deletion's progress view and its report.
const PROGRESS: Scopes = DELETING.and(STOPPING).and(DELETED);

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// This key, without Ctrl, Alt or Super (Shift is part of the character).
    Code(KeyCode),
    CtrlC,
    /// Any printable character not bound otherwise in the scope: typing.
    Text,
    /// Any key not bound otherwise in the scope.
    Any,
}

/// What a key asks for. Movement is relative to the scope: the table's cursor, the
/// preview's or the progress list's scroll position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    ToggleMark,
    ResetMarks,
    KeepMore,
    KeepFewer,
    NextSort,
    ReverseSort,
    StartFilter,
    /// Typing in the filter: the key's character is appended.
    FilterType,
    FilterErase,
    FilterKeep,
    FilterClear,
    Preview,
    AskToDelete,
    ConfirmDeletion,
    CancelDeletion,
    StopDeletion,
    Reload,
    ToggleAllVersions,
    WritePlan,
    NextTarget,
    PreviousTarget,
    OpenHelp,
    CloseHelp,
    /// Leave the current screen: clear the filter or quit (table), close the preview,
    /// leave the report.
    Back,
    Quit,
}

/// One entry of the footer.
#[derive(Debug, Clone, Copy)]
pub struct Hint {
    /// Where it is shown (a subset of where the keys work).
    pub scopes: Scopes,
    /// Position in the footer, lowest first.
    pub order: u8,
    pub keys: &'static str,
    pub text: &'static str,
    /// Kept when the footer is too narrow for every hint.
    pub pinned: bool,
}

/// One line of the `?` help, and of the key table in docs/explorer.md.
#[derive(Debug, Clone, Copy)]
pub struct Help {
    /// The keys, groups separated by two spaces (each group is one `code` span in the
    /// docs/explorer.md).
    pub keys: &'static str,
    pub text: &'static str,
    /// Said after `text` in docs/explorer.md only, where there is room for it.
    pub more: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Where the keys work.
    pub scopes: Scopes,
    pub keys: &'static [(Key, Action)],
    pub hints: &'static [Hint],
    pub help: Option<Help>,
}

const fn code(code: KeyCode) -> Key {
    Key::Code(code)
}

const fn ch(c: char) -> Key {
    Key::Code(KeyCode::Char(c))
}

const fn hint(scopes: Scopes, order: u8, keys: &'static str, text: &'static str) -> Hint {
    Hint {
        scopes,
        order,
        keys,
        text,
        pinned: false,
    }
}

const fn pinned(scopes: Scopes, order: u8, keys: &'static str, text: &'static str) -> Hint {
    Hint {
        pinned: true,
        ..hint(scopes, order, keys, text)
    }
}

const fn help(keys: &'static str, text: &'static str) -> Option<Help> {
    Some(Help {
        keys,
        text,
        more: "",
    })
}

const fn help_more(keys: &'static str, text: &'static str, more: &'static str) -> Option<Help> {
    Some(Help { keys, text, more })
}

/// The keys. Rows with help come first, in the help's order.
pub const BINDINGS: &[Binding] = &[
    Binding {
        scopes: TABLE,
        keys: &[
            (code(KeyCode::Up), Action::Up),
            (ch('k'), Action::Up),
            (code(KeyCode::Down), Action::Down),
            (ch('j'), Action::Down),
        ],
        hints: &[hint(BROWSE, 0, "↑↓", "move")],
        help: help("↑/↓  j/k", "move"),
    },
    Binding {
        scopes: TABLE,
        keys: &[
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
        ],
        hints: &[],
        help: help("PgUp/PgDn", "page up / down"),
    },
    Binding {
        scopes: TABLE,
        keys: &[
            (ch('g'), Action::First),
            (ch('G'), Action::Last),
            (code(KeyCode::Home), Action::First),
            (code(KeyCode::End), Action::Last),
        ],
        hints: &[],
        help: help("g/G  Home/End", "first / last row"),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch(' '), Action::ToggleMark)],
        hints: &[hint(BROWSE, 1, "space", "mark")],
        help: help_more(
            "space",
            "mark / un-mark the row for deletion",
            " (`[+]` marked by you, `[-]` un-marked by you, `[x]` the rule's, `[P]` protected and `[L]` live: cannot be marked)",
        ),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('a'), Action::ResetMarks)],
        hints: &[hint(BROWSE, 8, "a", "reset")],
        help: help("a", "reset all marks to the rule"),
    },
    Binding {
        scopes: TABLE,
        keys: &[
            (ch('+'), Action::KeepMore),
            (ch('='), Action::KeepMore),
            (ch('-'), Action::KeepFewer),
        ],
        hints: &[hint(BROWSE, 7, "+/-", "keep N")],
        help: help_more(
            "+ / -",
            "keep one more / one fewer (N)",
            "; the highlights update at once",
        ),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('s'), Action::NextSort)],
        hints: &[hint(BROWSE, 5, "s", "sort")],
        help: help("s", "sort by age, size, name, objects"),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('r'), Action::ReverseSort)],
        hints: &[hint(BROWSE, 6, "r", "reverse")],
        help: help("r", "reverse the sort"),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('/'), Action::StartFilter)],
        hints: &[hint(BROWSE, 4, "/", "filter")],
        help: help_more(
            "/",
            "filter by name (enter keeps, esc clears)",
            "; the selection survives sorting, filtering and reloads",
        ),
    },
    Binding {
        scopes: TABLE,
        keys: &[(code(KeyCode::Enter), Action::Preview)],
        hints: &[hint(BROWSE, 3, "enter", "preview")],
        help: help_more(
            "enter",
            "preview the deployment's objects",
            " as a tree with sizes and exact times",
        ),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('d'), Action::AskToDelete)],
        hints: &[hint(BROWSE, 2, "d", "delete")],
        help: help_more(
            "d",
            "delete the marked deployments (asks first)",
            ": the dialog names what goes (count, objects, bytes, names)",
        ),
    },
    Binding {
        scopes: CONFIRM,
        keys: &[
            (ch('y'), Action::ConfirmDeletion),
            (ch('Y'), Action::ConfirmDeletion),
            (code(KeyCode::Enter), Action::ConfirmDeletion),
            (ch('n'), Action::CancelDeletion),
            (ch('N'), Action::CancelDeletion),
            (code(KeyCode::Esc), Action::CancelDeletion),
            (ch('q'), Action::CancelDeletion),
            (Key::CtrlC, Action::CancelDeletion),
        ],
        hints: &[
            hint(CONFIRM, 0, "y/enter", "delete"),
            hint(CONFIRM, 1, "n/esc", "cancel"),
        ],
        help: help("y/enter  n/esc", "in the dialog: delete / cancel"),
    },
    Binding {
        scopes: DELETING,
        keys: &[
            (code(KeyCode::Esc), Action::StopDeletion),
            (ch('q'), Action::StopDeletion),
            (Key::CtrlC, Action::StopDeletion),
        ],
        hints: &[hint(DELETING, 0, "esc", "stop after the requests in flight")],
        help: help_more(
            "esc (deleting)",
            "stop after the requests in flight",
            "; the report says what was and was not deleted",
        ),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('w'), Action::WritePlan)],
        hints: &[],
        help: help_more(
            "w",
            "write the marks as a plan file",
            " in the current folder, for review and `s3prune prune --plan FILE`",
        ),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('R'), Action::Reload)],
        hints: &[
            hint(BROWSE, 9, "R", "reload"),
            hint(FAILED, 0, "R", "list again"),
        ],
        help: help("R", "list the bucket again"),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('V'), Action::ToggleAllVersions)],
        hints: &[],
        help: help_more(
            "V",
            "count every version and delete marker (on/off)",
            ": the same as `--all-versions`",
        ),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('t'), Action::NextTarget), (ch('T'), Action::PreviousTarget)],
        hints: &[],
        help: help_more(
            "t / T",
            "next / previous target of the policy file",
            " (`--config`): that target's bucket, rule and live options, listed afresh",
        ),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('?'), Action::OpenHelp)],
        hints: &[pinned(TABLE, 10, "?", "help")],
        help: help("?", "this help"),
    },
    Binding {
        scopes: TABLE,
        keys: &[(ch('q'), Action::Quit), (code(KeyCode::Esc), Action::Back)],
        hints: &[pinned(TABLE, 11, "q", "quit")],
        help: help("q / esc", "back / quit"),
    },
    // The mouse is handled apart; this row only documents it.
    Binding {
        scopes: TABLE,
        keys: &[],
        hints: &[],
        help: help("wheel / click", "scroll / select a row"),
    },
    Binding {
        scopes: TABLE.and(FILTER).and(HELP).and(PREVIEW),
        keys: &[(Key::CtrlC, Action::Quit)],
        hints: &[],
        help: None,
    },
    Binding {
        scopes: FILTER,
        keys: &[(Key::Text, Action::FilterType)],
        hints: &[hint(FILTER, 0, "type", "filter")],
        help: None,
    },
    Binding {
        scopes: FILTER,
        keys: &[(code(KeyCode::Enter), Action::FilterKeep)],
        hints: &[hint(FILTER, 1, "enter", "keep")],
        help: None,
    },
    Binding {
        scopes: FILTER,
        keys: &[(code(KeyCode::Esc), Action::FilterClear)],
        hints: &[hint(FILTER, 2, "esc", "clear")],
        help: None,
    },
    Binding {
        scopes: FILTER,
        keys: &[(code(KeyCode::Backspace), Action::FilterErase)],
        hints: &[],
        help: None,
    },
    Binding {
        scopes: FILTER,
        keys: &[
            (code(KeyCode::Up), Action::Up),
            (code(KeyCode::Down), Action::Down),
        ],
        hints: &[hint(FILTER, 3, "↑↓", "move")],
        help: None,
    },
    Binding {
        scopes: HELP,
        keys: &[(Key::Any, Action::CloseHelp)],
        hints: &[hint(HELP, 0, "any key", "closes the help")],
        help: None,
    },
    Binding {
        scopes: PREVIEW.and(PROGRESS),
        keys: &[
            (code(KeyCode::Up), Action::Up),
            (ch('k'), Action::Up),
            (code(KeyCode::Down), Action::Down),
            (ch('j'), Action::Down),
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
        ],
        hints: &[
            hint(PREVIEW, 0, "↑↓", "scroll"),
            hint(PREVIEW, 1, "PgUp/PgDn", "page"),
            hint(PROGRESS, 1, "↑↓", "scroll"),
        ],
        help: None,
    },
    Binding {
        scopes: PREVIEW,
        keys: &[
            (ch('g'), Action::First),
            (ch('G'), Action::Last),
            (code(KeyCode::Home), Action::First),
            (code(KeyCode::End), Action::Last),
        ],
        hints: &[hint(PREVIEW, 2, "g/G", "top/bottom")],
        help: None,
    },
    Binding {
        scopes: PREVIEW,
        keys: &[
            (code(KeyCode::Esc), Action::Back),
            (ch('q'), Action::Back),
            (code(KeyCode::Enter), Action::Back),
            (code(KeyCode::Left), Action::Back),
            (ch('h'), Action::Back),
        ],
        hints: &[hint(PREVIEW, 3, "esc", "back")],
        help: None,
    },
    Binding {
        scopes: STOPPING.and(DELETED),
        keys: &[(Key::CtrlC, Action::Quit)],
        hints: &[hint(STOPPING, 0, "ctrl-c", "quit without waiting")],
        help: None,
    },
    Binding {
        scopes: DELETED,
        keys: &[
            (code(KeyCode::Enter), Action::Back),
            (code(KeyCode::Esc), Action::Back),
            (ch('q'), Action::Back),
        ],
        hints: &[hint(DELETED, 0, "enter/esc", "back to the list")],
        help: None,
    },
];

/// A key press as the table sees it; `None` for chords no binding may answer (Ctrl, Alt
/// or Super with anything but Ctrl-C), so no stray chord marks, deletes or confirms.
fn key_of(event: &KeyEvent) -> Option<KeyCode> {
    if event
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SUPER)
    {
        return None;
    }
    Some(event.code)
}

/// Whether `event` is Ctrl-C (either case).
fn is_ctrl_c(event: &KeyEvent) -> bool {
    event.modifiers.contains(KeyModifiers::CONTROL)
        && matches!(event.code, KeyCode::Char('c') | KeyCode::Char('C'))
}

/// The action `event` asks for in `scope`. A key bound exactly wins over `Text` and `Any`.
pub fn action_for(scope: Scope, event: &KeyEvent) -> Option<Action> {
    let ctrl_c = is_ctrl_c(event);
    let code = key_of(event);
    if !ctrl_c && code.is_none() {
        return None;
    }
    let bound = || {
        BINDINGS
            .iter()
            .filter(move |b| b.scopes.contains(scope))
            .flat_map(|b| b.keys.iter().copied())
    };
    let exact = bound().find(|&(key, _)| match key {
        Key::CtrlC => ctrl_c,
        Key::Code(c) => !ctrl_c && code == Some(c),
        Key::Text | Key::Any => false,
    });
    let fallback = || {
        bound().find(|&(key, _)| match key {
            Key::Text => matches!(code, Some(KeyCode::Char(c)) if !ctrl_c && !c.is_control()),
            Key::Any => true,
            _ => false,
        })
    };
    exact.or_else(fallback).map(|(_, action)| action)
}

/// The footer's hints for `scope`, in order.
pub fn hints(scope: Scope) -> Vec<Hint> {
    let mut hints: Vec<Hint> = BINDINGS
        .iter()
        .flat_map(|b| b.hints.iter().copied())
        .filter(|h| h.scopes.contains(scope))
        .collect();
    hints.sort_by_key(|h| h.order);
    hints
}

/// The lines of the `?` help.
pub fn help_rows() -> impl Iterator<Item = Help> {
    BINDINGS.iter().filter_map(|b| b.help)
}

/// The key table of docs/explorer.md, one markdown row per help line.
pub fn readme_rows() -> Vec<String> {
    help_rows()
        .map(|h| {
            let keys: Vec<String> = h.keys.split("  ").map(|k| format!("`{k}`")).collect();
            format!("| {} | {}{} |", keys.join(" "), h.text, h.more)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Scope; 9] = [
        Scope::Browse,
        Scope::ListingFailed,
        Scope::Filter,
        Scope::Help,
        Scope::Preview,
        Scope::Confirm,
        Scope::Deleting,
        Scope::Stopping,
        Scope::Deleted,
    ];

    #[test]
    fn no_key_is_bound_twice_in_a_scope() {
        for scope in ALL {
            let keys: Vec<Key> = BINDINGS
                .iter()
                .filter(|b| b.scopes.contains(scope))
                .flat_map(|b| b.keys.iter().map(|&(key, _)| key))
                .collect();
            for (i, key) in keys.iter().enumerate() {
                assert!(
                    !keys[i + 1..].contains(key),
                    "{key:?} is bound twice in {scope:?}"
                );
            }
        }
    }

    #[test]
    fn hints_are_shown_only_where_their_keys_work() {
        for binding in BINDINGS {
            for hint in binding.hints {
                for scope in ALL {
                    assert!(
                        !hint.scopes.contains(scope) || binding.scopes.contains(scope),
                        "hint {:?} shown in {scope:?} where its keys do nothing",
                        hint.keys
                    );
                }
            }
        }
    }

    #[test]
    fn every_scope_has_a_way_out() {
        for scope in ALL {
            let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
            assert!(action_for(scope, &ctrl_c).is_some(), "ctrl-c in {scope:?}");
        }
    }

    #[test]
    fn the_readme_key_table_is_this_table() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/explorer.md"))
                .expect("docs/explorer.md");
        let section = readme
            .split("\n## Keys\n")
            .nth(1)
            .expect("docs/explorer.md has a section \"## Keys\"");
        let section = section.split("\n## ").next().unwrap_or(section);
        let rows: Vec<&str> = section
            .lines()
            .skip_while(|line| *line != "| key | action |")
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .collect();
        assert!(
            !rows.is_empty(),
            "docs/explorer.md has no `| key | action |` table"
        );
        let expected = readme_rows();
        assert_eq!(
            rows,
            expected.iter().map(String::as_str).collect::<Vec<_>>(),
            "docs/explorer.md's key table disagrees with src/tui/keys.rs; the rows should read:\n{}",
            expected.join("\n")
        );
    }
}
