use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::cost::{CostTotals, PriceTable, StorageTally};
use super::name_time::NameTime;

/// One top-level folder under the root prefix, aggregated over all of its objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// The folder name, without the root prefix or trailing `/`.
    pub name: String,
    /// The full key prefix, `<root><name>/`; every key of this deployment starts with it.
    pub prefix: String,
    pub objects: u64,
    pub bytes: u64,
    pub newest: DateTime<Utc>,
    pub oldest: DateTime<Utc>,
    /// Its bytes per storage class and what deleting it now would charge early (see
    /// [`crate::cost`]). Boxed: it is larger than the rest of the deployment.
    #[serde(skip)]
    pub storage: Box<StorageTally>,
    /// Multipart uploads started under its prefix and never completed or aborted: billed,
    /// but invisible to listings (see [`crate::uploads`]).
    #[serde(skip)]
    pub incomplete_uploads: u64,
}

/// Running aggregate of the objects under one prefix. Holds no keys, so memory stays
/// constant however many objects a deployment has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObjectTally {
    pub objects: u64,
    pub bytes: u64,
    pub newest: Option<DateTime<Utc>>,
    pub oldest: Option<DateTime<Utc>>,
}

impl ObjectTally {
    pub fn add(&mut self, bytes: u64, modified: DateTime<Utc>) {
        self.objects += 1;
        self.bytes += bytes;
        self.newest = Some(self.newest.map_or(modified, |n| n.max(modified)));
        self.oldest = Some(self.oldest.map_or(modified, |o| o.min(modified)));
    }

    /// Folds in the tally of other objects (another part of the same listing).
    pub fn merge(&mut self, other: ObjectTally) {
        self.objects += other.objects;
        self.bytes += other.bytes;
        self.newest = self.newest.max(other.newest);
        self.oldest = match (self.oldest, other.oldest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The deployment this tally describes, or `None` if the prefix turned out empty
    /// (it vanished between discovery and listing).
    pub fn into_deployment(self, name: String, prefix: String) -> Option<Deployment> {
        Some(Deployment {
            name,
            prefix,
            objects: self.objects,
            bytes: self.bytes,
            newest: self.newest?,
            oldest: self.oldest?,
            storage: Box::default(),
            incomplete_uploads: 0,
        })
    }
}

/// What stands for a deployment's time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AgeBy {
    /// The newest object: anything touched recently counts as recent (the safe default).
    #[default]
    Newest,
    /// The oldest object.
    Oldest,
    /// The time written in the deployment's name (`--age-by name`); a name without one
    /// makes the deployment undated, and the rule keeps it.
    Name(NameTime),
}

impl AgeBy {
    /// The deployment's time, or `None` if it is undated (only under [`AgeBy::Name`]).
    pub fn dated(&self, deployment: &Deployment) -> Option<DateTime<Utc>> {
        match self {
            AgeBy::Newest => Some(deployment.newest),
            AgeBy::Oldest => Some(deployment.oldest),
            AgeBy::Name(name_time) => name_time.parse(&deployment.name),
        }
    }

    /// The time to show and sort by: [`AgeBy::dated`], or for an undated deployment its
    /// newest object's time (the rule never deletes it on that time).
    pub fn time_of(&self, deployment: &Deployment) -> DateTime<Utc> {
        self.dated(deployment).unwrap_or(deployment.newest)
    }

    pub const NAMES: [&'static str; 3] = ["newest", "oldest", "name"];

    pub fn as_str(&self) -> &'static str {
        match self {
            AgeBy::Newest => "newest",
            AgeBy::Oldest => "oldest",
            AgeBy::Name(_) => "name",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a way to age deployments; use one of: {names}", names = AgeBy::NAMES.join(", "))]
pub struct UnknownAgeBy(pub String);

/// `name` parses to the recognised formats; a strftime format is added with
/// [`NameTime::with_format`].
impl std::str::FromStr for AgeBy {
    type Err = UnknownAgeBy;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "newest" => Ok(AgeBy::Newest),
            "oldest" => Ok(AgeBy::Oldest),
            "name" => Ok(AgeBy::Name(NameTime::auto())),
            other => Err(UnknownAgeBy(other.to_string())),
        }
    }
}

/// Objects directly under the root prefix. They belong to no deployment and are never
/// deleted; they are counted so the operator can see they were noticed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootObjects {
    pub objects: u64,
    pub bytes: u64,
    /// The first few keys, for display.
    pub sample: Vec<String>,
}

impl RootObjects {
    pub const SAMPLE_SIZE: usize = 5;

    pub fn add(&mut self, key: &str, bytes: u64) {
        self.objects += 1;
        self.bytes += bytes;
        if self.sample.len() < Self::SAMPLE_SIZE {
            self.sample.push(key.to_string());
        }
    }
}

/// What a deployment costs: the prices applied to its tally.
impl PriceTable {
    /// One deployment's [`CostTotals`].
    pub fn deployment(&self, deployment: &Deployment) -> CostTotals {
        self.of(&deployment.storage, deployment.incomplete_uploads)
    }

    pub fn totals<'a>(&self, deployments: impl IntoIterator<Item = &'a Deployment>) -> CostTotals {
        deployments
            .into_iter()
            .map(|d| self.deployment(d))
            .fold(CostTotals::default(), |sum, d| CostTotals {
                monthly_usd: sum.monthly_usd + d.monthly_usd,
                early_deletion_usd: sum.early_deletion_usd + d.early_deletion_usd,
                incomplete_uploads: sum.incomplete_uploads + d.incomplete_uploads,
                other_class_bytes: sum.other_class_bytes + d.other_class_bytes,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn tally_tracks_newest_and_oldest() {
        let mut tally = ObjectTally::default();
        let t1 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let t2 = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        tally.add(10, t2);
        tally.add(5, t1);
        let d = tally.into_deployment("d".into(), "d/".into()).unwrap();
        assert_eq!((d.objects, d.bytes, d.newest, d.oldest), (2, 15, t2, t1));
    }

    #[test]
    fn age_by_name_reads_the_name_and_falls_back_for_display_only() {
        let mut tally = ObjectTally::default();
        let modified = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        tally.add(1, modified);
        let dated = tally
            .into_deployment("release-2025-12-24".into(), "release-2025-12-24/".into())
            .unwrap();
        let undated = tally
            .into_deployment("current".into(), "current/".into())
            .unwrap();
        let by_name: AgeBy = "name".parse().unwrap();
        let christmas = Utc.with_ymd_and_hms(2025, 12, 24, 0, 0, 0).unwrap();
        assert_eq!(by_name.dated(&dated), Some(christmas));
        assert_eq!(by_name.time_of(&dated), christmas);
        assert_eq!(by_name.dated(&undated), None);
        assert_eq!(by_name.time_of(&undated), modified);
        assert_eq!(AgeBy::Newest.dated(&undated), Some(modified));
        assert_eq!(by_name.as_str(), "name");
        assert!("named".parse::<AgeBy>().is_err());
    }

    #[test]
    fn empty_tally_is_no_deployment() {
        assert!(ObjectTally::default()
            .into_deployment("d".into(), "d/".into())
            .is_none());
    }
}
