use std::collections::HashMap;
use std::sync::Mutex;

use futures::stream::TryStreamExt;

use super::bucket::{Bucket, Scope};
use super::deployment::{Deployment, RootObjects};
use super::error::EngineError;
use super::listing_gate::ListingGate;
use super::live::{LiveOptions, LiveSet, PointerObject, MAX_DETECTED_BYTES};
use super::live_sources::{read_pointers, PointerContent};
use super::pages::{entries, pages, PageRequest};
use super::ranges::RangeListing;
use super::tally::{CurrentStats, DeploymentTally};
use super::uploads::count_uploads_or_warn;

#[derive(Debug, Clone)]
pub struct ListingOptions {
    /// The root under which each top-level folder is a deployment (`--prefix`); empty
    /// for the bucket root, otherwise ending in `/`.
    pub root: String,
    /// Listing requests at once while pages are small; half as many while they are
    /// full (see [`ListingGate`]).
    pub concurrency: usize,
    /// Current objects, or every version and delete marker (`--all-versions`).
    pub scope: Scope,
    /// How live deployments are found.
    pub live: LiveOptions,
    /// Digest every deployment's objects (for a reviewed plan's fingerprints); alias
    /// folders are digested whenever aliases are given.
    pub digests: bool,
}

pub const DEFAULT_LISTING_CONCURRENCY: usize = 64;

impl ListingOptions {
    pub fn new(root: impl Into<String>) -> Self {
        ListingOptions {
            root: root.into(),
            concurrency: DEFAULT_LISTING_CONCURRENCY,
            scope: Scope::Current,
            live: LiveOptions::default(),
            digests: false,
        }
    }

    pub fn with_scope(self, scope: Scope) -> Self {
        ListingOptions { scope, ..self }
    }
}

/// Progress while a bucket is listed, for the TUI's running counts and the CLI spinner.
#[derive(Debug, Clone)]
pub enum ListingEvent {
    /// All deployment names under the root are known.
    Discovered {
        deployments: usize,
        root_objects: RootObjects,
    },
    /// One deployment has been listed in full.
    Listed(Deployment),
}

#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// In no particular order; the plan or the view sorts them.
    pub deployments: Vec<Deployment>,
    pub root_objects: RootObjects,
    /// In [`Scope::AllVersions`]: each deployment's current objects, by name (its
    /// `objects` and `bytes` then count every version).
    pub current: Option<HashMap<String, CurrentStats>>,
    /// The live deployments and what points at them (see [`crate::live`]).
    pub live: LiveSet,
    /// Each deployment's digest of its current objects, by name, when the listing was
    /// asked for digests (or for alias folders).
    pub digests: HashMap<String, String>,
    /// Incomplete multipart uploads under no listed deployment: directly under the root,
    /// or under a folder without objects. They are never aborted. (Each deployment's own
    /// are in its [`Deployment::incomplete_uploads`].)
    pub uploads_outside: u64,
    /// Problems that do not stop the plan, such as uploads that could not be listed.
    pub warnings: Vec<String>,
}

/// Lists every deployment under `options.root` in full and aggregates it, and finds the
/// live deployments (the pointers are read while the deployments are listed). Fails as a
/// whole if any listing or named pointer fails: a plan built from a partial listing could
/// count the wrong deployments as "newest", and one without its pointer could miss what
/// is live.
pub async fn list_deployments(
    bucket: &Bucket,
    options: &ListingOptions,
    on_event: &(dyn Fn(ListingEvent) + Send + Sync),
) -> Result<Inventory, EngineError> {
    let discovery = discover(bucket, options.scope, &options.root).await?;
    on_event(ListingEvent::Discovered {
        deployments: discovery.prefixes.len(),
        root_objects: discovery.root_objects.clone(),
    });
    let scope = options.scope;
    let tallies = tally_all(bucket, options, discovery.prefixes, on_event);
    let pointers = read_pointers(bucket, &options.live, &discovery.small_root_keys);
    let uploads = count_uploads_or_warn(bucket, &options.root);
    let (listed, pointers, (uploads, uploads_warning)) =
        futures::try_join!(tallies, pointers, uploads)?;

    let current = (scope == Scope::AllVersions).then(|| {
        listed
            .iter()
            .map(|(d, c, _)| (d.name.clone(), *c))
            .collect()
    });
    let digests: HashMap<String, String> = listed
        .iter()
        .filter_map(|(d, _, digest)| Some((d.name.clone(), digest.clone()?)))
        .collect();
    let mut deployments: Vec<Deployment> = listed.into_iter().map(|(d, _, _)| d).collect();
    let uploads_outside = uploads.attribute(&mut deployments);
    let live = live_set(&deployments, &digests, &pointers, &options.live);
    Ok(Inventory {
        deployments,
        root_objects: discovery.root_objects,
        current,
        live,
        digests,
        uploads_outside,
        warnings: uploads_warning.into_iter().collect(),
    })
}

type Tallied = (Deployment, CurrentStats, Option<String>);

