//! s3prune: find and delete old deployment folders in S3 buckets.
//!
//! `engine` is the UI-free core (listing, rule, plan, deletion, audit) shared by the
//! headless commands, the TUI and the tests. `server` is the embedded S3-compatible
//! server used by `serve`, `demo` and the test suites.

pub mod cli;
pub mod engine;
pub mod format;
pub mod sample;
pub mod server;
pub mod tui;
