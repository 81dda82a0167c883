//! A report's rows folded into the same per-deployment tallies a bucket listing makes
//! ([`DeploymentTally`]): one tally per deployment, no keys kept, so memory grows with the
//! deployments, not the rows. Each data file is tallied on its own and the tallies merged.

use std::collections::HashMap;

use crate::bucket::{Entry, Scope};
use crate::tally::DeploymentTally;

/// The tallies of the rows read so far.
#[derive(Debug, Clone)]
pub struct ReportTally {
    root: String,
    scope: Scope,
    digests: bool,
    /// By deployment name.
    pub deployments: HashMap<String, DeploymentTally>,
    /// Every row read, whatever it counted for.
    pub rows: u64,
}

impl ReportTally {
    /// `root` is `--prefix` (empty or ending in `/`); in [`Scope::Current`] only the
    /// current objects of an all-versions report count, as a listing would show them.
    pub fn new(root: &str, scope: Scope, digests: bool) -> Self {
        ReportTally {
            root: root.to_string(),
            scope,
            digests,
            deployments: HashMap::new(),
            rows: 0,
        }
    }

    /// An empty tally with the same settings, for another data file.
    pub fn fresh(&self) -> Self {
        ReportTally::new(&self.root, self.scope, self.digests)
    }

    /// One row. Rows outside the root and objects directly under it belong to no
    /// deployment (root objects are read from the live bucket, with the pointers).
    pub fn add(&mut self, entry: &Entry) {
        self.rows += 1;
        if self.scope == Scope::Current && !entry.is_current_object() {
            return;
        }
        let Some(rest) = entry.key.strip_prefix(self.root.as_str()) else {
            return;
        };
        let Some((name, _)) = rest.split_once('/') else {
            return;
        };
        let prefix_len = self.root.len() + name.len() + 1;
        let tally = match self.deployments.get_mut(name) {
            Some(tally) => tally,
            None => self
                .deployments
                .entry(name.to_string())
                .or_insert_with(|| new_tally(self.digests)),
        };
        tally.add(&entry.key[..prefix_len], entry);
    }

    pub fn merge(&mut self, other: ReportTally) {
        self.rows += other.rows;
        for (name, tally) in other.deployments {
            match self.deployments.get_mut(&name) {
                Some(mine) => mine.merge(tally),
                None => {
                    self.deployments.insert(name, tally);
                }
            }
        }
    }

    pub fn root(&self) -> &str {
        &self.root
    }
}

fn new_tally(digests: bool) -> DeploymentTally {
    if digests {
        DeploymentTally::with_digest()
    } else {
        DeploymentTally::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn entry(key: &str, size: u64, latest: bool, marker: bool) -> Entry {
        Entry {
            key: key.into(),
            size,
            last_modified: Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap(),
            etag: Some("e".into()),
            version_id: None,
            is_latest: latest,
            is_delete_marker: marker,
            storage_class: crate::cost::StorageClass::Standard,
        }
    }

    #[test]
    fn rows_fold_into_deployments_under_the_root() {
        let mut a = ReportTally::new("sites/", Scope::Current, false);
        a.add(&entry("sites/d1/index.html", 10, true, false));
        a.add(&entry("sites/d1/css/a.css", 5, true, false));
        a.add(&entry("sites/current.txt", 3, true, false));
        a.add(&entry("other/d9/x", 1, true, false));
        let mut b = a.fresh();
        b.add(&entry("sites/d1/old.js", 7, false, false));
        b.add(&entry("sites/d2/", 0, true, false));
        a.merge(b);
        assert_eq!(a.rows, 6);
        let d1 = a.deployments["d1"];
        assert_eq!((d1.all.objects, d1.all.bytes), (2, 15));
        assert_eq!(a.deployments["d2"].all.objects, 1);
        assert_eq!(a.deployments.len(), 2);
    }

    #[test]
    fn all_versions_count_every_row() {
        let mut t = ReportTally::new("", Scope::AllVersions, false);
        t.add(&entry("d1/a", 10, false, false));
        t.add(&entry("d1/a", 0, true, true));
        let d1 = t.deployments["d1"];
        assert_eq!(
            (d1.all.objects, d1.current.objects, d1.content.objects),
            (2, 0, 1)
        );
    }
}
