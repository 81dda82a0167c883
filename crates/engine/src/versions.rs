//! Listing for `--all-versions`: every object version and delete marker counts, so that
//! the plan shows what really occupies a versioned bucket (and what deleting reclaims),
//! including deployments that only have noncurrent versions left.

use std::collections::HashMap;

use futures::stream::{self, StreamExt, TryStreamExt};

use super::bucket::Bucket;
use super::deployment::{Deployment, ObjectTally, RootObjects};
use super::error::EngineError;
use super::listing::{deployment_name, Inventory, ListingEvent, ListingOptions};
use super::listing_gate::ListingGate;

/// Current (latest, not deleted) objects of one deployment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CurrentStats {
    pub objects: u64,
    pub bytes: u64,
}

/// An inventory whose deployments count every version (`objects` = versions and delete
/// markers, `bytes` = all versions), with the current objects alongside.
#[derive(Debug, Clone, Default)]
pub struct VersionedInventory {
    pub inventory: Inventory,
    pub current: HashMap<String, CurrentStats>,
}

pub async fn list_deployments_all_versions(
    bucket: &Bucket,
    options: &ListingOptions,
    on_event: &(dyn Fn(ListingEvent) + Send + Sync),
) -> Result<VersionedInventory, EngineError> {
    let (prefixes, root_objects) = discover_versions(bucket, &options.root).await?;
    on_event(ListingEvent::Discovered {
        deployments: prefixes.len(),
        root_objects: root_objects.clone(),
    });
    let root = options.root.as_str();
    let gate = &ListingGate::new(options.concurrency);
    let listed: Vec<(Deployment, CurrentStats)> = stream::iter(prefixes)
        .map(|prefix| async move {
            let name = deployment_name(root, &prefix);
            Ok::<_, EngineError>(
                tally_versions(gate, bucket, &prefix)
                    .await?
                    .into_deployment(name, prefix),
            )
        })
        .buffer_unordered(options.concurrency.max(1))
        .try_filter_map(|listed| async move {
            if let Some((deployment, _)) = &listed {
                on_event(ListingEvent::Listed(deployment.clone()));
            }
            Ok(listed)
        })
        .try_collect()
        .await?;
    let current = listed.iter().map(|(d, c)| (d.name.clone(), *c)).collect();
    Ok(VersionedInventory {
        inventory: Inventory {
            deployments: listed.into_iter().map(|(d, _)| d).collect(),
            root_objects,
        },
        current,
    })
}

async fn discover_versions(
    bucket: &Bucket,
    root: &str,
) -> Result<(Vec<String>, RootObjects), EngineError> {
    let mut prefixes = Vec::new();
    let mut root_objects = RootObjects::default();
    let mut marker = None;
    loop {
        let page = bucket.list_versions_page(root, Some("/"), marker).await?;
        for prefix in page.common_prefixes {
            // A prefix can come back on two pages when its versions straddle them.
            if prefix.starts_with(root) && prefixes.last() != Some(&prefix) {
                prefixes.push(prefix);
            }
        }
        for version in page
            .versions
            .iter()
            .filter(|v| v.is_latest && !v.is_delete_marker)
        {
            root_objects.add(&version.key, version.size);
        }
        marker = page.next;
        if marker.is_none() {
            prefixes.dedup();
            return Ok((prefixes, root_objects));
        }
    }
}

/// Both tallies of one deployment prefix: every version and marker, and current objects.
#[derive(Debug, Clone, Copy, Default)]
pub struct VersionTally {
    pub all: ObjectTally,
    pub current: ObjectTally,
    /// Versions with content (no delete markers), current or not.
    pub content: ObjectTally,
}

impl VersionTally {
    /// Ages come from the current objects. A deployment with none left (deleted
    /// earlier without --all-versions) is dated by its newest content version, not by
    /// the delete markers, which are as new as that earlier deletion.
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

pub async fn tally_versions(
    gate: &ListingGate,
    bucket: &Bucket,
    prefix: &str,
) -> Result<VersionTally, EngineError> {
    let mut tally = VersionTally::default();
    let mut marker = None;
    loop {
        let page = gate
            .list_versions_page(bucket, prefix, None, marker)
            .await?;
        for v in page.versions.iter().filter(|v| v.key.starts_with(prefix)) {
            tally.all.add(v.size, v.last_modified);
            if !v.is_delete_marker {
                tally.content.add(v.size, v.last_modified);
                if v.is_latest {
                    tally.current.add(v.size, v.last_modified);
                }
            }
        }
        marker = page.next;
        if marker.is_none() {
            return Ok(tally);
        }
    }
}
