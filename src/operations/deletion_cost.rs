//! The cost rule the plan and the explorer both apply to what a deletion saves.

use crate::engine::cost::CostTotals;

/// Whether deleting would only add delete markers: a bucket whose versioning keeps the
/// old versions, and a deletion of current objects only (no `--all-versions`).
pub fn reclaims_nothing(all_versions: bool, keeps_old_versions: bool) -> bool {
    !all_versions && keeps_old_versions
}

/// What a deletion whose objects cost `cost` saves, would charge early, and aborts in
/// incomplete uploads. A deletion that reclaims nothing saves and is charged nothing;
/// its incomplete uploads still go.
pub fn deletion_cost(cost: CostTotals, reclaims_nothing: bool) -> CostTotals {
    if reclaims_nothing {
        CostTotals {
            incomplete_uploads: cost.incomplete_uploads,
            ..CostTotals::default()
        }
    } else {
        cost
    }
}
