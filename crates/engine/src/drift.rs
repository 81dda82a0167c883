//! The bucket may change between plan and delete: a deployment gets a fresh object, a kept
//! one disappears, a deployment is already gone. Just before deleting, each confirmed
//! deployment is checked again and skipped, with a reason, if it would no longer be
//! deleted.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};

use super::bucket::{Bucket, ListedObject};
use super::deletion::{Prelisted, PRELIST_KEY_BUDGET};
use super::deployment::{Deployment, ObjectTally};
use super::error::EngineError;
use super::listing::{deployment_name, discover, ListingOptions};
use super::listing_gate::{ListingGate, LARGE_REPLY_ENTRIES};
use super::plan::{Action, Plan};
use super::rule::Rule;
use super::versions::tally_versions;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Recheck {
    /// Still to delete, with their current sizes.
    pub confirmed: Vec<Deployment>,
    pub skipped: Vec<Skipped>,
    /// The listings of confirmed deployments of one small page (under 500 keys, within
    /// [`PRELIST_KEY_BUDGET`]), for the deletion to use instead of listing again.
    pub prelisted: Prelisted,
}

/// Re-lists the confirmed deployments and skips any that changed since `planned` was
/// listed. With a `rule`, also re-ranks: a confirmed deployment the rule would now keep
/// (say, because a kept one was deleted meanwhile) is skipped. Deployments created since
/// the plan are left out of the ranking; they could only push others further out.
pub async fn recheck(
    bucket: &Bucket,
    options: &ListingOptions,
    rule: Option<&Rule>,
    planned: &[Deployment],
    confirmed: &[Deployment],
    now: DateTime<Utc>,
) -> Result<Recheck, EngineError> {
    recheck_in_scope(bucket, options, rule, planned, confirmed, now, false).await
}

/// [`recheck`] for plans made with `--all-versions` (deployments counted by versions).
pub async fn recheck_all_versions(
    bucket: &Bucket,
    options: &ListingOptions,
    rule: Option<&Rule>,
    planned: &[Deployment],
    confirmed: &[Deployment],
    now: DateTime<Utc>,
) -> Result<Recheck, EngineError> {
    recheck_in_scope(bucket, options, rule, planned, confirmed, now, true).await
}

async fn recheck_in_scope(
    bucket: &Bucket,
    options: &ListingOptions,
    rule: Option<&Rule>,
    planned: &[Deployment],
    confirmed: &[Deployment],
    now: DateTime<Utc>,
    all_versions: bool,
) -> Result<Recheck, EngineError> {
    let present: HashSet<String> = if all_versions {
        // Every planned deployment that still has versions is present; kept ones that
        // vanished entirely are rare enough in versioned buckets to not re-rank.
        planned.iter().map(|d| d.name.clone()).collect()
    } else {
        let (prefixes, _) = discover(bucket, &options.root).await?;
        prefixes
            .iter()
            .map(|p| deployment_name(&options.root, p))
            .collect()
    };

    let budget = AtomicUsize::new(PRELIST_KEY_BUDGET);
    let budget = &budget;
    let gate = &ListingGate::for_deployments(options.concurrency, confirmed);
    type Fresh = (Deployment, Option<Deployment>, Option<Vec<ListedObject>>);
    let fresh: Vec<Fresh> = stream::iter(confirmed.iter().cloned())
        .map(|target| async move {
            let (now_listed, kept) = if all_versions {
                let listed = tally_versions(gate, bucket, &target.prefix)
                    .await?
                    .into_deployment(target.name.clone(), target.prefix.clone())
                    .map(|(d, _)| d);
                (listed, None)
            } else {
                let (tally, kept) =
                    tally_keeping_one_page(gate, bucket, &target.prefix, budget).await?;
                let listed = tally.into_deployment(target.name.clone(), target.prefix.clone());
                (listed, kept)
            };
            Ok::<_, EngineError>((target, now_listed, kept))
        })
        .buffer_unordered(options.concurrency.max(1))
        .try_collect()
        .await?;

    let mut result = Recheck {
        confirmed: Vec::new(),
        skipped: Vec::new(),
        prelisted: Prelisted::new(),
    };
    let mut candidates: BTreeMap<String, Deployment> = BTreeMap::new();
    for (target, current, kept) in fresh {
        match current {
            None => result.skipped.push(Skipped {
                name: target.name,
                reason: "it no longer exists".into(),
            }),
            Some(current) if current.newest > target.newest => result.skipped.push(Skipped {
                name: target.name,
                reason: format!(
                    "it changed since the plan: an object was written at {}",
                    current
                        .newest
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            }),
            Some(current) => {
                if let Some(kept) = kept {
                    result.prelisted.insert(current.prefix.clone(), kept);
                }
                candidates.insert(current.name.clone(), current);
            }
        }
    }

    if let Some(rule) = rule {
        let mut landscape: Vec<Deployment> = planned
            .iter()
            .filter(|d| present.contains(&d.name) && !candidates.contains_key(&d.name))
            .cloned()
            .collect();
        landscape.extend(candidates.values().cloned());
        let plan = Plan::build(landscape, rule, now);
        for entry in plan.entries {
            if entry.action == Action::Keep && candidates.remove(&entry.deployment.name).is_some() {
                result.skipped.push(Skipped {
                    name: entry.deployment.name,
                    reason: format!("the rule would now keep it ({})", entry.reason.as_str()),
                });
            }
        }
    }
    result
        .prelisted
        .retain(|prefix, _| candidates.values().any(|d| &d.prefix == prefix));
    // Keep the caller's order.
    result.confirmed = confirmed
        .iter()
        .filter_map(|t| candidates.remove(&t.name))
        .collect();
    Ok(result)
}

/// Tallies every object under `prefix`. When they are few (one small page) and the shared
/// budget allows, also returns them, so the deletion need not list them again.
async fn tally_keeping_one_page(
    gate: &ListingGate,
    bucket: &Bucket,
    prefix: &str,
    budget: &AtomicUsize,
) -> Result<(ObjectTally, Option<Vec<ListedObject>>), EngineError> {
    let mut tally = ObjectTally::default();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = gate.list_page(bucket, prefix, None, token).await?;
        pages += 1;
        let objects: Vec<ListedObject> = page
            .objects
            .into_iter()
            .filter(|o| o.key.starts_with(prefix))
            .collect();
        for object in &objects {
            tally.add(object.size, object.last_modified);
        }
        token = page.next_token;
        if token.is_none() {
            let n = objects.len();
            let granted = pages == 1
                && n < LARGE_REPLY_ENTRIES
                && budget
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                        left.checked_sub(n)
                    })
                    .is_ok();
            return Ok((tally, granted.then_some(objects)));
        }
    }
}
