//! What the operator confirmed to prune, as the re-check and the pipeline take it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::deployment::Deployment;
use super::plan_file::Fingerprint;
use super::rule::Rule;

/// What the operator confirmed, and what is needed to check it again just before
/// deleting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneRequest {
    /// Exactly the deployments confirmed, in the order they were shown.
    pub targets: Vec<Deployment>,
    /// Names among `targets` marked by hand: only checked for changes, never re-ranked
    /// (the rule would keep them by definition).
    pub by_hand: HashSet<String>,
    /// The rule the other targets were marked by, to re-rank them; `None` to only check
    /// every target for changes.
    pub rule: Option<Rule>,
    /// Everything that was listed when the plan was made, for the re-ranking.
    pub planned: Vec<Deployment>,
    /// When the plan was made (the rule's `--older-than` counts from here).
    pub now: DateTime<Utc>,
    /// A reviewed plan's fingerprints, by name: each target is deleted only if it still
    /// matches its own (see [`crate::plan_file`]).
    pub fingerprints: Option<HashMap<String, Fingerprint>>,
}
