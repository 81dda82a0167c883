//! Logs go to a file, never to the screen the explorer draws on.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// `$XDG_STATE_HOME/s3prune/tui.log` (or the temp dir). Level from `S3PRUNE_LOG`
/// (tracing's env-filter syntax), else `info` for s3prune and `warn` for the rest.
pub fn default_log_path() -> PathBuf {
    crate::operations::state_dir::state_dir().join("tui.log")
}

/// Sends tracing output to the log file; returns its path, or `None` if it could not be
/// opened (then nothing is logged: the screen must stay clean) or a subscriber is
/// already installed.
pub fn init() -> Option<PathBuf> {
    let path = default_log_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = EnvFilter::try_from_env("S3PRUNE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("warn,s3prune=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .ok()?;
    Some(path)
}
