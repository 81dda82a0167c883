//! Tallying many deployments with few requests. Once discovery has named the deployments,
//! the root is listed flat as a few contiguous key ranges in parallel instead of once per
//! deployment: a deployment's keys are contiguous in a listing, so each range feeds the
//! keys streaming past to the deployment they belong to and reports it as soon as a key
//! past its end arrives. Root objects between deployments belong to none and are skipped.
//!
//! A range of the sorted deployment prefixes `P1 … Pn` runs from just after the end of the
//! range before it to `Pn` with its final `/` raised to `0`: every key under `Pn` sorts
//! before that bound and every later deployment after it, so `d4/` never takes `d4x/…`.
//!
//! How many ranges: a request costs the same whether its page is full or not, and each
//! range ends with one short page. So the listing starts as one range over every deployment; its
//! first page shows how many keys a deployment has, which estimates how many pages the
//! rest will take, and the rest is split into one range per [`PAGES_PER_RANGE`] estimated
//! pages ([`PAGES_PER_RANGE_OF_SMALL_DEPLOYMENTS`] when deployments share pages; at most
//! half the listing concurrency, as full pages take two slots of the
//! [`ListingGate`]). Tiny deployments then share one range; full pages get parallel ones.
//!
//! A huge deployment is split too, but only once a range has read [`SPLIT_AFTER_KEYS`] of
//! its keys on full pages, in more than one sub-folder: then one delimiter listing of that
//! deployment, starting after the last key read, names its sub-folders ahead, and they
//! are grouped into ranges the same way (each part's tally is merged, and the deployment
//! reported once all parts are done). A smaller deployment, or one without sub-folders,
//! pays no extra request.
//!
//! A range's last page would read up to a page of keys past its end, which a server
//! that reads keys one by one (LocalStack) pays for. So once a range's deployments left
//! are estimated (at the probe's keys per deployment) to fit one page, it asks for that
//! many keys and half again rather than a full page; if that still falls short, its
//! later pages are full again.
//!
//! The same holds in [`Scope::AllVersions`]: `StartAfter` becomes ListObjectVersions'
//! `KeyMarker`, and each page is put in key order (the SDK returns versions and delete
//! markers apart).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use futures::stream::{FuturesUnordered, StreamExt, TryStreamExt};
use tokio::sync::mpsc;

use super::bucket::{Bucket, Entry, Scope};
use super::error::EngineError;
use super::key_spool::{flushed, keep_entry, KeyList, KeySpool};
use super::listing_gate::ListingGate;
use super::pages::{pages, PageRequest, PageSize};
use super::tally::DeploymentTally;

/// The most entries S3 returns in one listing page.
pub const PAGE_ENTRIES: u64 = 1000;
/// The estimated pages each range is given when deployments fill pages. Each range costs
/// one request more than its pages (its last one is short): an eighth more at most, for
/// the listings where requests add up (a million objects is a thousand of them, billed).
pub const PAGES_PER_RANGE: u64 = 8;
/// The estimated pages each range is given when several deployments share a page: such
/// listings are a few dozen requests, bound by round trips, so ranges of 4 pages finish
/// in half the time for a quarter more requests at most.
pub const PAGES_PER_RANGE_OF_SMALL_DEPLOYMENTS: u64 = 4;

/// The pages each range is given for deployments of about `keys_each` keys.
pub(crate) fn pages_per_range(keys_each: u64) -> u64 {
    if keys_each < PAGE_ENTRIES / 2 {
        PAGES_PER_RANGE_OF_SMALL_DEPLOYMENTS
    } else {
        PAGES_PER_RANGE
    }
}
/// A deployment is split into ranges once one range has read this many of its keys: a
/// range's worth, so the delimiter listing the split costs is at most one request in
/// [`PAGES_PER_RANGE`] of that deployment.
pub const SPLIT_AFTER_KEYS: u64 = PAGES_PER_RANGE * PAGE_ENTRIES;
/// Keys a range's last page asks for beyond the estimate and half of it, so that
/// deployments a little larger than the estimate rarely cost one more request.
const TAIL_MARGIN: u64 = 10;

/// Where and how to list.
pub(crate) struct RangeListing<'a> {
    pub bucket: &'a Bucket,
    pub scope: Scope,
    /// The listing's prefix (the deployments' root).
    pub root: &'a str,
    pub gate: &'a ListingGate,
    /// Digest each deployment's current objects.
    pub digests: bool,
    /// Ranges listed at once, at most.
    pub max_ranges: usize,
    /// Keep every deployment's keys in this spool too (for the deletion).
    pub keep: Option<&'a Arc<KeySpool>>,
}

