//! The state every request shares: the store behind its lock, the on-disk journal
//! (when persisting) and the fault injector.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::faults::FaultInjector;
use crate::persist::{Blobs, Disk, Record};
use crate::store::Store;

pub(crate) struct State {
    pub(crate) store: Store,
    disk: Option<Disk>,
}

impl State {
    /// Journals records; callers apply them in memory only once this succeeded.
    pub(crate) fn journal(&mut self, records: &[Record]) -> std::io::Result<()> {
        let Some(disk) = &mut self.disk else {
            return Ok(());
        };
        disk.append(records)?;
        if let Err(e) = disk.maybe_compact(&self.store) {
            tracing::warn!(error = %e, "journal compaction failed");
        }
        Ok(())
    }
}

pub(crate) struct Backend {
    state: RwLock<State>,
    /// Where object bytes go when persisting; `None` in memory.
    pub(crate) blobs: Option<Blobs>,
    pub(crate) faults: FaultInjector,
    pub(crate) region: String,
    /// Off: the lifecycle operations answer `NotImplemented`, as on servers without them.
    pub(crate) lifecycle_supported: AtomicBool,
    /// Entries (objects or versions) returned by listings so far.
    pub(crate) listed_entries: AtomicU64,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Backend {
    pub(crate) fn new(store: Store, disk: Option<Disk>, region: String) -> Self {
        let blobs = disk.as_ref().map(Disk::blobs);
        Self {
            state: RwLock::new(State { store, disk }),
            blobs,
            faults: FaultInjector::default(),
            region,
            lifecycle_supported: AtomicBool::new(true),
            listed_entries: AtomicU64::new(0),
        }
    }

    // Handlers never panic while holding the lock in a way that breaks the
    // store's invariants (every mutation is a single map operation), so a
    // poisoned lock is still usable.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn count_listed(&self, entries: usize) {
        self.listed_entries
            .fetch_add(entries as u64, Ordering::Relaxed);
    }

    /// Writes a fresh snapshot when on disk (used at shutdown).
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        let mut state = self.write();
        let State { store, disk } = &mut *state;
        match disk {
            Some(disk) => disk.compact(store),
            None => Ok(()),
        }
    }
}
