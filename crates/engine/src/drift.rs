//! The bucket may change between plan and delete: a deployment gets a fresh object, a kept
//! one disappears, a deployment is already gone. Just before deleting, each confirmed
//! deployment is checked again and skipped, with a reason, if it would no longer be
//! deleted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};

use super::bucket::{Bucket, Scope};
use super::deletion::Prelisted;
use super::deployment::Deployment;
use super::error::EngineError;
use super::key_spool::{flushed, keep_entry, KeyList, KeySpool, KEYS_IN_MEMORY};
use super::listing::{
    deployment_name, discover, live_set, max_ranges, tally_prefix, ListingOptions,
};
use super::listing_gate::ListingGate;
use super::live::LiveSet;
use super::live_sources::read_pointers;
use super::pages::{entries, PageRequest};
use super::plan::{Action, Plan};
use super::plan_file::Fingerprint;
use super::prune_request::PruneRequest;
use super::ranges::{end_of, pages_per_range, RangeListing, PAGE_ENTRIES};
use super::rule::Rule;
use super::tally::DeploymentTally;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

#[derive(Debug)]
pub struct Recheck {
    /// Still to delete, with their current sizes.
    pub confirmed: Vec<Deployment>,
    pub skipped: Vec<Skipped>,
    /// The keys of the confirmed deployments as listed just now, for the deletion to use
    /// instead of listing again (empty when not asked for).
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
    let request = PruneRequest {
        targets: confirmed.to_vec(),
        by_hand: HashSet::new(),
        rule: rule.cloned(),
        planned: planned.to_vec(),
        now,
        fingerprints: None,
    };
    recheck_request(bucket, options, &request, false).await
}

