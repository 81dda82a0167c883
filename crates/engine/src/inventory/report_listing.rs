//! The listing a plan needs, from an S3 Inventory report instead of a bucket listing:
//! the manifest found and checked, its data files read in parallel and folded into the
//! deployments' tallies, and the live deployments found from the live bucket (its root
//! listed with a delimiter and the pointers read as they are now). That delimiter
//! listing also names the deployments still there: one the report lists but the bucket
//! no longer has is left out of the plan.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};

use super::aggregate::ReportTally;
use super::columns::Columns;
use super::data_file::FileReading;
use super::location::{newest_manifest, ReportUri, CHECKSUM_NAME, MANIFEST_NAME};
use super::manifest::{Manifest, ReportFormat};
use crate::bucket::{Bucket, Scope};
use crate::deployment::Deployment;
use crate::error::EngineError;
use crate::listing::{discover, live_set, Inventory, ListingEvent, ListingOptions};
use crate::live_sources::read_pointers;
use crate::uploads::count_uploads_or_warn;

/// What a plan from a report says about the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSummary {
    /// `s3://BUCKET/KEY` of the manifest read.
    pub manifest: String,
    /// The manifest's `creationTimestamp`: when S3 started scanning the bucket.
    pub created: DateTime<Utc>,
    pub format: ReportFormat,
    /// Whether the report lists every version and delete marker.
    pub all_versions: bool,
    pub files: usize,
    pub rows: u64,
}

impl ReportSummary {
    /// How the plan output names its source: `inventory <creationTimestamp>`.
    pub fn source(&self) -> String {
        format!(
            "inventory {}",
            self.created
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }
}

/// Data files read at once: decoding is CPU-bound, so about one per core.
fn files_in_flight() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 8)
}

/// The largest manifest read (AWS's list a few hundred bytes per data file).
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// Lists `bucket`'s deployments from the report at `uri` (see [`ReportUri`]) as
/// [`crate::listing::list_deployments`] would list them, and what the report was.
/// Refuses a report of another bucket, a damaged one, one without the columns a plan
/// needs, and a current-version report for `--all-versions`.
pub async fn list_from_report(
    bucket: &Bucket,
    options: &ListingOptions,
    uri: &str,
    on_event: &(dyn Fn(ListingEvent) + Send + Sync),
) -> Result<(Inventory, ReportSummary), EngineError> {
    let uri = ReportUri::parse(uri).map_err(EngineError::Other)?;
    let reports = bucket.sibling(&uri.bucket);
    let manifest_key = if uri.names_manifest() {
        uri.key.clone()
    } else {
        newest_manifest(&reports, &uri.key, bucket.name()).await?
    };
    let place = format!("s3://{}/{manifest_key}", reports.name());
    let manifest = read_manifest(&reports, &manifest_key, &place).await?;
    let checked = check(&manifest, bucket, options, &place).map_err(EngineError::Other)?;

    let digests = options.digests || !options.live.aliases.is_empty();
    let reading = FileReading {
        reports: reports.sibling(manifest.destination_name()),
        format: checked.format,
        columns: Arc::new(checked.columns),
        source: manifest.source_bucket.clone(),
        etags: digests,
    };
    let start = ReportTally::new(&options.root, options.scope, digests);
    let reading = &reading;
    // Owned files and tallies: a future borrowing from the stream's items is not `Send`
    // for every lifetime, which the explorer's spawned task needs.
    let reads = manifest.files.clone().into_iter().map(|file| {
        let tally = start.fresh();
        async move { reading.read(&file, tally).await }
    });
    let tallies = stream::iter(reads)
        .buffer_unordered(files_in_flight())
        .try_fold(start.fresh(), |mut sum, tally| async move {
            sum.merge(tally);
            Ok(sum)
        });
    let live = async {
        let discovery = discover(bucket, options.scope, &options.root).await?;
        let pointers = read_pointers(bucket, &options.live, &discovery.small_root_keys).await?;
        Ok::<_, EngineError>((discovery, pointers))
    };
    // Reports do not list incomplete uploads: they are counted live, as a listing does.
    let uploads = count_uploads_or_warn(bucket, &options.root);
    let (mut tally, (discovery, pointers), (uploads, uploads_warning)) =
        futures::try_join!(tallies, live, uploads)?;
    let root_objects = discovery.root_objects;
    // Deployments deleted since the report (by an earlier prune, say) are left out.
    let present: HashSet<String> = discovery.prefixes.into_iter().collect();

    let rows = tally.rows;
    let root = tally.root().to_string();
    tally
        .deployments
        .retain(|name, _| present.contains(&format!("{root}{name}/")));
    on_event(ListingEvent::Discovered {
        deployments: tally.deployments.len(),
        root_objects: root_objects.clone(),
    });
    let mut deployments: Vec<Deployment> = Vec::with_capacity(tally.deployments.len());
    let mut current = HashMap::new();
    let mut digests = HashMap::new();
    for (name, tally) in tally.deployments {
        let digest = tally.digest();
        let prefix = format!("{root}{name}/");
        if let Some((deployment, stats)) = tally.into_deployment(name.clone(), prefix) {
            on_event(ListingEvent::Listed(deployment.clone()));
            if let Some(digest) = digest {
                digests.insert(name.clone(), digest);
            }
            current.insert(name, stats);
            deployments.push(deployment);
        }
    }
    let uploads_outside = uploads.attribute(&mut deployments);
    let live = live_set(&deployments, &digests, &pointers, &options.live);
    let inventory = Inventory {
        deployments,
        root_objects,
        current: (options.scope == Scope::AllVersions).then_some(current),
        live,
        digests,
        uploads_outside,
        warnings: uploads_warning.into_iter().collect(),
    };
    let summary = ReportSummary {
        manifest: place,
        created: checked.created,
        format: checked.format,
        all_versions: reading.columns.all_versions(),
        files: manifest.files.len(),
        rows,
    };
    Ok((inventory, summary))
}

