//! The explorer's state types: what it knows, what can happen to it, and what it asks
//! the runtime to do.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::engine::bucket::Versioning;
use crate::engine::deletion::{DeletionEvent, DeletionReport};
use crate::engine::deployment::{Deployment, RootObjects};
use crate::engine::drift::Skipped;
use crate::engine::error::EngineError;
use crate::engine::listing::{Inventory, ListingEvent};
use crate::engine::plan::Plan;
use crate::engine::rule::Rule;
use crate::tui::preview::{PreviewData, PreviewState};
use crate::tui::progress::DeletionState;

/// What the explorer knows before it has talked to S3.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub bucket: String,
    /// `--prefix`, normalised (empty or ending in `/`).
    pub root: String,
    /// The endpoint label; replaced by the resolved one once connected.
    pub endpoint: String,
    pub region: Option<String>,
    /// USD per GB-month (GB = 2^30 bytes) for the estimated saving.
    pub price_per_gb: f64,
    pub audit_path: PathBuf,
    pub log_path: Option<PathBuf>,
    /// Use colours (off with `NO_COLOR`).
    pub color: bool,
}

/// One target of a policy file, as the explorer opens it (`t`/`T` switch between them).
#[derive(Debug, Clone)]
pub struct TargetSession {
    pub name: String,
    pub info: SessionInfo,
    pub rule: Rule,
    pub keep_is_default: bool,
    pub all_versions: bool,
}

#[derive(Debug)]
pub enum AppEvent {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock: the only source of "now" for ages, rates and the spinner.
    Tick {
        now: DateTime<Utc>,
    },
    Connected {
        endpoint: String,
        region: String,
    },
    Versioning(Result<Versioning, EngineError>),
    /// Progress of listing number `generation` (answers to an older listing are ignored).
    Listing {
        generation: u64,
        event: ListingEvent,
    },
    ListingDone {
        generation: u64,
        result: Result<Inventory, EngineError>,
    },
    PreviewLoaded {
        request: u64,
        result: Result<PreviewData, EngineError>,
    },
    /// Just before deleting, the confirmed deployments were checked again: these are
    /// still to delete (with their current sizes), these were left alone and why.
    Rechecked {
        confirmed: Vec<Deployment>,
        skipped: Vec<Skipped>,
    },
    /// Progress of the deletion; indices refer to the `confirmed` list of `Rechecked`.
    Deletion(DeletionEvent),
    /// Incomplete multipart uploads aborted under the deleted deployments (sent just
    /// before `DeletionDone`), and why some or all could not be, if so.
    UploadsAborted {
        aborted: u64,
        problem: Option<String>,
    },
    DeletionDone(Result<DeletionReport, String>),
    /// The marks were written as a plan file (its path), or could not be.
    PlanWritten(Result<String, String>),
    /// A background task panicked: a bug. The explorer quits and reports it.
    TaskFailed(String),
}

/// Work for the runtime; the app never does I/O itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// (Re)list the bucket; events carry `generation`. Cancels a listing in progress.
    StartListing {
        generation: u64,
        /// List every version and delete marker (`--all-versions`, or `V`).
        all_versions: bool,
    },
    LoadPreview {
        request: u64,
        prefix: String,
    },
    CancelPreview,
    /// From now on, work on target number `0` (bucket, endpoint, live options); a
    /// `StartListing` follows.
    SwitchTarget(usize),
    /// Delete what the operator confirmed (after checking nothing changed meanwhile).
    StartDeletion(DeletionRequest),
    /// Stop after the requests in flight.
    StopDeletion,
    /// Write the marks as a reviewed plan file.
    WritePlan(Box<PlanToWrite>),
    Quit,
}

/// The marks as a plan, with what the plan file records about the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanToWrite {
    pub plan: Plan,
    pub rule: Rule,
    pub root_objects: RootObjects,
    pub versioning: Versioning,
    pub now: DateTime<Utc>,
    pub all_versions: bool,
    /// Each deployment's digest, from the listing.
    pub digests: HashMap<String, String>,
}

