//! Aggregating a deployment's entries as they stream past: counts, bytes and times,
//! never keys, so memory stays constant however many objects a deployment has.

use super::bucket::Entry;
use super::deployment::{Deployment, ObjectTally};

/// A deployment's current objects (with `--all-versions`, its `objects` and `bytes`
/// count every version and delete marker; these are what a plain listing would show).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CurrentStats {
    pub objects: u64,
    pub bytes: u64,
}

/// The tallies of one deployment prefix. In [`Scope::Current`](super::bucket::Scope)
/// every entry is a current object, so the three agree.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeploymentTally {
    /// Every entry: versions and delete markers.
    pub all: ObjectTally,
    /// Current objects (latest, not a delete marker).
    pub current: ObjectTally,
    /// Versions with content (no delete markers), current or not.
    pub content: ObjectTally,
}

impl DeploymentTally {
    pub fn add(&mut self, entry: &Entry) {
        self.all.add(entry.size, entry.last_modified);
        if !entry.is_delete_marker {
            self.content.add(entry.size, entry.last_modified);
            if entry.is_latest {
                self.current.add(entry.size, entry.last_modified);
            }
        }
    }

    /// The deployment this tally describes, or `None` if the prefix turned out empty (it
    /// vanished between discovery and listing). Ages come from the current objects; a
    /// deployment with none left (deleted earlier without `--all-versions`) is dated by
    /// its newest content version, not by the delete markers, which are as new as that
    /// earlier deletion.
    pub fn into_deployment(
        self,
        name: String,
        prefix: String,
    ) -> Option<(Deployment, CurrentStats)> {
        let dated = [self.current, self.content, self.all]
            .into_iter()
            .find(|t| t.objects > 0)?;
        let deployment = Deployment {
            name,
            prefix,
            objects: self.all.objects,
            bytes: self.all.bytes,
            newest: dated.newest?,
            oldest: dated.oldest?,
        };
        let current = CurrentStats {
            objects: self.current.objects,
            bytes: self.current.bytes,
        };
        Some((deployment, current))
    }
}
