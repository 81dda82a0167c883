//! s3prune: find and delete old deployment folders in S3 buckets.
//!
//! The UI-free core lives in the `s3prune-engine` crate and the embedded S3-compatible
//! server in `s3prune-server`; this crate holds the front ends (`cli`, `tui`) and
//! re-exports both so callers write `s3prune::engine::…` and `s3prune::server::…`.
//! ARCHITECTURE.md at the repository root maps the whole tree.

pub use s3prune_engine as engine;
pub use s3prune_server as server;

pub mod age_text;
pub mod cli;
pub mod format;
pub mod heap;
pub mod lambda;
pub mod operations;
pub mod sample;
pub mod sample_storage;
pub mod tui;