/// What the operator confirmed, and what is needed to check it again just before
/// deleting (the bucket may have changed since it was listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRequest {
    /// Exactly the deployments in the confirmation dialog.
    pub targets: Vec<Deployment>,
    /// Names among `targets` that were marked by hand: only checked for changes, not
    /// re-ranked by the rule (the rule would keep them by definition).
    pub by_hand: Vec<String>,
    /// The rule in force when confirming, to re-rank the rule's own marks.
    pub rule: Rule,
    /// Everything that was listed, for the re-ranking.
    pub listed: Vec<Deployment>,
    pub now: DateTime<Utc>,
    /// Delete every version and delete marker, as listed.
    pub all_versions: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Age,
    Size,
    Name,
    Objects,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Age => SortKey::Size,
            SortKey::Size => SortKey::Name,
            SortKey::Name => SortKey::Objects,
            SortKey::Objects => SortKey::Age,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Age => "age",
            SortKey::Size => "size",
            SortKey::Name => "name",
            SortKey::Objects => "objects",
        }
    }

    /// How the unreversed order reads.
    pub fn natural_order(self) -> &'static str {
        match self {
            SortKey::Age => "newest first",
            SortKey::Size => "largest first",
            SortKey::Name => "A→Z",
            SortKey::Objects => "most first",
        }
    }

    pub fn reversed_order(self) -> &'static str {
        match self {
            SortKey::Age => "oldest first",
            SortKey::Size => "smallest first",
            SortKey::Name => "Z→A",
            SortKey::Objects => "fewest first",
        }
    }
}

#[derive(Debug, Clone)]
pub enum VersioningState {
    Unknown,
    Known(Versioning),
    Failed(String),
}

impl VersioningState {
    /// Whether deleting might only add delete markers. Unknown counts as "might".
    pub fn keeps_old_versions(&self) -> Option<bool> {
        match self {
            VersioningState::Known(v) => Some(v.keeps_old_versions()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum ListingState {
    Listing { discovered: Option<usize> },
    Done,
    Failed(EngineError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: MessageKind,
    pub text: String,
}

/// The confirmation dialog: exactly what `y` would delete.
#[derive(Debug, Clone)]
pub struct ConfirmState {
    pub targets: Vec<Deployment>,
    /// Names among the targets that were marked by hand.
    pub manual: Vec<String>,
    pub objects: u64,
    pub bytes: u64,
    /// Targets not shown in the table because of the filter.
    pub hidden_by_filter: usize,
}

#[derive(Debug, Clone)]
pub enum Mode {
    Browse,
    /// Typing the filter (the table stays live underneath).
    Filter,
    Help,
    Preview(PreviewState),
    Confirm(ConfirmState),
    Deleting(DeletionState),
}

/// One line of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderLine {
    /// Which of the policy file's targets (only when there are several).
    Target,
    /// Where: bucket, endpoint, region, versioning, listing progress.
    Title,
    Rule,
    /// The live deployments and what points at them (only when some are live).
    Live,
    /// `LiveSet::warnings()[i]`.
    LiveWarning(usize),
    /// This many further warnings about live deployments.
    MoreLiveWarnings(usize),
    Bucket,
    Marked,
    /// A versioned bucket without `--all-versions`: deleting only adds delete markers.
    ReclaimsNothing,
    /// A versioned bucket with `--all-versions`: every version goes.
    RemovesEveryVersion,
}

/// Totals over every listed deployment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketTotals {
    pub deployments: u64,
    pub objects: u64,
    pub bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_cycle_through_all_four() {
        let mut key = SortKey::Age;
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(key.as_str());
            key = key.next();
        }
        assert_eq!(seen, ["age", "size", "name", "objects"]);
        assert_eq!(key, SortKey::Age);
    }
}