/// Called once per deployment prefix, with its whole tally (empty if it vanished) and,
/// with [`RangeListing::keep`], its keys.
pub(crate) type OnTallied<'a> = dyn Fn(&str, DeploymentTally, Option<KeyList>) + Send + Sync + 'a;

impl RangeListing<'_> {
    /// Tallies every deployment of `prefixes` (each `<root><name>/`), reporting each one
    /// to `on_tallied` as soon as it is complete, listing from after `after` (`None`: the
    /// root's first key). Fails as a whole if any request fails.
    pub(crate) async fn tally(
        &self,
        mut prefixes: Vec<String>,
        after: Option<String>,
        on_tallied: &OnTallied<'_>,
    ) -> Result<(), EngineError> {
        prefixes.sort();
        prefixes.dedup();
        let Some(last) = prefixes.last() else {
            return Ok(());
        };
        let shared = Shared {
            listing: self,
            parts: Mutex::new(HashMap::new()),
            split: Mutex::new(HashSet::new()),
            on_tallied,
        };
        let first = Job {
            after,
            upto: end_of(last),
            members: prefixes.into(),
            probe: true,
            keys_each: None,
        };
        let (spawn, mut spawned) = mpsc::unbounded_channel();
        let mut running = FuturesUnordered::new();
        running.push(run(first, &shared, spawn.clone()));
        loop {
            tokio::select! {
                biased;
                Some(job) = spawned.recv() => running.push(run(job, &shared, spawn.clone())),
                done = running.next() => match done {
                    Some(done) => done?,
                    None => return Ok(()),
                },
            }
        }
    }

    fn new_tally(&self) -> DeploymentTally {
        if self.digests {
            DeploymentTally::with_digest()
        } else {
            DeploymentTally::default()
        }
    }
}

/// The bound of a range ending with `prefix` (which ends in `/`): every key under it
/// sorts before, every later deployment or sub-folder after.
pub(crate) fn end_of(prefix: &str) -> String {
    format!("{}0", prefix.strip_suffix('/').unwrap_or(prefix))
}

/// One range: the keys after `after` up to `upto`, and the deployments in it not yet done.
struct Job {
    after: Option<String>,
    upto: String,
    members: VecDeque<String>,
    /// The first range, which splits off the others after its first page.
    probe: bool,
    /// The keys a member deployment has, as the probe estimated them (none for the
    /// parts of a split deployment).
    keys_each: Option<u64>,
}

struct Shared<'a> {
    listing: &'a RangeListing<'a>,
    /// Deployments split into several ranges: their tally and keys so far, and the parts
    /// left.
    parts: Mutex<HashMap<String, Parts>>,
    split: Mutex<HashSet<String>>,
    on_tallied: &'a OnTallied<'a>,
}

impl Shared<'_> {
    fn finish(&self, prefix: String, front: Front) {
        let whole = {
            let mut parts = self.parts.lock().expect("parts lock");
            match parts.get_mut(&prefix) {
                Some((sum, kept, left)) => {
                    sum.merge(front.tally);
                    *kept = match (kept.take(), front.kept) {
                        (Some(mut all), Some(part)) => all.append(part).ok().map(|()| all),
                        _ => None,
                    };
                    *left -= 1;
                    if *left == 0 {
                        parts.remove(&prefix).map(|(sum, kept, _)| (sum, kept))
                    } else {
                        None
                    }
                }
                None => Some((front.tally, front.kept)),
            }
        };
        if let Some((tally, kept)) = whole {
            (self.on_tallied)(&prefix, tally, flushed(kept));
        }
    }

    fn add_parts(&self, prefix: &str, more: usize) {
        let mut parts = self.parts.lock().expect("parts lock");
        parts
            .entry(prefix.to_string())
            .or_insert_with(|| {
                (
                    self.listing.new_tally(),
                    self.listing.keep.map(KeyList::new),
                    1,
                )
            })
            .2 += more;
    }
}

/// A split deployment's tally and keys so far, and how many of its parts are left.
type Parts = (DeploymentTally, Option<KeyList>, usize);

/// The deployment a range is in the middle of.
struct Front {
    tally: DeploymentTally,
    /// Its keys read by this range, and in how many sub-folders.
    keys: u64,
    folders: u64,
    folder: String,
    /// Its keys, when asked for.
    kept: Option<KeyList>,
    scope: Scope,
}

impl Front {
    fn new(listing: &RangeListing<'_>) -> Self {
        Front {
            tally: listing.new_tally(),
            keys: 0,
            folders: 0,
            folder: String::new(),
            kept: listing.keep.map(KeyList::new),
            scope: listing.scope,
        }
    }

