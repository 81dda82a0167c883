//! The listed deployments and the table's rows: listing answers are merged in by
//! name; filtering and sorting are views (indices), never a reordering of the data.

use super::{App, BucketTotals, Effect, ListingState, SortKey};
use crate::engine::deployment::{AgeBy, Deployment, RootObjects};
use crate::engine::error::EngineError;
use crate::engine::listing::{Inventory, ListingEvent};
use crate::format::printable;

impl App {
    pub(super) fn start_listing(&mut self) -> Effect {
        self.generation += 1;
        self.listing = ListingState::Listing { discovered: None };
        self.deployments.clear();
        self.by_name.clear();
        self.root_objects = RootObjects::default();
        self.dirty = true;
        self.settle();
        Effect::StartListing {
            generation: self.generation,
            all_versions: self.all_versions,
        }
    }

    pub(super) fn apply_listing(&mut self, event: ListingEvent) {
        match event {
            ListingEvent::Discovered {
                deployments,
                root_objects,
            } => {
                self.listing = ListingState::Listing {
                    discovered: Some(deployments),
                };
                self.root_objects = root_objects;
            }
            ListingEvent::Listed(deployment) => self.upsert(deployment),
        }
        self.dirty = true;
    }

    fn upsert(&mut self, deployment: Deployment) {
        match self.by_name.get(&deployment.name) {
            Some(&i) => self.deployments[i] = deployment,
            None => {
                self.by_name
                    .insert(deployment.name.clone(), self.deployments.len());
                self.deployments.push(deployment);
            }
        }
    }

    pub(super) fn finish_listing(&mut self, result: Result<Inventory, EngineError>) {
        match result {
            Ok(inventory) => {
                // The finished inventory is the truth; the events only filled the table early.
                self.deployments = inventory.deployments;
                self.by_name = self
                    .deployments
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (d.name.clone(), i))
                    .collect();
                self.root_objects = inventory.root_objects;
                self.live = inventory.live;
                self.digests = inventory.digests;
                self.listing = ListingState::Done;
                self.dirty = true;
                self.settle();
                // A selection that is gone for good (deleted) moves to the row now under
                // the cursor; one hidden by the filter is remembered.
                if self.filter.is_empty() {
                    self.commit_cursor();
                }
            }
            Err(error) => {
                self.listing = ListingState::Failed(error);
                self.dirty = true;
                self.settle();
            }
        }
    }

    /// Rebuilds what depends on the listed data if it changed: totals, the rule's marks,
    /// the rows of the table and the chart.
    pub(super) fn settle(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        self.totals = BucketTotals {
            deployments: self.deployments.len() as u64,
            objects: self.deployments.iter().map(|d| d.objects).sum(),
            bytes: self.deployments.iter().map(|d| d.bytes).sum(),
        };
        let dropped = self
            .marks
            .recompute(&self.deployments, &self.rule, &self.live, self.now);
        if !dropped.is_empty() {
            let names: Vec<String> = dropped.iter().map(|n| printable(n).into_owned()).collect();
            let (is, marks) = match dropped.len() {
                1 => ("is", "its mark by hand was"),
                _ => ("are", "their marks by hand were"),
            };
            self.warn(format!(
                "{} {is} live now, so {marks} dropped: a live deployment is never deleted",
                names.join(", ")
            ));
        }
        self.by_time = oldest_first(&self.deployments, self.rule.age_by());
        self.rebuild_view(false);
    }

    /// Filters and sorts the rows, then puts the cursor back on the selected deployment
    /// (or, when it is not shown, near where it was; at the top if `to_top`).
    pub(super) fn rebuild_view(&mut self, to_top: bool) {
        let view = table_view(
            &self.deployments,
            &self.filter,
            self.sort,
            self.reverse,
            self.rule.age_by(),
        );
        self.replace_view(view, to_top);
    }

    pub(super) fn set_filter(&mut self, text: String) {
        let narrowed = !text.is_empty();
        self.filter = text;
        // While narrowing, a hidden selection gives way to the first match; clearing
        // the filter brings the remembered selection back.
        self.rebuild_view(narrowed);
    }
}

/// The table's rows: indices of the deployments whose name contains `filter` (ignoring
/// case), in `sort` order (ties by name), reversed if asked.
pub fn table_view(
    deployments: &[Deployment],
    filter: &str,
    sort: SortKey,
    reverse: bool,
    age_by: &AgeBy,
) -> Vec<usize> {
    let needle = filter.to_lowercase();
    let ds = deployments;
    let mut view: Vec<usize> = (0..ds.len())
        .filter(|&i| needle.is_empty() || ds[i].name.to_lowercase().contains(&needle))
        .collect();
    let by_name = |a: &usize, b: &usize| ds[*a].name.cmp(&ds[*b].name);
    match sort {
        SortKey::Age => view.sort_by(|a, b| {
            age_by
                .time_of(&ds[*b])
                .cmp(&age_by.time_of(&ds[*a]))
                .then_with(|| by_name(a, b))
        }),
        SortKey::Size => {
            view.sort_by(|a, b| ds[*b].bytes.cmp(&ds[*a].bytes).then_with(|| by_name(a, b)))
        }
        SortKey::Name => view.sort_by(by_name),
        SortKey::Objects => view.sort_by(|a, b| {
            ds[*b]
                .objects
                .cmp(&ds[*a].objects)
                .then_with(|| by_name(a, b))
        }),
    }
    if reverse {
        view.reverse();
    }
    view
}

/// The chart's left-to-right order: oldest first, ties by name.
pub fn oldest_first(deployments: &[Deployment], age_by: &AgeBy) -> Vec<usize> {
    let ds = deployments;
    let mut by_time: Vec<usize> = (0..ds.len()).collect();
    by_time.sort_by(|&a, &b| {
        age_by
            .time_of(&ds[a])
            .cmp(&age_by.time_of(&ds[b]))
            .then_with(|| ds[b].name.cmp(&ds[a].name))
    });
    by_time
}