/// Every deployment's tally (with its digest when aliases are to be matched), listed as
/// a few key ranges (see [`crate::ranges`]).
async fn tally_all(
    bucket: &Bucket,
    options: &ListingOptions,
    prefixes: Vec<String>,
    on_event: &(dyn Fn(ListingEvent) + Send + Sync),
) -> Result<Vec<Tallied>, EngineError> {
    let root = options.root.as_str();
    let gate = ListingGate::new(options.concurrency);
    let ranges = RangeListing {
        bucket,
        scope: options.scope,
        root,
        gate: &gate,
        digests: options.digests || !options.live.aliases.is_empty(),
        max_ranges: max_ranges(options.concurrency),
        keep: None,
    };
    let listed = Mutex::new(Vec::with_capacity(prefixes.len()));
    ranges
        .tally(prefixes, None, &|prefix, tally, _| {
            let digest = tally.digest();
            let name = deployment_name(root, prefix);
            if let Some((deployment, current)) = tally.into_deployment(name, prefix.to_string()) {
                on_event(ListingEvent::Listed(deployment.clone()));
                listed
                    .lock()
                    .expect("listing lock")
                    .push((deployment, current, digest));
            }
        })
        .await?;
    Ok(listed.into_inner().expect("listing lock"))
}

/// Ranges at once for a listing `concurrency`: full pages take two slots of the gate.
pub(crate) fn max_ranges(concurrency: usize) -> usize {
    (concurrency / 2).max(1)
}

/// What the pointers name and the aliases copy.
pub(crate) fn live_set(
    deployments: &[Deployment],
    digests: &HashMap<String, String>,
    pointers: &[PointerContent],
    options: &LiveOptions,
) -> LiveSet {
    let pointers: Vec<PointerObject<'_>> = pointers
        .iter()
        .map(|p| PointerObject {
            key: &p.key,
            content: &p.content,
        })
        .collect();
    LiveSet::from_sources(deployments, digests, &pointers, &options.aliases)
}

/// What a delimiter listing of the root shows.
pub(crate) struct Discovery {
    /// The deployment prefixes, `<root><name>/`.
    pub prefixes: Vec<String>,
    /// The current objects directly under the root.
    pub root_objects: RootObjects,
    /// Keys of the root objects small enough for live auto-detection.
    pub small_root_keys: Vec<String>,
}

pub(crate) async fn discover(
    bucket: &Bucket,
    scope: Scope,
    root: &str,
) -> Result<Discovery, EngineError> {
    let mut discovery = Discovery {
        prefixes: Vec::new(),
        root_objects: RootObjects::default(),
        small_root_keys: Vec::new(),
    };
    let request = PageRequest {
        scope,
        prefix: root,
        delimiter: Some("/"),
        start_after: None,
        page_size: None,
    };
    let listing = pages(bucket, request, None);
    futures::pin_mut!(listing);
    while let Some(page) = listing.try_next().await? {
        for prefix in page.common_prefixes {
            // A prefix can come back on two pages when its versions straddle them.
            if discovery.prefixes.last() != Some(&prefix) {
                discovery.prefixes.push(prefix);
            }
        }
        for entry in page.entries.iter().filter(|e| e.is_current_object()) {
            discovery.root_objects.add(&entry.key, entry.size);
            if entry.size <= MAX_DETECTED_BYTES as u64 {
                discovery.small_root_keys.push(entry.key.clone());
            }
        }
    }
    discovery.prefixes.dedup();
    Ok(discovery)
}

/// Tallies every entry under `prefix`, page by page, keeping no keys.
/// With `digest`, also digests the current objects (for alias folders).
pub async fn tally_prefix(
    gate: &ListingGate,
    bucket: &Bucket,
    scope: Scope,
    prefix: &str,
    digest: bool,
) -> Result<DeploymentTally, EngineError> {
    let start = if digest {
        DeploymentTally::with_digest()
    } else {
        DeploymentTally::default()
    };
    entries(bucket, PageRequest::flat(scope, prefix), Some(gate))
        .try_fold(start, |mut tally, page| async move {
            page.iter().for_each(|entry| tally.add(prefix, entry));
            Ok(tally)
        })
        .await
}

pub(crate) fn deployment_name(root: &str, prefix: &str) -> String {
    let rest = prefix.strip_prefix(root).unwrap_or(prefix);
    rest.strip_suffix('/').unwrap_or(rest).to_string()
}

/// Normalises `--prefix`: empty stays empty (the bucket root), anything else ends in `/`.
pub fn normalise_root(prefix: Option<&str>) -> String {
    match prefix {
        None | Some("") => String::new(),
        Some(p) if p.ends_with('/') => p.to_string(),
        Some(p) => format!("{p}/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_folder_under_the_root() {
        assert_eq!(deployment_name("", "deployhash112/"), "deployhash112");
        assert_eq!(deployment_name("sites/prod/", "sites/prod/v1/"), "v1");
    }

    #[test]
    fn roots_end_in_a_slash() {
        assert_eq!(normalise_root(None), "");
        assert_eq!(normalise_root(Some("")), "");
        assert_eq!(normalise_root(Some("sites")), "sites/");
        assert_eq!(normalise_root(Some("sites/")), "sites/");
    }
}
