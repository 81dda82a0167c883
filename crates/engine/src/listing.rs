use futures::stream::{self, StreamExt, TryStreamExt};

use super::bucket::Bucket;
use super::deployment::{Deployment, ObjectTally, RootObjects};
use super::error::EngineError;
use super::listing_gate::ListingGate;

#[derive(Debug, Clone)]
pub struct ListingOptions {
    /// The root under which each top-level folder is a deployment (`--prefix`); empty
    /// for the bucket root, otherwise ending in `/`.
    pub root: String,
    /// Listing requests at once while pages are small; half as many while they are
    /// full (see [`ListingGate`]).
    pub concurrency: usize,
}

pub const DEFAULT_LISTING_CONCURRENCY: usize = 64;

impl ListingOptions {
    pub fn new(root: impl Into<String>) -> Self {
        ListingOptions {
            root: root.into(),
            concurrency: DEFAULT_LISTING_CONCURRENCY,
        }
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
}

/// Lists every deployment under `options.root` in full and aggregates it. Fails as a
/// whole if any listing fails: a plan built from a partial listing could count the wrong
/// deployments as "newest".
pub async fn list_deployments(
    bucket: &Bucket,
    options: &ListingOptions,
    on_event: &(dyn Fn(ListingEvent) + Send + Sync),
) -> Result<Inventory, EngineError> {
    let (prefixes, root_objects) = discover(bucket, &options.root).await?;
    on_event(ListingEvent::Discovered {
        deployments: prefixes.len(),
        root_objects: root_objects.clone(),
    });
    let root = options.root.as_str();
    let gate = &ListingGate::new(options.concurrency);
    let deployments: Vec<Deployment> = stream::iter(prefixes)
        .map(|prefix| async move {
            let name = deployment_name(root, &prefix);
            let tally = tally_prefix(gate, bucket, &prefix).await?;
            Ok::<_, EngineError>(tally.into_deployment(name, prefix))
        })
        .buffer_unordered(options.concurrency.max(1))
        .try_filter_map(|listed| async move {
            if let Some(deployment) = &listed {
                on_event(ListingEvent::Listed(deployment.clone()));
            }
            Ok(listed)
        })
        .try_collect()
        .await?;
    Ok(Inventory {
        deployments,
        root_objects,
    })
}

/// The deployment prefixes (`<root><name>/`) and the objects directly under the root.
pub(crate) async fn discover(
    bucket: &Bucket,
    root: &str,
) -> Result<(Vec<String>, RootObjects), EngineError> {
    let mut prefixes = Vec::new();
    let mut root_objects = RootObjects::default();
    let mut token = None;
    loop {
        let page = bucket.list_page(root, Some("/"), token).await?;
        prefixes.extend(
            page.common_prefixes
                .into_iter()
                .filter(|p| p.starts_with(root)),
        );
        for object in page.objects {
            root_objects.add(&object.key, object.size);
        }
        token = page.next_token;
        if token.is_none() {
            return Ok((prefixes, root_objects));
        }
    }
}

/// Counts every object under `prefix`, page by page, keeping no keys.
pub async fn tally_prefix(
    gate: &ListingGate,
    bucket: &Bucket,
    prefix: &str,
) -> Result<ObjectTally, EngineError> {
    let mut tally = ObjectTally::default();
    let mut token = None;
    loop {
        let page = gate.list_page(bucket, prefix, None, token).await?;
        for object in page.objects.iter().filter(|o| o.key.starts_with(prefix)) {
            tally.add(object.size, object.last_modified);
        }
        token = page.next_token;
        if token.is_none() {
            return Ok(tally);
        }
    }
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
