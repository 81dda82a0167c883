//! Aggregating a deployment's entries as they stream past: counts, bytes and times,
//! never keys, so memory stays constant however many objects a deployment has.

use chrono::{DateTime, Utc};

use super::bucket::Entry;
use super::cost::StorageTally;
use super::deployment::{Deployment, ObjectTally};
use super::digest::DigestAccumulator;

/// A deployment's current objects (with `--all-versions`, its `objects` and `bytes`
/// count every version and delete marker; these are what a plain listing would show).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CurrentStats {
    pub objects: u64,
    pub bytes: u64,
}

/// The tallies of one deployment prefix. In [`Scope::Current`](super::bucket::Scope)
/// every entry is a current object, so the three agree.
#[derive(Debug, Clone, Copy)]
pub struct DeploymentTally {
    /// Every entry: versions and delete markers.
    pub all: ObjectTally,
    /// Current objects (latest, not a delete marker).
    pub current: ObjectTally,
    /// Versions with content (no delete markers), current or not.
    pub content: ObjectTally,
    /// The current objects' (relative key, size, ETag), when asked for (see
    /// [`DeploymentTally::with_digest`]).
    digest: Option<DigestAccumulator>,
    /// The versions with content, by storage class, as if deleted at `now`.
    storage: StorageTally,
    /// When the listing began: early-deletion charges count from here.
    now: DateTime<Utc>,
}

/// A tally started now.
impl Default for DeploymentTally {
    fn default() -> Self {
        DeploymentTally::at(Utc::now())
    }
}

impl DeploymentTally {
    /// A tally whose early-deletion charges count from `now`.
    pub fn at(now: DateTime<Utc>) -> Self {
        DeploymentTally {
            all: ObjectTally::default(),
            current: ObjectTally::default(),
            content: ObjectTally::default(),
            digest: None,
            storage: StorageTally::default(),
            now,
        }
    }

    /// A tally that also digests the current objects, for matching alias folders.
    pub fn with_digest() -> Self {
        DeploymentTally {
            digest: Some(DigestAccumulator::new()),
            ..DeploymentTally::default()
        }
    }

    /// The digest of the current objects, if this tally keeps one.
    pub fn digest(&self) -> Option<String> {
        self.digest.map(|d| d.hex())
    }

    /// Adds one entry; `prefix` is the deployment's, for the digest's relative keys.
    pub fn add(&mut self, prefix: &str, entry: &Entry) {
        if let (Some(digest), true) = (&mut self.digest, entry.is_current_object()) {
            let relative = entry.key.strip_prefix(prefix).unwrap_or(&entry.key);
            digest.add(relative, entry.size, entry.etag.as_deref().unwrap_or(""));
        }
        self.all.add(entry.size, entry.last_modified);
        if !entry.is_delete_marker {
            self.storage.add(
                entry.storage_class,
                entry.size,
                entry.last_modified,
                self.now,
            );
            self.content.add(entry.size, entry.last_modified);
            if entry.is_latest {
                self.current.add(entry.size, entry.last_modified);
            }
        }
    }

    /// Folds in the tally of another part of the same deployment (listed as another
    /// range); a digest is kept if either part kept one.
    pub fn merge(&mut self, other: DeploymentTally) {
        self.all.merge(other.all);
        self.current.merge(other.current);
        self.content.merge(other.content);
        self.storage.merge(other.storage);
        self.digest = match (self.digest, other.digest) {
            (Some(mut a), Some(b)) => {
                a.merge(b);
                Some(a)
            }
            (a, b) => a.or(b),
        };
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
            storage: Box::new(self.storage),
            incomplete_uploads: 0,
        };
        let current = CurrentStats {
            objects: self.current.objects,
            bytes: self.current.bytes,
        };
        Some((deployment, current))
    }
}