/// [`recheck`] for a [`PruneRequest`]: names in `by_hand` were marked by the operator and
/// are only checked for changes, never re-ranked (the rule would keep them by
/// definition); with `fingerprints` (a reviewed plan), each target must still match its
/// fingerprint exactly and nothing is re-ranked. With `keep_keys`, the confirmed
/// deployments' keys are kept (in memory, then spooled to a temporary file) for the
/// deletion.
pub(crate) async fn recheck_request(
    bucket: &Bucket,
    options: &ListingOptions,
    request: &PruneRequest,
    keep_keys: bool,
) -> Result<Recheck, EngineError> {
    let rule = request.rule.as_ref();
    let by_hand = &request.by_hand;
    let planned = request.planned.as_slice();
    let confirmed = request.targets.as_slice();
    let now = request.now;
    let fingerprints = request.fingerprints.as_ref();
    let re_ranks = rule.is_some() && confirmed.iter().any(|d| !by_hand.contains(&d.name));
    let live_options = &options.live;
    let checks_live = live_options.detect
        || !live_options.pointers.is_empty()
        || !live_options.aliases.is_empty();
    let discovers = (re_ranks && options.scope == Scope::Current) || live_options.detect;
    // The names present now (for the re-ranking) and the pointers as they are now, read
    // while the deployments are listed again.
    let present_and_pointers = async {
        let discovery = if discovers {
            Some(discover(bucket, Scope::Current, &options.root).await?)
        } else {
            None
        };
        let present: HashSet<String> = match (&discovery, options.scope) {
            _ if !re_ranks => HashSet::new(),
            (Some(discovery), Scope::Current) => discovery
                .prefixes
                .iter()
                .map(|p| deployment_name(&options.root, p))
                .collect(),
            // Every planned deployment that still has versions is present; kept ones that
            // vanished entirely are rare enough in versioned buckets to not re-rank.
            _ => planned.iter().map(|d| d.name.clone()).collect(),
        };
        let small_root_keys = discovery.map(|d| d.small_root_keys).unwrap_or_default();
        let pointers = if checks_live {
            read_pointers(bucket, live_options, &small_root_keys).await?
        } else {
            Vec::new()
        };
        Ok::<_, EngineError>((present, pointers))
    };
    let digests = !live_options.aliases.is_empty() || fingerprints.is_some();

    let spool = keep_keys.then(|| KeySpool::new(KEYS_IN_MEMORY));
    let spool = spool.as_ref();
    let gate = &ListingGate::for_deployments(options.concurrency, confirmed);
    let scope = options.scope;
    type Fresh = (
        Deployment,
        Option<Deployment>,
        Option<KeyList>,
        Option<String>,
    );
    let by_ranges = range_start(planned, confirmed);
    let one_by_one = stream::iter(confirmed.iter().cloned())
        .map(|target| async move {
            let (tally, kept) =
                tally_keeping(gate, bucket, scope, &target.prefix, spool, digests).await?;
            let digest = tally.digest();
            let listed = tally
                .into_deployment(target.name.clone(), target.prefix.clone())
                .map(|(d, _)| d);
            Ok::<_, EngineError>((target, listed, kept, digest))
        })
        .buffer_unordered(options.concurrency.max(1))
        .try_collect::<Vec<Fresh>>();
    let fresh = async {
        match by_ranges {
            Some(after) => {
                let listed = Mutex::new(Vec::with_capacity(confirmed.len()));
                let targets: HashMap<&str, &Deployment> =
                    confirmed.iter().map(|d| (d.prefix.as_str(), d)).collect();
                let ranges = RangeListing {
                    bucket,
                    scope,
                    root: &options.root,
                    gate,
                    digests,
                    max_ranges: max_ranges(options.concurrency),
                    keep: spool,
                };
                let prefixes = confirmed.iter().map(|d| d.prefix.clone()).collect();
                ranges
                    .tally(prefixes, after, &|prefix, tally, kept| {
                        let target = targets[prefix];
                        let digest = tally.digest();
                        let listed_now = tally
                            .into_deployment(target.name.clone(), target.prefix.clone())
                            .map(|(d, _)| d);
                        listed.lock().expect("re-check lock").push((
                            target.clone(),
                            listed_now,
                            kept,
                            digest,
                        ));
                    })
                    .await?;
                Ok(listed.into_inner().expect("re-check lock"))
            }
            None => one_by_one.await,
        }
    };
    // Alias folders are listed again too: what they copy now is what is live now.
    let aliases = stream::iter(live_options.aliases.clone())
        .map(|alias| async move {
            let prefix = format!("{}{alias}/", options.root);
            let tally = tally_prefix(gate, bucket, Scope::Current, &prefix, true).await?;
            let digest = tally.digest();
            Ok::<_, EngineError>(
                tally
                    .into_deployment(alias, prefix)
                    .map(|(d, _)| (d, digest)),
            )
        })
        .buffer_unordered(options.concurrency.max(1))
        .try_filter_map(|listed| async move { Ok(listed) })
        .try_collect::<Vec<_>>();
    let (fresh, (present, pointers), aliases) =
        futures::try_join!(fresh, present_and_pointers, aliases)?;

    let mut result = Recheck {
        confirmed: Vec::new(),
        skipped: Vec::new(),
        prelisted: Prelisted::new(),
    };
    let mut candidates: BTreeMap<String, Deployment> = BTreeMap::new();
    let mut digests: HashMap<String, String> = aliases
        .iter()
        .filter_map(|(d, digest)| Some((d.name.clone(), digest.clone()?)))
        .collect();
    for (target, current, kept, digest) in fresh {
        if let (Some(digest), Some(_)) = (&digest, &current) {
            digests.insert(target.name.clone(), digest.clone());
        }
        let expected = fingerprints.and_then(|f| f.get(&target.name));
        let changes = match (expected, &current) {
            (Some(expected), Some(current)) => {
                expected.changes(&Fingerprint::of(current, digest.as_deref().unwrap_or("")))
            }
            _ => Vec::new(),
        };
        match current {
            None => result.skipped.push(Skipped {
                name: target.name,
                reason: "it no longer exists".into(),
            }),
            Some(_) if !changes.is_empty() => result.skipped.push(Skipped {
                name: target.name,
                reason: format!(
                    "it changed since the plan was written ({})",
                    changes.join("; ")
                ),
            }),
            Some(current) if expected.is_none() && current.newest > target.newest => {
                result.skipped.push(Skipped {
                    name: target.name,
                    reason: format!(
                        "it changed since the plan: an object was written at {}",
                        current
                            .newest
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    ),
                })
            }
            Some(current) => {
                if let Some(kept) = kept {
                    result.prelisted.insert(current.prefix.clone(), kept);
                }
                candidates.insert(current.name.clone(), current);
            }
        }
    }

    let mut landscape: Vec<Deployment> = planned
        .iter()
        .filter(|d| present.contains(&d.name) && !candidates.contains_key(&d.name))
        .cloned()
        .collect();
    landscape.extend(candidates.values().cloned());
    let live = if checks_live {
        let mut named = landscape.clone();
        for (alias, _) in aliases {
            if let Some(stale) = named.iter_mut().find(|d| d.name == alias.name) {
                *stale = alias;
            } else {
                named.push(alias);
            }
        }
        live_set(&named, &digests, &pointers, live_options)
    } else {
        LiveSet::default()
    };
    for name in candidates
        .keys()
        .filter(|name| live.is_live(name))
        .cloned()
        .collect::<Vec<_>>()
    {
        result.skipped.push(Skipped {
            reason: format!("it is live now ({})", live.sources(&name).join(", ")),
            name: name.clone(),
        });
        candidates.remove(&name);
    }

    if let (Some(rule), true) = (rule, re_ranks) {
        let plan = Plan::build_with_live(landscape, rule, &live, now);
        for entry in plan.entries {
            if entry.action == Action::Keep
                && !by_hand.contains(&entry.deployment.name)
                && candidates.remove(&entry.deployment.name).is_some()
            {
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

/// Whether to list `confirmed` again as key ranges of the root (see [`crate::ranges`])
/// rather than one by one, and if so after which key to start. Ranges also read the
/// deployments not confirmed that lie between confirmed ones, so they are used only when
/// the planned sizes say they take fewer requests.
fn range_start(planned: &[Deployment], confirmed: &[Deployment]) -> Option<Option<String>> {
    if confirmed.len() < 2 {
        return None;
    }
    let wanted: HashSet<&str> = confirmed.iter().map(|d| d.prefix.as_str()).collect();
    let mut all: BTreeMap<&str, u64> = planned
        .iter()
        .map(|d| (d.prefix.as_str(), d.objects))
        .collect();
    all.extend(confirmed.iter().map(|d| (d.prefix.as_str(), d.objects)));
    let all: Vec<(&str, u64)> = all.into_iter().collect();
    let first = all.iter().position(|(p, _)| wanted.contains(p))?;
    let last = all.iter().rposition(|(p, _)| wanted.contains(p))?;
    let span: u64 = all[first..=last].iter().map(|(_, n)| n).sum();
    let pages = span.div_ceil(PAGE_ENTRIES);
    let keys_each = span / (last - first + 1) as u64;
    let by_ranges = pages + pages.div_ceil(pages_per_range(keys_each)) + 1;
    let one_by_one: u64 = confirmed
        .iter()
        .map(|d| d.objects.div_ceil(PAGE_ENTRIES).max(1))
        .sum();
    (by_ranges < one_by_one).then(|| first.checked_sub(1).map(|i| end_of(all[i].0)))
}

/// Tallies every entry under `prefix`; with a `spool`, also keeps its keys for the
/// deletion (none if the spool file cannot be written: the deletion then lists again).
async fn tally_keeping(
    gate: &ListingGate,
    bucket: &Bucket,
    scope: Scope,
    prefix: &str,
    spool: Option<&Arc<KeySpool>>,
    digest: bool,
) -> Result<(DeploymentTally, Option<KeyList>), EngineError> {
    let mut tally = if digest {
        DeploymentTally::with_digest()
    } else {
        DeploymentTally::default()
    };
    let mut kept = spool.map(KeyList::new);
    let listing = entries(bucket, PageRequest::flat(scope, prefix), Some(gate));
    futures::pin_mut!(listing);
    while let Some(page) = listing.try_next().await? {
        for entry in &page {
            tally.add(prefix, entry);
            keep_entry(&mut kept, scope, entry);
        }
    }
    Ok((tally, flushed(kept)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sized(name: &str, objects: u64) -> Deployment {
        Deployment {
            name: name.into(),
            prefix: format!("{name}/"),
            objects,
            bytes: 0,
            newest: DateTime::UNIX_EPOCH,
            oldest: DateTime::UNIX_EPOCH,
            storage: Default::default(),
            incomplete_uploads: 0,
        }
    }

    #[test]
    fn many_small_confirmed_deployments_are_listed_as_ranges_after_the_one_before() {
        let planned: Vec<Deployment> = (0..10).map(|i| sized(&format!("d{i}"), 100)).collect();
        let confirmed = &planned[2..];
        assert_eq!(range_start(&planned, confirmed), Some(Some("d10".into())));
        assert_eq!(range_start(&planned, &planned), Some(None));
    }

    #[test]
    fn big_or_scattered_confirmed_deployments_are_listed_one_by_one() {
        let planned = vec![
            sized("a", 100),
            sized("b", 50_000),
            sized("c", 100),
            sized("d", 3_000),
        ];
        let scattered = [planned[0].clone(), planned[2].clone()];
        assert_eq!(range_start(&planned, &scattered), None);
        assert_eq!(range_start(&planned, &planned[3..]), None, "one deployment");
        assert_eq!(range_start(&planned, &planned[1..2]), None);
    }
}
