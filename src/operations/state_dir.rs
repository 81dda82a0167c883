//! Where s3prune keeps its state between runs (the audit log, the explorer's log).

use std::path::PathBuf;

/// `$XDG_STATE_HOME/s3prune` (`~/.local/state/s3prune`), else the local data folder,
/// else the temp dir.
pub fn state_dir() -> PathBuf {
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("s3prune")
}