async fn read_manifest(reports: &Bucket, key: &str, place: &str) -> Result<Manifest, EngineError> {
    let checksum_key = format!(
        "{}{CHECKSUM_NAME}",
        key.strip_suffix(MANIFEST_NAME).unwrap_or(key)
    );
    let (bytes, checksum) = futures::try_join!(
        reports.read_head(key, MAX_MANIFEST_BYTES),
        reports.read_head(&checksum_key, 1024)
    )?;
    let bytes = bytes.ok_or_else(|| {
        EngineError::Other(format!(
            "there is no inventory manifest at {place}; check --inventory (give the \
             manifest.json or a folder above the report). Nothing was deleted"
        ))
    })?;
    let checksum = checksum.ok_or_else(|| {
        EngineError::Other(format!(
            "{place} has no manifest.checksum beside it, so it cannot be checked; S3 \
             Inventory writes both. Nothing was deleted"
        ))
    })?;
    Manifest::parse(&bytes.bytes, &checksum.bytes, place).map_err(EngineError::Other)
}

struct Checked {
    format: ReportFormat,
    columns: Columns,
    created: DateTime<Utc>,
}

fn check(
    manifest: &Manifest,
    bucket: &Bucket,
    options: &ListingOptions,
    place: &str,
) -> Result<Checked, String> {
    if manifest.source_bucket != bucket.name() {
        return Err(format!(
            "the inventory report {place} is for bucket {:?}, not {:?}: a plan from it would \
             describe another bucket. Point --inventory at a report of {:?} (its path has \
             the source bucket's name before the configuration id). Nothing was deleted",
            manifest.source_bucket,
            bucket.name(),
            bucket.name()
        ));
    }
    let created = manifest.created()?;
    let format = manifest.format()?;
    let columns = match format {
        ReportFormat::Csv => Columns::from_csv_schema(&manifest.file_schema)?,
        ReportFormat::Parquet => Columns::from_parquet_schema(&manifest.file_schema)?,
    };
    if format == ReportFormat::Parquet && !cfg!(feature = "parquet") {
        return Err(super::PARQUET_NOT_BUILT.to_string());
    }
    if options.scope == Scope::AllVersions && !columns.all_versions() {
        return Err(format!(
            "the inventory report {place} lists current versions only, but --all-versions \
             counts every version and delete marker; use a report whose configuration \
             includes all versions, or drop --all-versions. Nothing was deleted"
        ));
    }
    Ok(Checked {
        format,
        columns,
        created,
    })
}

/// The listing a plan is made from: the report at `report` when one is given
/// (`--inventory`), else the bucket listed in full.
pub async fn list_deployments_from(
    bucket: &Bucket,
    options: &ListingOptions,
    report: Option<&str>,
    on_event: &(dyn Fn(ListingEvent) + Send + Sync),
) -> Result<(Inventory, Option<ReportSummary>), EngineError> {
    match report {
        Some(uri) => list_from_report(bucket, options, uri, on_event)
            .await
            .map(|(inventory, summary)| (inventory, Some(summary))),
        None => crate::listing::list_deployments(bucket, options, on_event)
            .await
            .map(|inventory| (inventory, None)),
    }
}
