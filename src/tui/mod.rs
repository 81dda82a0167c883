//! The interactive explorer (ratatui + crossterm).
//!
//! State + events + rendering: [`app::App`] holds every bit of state and changes only in
//! [`app::App::update`], which returns [`app::Effect`]s; [`runtime`] carries those out
//! in background tasks (through the engine) and feeds the answers back as
//! [`app::AppEvent`]s; [`view`] draws `&App` and nothing else. Tests drive `App` with
//! scripted events and render it to ratatui's `TestBackend`. [`keys`] is the one table of
//! keys; [`layout`] the one place screen geometry is decided.

pub mod app;
pub mod keys;
pub mod layout;
mod logging;
pub mod marks;
pub mod preview;
pub mod progress;
pub mod runtime;
pub mod theme;
pub mod view;
pub mod words;

pub use app::{App, AppEvent, Effect, SessionInfo, DEFAULT_KEEP};
pub use logging::default_log_path;
pub use runtime::{run, run_targets, TuiOptions};