    fn add(&mut self, prefix: &str, entry: &Entry) {
        self.tally.add(prefix, entry);
        self.keys += 1;
        keep_entry(&mut self.kept, self.scope, entry);
        let rest = &entry.key[prefix.len()..];
        let folder = rest.split_once('/').map_or("", |(folder, _)| folder);
        if self.keys == 1 || folder != self.folder {
            self.folders += 1;
            self.folder = folder.to_string();
        }
    }
}

async fn run(
    mut job: Job,
    shared: &Shared<'_>,
    spawn: mpsc::UnboundedSender<Job>,
) -> Result<(), EngineError> {
    let listing = shared.listing;
    let after = job.after.take();
    let page_size = PageSize::full();
    let request = PageRequest {
        scope: listing.scope,
        prefix: listing.root,
        delimiter: None,
        start_after: after.as_deref(),
        page_size: Some(&page_size),
    };
    let stream = pages(listing.bucket, request, Some(listing.gate));
    futures::pin_mut!(stream);
    let mut front = Front::new(listing);
    let mut first_page = true;
    loop {
        let asked = page_size.get();
        let Some(mut page) = stream.try_next().await? else {
            break;
        };
        page.entries.sort_by(|a, b| a.key.cmp(&b.key));
        let mut past_end = false;
        let mut finished = 0u64;
        let mut member_keys = 0u64;
        for entry in &page.entries {
            if entry.key > job.upto {
                past_end = true;
                break;
            }
            while let Some(prefix) = job.members.front() {
                if entry.key.starts_with(prefix.as_str()) || entry.key < *prefix {
                    break;
                }
                let done = std::mem::replace(&mut front, Front::new(listing));
                shared.finish(job.members.pop_front().expect("a front"), done);
                finished += 1;
            }
            if let Some(prefix) = job.members.front() {
                if entry.key.starts_with(prefix.as_str()) {
                    front.add(prefix, entry);
                    member_keys += 1;
                }
            }
        }
        if past_end || !page.more || job.members.is_empty() {
            break;
        }
        if job.probe && first_page {
            let touched = finished + u64::from(front.keys > 0);
            if touched > 0 {
                job.keys_each = Some(member_keys.div_ceil(touched));
                split_members(&mut job, member_keys.div_ceil(touched), listing, &spawn);
            }
        }
        let whole_page_in_front = finished == 0 && member_keys == page.entries.len() as u64;
        if whole_page_in_front && front.keys >= SPLIT_AFTER_KEYS && front.folders > 1 {
            let last_key = page
                .entries
                .last()
                .map(|e| e.key.clone())
                .unwrap_or_default();
            split_front(&mut job, &front, &last_key, shared, &spawn).await?;
        }
        if asked < PageSize::FULL {
            // The trimmed page fell short of the range's end: the estimate was low.
            job.keys_each = None;
            page_size.set(u64::from(PageSize::FULL));
        } else if let Some(each) = job.keys_each {
            let left = keys_left(&job.members, front.keys, each);
            page_size.set(left + left / 2 + TAIL_MARGIN);
        }
        first_page = false;
    }
    let mut front = Some(front);
    for prefix in job.members {
        let front = front.take().unwrap_or_else(|| Front::new(listing));
        shared.finish(prefix, front);
    }
    Ok(())
}

/// The keys estimated left in a range: `each` for every member deployment, less the
/// keys already read of the first (none left of it once it has more than `each`).
fn keys_left(members: &VecDeque<String>, front_keys: u64, each: u64) -> u64 {
    (members.len() as u64 * each).saturating_sub(front_keys.min(each))
}

/// How many ranges for `units` (deployments or sub-folders) of about `keys_each` keys.
fn ranges_for(units: usize, keys_each: u64, max_ranges: usize) -> usize {
    let pages = (units as u64 * keys_each).div_ceil(PAGE_ENTRIES);
    let ranges = pages.div_ceil(pages_per_range(keys_each)).max(1);
    (ranges as usize).min(units).min(max_ranges.max(1))
}

/// `items` in `n` contiguous groups of nearly equal length.
fn groups<T>(items: Vec<T>, n: usize) -> Vec<Vec<T>> {
    let len = items.len();
    let mut items = items.into_iter();
    (0..n)
        .map(|i| {
            items
                .by_ref()
                .take(len / n + usize::from(i < len % n))
                .collect()
        })
        .collect()
}

/// The probe's split: keeps the first group of its deployments (the one it is in) and
/// spawns a range for each other group.
fn split_members(
    job: &mut Job,
    keys_each: u64,
    listing: &RangeListing<'_>,
    spawn: &mpsc::UnboundedSender<Job>,
) {
    let ranges = ranges_for(job.members.len(), keys_each, listing.max_ranges);
    if ranges < 2 {
        return;
    }
    let all: Vec<String> = job.members.drain(..).collect();
    let mut groups = groups(all, ranges).into_iter();
    job.members = groups.next().unwrap_or_default().into();
    let mut after = end_of(job.members.back().expect("groups are not empty"));
    job.upto = after.clone();
    for group in groups {
        let upto = end_of(group.last().expect("groups are not empty"));
        let _ = spawn.send(Job {
            after: Some(after),
            upto: upto.clone(),
            members: group.into(),
            probe: false,
            keys_each: Some(keys_each),
        });
        after = upto;
    }
}

/// Splits the deployment a range is in the middle of at its sub-folders ahead of
/// `last_key`: this range keeps the first group, the others get a range each, and the
/// last one also takes the deployments after it.
async fn split_front(
    job: &mut Job,
    front: &Front,
    last_key: &str,
    shared: &Shared<'_>,
    spawn: &mpsc::UnboundedSender<Job>,
) -> Result<(), EngineError> {
    let listing = shared.listing;
    let prefix = job.members.front().expect("a front").clone();
    if !shared
        .split
        .lock()
        .expect("split lock")
        .insert(prefix.clone())
    {
        return Ok(());
    }
    let request = PageRequest {
        scope: listing.scope,
        prefix: &prefix,
        delimiter: Some("/"),
        start_after: Some(last_key),
        page_size: None,
    };
    let stream = pages(listing.bucket, request, Some(listing.gate));
    futures::pin_mut!(stream);
    let Some(page) = stream.try_next().await? else {
        return Ok(());
    };
    let mut folders: Vec<String> = page
        .common_prefixes
        .into_iter()
        .filter(|folder| folder.as_str() > last_key)
        .collect();
    folders.dedup();
    let keys_each = front.keys.div_ceil(front.folders.max(1));
    let ranges = ranges_for(folders.len(), keys_each, listing.max_ranges);
    if ranges < 2 {
        return Ok(());
    }
    shared.add_parts(&prefix, ranges - 1);
    job.keys_each = None;
    let mut rest: VecDeque<String> = job.members.split_off(1);
    let mut groups = groups(folders, ranges).into_iter();
    let mut after = end_of(groups.next().unwrap_or_default().last().expect("a folder"));
    let upto = std::mem::replace(&mut job.upto, after.clone());
    let groups: Vec<Vec<String>> = groups.collect();
    let count = groups.len();
    for (i, group) in groups.into_iter().enumerate() {
        let (end, mut members) = if i + 1 == count {
            (upto.clone(), std::mem::take(&mut rest))
        } else {
            (end_of(group.last().expect("a folder")), VecDeque::new())
        };
        members.push_front(prefix.clone());
        let _ = spawn.send(Job {
            after: Some(after),
            upto: end.clone(),
            members,
            probe: false,
            keys_each: None,
        });
        after = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_ends_past_every_key_of_its_last_deployment_and_before_the_next() {
        let end = end_of("d4/");
        assert!("d4/zzz/\u{10FFFF}" < end.as_str());
        assert!(end.as_str() < "d4x/");
        assert!(end.as_str() < "d40/");
        assert!(end_of("d4-x/").as_str() < "d4/");
        assert_eq!(end_of("sites/v1/"), "sites/v10");
    }

    #[test]
    fn groups_are_contiguous_and_nearly_equal() {
        let split = groups((0..10).collect(), 3);
        assert_eq!(split, vec![vec![0, 1, 2, 3], vec![4, 5, 6], vec![7, 8, 9]]);
        assert_eq!(groups(vec![1], 1), vec![vec![1]]);
    }

    #[test]
    fn a_range_expects_its_members_keys_less_those_read() {
        let members: VecDeque<String> = ["a/", "b/", "c/"].map(String::from).into();
        assert_eq!(keys_left(&members, 0, 100), 300);
        assert_eq!(keys_left(&members, 40, 100), 260);
        assert_eq!(
            keys_left(&members, 250, 100),
            200,
            "a first member bigger than the estimate has nothing left to expect"
        );
        assert_eq!(keys_left(&VecDeque::new(), 0, 100), 0);
    }

    #[test]
    fn tiny_deployments_share_a_range_full_pages_get_more() {
        assert_eq!(ranges_for(200, 1, 32), 1);
        assert_eq!(
            ranges_for(190, 100, 32),
            5,
            "small deployments: 4 pages a range"
        );
        assert_eq!(ranges_for(200, 1000, 32), 25, "full pages: 8 pages a range");
        assert_eq!(ranges_for(2000, 1000, 32), 32);
        assert_eq!(
            ranges_for(2, 100_000, 32),
            2,
            "never more ranges than units"
        );
    }
}
